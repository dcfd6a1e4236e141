//! The off-chain worker answers its provider's tasks once, and again only
//! when the answer did not land.

use crate::{mock::*, *};
use frame_support::traits::Hooks;
use sp_core::offchain::{testing::TestOffchainExt, OffchainDbExt, OffchainWorkerExt};

fn with_offchain(test: impl FnOnce()) {
	let mut ext = new_test_ext();
	let (offchain, _) = TestOffchainExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.execute_with(test);
}

#[test]
fn the_worker_answers_tasks_assigned_to_its_keys_once() {
	with_offchain(|| {
		Sent::take();
		let id = submit(PRICE, Payment::Dai);
		run_to(2);
		assert_eq!(assignee(id), Some(P1));

		// Without P1's key this node does nothing.
		HoldsP1Key::set(false);
		TaskMarket::offchain_worker(2);
		assert!(Sent::get().is_empty());

		HoldsP1Key::set(true);
		TaskMarket::offchain_worker(2);
		assert_eq!(Sent::get(), vec![(key(P1), id)]);
		// Not again while the answer may still be on its way...
		TaskMarket::offchain_worker(3);
		assert_eq!(Sent::get().len(), 1);
		// ...but again once half the timeout passed and the task is still open
		// (the node restarted, or the transaction was dropped).
		TaskMarket::offchain_worker(2 + TIMEOUT / 2);
		assert_eq!(Sent::get(), vec![(key(P1), id), (key(P1), id)]);
		HoldsP1Key::set(false);
	});
}

#[test]
fn the_worker_leaves_other_providers_tasks_alone() {
	with_offchain(|| {
		Sent::take();
		let a = submit(PRICE, Payment::Dai);
		let b = submit(PRICE, Payment::Dai);
		run_to(2);
		assert_eq!((assignee(a), assignee(b)), (Some(P1), Some(P2)));
		HoldsP1Key::set(true);
		TaskMarket::offchain_worker(2);
		assert_eq!(Sent::get(), vec![(key(P1), a)]);
		HoldsP1Key::set(false);
	});
}
