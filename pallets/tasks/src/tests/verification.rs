//! `submit_result`: valid proofs settle; everything else is refused or slashed.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};

/// A task submitted with `max_fee` and assigned to P1.
fn assigned(max_fee: Balance, payment: Payment) -> TaskId {
	let id = submit(max_fee, payment);
	run_to(System::block_number() + 1);
	assert_eq!(assignee(id), Some(P1));
	id
}

#[test]
fn a_valid_proof_settles_80_20_and_returns_the_rest() {
	execute(|| {
		let id = assigned(1_500, Payment::Dai);
		let f = fixture();
		assert_ok!(answer(P1, id, f.output.clone(), f.proof.to_vec()));

		assert_eq!(free(USER), FUNDS - PRICE);
		assert_eq!(Balances::balance_on_hold(&HoldReason::TaskFee.into(), &USER), 0);
		assert_eq!(free(P1), FUNDS - BOND + 800);
		assert_eq!(free(DEV), FUNDS + 200);
		let result = Results::<Test>::get(id).unwrap();
		assert_eq!(result.output.to_vec(), f.output);
		assert_eq!((result.provider, result.executor_paid, result.developer_paid), (P1, 800, 200));
		assert_eq!(result.proof_hash, <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(f.proof));
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Completed { provider: P1, .. }));
		// The executor's record, verified compute and credits grew.
		let p1 = pallet_compute_staking::Providers::<Test>::get(P1).unwrap();
		assert_eq!((p1.record.verified, p1.open_tasks), (1, 0));
		assert!(pallet_credits::Credits::<Test>::get(P1) > 0);
		System::assert_has_event(
			Event::TaskCompleted {
				task: id,
				provider: P1,
				output_hash: result.output_hash,
				proof_hash: result.proof_hash,
				executor_paid: 800,
				developer_paid: 200,
				refunded: 500,
			}
			.into(),
		);
	});
}

#[test]
fn a_result_is_charged_for_its_model_s_public_inputs_not_the_largest_key() {
	execute(|| {
		let id = assigned(1_500, Payment::Dai);
		let f = fixture();
		let post = TaskMarket::submit_result(
			RuntimeOrigin::signed(key(P1)),
			id,
			f.output.try_into().unwrap(),
			f.proof.to_vec().try_into().unwrap(),
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
		let id = assigned(1_500, Payment::Credits);
		let f = fixture();
		let earned = pallet_credits::Pallet::<Test>::earned_for(
			pallet_model_registry::fixtures::MLP_64_32_10_FLOPS,
			sp_runtime::Perbill::from_rational(2u32, 3u32),
		);
		assert_ok!(answer(P1, id, f.output, f.proof.to_vec()));
		assert_eq!(pallet_credits::Credits::<Test>::get(USER), 5_000 - PRICE);
		assert_eq!(pallet_credits::Credits::<Test>::get(P1), 800 + earned);
		assert_eq!(pallet_credits::Credits::<Test>::get(DEV), 200);
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn an_altered_output_slashes_the_provider_and_reassigns() {
	execute(|| {
		let id = assigned(PRICE, Payment::Dai);
		let f = fixture();
		let mut output = f.output.clone();
		output[0] += 1;
		assert_ok!(answer(P1, id, output, f.proof.to_vec()));
		let p1 = pallet_compute_staking::Providers::<Test>::get(P1).unwrap();
		assert_eq!((p1.active, p1.record.failed, p1.open_tasks), (BOND / 2, 1, 0));
		assert!(events().contains(&Event::ResultRejected { task: id, provider: P1, slashed: BOND / 2 }));
		run_to(System::block_number() + 1);
		assert_eq!(assignee(id), Some(P2), "not given back to the provider that failed it");
		assert_eq!(free(USER), FUNDS - PRICE, "the fee is still set aside");
	});
}

#[test]
fn a_forged_proof_or_one_for_another_model_is_rejected() {
	execute(|| {
		let f = fixture();
		// A proof of another setup of the same model: the forger knows its trapdoor.
		let bytes = std::fs::read(format!(
			"{}/../../zk-circuits/models/mlp_64_32_10.onnx",
			std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")
		))
		.unwrap();
		let circuit = daifi_zk::compile(&bytes).unwrap();
		use rand::SeedableRng;
		let mut rng = rand::rngs::StdRng::seed_from_u64(99);
		let forger = daifi_zk::setup(&circuit, &mut rng).unwrap();
		let (output, forged) = daifi_zk::prove(&circuit, &forger, &f.input, &mut rng).unwrap();
		assert_eq!(output, f.output);

		let id = assigned(PRICE, Payment::Dai);
		assert_ok!(answer(P1, id, output, daifi_zk::to_bytes(&forged)));
		assert!(events().iter().any(|e| matches!(e, Event::ResultRejected { provider: P1, .. })));

		// Garbage that is not even a proof is rejected the same way.
		run_to(System::block_number() + 1);
		assert_eq!(assignee(id), Some(P2));
		assert_ok!(answer(P2, id, f.output.clone(), vec![0u8; 128]));
		assert!(events().iter().any(|e| matches!(e, Event::ResultRejected { provider: P2, .. })));
		// Two providers failed and no third serves it: refunded in full after the timeout.
		run_to(System::block_number() + QUEUE_TIMEOUT);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Refunded { .. }));
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn results_from_anyone_but_the_assignee_are_refused_and_change_nothing() {
	execute(|| {
		let id = assigned(PRICE, Payment::Dai);
		let f = fixture();
		let result = |signer: u64, id: TaskId, output: Vec<i64>| {
			TaskMarket::submit_result(
				RuntimeOrigin::signed(signer),
				id,
				output.try_into().unwrap(),
				f.proof.to_vec().try_into().unwrap(),
			)
		};
		assert_noop!(result(P1, id, f.output.clone()), Error::<Test>::NotAComputeKey);
		assert_noop!(result(key(P2), id, f.output.clone()), Error::<Test>::NotAssignedProvider);
		assert_noop!(result(key(P1), 99, f.output.clone()), Error::<Test>::UnknownTask);
		assert_noop!(result(key(P1), id, f.output[..9].to_vec()), Error::<Test>::WrongOutputShape);

		assert_ok!(result(key(P1), id, f.output.clone()));
		// A second result for the finished task (a replay of the same call too).
		assert_noop!(result(key(P1), id, f.output.clone()), Error::<Test>::TaskClosed);

		// A queued task has no assignee yet.
		let queued = submit(PRICE, Payment::Dai);
		assert_noop!(result(key(P1), queued, f.output.clone()), Error::<Test>::NotAssignedProvider);
	});
}
