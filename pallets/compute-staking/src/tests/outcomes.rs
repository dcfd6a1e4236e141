//! Reported outcomes: reputation, verified compute, the scheduler's view.

use crate::{mock::*, *};
use frame_support::assert_noop;
use pallet_session::SessionManager;
use sp_core::H256;
use sp_runtime::Perbill;


#[test]
fn reputation_is_the_beta_mean_and_stays_in_bounds() {
	let rep = |verified, failed, missed| Record { verified, failed, missed }.reputation();
	assert_eq!(rep(0, 0, 0), Perbill::from_percent(50));
	assert_eq!(rep(8, 0, 0), Perbill::from_percent(90));
	assert_eq!(rep(0, 0, 1), Perbill::from_rational(1u32, 3u32));
	assert_eq!(rep(1, 1, 0), Perbill::from_rational(2u32, 7u32));
	assert!(rep(u32::MAX, 0, 0) < Perbill::one());
	assert!(rep(0, 1_000, 1_000) > Perbill::zero());
	assert_eq!(rep(0, u32::MAX, u32::MAX), Perbill::zero());
	assert!(rep(10, 0, 0) > rep(10, 0, 1) && rep(10, 0, 1) > rep(10, 1, 0));
}

#[test]
fn outcomes_update_the_record() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 5_000);
		System::assert_last_event(Event::ResultVerified { provider: 1, flops: 5_000 }.into());
		<ComputeStaking as ReportOutcome<_>>::missed_deadline(&1);
		<ComputeStaking as ReportOutcome<_>>::invalid_result(&1);
		let standing = ComputeStaking::standing(&1).unwrap();
		assert_eq!(standing.record, Record { verified: 1, failed: 1, missed: 1 });
		assert_eq!(standing.reputation, Perbill::from_rational(2u32, 8u32));
		assert_eq!(ComputeStaking::reputation(&1), Some(standing.reputation));
		// An unknown account is ignored and slashed nothing.
		<ComputeStaking as ReportOutcome<_>>::verified(&9, 1);
		assert_eq!(<ComputeStaking as ReportOutcome<_>>::invalid_result(&9), 0);
		assert_eq!(ComputeStaking::standing(&9), None);
	});
}

#[test]
fn verified_compute_counts_for_the_last_completed_session() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		<ComputeStaking as SessionManager<_>>::start_session(1);
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 3 * UNIT);
		<ComputeStaking as ReportOutcome<_>>::verified(&1, 2 * UNIT);
		// Session 1 is not complete yet.
		assert_eq!(ComputeStaking::standing(&1).unwrap().last_session_flops, 0);

		<ComputeStaking as SessionManager<_>>::start_session(2);
		let standing = ComputeStaking::standing(&1).unwrap();
		assert_eq!(standing.last_session_flops, 5 * UNIT);
		// reputation (3/4) × bond × (1 + 5 units)
		assert_eq!(standing.score, Perbill::from_rational(3u32, 4u32) * (1_000u128 * 6));

		// Work in session 2 rolls session 1 over; by session 4 both are gone.
		<ComputeStaking as ReportOutcome<_>>::verified(&1, UNIT);
		<ComputeStaking as SessionManager<_>>::start_session(3);
		assert_eq!(ComputeStaking::standing(&1).unwrap().last_session_flops, UNIT);
		<ComputeStaking as SessionManager<_>>::start_session(4);
		assert_eq!(ComputeStaking::standing(&1).unwrap().last_session_flops, 0);
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
