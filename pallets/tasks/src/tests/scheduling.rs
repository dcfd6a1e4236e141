//! The scheduler: who gets a task, deadlines, queue timeouts, retention.

use crate::{mock::*, *};
use frame_support::assert_ok;
use pallet_compute_staking::ComputeProviders;

#[test]
fn tasks_go_to_the_least_loaded_then_fastest_provider() {
	execute(|| {
		let a = submit(PRICE, Payment::Dai);
		let b = submit(PRICE, Payment::Dai);
		let c = submit(PRICE, Payment::Dai);
		run_to(2);
		// Two per block; P1 is Low latency, P2 Medium: P1 first, then P2 (less load).
		assert_eq!((assignee(a), assignee(b), assignee(c)), (Some(P1), Some(P2), None));
		System::assert_has_event(
			Event::TaskAssigned { task: a, provider: P1, deadline: 2 + TIMEOUT }.into(),
		);
		run_to(3);
		assert_eq!(assignee(c), Some(P1));
		assert_eq!(TaskMarket::assigned_to(&P1).iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![a, c]);
		assert_eq!(pallet_compute_staking::Providers::<Test>::get(P1).unwrap().open_tasks, 2);
	});
}

#[test]
fn providers_below_the_reputation_threshold_get_nothing() {
	execute(|| {
		// Two failures take P1's reputation to 1/11 < 20%.
		for _ in 0..2 {
			<ComputeStaking as pallet_compute_staking::ReportOutcome<_>>::invalid_result(&P1);
		}
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		assert_eq!(assignee(id), Some(P2));
	});
}

#[test]
fn a_task_nobody_serves_waits_and_is_refunded_after_the_timeout() {
	execute(|| {
		// Both providers leave the model.
		for who in [P1, P2] {
			let mut profile = pallet_compute_staking::Providers::<Test>::get(who).unwrap().profile;
			profile.models = Default::default();
			assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(who), profile));
		}
		let id = submit(1_500, Payment::Dai);
		run_to(QUEUE_TIMEOUT);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Queued { .. }));
		run_to(QUEUE_TIMEOUT + 1);
		assert_eq!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Refunded { at: QUEUE_TIMEOUT + 1 });
		assert_eq!(free(USER), FUNDS);
		assert!(events().contains(&Event::TaskRefunded { task: id, owner: USER, amount: 1_500 }));
	});
}

#[test]
fn a_missed_deadline_costs_reputation_and_the_task_moves_on() {
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		assert_eq!(assignee(id), Some(P1));
		run_to(2 + TIMEOUT);
		assert_eq!(assignee(id), Some(P1), "still within the deadline");
		run_to(3 + TIMEOUT);
		// P1 missed it: 1% slashed, a miss recorded; P2 has it now.
		assert_eq!(assignee(id), Some(P2));
		let p1 = pallet_compute_staking::Providers::<Test>::get(P1).unwrap();
		assert_eq!((p1.record.missed, p1.active, p1.open_tasks), (1, BOND - BOND / 100, 0));
		assert!(events().contains(&Event::DeadlineMissed { task: id, provider: P1, slashed: BOND / 100 }));

		// P2 misses too; no one else serves it: the third attempt cannot happen
		// and the task waits until refunded.
		run_to(4 + 2 * TIMEOUT);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Queued { .. }));
		run_to(4 + 2 * TIMEOUT + QUEUE_TIMEOUT);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Refunded { .. }));
		assert_eq!(free(USER), FUNDS);
	});
}

#[test]
fn closed_tasks_are_pruned_after_the_retention() {
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		let f = fixture();
		assert_ok!(answer(P1, id, f.output, f.proof.to_vec()));
		assert!(Results::<Test>::contains_key(id));
		run_to(2 + RETENTION);
		assert!(!Results::<Test>::contains_key(id));
		assert!(!Tasks::<Test>::contains_key(id));
		assert_eq!(<ComputeStaking as ComputeProviders<_>>::serving(&model()).len(), 2);
	});
}
