//! The off-chain worker answers its provider's tasks once, and again only
//! when the answer did not land; it declines what its engine cannot answer.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::Hooks};

#[test]
fn the_worker_answers_tasks_assigned_to_its_keys_once() {
	with_offchain(|| {
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		let who = assignee(id).unwrap();

		// Without the provider's key this node does nothing.
		HeldKey::set(Some(other(who)));
		TaskMarket::offchain_worker(2);
		assert!(Sent::get().is_empty());

		HeldKey::set(Some(who));
		TaskMarket::offchain_worker(2);
		assert_eq!(Sent::get(), vec![(key(who), id)]);
		// Not again while the answer may still be on its way...
		TaskMarket::offchain_worker(3);
		assert_eq!(Sent::get().len(), 1);
		// ...but again once half the timeout passed and the task is still open
		// (the node restarted, or the transaction was dropped).
		TaskMarket::offchain_worker(2 + TIMEOUT / 2);
		assert_eq!(Sent::get(), vec![(key(who), id), (key(who), id)]);
	});
}

#[test]
fn the_worker_prepares_its_providers_models_and_proves_their_tasks_together() {
	with_offchain(|| {
		// Only P1 serves the model: all three tasks are its.
		let mut profile = pallet_compute_staking::Providers::<Test>::get(P2).unwrap().profile;
		profile.models = Default::default();
		assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(P2), profile));
		let mine: Vec<TaskId> = (3..=5).map(|owner| submit_as(owner, PRICE, Payment::Dai)).collect();
		run_to(3);
		let who = P1;
		assert!(mine.iter().all(|id| assignee(*id) == Some(who)));
		HeldKey::set(Some(who));
		TaskMarket::offchain_worker(3);
		// Every model of the provider's profile, before any task.
		let profile = pallet_compute_staking::Providers::<Test>::get(who).unwrap().profile;
		assert_eq!(Prepared::get(), profile.models.into_inner());
		// All of its tasks in one call to the engine, answered in one
		// transaction (their proofs verified together on chain).
		assert_eq!(Batches::get(), vec![mine.len()]);
		assert_eq!(SentTogether::get(), vec![(key(who), mine.clone())]);
		assert!(Sent::get().is_empty());
		// The next run prepares again (a no-op for a ready model) and proves nothing.
		TaskMarket::offchain_worker(4);
		assert_eq!(Batches::get().len(), 1);
	});
}

#[test]
fn the_worker_declines_what_its_engine_cannot_answer() {
	with_offchain(|| {
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		let who = assignee(id).unwrap();
		HeldKey::set(Some(who));
		EngineFails::set(true);
		TaskMarket::offchain_worker(2);
		assert!(Sent::get().is_empty(), "nothing the chain would reject is sent");
		assert_eq!(Declined::get(), vec![(key(who), id, b"no proving key".to_vec())]);
	});
}

/// Declining costs a little reputation and no bond, goes to another
/// provider, and is bounded per session.
#[test]
fn a_provider_may_decline_instead_of_being_slashed() {
	execute(|| {
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		let who = assignee(id).unwrap();
		let reason: DeclineReason = b"proving key unavailable".to_vec().try_into().unwrap();
		assert_noop!(
			TaskMarket::decline_task(RuntimeOrigin::signed(key(other(who))), id, reason.clone()),
			Error::<Test>::NotAssignedProvider
		);
		assert_noop!(
			TaskMarket::decline_task(RuntimeOrigin::signed(who), id, reason.clone()),
			Error::<Test>::NotAComputeKey
		);
		let before = pallet_compute_staking::Providers::<Test>::get(who).unwrap();
		assert_ok!(TaskMarket::decline_task(RuntimeOrigin::signed(key(who)), id, reason.clone()));
		let after = pallet_compute_staking::Providers::<Test>::get(who).unwrap();
		assert_eq!(after.active, before.active, "no slash");
		assert_eq!((after.record.declined, after.open_tasks, after.slashed), (1, 0, false));
		assert!(after.record.reputation() < before.record.reputation());
		assert!(events().contains(&Event::TaskDeclined { task: id, provider: who, reason }));
		run_to(3);
		assert_eq!(assignee(id), Some(other(who)));
	});
}

#[test]
fn declines_are_bounded_per_session() {
	execute(|| {
		// Only P1 serves the model.
		let mut profile = pallet_compute_staking::Providers::<Test>::get(P2).unwrap().profile;
		profile.models = Default::default();
		assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(P2), profile));
		let ids: Vec<TaskId> = (3..=5).map(|owner| submit_as(owner, PRICE, Payment::Dai)).collect();
		run_to(3);
		assert!(ids.iter().all(|id| assignee(*id) == Some(P1)));
		let reason: DeclineReason = Default::default();
		for id in &ids[..MAX_DECLINES as usize] {
			assert_ok!(TaskMarket::decline_task(RuntimeOrigin::signed(key(P1)), *id, reason.clone()));
		}
		assert_noop!(
			TaskMarket::decline_task(RuntimeOrigin::signed(key(P1)), ids[2], reason),
			pallet_compute_staking::Error::<Test>::TooManyDeclines
		);
	});
}
