//! Proof-of-Compute validator selection at session changes.

use crate::{mock::*, *};
use frame_support::assert_ok;
use pallet_session::SessionManager;

fn select(session: u32) -> Option<Vec<AccountId>> {
	<ComputeStaking as SessionManager<_>>::new_session(session)
}

#[test]
fn selects_the_top_providers_by_bond_when_nobody_has_worked() {
	ExtBuilder::default()
		.provider(1, 100)
		.provider(2, 400)
		.provider(3, 300)
		.provider(4, 200)
		.build_and_execute(|| {
			assert_eq!(select(2), Some(vec![2, 3, 4]));
			System::assert_last_event(
				Event::ValidatorsSelected { session: 2, validators: vec![2, 3, 4] }.into(),
			);
		});
}

#[test]
fn ties_break_by_account_id() {
	ExtBuilder::default()
		.provider(4, 300)
		.provider(3, 300)
		.provider(2, 300)
		.provider(1, 300)
		.build_and_execute(|| {
			assert_eq!(select(2), Some(vec![1, 2, 3]));
		});
}

#[test]
fn verified_work_displaces_a_bigger_bond_at_the_next_session() {
	ExtBuilder::default()
		.provider(1, 1_000)
		.provider(2, 900)
		.provider(3, 800)
		.provider(4, 700)
		.build_and_execute(|| {
			<ComputeStaking as SessionManager<_>>::start_session(1);
			assert_eq!(select(2), Some(vec![1, 2, 3]));
			// Provider 4 does verified work others paid 350 for in session 1.
			<ComputeStaking as ReportOutcome<_>>::verified(&4, 1, 350);
			<ComputeStaking as SessionManager<_>>::start_session(2);
			// 4: 700 + 350 = 1050 beats 1's bond of 1000.
			assert_eq!(select(3), Some(vec![4, 1, 2]));
			// In session 3 the work is two sessions old: the bonds decide again.
			<ComputeStaking as SessionManager<_>>::start_session(3);
			assert_eq!(select(4), Some(vec![1, 2, 3]));
		});
}

#[test]
fn ineligible_providers_are_left_out() {
	ExtBuilder::default()
		.provider(1, 1_000)
		.provider(2, 900)
		.provider(3, 800)
		.provider(4, 700)
		.build_and_execute(|| {
			WithoutKeys::set(vec![1]);
			assert_ok!(ComputeStaking::unbond(RuntimeOrigin::signed(2), 900));
			assert_eq!(select(2), Some(vec![3, 4]));
			WithoutKeys::set(vec![]);
		});
}

#[test]
fn too_few_eligible_keeps_the_current_set() {
	ExtBuilder::default().provider(1, 500).provider(2, 500).minimum(2).build_and_execute(|| {
		WithoutKeys::set(vec![2]);
		assert_eq!(select(2), None);
		System::assert_last_event(
			Event::SelectionSkipped { session: 2, eligible: 1, minimum: 2 }.into(),
		);
		WithoutKeys::set(vec![]);
		assert_eq!(select(3), Some(vec![1, 2]));
	});
}

#[test]
fn no_providers_keeps_the_current_set() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(select(2), None);
		System::assert_last_event(
			Event::SelectionSkipped { session: 2, eligible: 0, minimum: 1 }.into(),
		);
	});
}

#[test]
fn the_historical_manager_identifies_validators_by_unit() {
	ExtBuilder::default().provider(1, 500).build_and_execute(|| {
		let selected =
			<ComputeStaking as pallet_session::historical::SessionManager<_, ()>>::new_session(2);
		assert_eq!(selected, Some(vec![(1, ())]));
		use sp_runtime::traits::Convert;
		assert_eq!(ProviderIdentification::<Test>::convert(1), Some(()));
		assert_eq!(ProviderIdentification::<Test>::convert(2), None);
	});
}
