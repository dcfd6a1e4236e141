//! Reported outcomes: reputation, verified compute, the scheduler's view.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_core::H256;
use sp_runtime::Perbill;


#[test]
fn reputation_falls_with_penalties_and_recovers_with_time() {
	let rep = |penalty| Record { penalty, ..Default::default() }.reputation();
	assert_eq!(rep(0), Perbill::one());
	assert_eq!(rep(Record::SCALE), Perbill::from_percent(50));
	assert_eq!(rep(4 * Record::SCALE), Perbill::from_percent(20));
	assert!(rep(u32::MAX) < Perbill::from_parts(10));
	// Four missed deadlines in a session leave a new provider well above
	// any threshold; a clean session halves the penalty.
	let mut record = Record::default();
	for _ in 0..4 {
		record.penalise(5, Record::MISSED_POINTS);
	}
	assert_eq!(record.reputation(), Perbill::from_rational(20u32, 28u32));
	assert_eq!(record.at(6).penalty, 4);
	assert_eq!(record.at(8).penalty, 1);
	assert_eq!(record.at(5 + 40).reputation(), Perbill::one());
	// A failure costs more than a miss, a miss more than a decline.
	let after = |points| {
		let mut r = Record::default();
		r.penalise(0, points);
		r.reputation()
	};
	assert!(after(Record::FAILED_POINTS) < after(Record::MISSED_POINTS));
	assert!(after(Record::MISSED_POINTS) < after(Record::DECLINED_POINTS));
}

#[test]
fn outcomes_update_the_record() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 5_000, 40);
		System::assert_last_event(Event::ResultVerified { provider: 1, flops: 5_000, counted: 40 }.into());
		assert_eq!(ComputeStaking::reputation(&1), Some(Perbill::one()), "successes do not raise it");
		<ComputeStaking as ReportOutcome<_>>::missed_deadline(&1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&1);
		let standing = ComputeStaking::standing(&1).unwrap();
		let penalty = Record::MISSED_POINTS + Record::FAILED_POINTS;
		assert_eq!(
			standing.record,
			Record { verified: 1, failed: 1, missed: 1, declined: 0, penalty, session: 0 }
		);
		assert_eq!(standing.reputation, Perbill::from_rational(20u32, 20 + penalty));
		assert_eq!(ComputeStaking::reputation(&1), Some(standing.reputation));
		// An unknown account is ignored and slashed nothing.
		<ComputeStaking as ReportOutcome<_>>::verified(&9, 1, 1);
		assert_eq!(<ComputeStaking as ReportOutcome<_>>::invalid_result(&9), 0);
		assert_eq!(ComputeStaking::standing(&9), None);
	});
}

#[test]
fn declines_cost_a_little_reputation_and_are_bounded_per_session() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		for _ in 0..MAX_DECLINES {
			assert_ok!(<ComputeStaking as ReportOutcome<_>>::declined(&1));
		}
		System::assert_last_event(Event::Declined { provider: 1 }.into());
		assert_noop!(<ComputeStaking as ReportOutcome<_>>::declined(&1), Error::<Test>::TooManyDeclines);
		let p = Providers::<Test>::get(1).unwrap();
		assert_eq!((p.record.declined, p.active), (MAX_DECLINES, 1_000), "no slash");
		assert_eq!(p.record.penalty, MAX_DECLINES * Record::DECLINED_POINTS);
		// A new session, new declines.
		<ComputeStaking as SessionManager<_>>::start_session(1);
		assert_ok!(<ComputeStaking as ReportOutcome<_>>::declined(&1));
		assert_noop!(<ComputeStaking as ReportOutcome<_>>::declined(&9), Error::<Test>::NotRegistered);
	});
}

#[test]
fn counted_work_adds_to_the_bond_for_one_session_up_to_the_cap() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		<ComputeStaking as SessionManager<_>>::start_session(1);
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 3_000, 300);
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 2_000, 200);
		assert_eq!(ComputeStaking::counted_this_session(&1), 500);
		// Session 1 is not complete yet.
		assert_eq!(ComputeStaking::standing(&1).unwrap().score, 1_000);

		<ComputeStaking as SessionManager<_>>::start_session(2);
		let standing = ComputeStaking::standing(&1).unwrap();
		assert_eq!((standing.last_session_flops, standing.last_session_counted), (5_000, 500));
		assert_eq!(standing.score, 1_500);

		// Work in session 2 rolls session 1 over; by session 4 both are gone.
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 1_000, 100_000);
		<ComputeStaking as SessionManager<_>>::start_session(3);
		let standing = ComputeStaking::standing(&1).unwrap();
		assert_eq!(standing.score, MULTIPLIER * 1_000, "capped at MULTIPLIER × bond");
		<ComputeStaking as SessionManager<_>>::start_session(4);
		assert_eq!(ComputeStaking::standing(&1).unwrap().score, 1_000);
	});
}

#[test]
fn a_provider_slashed_below_the_minimum_bond_gets_no_tasks() {
	ExtBuilder::default().provider(1, MIN_BOND).provider(2, 1_000).build_and_execute(|| {
		let model = H256::repeat_byte(1);
		let serving = || {
			<ComputeStaking as ComputeProviders<_>>::serving(&model).into_iter().map(|(w, _)| w).collect::<Vec<_>>()
		};
		assert_eq!(serving(), vec![1, 2]);
		<ComputeStaking as ReportOutcome<_>>::missed_deadline(&1);
		assert_eq!(serving(), vec![2]);
		assert!(<ComputeStaking as ComputeProviders<_>>::is_served(&model));
		// 1000 -> 500 -> 250 -> 125 -> 62: below the minimum of 100.
		for _ in 0..4 {
			<ComputeStaking as ReportOutcome<_>>::invalid_result(&2);
		}
		assert!(serving().is_empty());
		assert!(!<ComputeStaking as ComputeProviders<_>>::is_served(&model));
	});
}

#[test]
fn the_scheduler_sees_providers_by_model_and_their_open_tasks() {
	ExtBuilder::default().provider(1, 1_000).provider(2, 500).build_and_execute(|| {
		let serving = <ComputeStaking as ComputeProviders<_>>::serving(&H256::repeat_byte(1));
		assert_eq!(serving.iter().map(|(who, _)| *who).collect::<Vec<_>>().len(), 2);
		assert!(<ComputeStaking as ComputeProviders<_>>::serving(&H256::repeat_byte(9)).is_empty());
		assert_eq!(<ComputeStaking as ComputeProviders<_>>::provider_of(&key_of(2)), Some(2));
		assert_eq!(<ComputeStaking as ComputeProviders<_>>::provider_of(&2), None);

		frame_support::assert_ok!(<ComputeStaking as ComputeProviders<_>>::task_opened(&2));
		let view = <ComputeStaking as ComputeProviders<_>>::serving(&H256::repeat_byte(1))
			.into_iter()
			.find(|(who, _)| *who == 2)
			.unwrap()
			.1;
		assert_eq!((view.open_tasks, view.bond, view.vram_mib), (1, 500, 24_576));
		<ComputeStaking as ComputeProviders<_>>::task_closed(&2);
		assert_eq!(Providers::<Test>::get(2).unwrap().open_tasks, 0);
		assert_noop!(
			<ComputeStaking as ComputeProviders<_>>::task_opened(&3),
			Error::<Test>::NotRegistered
		);
	});
}
