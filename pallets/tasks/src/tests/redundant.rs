//! Redundant execution: k executors commit, reveal, and the committee's
//! attestation settles the task; liars, copiers, laggards and forged
//! attestations all fail.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash};

/// A third provider, registered by [`third_provider`].
const P3: AccountId = 12;

/// Registers [`P3`] serving the model, with the same bond as the others.
fn third_provider() {
	let profile = pallet_compute_staking::Providers::<Test>::get(P1).unwrap().profile;
	let proof = sp_runtime::testing::TestSignature(key(P3), pallet_compute_staking::compute_key_message(&P3));
	assert_ok!(ComputeStaking::register(RuntimeOrigin::signed(P3), profile, key(P3), proof, BOND));
}

/// Submits the fixture's input as `USER` for `k` executors, paying `k` prices.
fn submit_redundant(k: u8) -> TaskId {
	let id = NextTaskId::<Test>::get();
	assert_ok!(TaskMarket::submit_task(
		RuntimeOrigin::signed(USER),
		model(),
		TaskInput::Values(fixture().input.try_into().unwrap()),
		Verification::Redundant(k),
		PRICE * Balance::from(k),
		Payment::Dai
	));
	id
}

/// The active bond of provider `who`.
fn bond(who: AccountId) -> Balance {
	pallet_compute_staking::Providers::<Test>::get(who).unwrap().active
}

fn executors(id: TaskId) -> Vec<AccountId> {
	Executions::<Test>::get(id).unwrap_or_default().into_iter().map(|e| e.provider).collect()
}

fn phase(id: TaskId) -> Option<Phase> {
	match Tasks::<Test>::get(id)?.status {
		TaskStatus::Executing { phase, .. } => Some(phase),
		_ => None,
	}
}

/// The salt `provider` uses in the tests.
fn salt(provider: AccountId) -> [u8; 32] {
	[provider as u8; 32]
}

fn commit(provider: AccountId, id: TaskId, output: &[i64]) -> sp_runtime::DispatchResult {
	TaskMarket::commit_output(
		RuntimeOrigin::signed(key(provider)),
		id,
		input_hash(id),
		output_commitment(id, &provider, &salt(provider), output),
	)
}

fn reveal(provider: AccountId, id: TaskId, output: &[i64]) -> sp_runtime::DispatchResult {
	TaskMarket::reveal_output(RuntimeOrigin::signed(key(provider)), id, output.to_vec().try_into().unwrap(), salt(provider))
}

fn attest(id: TaskId, output: &[i64], signers: &[AccountId]) -> sp_runtime::DispatchResult {
	TaskMarket::attest_output(
		RuntimeOrigin::none(),
		id,
		output.to_vec().try_into().unwrap(),
		attestation(id, output, signers),
	)
}

/// The model's output on the fixture.
fn honest() -> Vec<i64> {
	fixture().output
}

/// Another output of the same shape.
fn wrong() -> Vec<i64> {
	let mut output = fixture().output;
	output[0] += 1;
	output
}

/// Task `id`, with its executors having committed to and revealed `outputs`
/// (in executor order).
fn revealed(id: TaskId, outputs: &[Vec<i64>]) {
	let who = executors(id);
	for (p, output) in who.iter().zip(outputs) {
		assert_ok!(commit(*p, id, output));
	}
	for (p, output) in who.iter().zip(outputs) {
		assert_ok!(reveal(*p, id, output));
	}
	assert_eq!(phase(id), Some(Phase::Attest));
}

#[test]
fn redundancy_is_bounded_and_costs_one_price_per_executor() {
	execute(|| {
		for k in [0, 1, MAX_REDUNDANCY as u8 + 1] {
			assert_noop!(
				TaskMarket::submit_task(
					RuntimeOrigin::signed(USER),
					model(),
					TaskInput::Values(fixture().input.try_into().unwrap()),
					Verification::Redundant(k),
					PRICE * 10,
					Payment::Dai
				),
				Error::<Test>::RedundancyOutOfRange
			);
		}
		assert_noop!(
			TaskMarket::submit_task(
				RuntimeOrigin::signed(USER),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Redundant(2),
				2 * PRICE - 1,
				Payment::Dai
			),
			Error::<Test>::FeeBelowPrice
		);
		let id = submit_redundant(2);
		assert_eq!(Tasks::<Test>::get(id).unwrap().fee, 2 * PRICE);
	});
}

#[test]
fn a_redundant_task_goes_to_k_distinct_providers() {
	execute(|| {
		third_provider();
		for owner in 3..7 {
			let id = NextTaskId::<Test>::get();
			assert_ok!(TaskMarket::submit_task(
				RuntimeOrigin::signed(owner),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Redundant(3),
				3 * PRICE,
				Payment::Dai
			));
			run_to(System::block_number() + 1);
			let mut who = executors(id);
			who.sort();
			assert_eq!(who, vec![P1, P2, P3], "three distinct providers");
			assert_eq!(phase(id), Some(Phase::Commit));
			assert!(Running::<Test>::get().contains(&id));
			let assigned = events()
				.into_iter()
				.filter(|e| matches!(e, Event::TaskAssigned { task, .. } if *task == id))
				.count();
			assert_eq!(assigned, 3);
		}
		for p in [P1, P2, P3] {
			assert_eq!(pallet_compute_staking::Providers::<Test>::get(p).unwrap().open_tasks, 4);
		}
	});
}

#[test]
fn too_few_providers_leave_the_task_queued_then_refunded() {
	execute(|| {
		// Three providers serve the model when the task is submitted; one
		// stops before it is assigned.
		third_provider();
		let id = submit_redundant(3);
		let mut profile = pallet_compute_staking::Providers::<Test>::get(P3).unwrap().profile;
		profile.models = Default::default();
		assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(P3), profile));
		run_to(2);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Queued { .. }));
		run_to(1 + QUEUE_TIMEOUT);
		assert!(Tasks::<Test>::get(id).is_none());
		assert!(events().contains(&Event::TaskRefunded { task: id, owner: USER, amount: 3 * PRICE }));
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn agreeing_executors_share_the_executor_fee_once_attested() {
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		let (a, b) = (executors(id)[0], executors(id)[1]);
		assert_ok!(commit(a, id, &honest()));
		assert_eq!(phase(id), Some(Phase::Commit), "waits for every commitment");
		assert_noop!(reveal(a, id, &honest()), Error::<Test>::WrongPhase);
		assert_ok!(commit(b, id, &honest()));
		assert_eq!(phase(id), Some(Phase::Reveal));
		assert_noop!(attest(id, &honest(), &COMMITTEE), Error::<Test>::WrongPhase);
		assert_ok!(reveal(a, id, &honest()));
		assert_ok!(reveal(b, id, &honest()));
		assert_eq!(phase(id), Some(Phase::Attest));

		let before = (free(a), free(b), free(DEV), free(USER));
		assert_ok!(attest(id, &honest(), &COMMITTEE[..3]));
		// 2,000 paid: 200 burned, 1,440 to the executors, 360 to the developer.
		assert_eq!(free(a) - before.0, 720);
		assert_eq!(free(b) - before.1, 720);
		assert_eq!(free(DEV) - before.2, 360);
		assert_eq!(before.3 - free(USER), 0, "the held fee was spent from the hold");
		assert_eq!(<Balances as frame_support::traits::fungible::Inspect<_>>::total_balance(&USER), FUNDS - 2 * PRICE);
		let result = Results::<Test>::get(id).unwrap();
		assert_eq!(result.output.to_vec(), honest());
		assert_eq!(result.verification, Verification::Redundant(2));
		assert_eq!(result.executor_paid, 1_440);
		assert!(Executions::<Test>::get(id).is_none());
		assert!(!Running::<Test>::get().contains(&id));
		let output_hash = BlakeTwo256::hash_of(&Tensor::truncate_from(honest()));
		assert!(events().contains(&Event::OutputAttested { task: id, output_hash, signers: 3, agreed: 2 }));
		// Replayed: the task is closed.
		assert_noop!(attest(id, &honest(), &COMMITTEE), Error::<Test>::TaskClosed);
	});
}

#[test]
fn the_executor_with_another_output_is_slashed_and_the_majority_paid() {
	execute(|| {
		third_provider();
		let id = submit_redundant(3);
		run_to(2);
		let who = executors(id);
		let liar = who[2];
		revealed(id, &[honest(), honest(), wrong()]);
		let bonds: Vec<Balance> = who.iter().map(|p| bond(*p)).collect();
		assert_ok!(attest(id, &honest(), &COMMITTEE));
		let after: Vec<Balance> = who.iter().map(|p| bond(*p)).collect();
		assert_eq!(after[..2], bonds[..2], "the honest executors keep their bonds");
		assert_eq!(after[2], bonds[2] / 2, "the liar loses half");
		assert!(events().iter().any(|e| matches!(e, Event::ResultRejected { task, provider, .. } if *task == id && *provider == liar)));
		// 3,000 paid: 300 burned, 2,160 to the two honest executors.
		let result = Results::<Test>::get(id).unwrap();
		assert_eq!(result.executor_paid, 2_160);
		assert_eq!(result.provider, who[0]);
		// Each honest executor's work counts: half of the 300 burned each.
		assert_eq!(result.executors.to_vec(), vec![(who[0], 150), (who[1], 150)]);
	});
}

#[test]
fn when_no_executor_has_the_attested_output_all_are_slashed_and_the_user_refunded() {
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		revealed(id, &[wrong(), wrong()]);
		assert_ok!(attest(id, &honest(), &COMMITTEE));
		let rejected = events().iter().filter(|e| matches!(e, Event::ResultRejected { task, .. } if *task == id)).count();
		assert_eq!(rejected, 2);
		assert!(events().contains(&Event::TaskRefunded { task: id, owner: USER, amount: 2 * PRICE }));
		assert_eq!(free(USER), FUNDS);
		assert!(Results::<Test>::get(id).is_none());
	});
}

#[test]
fn forged_attestations_are_refused_and_change_nothing() {
	execute(|| {
		let id = submit_redundant(2);
		let other = submit_as(3, PRICE, Payment::Dai);
		run_to(2);
		revealed(id, &[honest(), honest()]);
		let attempt = |attestation: mock::TestAttestation| {
			TaskMarket::attest_output(RuntimeOrigin::none(), id, Tensor::truncate_from(honest()), attestation)
		};
		// Too few: two of four is not more than two thirds.
		assert_noop!(attempt(attestation(id, &honest(), &COMMITTEE[..2])), "too few signers");
		// A non-member among the signers.
		assert_noop!(attempt(attestation(id, &honest(), &[30, 31, 99])), "not committee members");
		// The same member twice.
		assert_noop!(attempt(attestation(id, &honest(), &[30, 30, 31])), "not committee members");
		// Signed for another output, or for another task.
		assert_noop!(attempt(attestation(id, &wrong(), &COMMITTEE)), "bad signature");
		assert_noop!(attempt(attestation(other, &honest(), &COMMITTEE)), "bad signature");
		// Signed, not unsigned.
		assert_noop!(
			TaskMarket::attest_output(
				RuntimeOrigin::signed(USER),
				id,
				Tensor::truncate_from(honest()),
				attestation(id, &honest(), &COMMITTEE)
			),
			sp_runtime::DispatchError::BadOrigin
		);
		// Another shape.
		assert_noop!(
			TaskMarket::attest_output(
				RuntimeOrigin::none(),
				id,
				Tensor::truncate_from(vec![0; 3]),
				attestation(id, &[0; 3], &COMMITTEE)
			),
			Error::<Test>::WrongOutputShape
		);
		// A task that is not redundant.
		assert_noop!(attest(other, &honest(), &COMMITTEE), Error::<Test>::WrongPhase);
		assert_noop!(attest(99, &honest(), &COMMITTEE), Error::<Test>::UnknownTask);
	});
}

#[test]
#[allow(deprecated)]
fn the_pool_accepts_only_a_valid_attestation_once_per_task() {
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionSource};
	use frame_support::unsigned::ValidateUnsigned;
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		let call = |signers: &[AccountId]| Call::attest_output {
			task: id,
			output: Tensor::truncate_from(honest()),
			attestation: attestation(id, &honest(), signers),
		};
		// Before the outputs are revealed there is nothing to attest.
		assert_eq!(
			TaskMarket::validate_unsigned(TransactionSource::External, &call(&COMMITTEE)),
			Err(InvalidTransaction::BadProof.into())
		);
		revealed(id, &[honest(), honest()]);
		assert_eq!(
			TaskMarket::validate_unsigned(TransactionSource::External, &call(&COMMITTEE[..2])),
			Err(InvalidTransaction::BadProof.into())
		);
		let valid = TaskMarket::validate_unsigned(TransactionSource::External, &call(&COMMITTEE)).unwrap();
		assert_eq!(valid.provides.len(), 1, "one attestation per task in the pool");
		let other = Call::<Test>::decline_task { task: id, reason: Default::default() };
		assert_eq!(
			TaskMarket::validate_unsigned(TransactionSource::External, &other),
			Err(InvalidTransaction::Call.into())
		);
	});
}

#[test]
fn executors_steps_are_checked() {
	execute(|| {
		third_provider();
		let id = submit_redundant(2);
		run_to(2);
		let who = executors(id);
		let outsider = [P1, P2, P3].into_iter().find(|p| !who.contains(p)).unwrap();
		assert_noop!(commit(outsider, id, &honest()), Error::<Test>::NotAssignedProvider);
		assert_noop!(
			TaskMarket::commit_output(RuntimeOrigin::signed(USER), id, input_hash(id), Default::default()),
			Error::<Test>::NotAComputeKey
		);
		assert_noop!(
			TaskMarket::commit_output(RuntimeOrigin::signed(key(who[0])), id, H256::repeat_byte(1), Default::default()),
			Error::<Test>::InputChanged
		);
		assert_noop!(commit(who[0], 99, &honest()), Error::<Test>::UnknownTask);
		// A redundant task takes no proof.
		let (output, proof) = proven(id, who[0]);
		assert_noop!(answer(who[0], id, output, proof), Error::<Test>::WrongPhase);
		assert_ok!(commit(who[0], id, &honest()));
		assert_noop!(commit(who[0], id, &wrong()), Error::<Test>::AlreadyCommitted);
		assert_ok!(commit(who[1], id, &honest()));
		assert_noop!(reveal(who[0], id, &[0; 3]), Error::<Test>::WrongOutputShape);
		assert_ok!(reveal(who[0], id, &honest()));
		assert_noop!(reveal(who[0], id, &honest()), Error::<Test>::AlreadyRevealed);
		assert_noop!(reveal(outsider, id, &honest()), Error::<Test>::NotAssignedProvider);
	});
}

#[test]
fn a_copied_commitment_cannot_be_revealed() {
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		let (honest_one, copier) = (executors(id)[0], executors(id)[1]);
		assert_ok!(commit(honest_one, id, &honest()));
		// The copier sends the honest executor's commitment, seen in the pool.
		let seen = output_commitment(id, &honest_one, &salt(honest_one), &honest());
		assert_ok!(TaskMarket::commit_output(RuntimeOrigin::signed(key(copier)), id, input_hash(id), seen));
		assert_ok!(reveal(honest_one, id, &honest()));
		// Even knowing the output now, it cannot open a commitment bound to another executor.
		assert_noop!(reveal(copier, id, &honest()), Error::<Test>::CommitmentMismatch);
		// It misses the reveal: slashed for the deadline; the honest one goes on alone.
		let before = bond(copier);
		run_to(System::block_number() + TIMEOUT + 1);
		assert!(bond(copier) < before);
		assert!(events().iter().any(|e| matches!(e, Event::DeadlineMissed { task, provider, .. } if *task == id && *provider == copier)));
		assert_eq!(executors(id), vec![honest_one]);
		assert_eq!(phase(id), Some(Phase::Attest));
		let before = free(USER);
		assert_ok!(attest(id, &honest(), &COMMITTEE));
		// It pays for the one execution revealed: 100 burned, 720 to the executor, 180 to the developer.
		let result = Results::<Test>::get(id).unwrap();
		assert_eq!(result.executor_paid, 720);
		assert_eq!(result.executors.to_vec(), vec![(honest_one, 100)]);
		assert_eq!(free(USER) - before, PRICE, "the dropped execution's price comes back");
	});
}

#[test]
fn executors_that_never_commit_are_slashed_and_the_task_requeued() {
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		let who = executors(id);
		run_to(3 + TIMEOUT);
		let missed = events().iter().filter(|e| matches!(e, Event::DeadlineMissed { task, .. } if *task == id)).count();
		assert_eq!(missed, 2);
		let task = Tasks::<Test>::get(id).unwrap();
		assert!(matches!(task.status, TaskStatus::Queued { .. }));
		assert_eq!(task.failed.to_vec(), who);
		assert!(Executions::<Test>::get(id).is_none());
		// Nobody left who has not failed it: refunded after the queue timeout.
		run_to(4 + TIMEOUT + QUEUE_TIMEOUT);
		assert!(Tasks::<Test>::get(id).is_none());
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn without_an_attestation_the_task_is_refunded_and_nobody_paid_or_slashed() {
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		let who = executors(id);
		revealed(id, &[honest(), honest()]);
		let bonds: Vec<Balance> = who.iter().map(|p| bond(*p)).collect();
		// The attestation has twice the timeout (a committee rotation within it).
		run_to(System::block_number() + TIMEOUT + 1);
		assert_eq!(phase(id), Some(Phase::Attest));
		run_to(System::block_number() + TIMEOUT);
		assert!(events().contains(&Event::AttestationMissed { task: id }));
		assert!(events().contains(&Event::TaskRefunded { task: id, owner: USER, amount: 2 * PRICE }));
		let after: Vec<Balance> = who.iter().map(|p| bond(*p)).collect();
		assert_eq!(after, bonds);
		assert_eq!(free(USER), FUNDS);
		for p in who {
			assert_eq!(pallet_compute_staking::Providers::<Test>::get(p).unwrap().open_tasks, 0);
		}
	});
}

#[test]
fn paid_in_credits_the_executors_share_in_credits() {
	execute(|| {
		let id = NextTaskId::<Test>::get();
		assert_ok!(TaskMarket::submit_task(
			RuntimeOrigin::signed(USER),
			model(),
			TaskInput::Values(fixture().input.try_into().unwrap()),
			Verification::Redundant(2),
			2 * PRICE,
			Payment::Credits
		));
		run_to(2);
		let who = executors(id);
		revealed(id, &[honest(), honest()]);
		assert_ok!(attest(id, &honest(), &COMMITTEE));
		for p in who {
			assert!(pallet_credits::Credits::<Test>::get(p) >= 720);
		}
		assert_eq!(pallet_credits::Credits::<Test>::get(USER), 5_000 - 2 * PRICE);
	});
}

#[test]
fn the_worker_commits_then_reveals_what_it_computed() {
	with_offchain(|| {
		let id = submit_redundant(2);
		run_to(2);
		let me = executors(id)[0];
		HeldKey::set(Some(me));
		TaskMarket::offchain_worker(2);
		let (signer, task, commitment) = Committed::get()[0];
		assert_eq!((Committed::get().len(), signer, task), (1, key(me), id));
		// Not again while it may be on its way; nothing to reveal yet.
		TaskMarket::offchain_worker(3);
		assert_eq!(Committed::get().len(), 1);
		assert!(Revealed::get().is_empty());
		// The commitments land; the worker reveals the output it kept (with
		// its salt), without running the model again.
		assert_ok!(TaskMarket::commit_output(RuntimeOrigin::signed(key(me)), id, input_hash(id), commitment));
		for p in executors(id).into_iter().filter(|p| *p != me) {
			assert_ok!(commit(p, id, &honest()));
		}
		let runs = Batches::get().len();
		TaskMarket::offchain_worker(3);
		let (signer, task, output, salt) = Revealed::get()[0].clone();
		assert_eq!((signer, task, output.clone()), (key(me), id, honest()));
		assert_eq!(Batches::get().len(), runs);
		// What it reveals opens its commitment on chain.
		assert_ok!(TaskMarket::reveal_output(RuntimeOrigin::signed(key(me)), id, output.try_into().unwrap(), salt));
	});
}

#[test]
fn a_committee_member_attests_what_the_executors_agree_on() {
	with_offchain(|| {
		let id = submit_redundant(2);
		run_to(2);
		revealed(id, &[honest(), honest()]);
		// Not a member: nothing.
		TaskMarket::offchain_worker(3);
		assert!(Attested::get().is_empty());
		CommitteeSigns::set(true);
		TaskMarket::offchain_worker(3);
		assert_eq!(Attested::get(), vec![(id, honest())]);
		assert!(Batches::get().is_empty(), "no re-execution when they agree");
	});
}

#[test]
fn where_executors_disagree_a_member_attests_its_own_execution() {
	with_offchain(|| {
		let id = submit_redundant(2);
		run_to(2);
		revealed(id, &[honest(), wrong()]);
		CommitteeSigns::set(true);
		TaskMarket::offchain_worker(3);
		assert_eq!(Attested::get(), vec![(id, honest())]);
		assert_eq!(Batches::get(), vec![1], "re-executed once");
		// The attestation it sent settles the task and slashes the other executor.
		let (task, output) = Attested::get()[0].clone();
		assert_ok!(attest(task, &output, &COMMITTEE));
		assert_eq!(Results::<Test>::get(id).unwrap().output.to_vec(), honest());
	});
}

#[test]
fn without_a_committee_redundant_tasks_are_refused() {
	execute(|| {
		NoCommitteeYet::set(true);
		assert_noop!(
			TaskMarket::submit_task(
				RuntimeOrigin::signed(USER),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Redundant(2),
				2 * PRICE,
				Payment::Dai
			),
			Error::<Test>::NoCommittee
		);
		NoCommitteeYet::set(false);
		// Three executors asked, two providers serve the model.
		assert_noop!(
			TaskMarket::submit_task(
				RuntimeOrigin::signed(USER),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Redundant(3),
				3 * PRICE,
				Payment::Dai
			),
			Error::<Test>::NoProvider
		);
	});
}

#[test]
fn an_executor_declines_before_committing_and_the_others_go_on() {
	execute(|| {
		third_provider();
		let id = submit_redundant(3);
		run_to(2);
		let who = executors(id);
		assert_ok!(commit(who[0], id, &honest()));
		assert_noop!(
			TaskMarket::decline_task(RuntimeOrigin::signed(key(who[0])), id, Default::default()),
			Error::<Test>::AlreadyCommitted
		);
		assert_ok!(commit(who[1], id, &honest()));
		assert_ok!(TaskMarket::decline_task(RuntimeOrigin::signed(key(who[2])), id, b"no GPU".to_vec().try_into().unwrap()));
		assert_eq!(executors(id), who[..2].to_vec());
		assert_eq!(phase(id), Some(Phase::Reveal), "the two left had committed");
		assert_eq!(Tasks::<Test>::get(id).unwrap().failed.to_vec(), vec![who[2]]);
		assert_eq!(pallet_compute_staking::Providers::<Test>::get(who[2]).unwrap().open_tasks, 0);
		assert_eq!(bond(who[2]), BOND, "a decline is not slashed");
	});
}

#[test]
fn the_last_executor_declining_requeues_the_task() {
	execute(|| {
		let id = submit_redundant(2);
		run_to(2);
		let who = executors(id);
		for p in &who {
			assert_ok!(TaskMarket::decline_task(RuntimeOrigin::signed(key(*p)), id, Default::default()));
		}
		let task = Tasks::<Test>::get(id).unwrap();
		assert!(matches!(task.status, TaskStatus::Queued { .. }));
		assert!(Executions::<Test>::get(id).is_none());
		assert!(!Running::<Test>::get().contains(&id));
	});
}

#[test]
fn a_lone_executor_is_not_taken_on_its_word() {
	with_offchain(|| {
		let id = submit_redundant(2);
		run_to(2);
		let who = executors(id);
		// Only the first commits and reveals (a wrong output); the other drops out.
		assert_ok!(commit(who[0], id, &wrong()));
		run_to(3 + TIMEOUT);
		assert_eq!(phase(id), Some(Phase::Reveal));
		assert_ok!(reveal(who[0], id, &wrong()));
		assert_eq!(phase(id), Some(Phase::Attest));
		CommitteeSigns::set(true);
		TaskMarket::offchain_worker(System::block_number());
		// The member re-executed instead of signing the lone output.
		assert_eq!(Batches::get(), vec![1]);
		assert_eq!(Attested::get(), vec![(id, honest())]);
	});
}
