//! The scheduler: who gets a task, deadlines, queue timeouts, retention.

use crate::{mock::*, *};
use frame_support::assert_ok;
use pallet_compute_staking::{ComputeProviders, ReportOutcome};

/// How many of `draws` seeds give task 0 to each of P1 and P2.
fn shares(draws: u32) -> (u32, u32) {
	let task = Tasks::<Test>::get(0).unwrap();
	let candidates = <ComputeStaking as ComputeProviders<_>>::serving(&model());
	let mut counts = (0, 0);
	for i in 0..draws {
		let seed = sp_runtime::traits::BlakeTwo256::hash_of(&i);
		match TaskMarket::choose(seed, 0, &task, &candidates, &(vec![true; candidates.len()], Preference::Stake), &[]).map(|c| candidates[c].0) {
			Some(P1) => counts.0 += 1,
			Some(P2) => counts.1 += 1,
			other => panic!("drew {other:?}"),
		}
	}
	counts
}

use sp_runtime::traits::Hash;

#[test]
fn tasks_are_drawn_in_proportion_to_bond_and_spread_by_load() {
	execute(|| {
		submit(PRICE, Payment::Dai);
		// Equal bonds and records: about half each.
		let (p1, p2) = shares(1_000);
		assert!((400..=600).contains(&p1) && p1 + p2 == 1_000, "{p1} / {p2}");
		// P2 bonds three times as much: about three quarters go to P2.
		assert_ok!(ComputeStaking::bond_extra(RuntimeOrigin::signed(P2), 2 * BOND));
		let (p1, p2) = shares(1_000);
		assert!((650..=850).contains(&p2), "{p1} / {p2}");
		// With two tasks open, P2's weight is a third: P1 and P2 about even again.
		for _ in 0..2 {
			assert_ok!(<ComputeStaking as ComputeProviders<_>>::task_opened(&P2));
		}
		let (p1, p2) = shares(1_000);
		assert!((400..=600).contains(&p1), "{p1} / {p2}");
	});
}

/// The steering attack: the submitter cannot know or choose who serves its
/// task. The draw uses randomness of blocks after the submission, so the
/// same submission lands on different providers depending on what those
/// blocks bring.
#[test]
fn the_submitter_cannot_predict_who_gets_its_task() {
	let mut seen = std::collections::BTreeSet::new();
	for salt in 0..16 {
		Salt::set(salt);
		execute(|| {
			let id = submit(PRICE, Payment::Dai);
			// Not at submission: at the end of the block, by its own randomness.
			assert_eq!(assignee(id), None);
			run_to(2);
			seen.insert(assignee(id).unwrap());
		});
	}
	Salt::set(0);
	assert_eq!(seen.len(), 2, "both providers drew the same submission");
}

#[test]
fn a_task_is_assigned_at_the_end_of_the_block_that_includes_it() {
	use frame_support::traits::Hooks;
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		TaskMarket::on_finalize(1);
		let provider = assignee(id).expect("assigned in block 1");
		let deadline = 1 + TIMEOUT;
		assert!(events().contains(&Event::TaskAssigned { task: id, provider, deadline }));
		// The block's weight counts the assignment.
		assert!(frame_system::Pallet::<Test>::block_weight().total().ref_time() > 0);
	});
}

#[test]
fn a_full_block_leaves_its_tasks_to_a_later_block_s_end() {
	use frame_support::{dispatch::DispatchClass, traits::{Get, Hooks}};
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		let max = <<Test as frame_system::Config>::BlockWeights as Get<frame_system::limits::BlockWeights>>::get().max_block;
		frame_system::Pallet::<Test>::register_extra_weight_unchecked(max, DispatchClass::Mandatory);
		TaskMarket::on_finalize(1);
		assert_eq!(assignee(id), None, "no room left in block 1");
		run_to(3);
		assert!(assignee(id).is_some(), "assigned at the end of block 2");
	});
}

#[test]
fn without_randomness_nothing_is_assigned() {
	execute(|| {
		NoRandomness::set(true);
		let id = submit(PRICE, Payment::Dai);
		run_to(3);
		assert_eq!(assignee(id), None);
		NoRandomness::set(false);
		run_to(4);
		assert!(assignee(id).is_some());
	});
}

#[test]
fn providers_below_the_reputation_threshold_or_the_minimum_bond_get_nothing() {
	execute(|| {
		// Misses take P1's reputation under 20% (each a 1% slash).
		while <ComputeStaking as ComputeProviders<_>>::reputation_of(&P1) >= sp_runtime::Perbill::from_percent(20) {
			<ComputeStaking as ReportOutcome<_>>::missed_deadline(&P1);
		}
		for _ in 0..3 {
			submit(PRICE, Payment::Dai);
		}
		run_to(3);
		assert_eq!((assignee(0), assignee(1), assignee(2)), (Some(P2), Some(P2), Some(P2)));
	});
	execute(|| {
		// Slashed to almost nothing: P1 gets no tasks.
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&P1);
		assert!(pallet_compute_staking::Providers::<Test>::get(P1).unwrap().active < 100);
		for _ in 0..3 {
			submit(PRICE, Payment::Dai);
		}
		run_to(3);
		assert_eq!((assignee(0), assignee(1), assignee(2)), (Some(P2), Some(P2), Some(P2)));
	});
}

#[test]
fn a_task_whose_providers_left_waits_and_is_refunded_after_the_timeout() {
	execute(|| {
		let id = submit(1_500, Payment::Dai);
		// Both providers leave the model before the task is assigned.
		for who in [P1, P2] {
			let mut profile = pallet_compute_staking::Providers::<Test>::get(who).unwrap().profile;
			profile.models = Default::default();
			assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(who), profile));
		}
		run_to(QUEUE_TIMEOUT);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Queued { .. }));
		run_to(QUEUE_TIMEOUT + 1);
		assert!(!Tasks::<Test>::contains_key(id));
		assert_eq!(free(USER), FUNDS);
		assert_eq!(OpenTasks::<Test>::get(USER), 0);
		assert!(events().contains(&Event::TaskRefunded { task: id, owner: USER, amount: 1_500 }));
	});
}

#[test]
fn a_missed_deadline_costs_reputation_and_the_task_moves_on() {
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		// Assigned at the end of block 1, due by block 1 + TIMEOUT.
		run_to(2);
		let first = assignee(id).unwrap();
		run_to(1 + TIMEOUT);
		assert_eq!(assignee(id), Some(first), "still within the deadline");
		run_to(2 + TIMEOUT);
		// The first missed it: 1% slashed, a miss recorded; it is queued
		// again and the other has it at the end of this block.
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Queued { .. }));
		run_to(3 + TIMEOUT);
		assert_eq!(assignee(id), Some(other(first)));
		let p = pallet_compute_staking::Providers::<Test>::get(first).unwrap();
		assert_eq!((p.record.missed, p.active, p.open_tasks), (1, BOND - BOND / 100, 0));
		assert!(events().contains(&Event::DeadlineMissed { task: id, provider: first, slashed: BOND / 100 }));

		// The other misses too; no one else serves it: the task waits until refunded.
		run_to(5 + 2 * TIMEOUT);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Queued { .. }));
		run_to(5 + 2 * TIMEOUT + QUEUE_TIMEOUT);
		assert!(!Tasks::<Test>::contains_key(id));
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn results_are_pruned_after_the_retention() {
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		let who = assignee(id).unwrap();
		let (output, proof) = proven(id, who);
		assert_ok!(answer(who, id, output, proof));
		assert!(Results::<Test>::contains_key(id));
		run_to(2 + RETENTION);
		assert!(!Results::<Test>::contains_key(id));
		assert!(!Tasks::<Test>::contains_key(id));
		assert!(!RetainedOf::<Test>::contains_key(USER));
		assert_eq!(<ComputeStaking as ComputeProviders<_>>::serving(&model()).len(), 2);
	});
}

/// The flood on retention: one account's stream of settled tasks pushes out
/// only its own older results; another user's result stays readable.
#[test]
fn one_account_s_results_cannot_push_out_another_s() {
	execute(|| {
		let settle = |owner: AccountId| {
			let id = submit_as(owner, PRICE, Payment::Dai);
			run_to(System::block_number() + 1);
			let who = assignee(id).unwrap();
			let (output, proof) = proven(id, who);
			assert_ok!(answer(who, id, output, proof));
			id
		};
		let mine = settle(USER);
		let flood: Vec<TaskId> = (0..12).map(|_| settle(3)).collect();
		assert!(Results::<Test>::contains_key(mine), "the user's result is kept");
		let kept: Vec<TaskId> = RetainedOf::<Test>::get(3).into_inner();
		assert_eq!(kept, flood[flood.len() - MAX_RETAINED_PER_ACCOUNT as usize..].to_vec());
		assert!(!Results::<Test>::contains_key(flood[0]));
	});
}
