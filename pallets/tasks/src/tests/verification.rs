//! `submit_result`: valid proofs settle; everything else is refused or slashed.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};

/// A task submitted with `max_fee` and assigned in the next block: its id
/// and its provider.
pub fn assigned(max_fee: Balance, payment: Payment) -> (TaskId, AccountId) {
	let id = submit(max_fee, payment);
	run_to(System::block_number() + 1);
	(id, assignee(id).expect("assigned in the next block"))
}

#[test]
fn a_valid_proof_burns_10_percent_splits_the_rest_80_20_and_returns_the_change() {
	execute(|| {
		let (id, who) = assigned(1_500, Payment::Dai);
		let (output, proof) = proven(id, who);
		let bonded_free = free(who);
		assert_ok!(answer(who, id, output.clone(), proof.clone()));

		// Price 1,000: 100 burned, 720 to the executor, 180 to the developer, 500 back.
		assert_eq!(free(USER), FUNDS - PRICE);
		assert_eq!(Balances::balance_on_hold(&HoldReason::TaskFee.into(), &USER), 0);
		assert_eq!(free(who), bonded_free + 720);
		assert_eq!(free(DEV), FUNDS + 180);
		let result = Results::<Test>::get(id).unwrap();
		assert_eq!(result.output.to_vec(), output);
		assert_eq!(
			(result.provider, result.executor_paid, result.developer_paid, result.burned),
			(who, 720, 180, 100)
		);
		assert_eq!(result.proof_hash, <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&proof));
		// What rewards read: the counted burn, the model's FLOPs, when it was submitted and settled.
		let flops = pallet_model_registry::Models::<Test>::get(model()).unwrap().flops;
		assert_eq!((result.counted, result.flops), (100, flops));
		assert_eq!((result.submitted_at, result.settled_at), (1, 2));
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Completed { .. }));
		// The executor's record grew; the credits it earned are capped by the burn.
		let p = pallet_compute_staking::Providers::<Test>::get(who).unwrap();
		assert_eq!((p.record.verified, p.open_tasks), (1, 0));
		let credits = pallet_credits::Credits::<Test>::get(who);
		assert!(credits > 0 && credits <= 100, "{credits} credits for a task that burned 100");
		System::assert_has_event(
			Event::TaskCompleted {
				task: id,
				provider: who,
				output_hash: result.output_hash,
				proof_hash: result.proof_hash,
				executor_paid: 720,
				developer_paid: 180,
				burned: 100,
				refunded: 500,
			}
			.into(),
		);
	});
}

#[test]
fn a_result_is_charged_for_its_model_s_public_inputs_not_the_largest_key() {
	execute(|| {
		let (id, who) = assigned(1_500, Payment::Dai);
		let (output, proof) = proven(id, who);
		let post = TaskMarket::submit_result(
			RuntimeOrigin::signed(key(who)),
			id,
			input_hash(id),
			output.try_into().unwrap(),
			proof.try_into().unwrap(),
		)
		.unwrap();
		let charged = TaskMarket::submit_result_weight(pallet_model_registry::fixtures::MLP_64_32_10_PUBLIC_INPUTS);
		assert_eq!(post.actual_weight, Some(charged));
		let declared = TaskMarket::submit_result_weight(pallet_model_registry::MAX_PUBLIC_INPUTS);
		assert!(charged.ref_time() < declared.ref_time(), "{charged} is refunded from {declared}");
	});
}

#[test]
fn a_task_paid_in_credits_pays_in_credits() {
	execute(|| {
		let (id, who) = assigned(1_500, Payment::Credits);
		let (output, proof) = proven(id, who);
		assert_ok!(answer(who, id, output, proof));
		assert_eq!(pallet_credits::Credits::<Test>::get(USER), 5_000 - PRICE);
		// 720 as the executor's share, and at most the 100 burned as earned credits.
		let executor = pallet_credits::Credits::<Test>::get(who);
		assert!((720..=820).contains(&executor), "{executor}");
		assert_eq!(pallet_credits::Credits::<Test>::get(DEV), 180);
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn an_altered_output_slashes_the_provider_and_reassigns() {
	execute(|| {
		let (id, who) = assigned(PRICE, Payment::Dai);
		let (mut output, proof) = proven(id, who);
		output[0] += 1;
		assert_ok!(answer(who, id, output, proof));
		let p = pallet_compute_staking::Providers::<Test>::get(who).unwrap();
		assert_eq!((p.active, p.record.failed, p.open_tasks), (BOND / 2, 1, 0));
		assert!(events().contains(&Event::ResultRejected { task: id, provider: who, slashed: BOND / 2 }));
		run_to(System::block_number() + 1);
		assert_eq!(assignee(id), Some(other(who)), "not given back to the provider that failed it");
		assert_eq!(free(USER), FUNDS - PRICE, "the fee is still set aside");
	});
}

#[test]
fn a_proof_cannot_be_replayed_for_another_task_or_copied_by_another_provider() {
	execute(|| {
		// Two tasks with the same input, both assigned.
		let a = submit(PRICE, Payment::Dai);
		let b = submit(PRICE, Payment::Dai);
		run_to(2);
		let (pa, pb) = (assignee(a).unwrap(), assignee(b).unwrap());
		let (output, proof_a) = proven(a, pa);
		assert_ok!(answer(pa, a, output.clone(), proof_a.clone()));
		// b's provider submits a's (valid, public) proof for b: rejected.
		assert_ok!(answer(pb, b, output.clone(), proof_a.clone()));
		assert!(events().contains(&Event::ResultRejected { task: b, provider: pb, slashed: BOND / 2 }));
		// A proof for the right task by another provider does not verify either.
		run_to(3);
		let now = assignee(b).expect("reassigned");
		let (_, proof_by_other) = proven(b, other(now));
		assert_ok!(answer(now, b, output.clone(), proof_by_other));
		assert!(events().iter().any(|e| matches!(e, Event::ResultRejected { task, provider, .. } if *task == b && *provider == now)));
	});
}

#[test]
fn a_forged_proof_or_garbage_is_rejected() {
	execute(|| {
		let f = fixture();
		// A proof of another setup of the same model: the forger knows its trapdoor.
		let bytes = std::fs::read(format!("{}/../../zk-circuits/models/mlp_64_32_10.onnx", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")))
			.unwrap();
		let circuit = daifi_zk::compile(&bytes).unwrap();
		use rand::SeedableRng;
		let mut rng = rand::rngs::StdRng::seed_from_u64(99);
		let forger = daifi_zk::setup(&circuit, &mut rng).unwrap();

		let (id, who) = assigned(PRICE, Payment::Dai);
		let (output, forged) = daifi_zk::prove(&circuit, &forger, &task_binding(id, &who), &f.input, &mut rng).unwrap();
		assert_ok!(answer(who, id, output.clone(), daifi_zk::to_bytes(&forged)));
		assert!(events().iter().any(|e| matches!(e, Event::ResultRejected { provider, .. } if *provider == who)));

		// Garbage that is not even a proof is rejected the same way.
		run_to(System::block_number() + 1);
		let second = assignee(id).unwrap();
		assert_eq!(second, other(who));
		assert_ok!(answer(second, id, output, vec![0u8; 128]));
		assert!(events().iter().any(|e| matches!(e, Event::ResultRejected { provider, .. } if *provider == second)));
		// Two providers failed and no third serves it: refunded in full after the timeout.
		run_to(System::block_number() + QUEUE_TIMEOUT);
		assert!(!Tasks::<Test>::contains_key(id), "a refunded task is not retained");
		assert!(events().contains(&Event::TaskRefunded { task: id, owner: USER, amount: PRICE }));
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn results_from_anyone_but_the_assignee_are_refused_and_change_nothing() {
	execute(|| {
		let (id, who) = assigned(PRICE, Payment::Dai);
		let (output, proof) = proven(id, who);
		let result = |signer: u64, id: TaskId, output: Vec<i64>| {
			TaskMarket::submit_result(
				RuntimeOrigin::signed(signer),
				id,
				input_hash(id),
				output.try_into().unwrap(),
				proof.clone().try_into().unwrap(),
			)
		};
		assert_noop!(result(who, id, output.clone()), Error::<Test>::NotAComputeKey);
		assert_noop!(result(key(other(who)), id, output.clone()), Error::<Test>::NotAssignedProvider);
		assert_noop!(result(key(who), 99, output.clone()), Error::<Test>::UnknownTask);
		assert_noop!(result(key(who), id, output[..9].to_vec()), Error::<Test>::WrongOutputShape);

		assert_ok!(result(key(who), id, output.clone()));
		// A second result for the finished task (a replay of the same call too).
		assert_noop!(result(key(who), id, output.clone()), Error::<Test>::TaskClosed);

		// A queued task has no assignee yet.
		let queued = submit(PRICE, Payment::Dai);
		assert_noop!(result(key(who), queued, output.clone()), Error::<Test>::NotAssignedProvider);
	});
}

#[test]
fn a_provider_s_own_tasks_earn_it_nothing_toward_selection_or_credits() {
	execute(|| {
		// Each provider buys a task from its own account and from its compute key.
		for who in [P1, P2] {
			assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(USER), key(who), 10 * PRICE));
			for buyer in [who, key(who)] {
				submit_as(buyer, PRICE, Payment::Dai);
			}
		}
		run_to(2);
		run_to(3);
		let mut own = 0;
		for id in 0..4 {
			let who = assignee(id).unwrap();
			let owner = Tasks::<Test>::get(id).unwrap().owner;
			let (output, proof) = proven(id, who);
			assert_ok!(answer(who, id, output, proof));
			if owner == who || owner == key(who) {
				own += 1;
				assert_eq!(
					events().iter().rev().find_map(|e| match e {
						Event::TaskCompleted { task, burned, .. } if *task == id => Some(*burned),
						_ => None,
					}),
					Some(100),
					"the burn is paid all the same"
				);
			}
			// The result says what counted (what rewards read).
			let counted = Results::<Test>::get(id).unwrap().counted;
			assert_eq!(counted, if owner == who || owner == key(who) { 0 } else { 100 });
		}
		assert!(own > 0, "some provider drew its own task");
		// Verified compute counted toward selection only for others' tasks.
		for who in [P1, P2] {
			let counted: Balance = System::events()
				.into_iter()
				.filter_map(|r| match r.event {
					RuntimeEvent::TaskMarket(Event::TaskCompleted { task, provider, burned, .. })
						if provider == who =>
					{
						let owner = Tasks::<Test>::get(task).unwrap().owner;
						(owner != who && owner != key(who)).then_some(burned)
					},
					_ => None,
				})
				.sum();
			assert_eq!(ComputeStaking::counted_this_session(&who), counted);
			assert!(pallet_credits::Credits::<Test>::get(who) <= counted, "credits never exceed what others paid");
		}
	});
}

#[test]
fn a_result_for_another_version_of_the_task_is_refused_without_a_slash() {
	execute(|| {
		let (id, who) = assigned(PRICE, Payment::Dai);
		// What the provider's node proved on a fork where task `id` was
		// another submission: another input, its own valid proof.
		let other_input: Vec<i64> = fixture().input.iter().map(|x| (x + 1).min(256)).collect();
		let (output, proof) = prove_with(&task_binding(id, &who), &other_input);
		let other_hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash_of(&Tensor::try_from(other_input).unwrap());
		let bond = pallet_compute_staking::Providers::<Test>::get(who).unwrap().active;
		assert_noop!(
			TaskMarket::submit_result(
				RuntimeOrigin::signed(key(who)),
				id,
				other_hash,
				output.try_into().unwrap(),
				proof.try_into().unwrap(),
			),
			Error::<Test>::InputChanged
		);
		assert_eq!(pallet_compute_staking::Providers::<Test>::get(who).unwrap().active, bond, "not slashed");
		// The task as it stands is still answered normally.
		let (output, proof) = proven(id, who);
		assert_ok!(answer(who, id, output, proof));
	});
}
