//! `submit_results`: a provider's results verified together; a bad proof
//! among them is found and slashed alone; results that no longer fit their
//! task are skipped.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use pallet_model_registry::fixtures::MLP_64_32_10_PUBLIC_INPUTS;
use sp_core::H256;

/// Three tasks of other owners, all assigned to P1 (the only provider of
/// the model), and P1's valid results for them.
fn three_for_p1() -> Vec<ProvenResult> {
	let mut profile = pallet_compute_staking::Providers::<Test>::get(P2).unwrap().profile;
	profile.models = Default::default();
	assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(P2), profile));
	let ids: Vec<TaskId> = (3..=5).map(|owner| submit_as(owner, PRICE, Payment::Dai)).collect();
	run_to(System::block_number() + 2);
	ids.iter()
		.map(|&task| {
			assert_eq!(assignee(task), Some(P1));
			let (output, proof) = proven(task, P1);
			ProvenResult {
				task,
				input_hash: input_hash(task),
				output: output.try_into().unwrap(),
				proof: proof.try_into().unwrap(),
			}
		})
		.collect()
}

fn send(signer: AccountId, results: Vec<ProvenResult>) -> frame_support::dispatch::DispatchResultWithPostInfo {
	TaskMarket::submit_results(RuntimeOrigin::signed(signer), model(), results.try_into().unwrap())
}

fn completed(task: TaskId) -> bool {
	matches!(Tasks::<Test>::get(task).unwrap().status, TaskStatus::Completed { .. })
}

#[test]
fn results_sent_together_are_verified_together_and_each_settles() {
	execute(|| {
		let results = three_for_p1();
		let before = free(P1);
		let post = send(key(P1), results.clone()).unwrap();
		for r in &results {
			assert!(completed(r.task), "task {} settled", r.task);
			assert!(events().iter().any(|e| matches!(e, Event::TaskCompleted { task, .. } if *task == r.task)));
		}
		// Price 1,000 each: 720 to the executor.
		assert_eq!(free(P1), before + 3 * 720);
		// Charged one batch verification for three, refunded to the model's size.
		let charged = TaskMarket::submit_results_weight(3, 3, MLP_64_32_10_PUBLIC_INPUTS, false);
		assert_eq!(post.actual_weight, Some(charged));
		let alone = TaskMarket::submit_result_weight(MLP_64_32_10_PUBLIC_INPUTS).saturating_mul(3);
		assert!(charged.ref_time() < alone.ref_time(), "{charged} for three together, {alone} one by one");
		// Sent again: every result is now for a closed task; nothing changes.
		assert_noop!(send(key(P1), results), Error::<Test>::TaskClosed);
	});
}

#[test]
fn a_bad_proof_among_results_sent_together_is_found_and_slashed_alone() {
	execute(|| {
		let mut results = three_for_p1();
		// The middle output altered (its proof is for the real one).
		results[1].output[0] += 1;
		let before = free(P1);
		let post = send(key(P1), results.clone()).unwrap();
		let tasks: Vec<TaskId> = results.iter().map(|r| r.task).collect();
		// The honest results beside it settle and are paid.
		assert!(completed(tasks[0]) && completed(tasks[2]) && !completed(tasks[1]));
		assert_eq!(free(P1), before + 2 * 720);
		// The bad one costs the slash it would cost alone, and its task goes back.
		let p = pallet_compute_staking::Providers::<Test>::get(P1).unwrap();
		assert_eq!((p.active, p.record.failed), (BOND / 2, 1));
		let rejected: Vec<_> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::ResultRejected { task, provider, slashed } if provider == P1 => Some((task, slashed)),
				_ => None,
			})
			.collect();
		assert_eq!(rejected, vec![(tasks[1], BOND / 2)]);
		assert!(!matches!(Tasks::<Test>::get(tasks[1]).unwrap().status, TaskStatus::Assigned { provider: P1, .. }));
		// Charged the batch check and each proof alone.
		let charged = TaskMarket::submit_results_weight(3, 3, MLP_64_32_10_PUBLIC_INPUTS, true);
		assert_eq!(post.actual_weight, Some(charged));
	});
}

#[test]
fn two_bad_proofs_sent_together_cost_two_slashes() {
	execute(|| {
		let mut results = three_for_p1();
		results[0].output[0] += 1;
		results[2].proof = results[1].proof.clone();
		assert_ok!(send(key(P1), results.clone()));
		// Each invalid result slashes as it would alone.
		let p = pallet_compute_staking::Providers::<Test>::get(P1).unwrap();
		assert_eq!(p.record.failed, 2);
		let slashes: Vec<_> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::ResultRejected { task, slashed, .. } => Some((task, slashed)),
				_ => None,
			})
			.collect();
		assert_eq!(slashes, vec![(results[0].task, BOND / 2), (results[2].task, BOND / 4)]);
		assert!(completed(results[1].task));
	});
}

#[test]
fn results_that_no_longer_fit_their_task_are_skipped_by_name_and_the_rest_taken() {
	execute(|| {
		let results = three_for_p1();
		// P2's task (P2 serves the model again), a result sent twice, an unknown task.
		let mut profile = pallet_compute_staking::Providers::<Test>::get(P1).unwrap().profile;
		profile.models = Default::default();
		assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(P1), profile.clone()));
		profile.models = vec![model()].try_into().unwrap();
		assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(P2), profile));
		let theirs = submit_as(6, PRICE, Payment::Dai);
		run_to(System::block_number() + 2);
		assert_eq!(assignee(theirs), Some(P2));
		let (output, proof) = proven(theirs, P2);
		let foreign = ProvenResult {
			task: theirs,
			input_hash: input_hash(theirs),
			output: output.try_into().unwrap(),
			proof: proof.try_into().unwrap(),
		};
		let mut unknown = results[0].clone();
		unknown.task = 99;
		let sent = vec![results[0].clone(), foreign, results[1].clone(), results[0].clone(), unknown, results[2].clone()];
		assert_ok!(send(key(P1), sent));
		assert!(results.iter().all(|r| completed(r.task)));
		assert!(!completed(theirs));
		let skipped: Vec<_> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::ResultSkipped { task, error } => Some((task, error)),
				_ => None,
			})
			.collect();
		assert_eq!(
			skipped,
			vec![
				(theirs, Error::<Test>::NotAssignedProvider.into()),
				(results[0].task, Error::<Test>::DuplicateResult.into()),
				(99, Error::<Test>::UnknownTask.into()),
			]
		);
	});
}

#[test]
fn a_call_with_nothing_to_take_is_refused_and_changes_nothing() {
	execute(|| {
		let results = three_for_p1();
		assert_noop!(send(key(P1), vec![]), Error::<Test>::NoResults);
		// Not a compute key: the provider's own account signs nothing here.
		assert_noop!(send(P1, results.clone()), Error::<Test>::NotAComputeKey);
		assert_noop!(
			TaskMarket::submit_results(
				RuntimeOrigin::signed(key(P1)),
				H256::repeat_byte(9),
				results.clone().try_into().unwrap()
			),
			Error::<Test>::UnknownModel
		);
		// Every result for another input than its task's: the first error.
		let mut changed = results.clone();
		changed.iter_mut().for_each(|r| r.input_hash = H256::repeat_byte(1));
		assert_noop!(send(key(P1), changed), Error::<Test>::InputChanged);
		let mut short = results;
		short.iter_mut().for_each(|r| {
			r.output.pop();
		});
		assert_noop!(send(key(P1), short), Error::<Test>::WrongOutputShape);
	});
}
