//! Sovereign domains in the market: where tasks run, what is refused, and
//! what crosses a boundary.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::Perbill;

/// Providers 12..=17, registered by [`more_providers`] beside P1 and P2.
const MORE: [AccountId; 6] = [12, 13, 14, 15, 16, 17];

/// Registers [`MORE`] serving the model, each joining `domain_of(who)`.
fn more_providers(domain_of: impl Fn(AccountId) -> Option<u32>) {
	let profile = pallet_compute_staking::Providers::<Test>::get(P1).unwrap().profile;
	for who in MORE {
		TestDomains::join(who, domain_of(who));
		let proof = sp_runtime::testing::TestSignature(key(who), pallet_compute_staking::compute_key_message(&who));
		assert_ok!(ComputeStaking::register(RuntimeOrigin::signed(who), profile.clone(), key(who), proof, BOND));
	}
}

/// Submits as `who`, runs a block, and returns who got the task, which
/// then answers it (so that every provider is free for the next draw).
fn assigned_for(who: AccountId, max_fee: Balance, payment: Payment) -> Option<AccountId> {
	let id = submit_as(who, max_fee, payment);
	run_to(System::block_number() + 1);
	let provider = assignee(id)?;
	let (output, proof) = proven(id, provider);
	assert_ok!(answer(provider, id, output, proof));
	Some(provider)
}

#[test]
fn a_local_domains_tasks_never_leave_it_whatever_the_draw() {
	for salt in 0..8 {
		Salt::set(salt);
		execute(|| {
			TestDomains::set_terms(1, true, None, Preference::Stake);
			TestDomains::set_terms(2, false, Some(Perbill::zero()), Preference::Stake);
			// Domain 1: P1, 12, 13; domain 2: 14, 15 (serves anyone); open: P2, 16, 17.
			TestDomains::join(P1, Some(1));
			more_providers(|who| match who {
				12 | 13 => Some(1),
				14 | 15 => Some(2),
				_ => None,
			});
			TestDomains::join(USER, Some(1));
			for _ in 0..6 {
				let provider = assigned_for(USER, PRICE, Payment::Dai).expect("a member serves it");
				assert!([P1, 12, 13].contains(&provider), "domain 1's task ran on {provider}");
			}
			// The open network's tasks never reach the local domain (it does not serve outsiders).
			for _ in 0..6 {
				let provider = assigned_for(3, PRICE, Payment::Dai).expect("someone serves it");
				assert!(![P1, 12, 13].contains(&provider), "an outsider's task ran in domain 1 on {provider}");
			}
			assert!(CROSSINGS.with(|c| c.borrow().iter().all(|(owner, ..)| *owner == 3)));
		});
	}
}

#[test]
fn a_local_domains_task_waits_rather_than_leave_it() {
	execute(|| {
		TestDomains::set_terms(1, true, None, Preference::Stake);
		TestDomains::join(USER, Some(1));
		// P1 and P2 are free, on the open network; the domain has no provider.
		let id = submit_as(USER, PRICE, Payment::Dai);
		run_to(5);
		assert_eq!(assignee(id), None, "a local task went to the open network");
		// A member provider joins: the task runs there.
		TestDomains::join(P2, Some(1));
		run_to(6);
		assert_eq!(assignee(id), Some(P2));
	});
}

#[test]
fn a_model_the_domain_does_not_allow_is_refused_at_submission() {
	execute(|| {
		TestDomains::set_terms(1, false, None, Preference::Stake);
		TestDomains::join(USER, Some(1));
		DOMAIN_BANNED.with(|b| b.borrow_mut().push((1, model())));
		let before = free(USER);
		assert_noop!(
			TaskMarket::submit_task(
				RuntimeOrigin::signed(USER),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Zk,
				PRICE,
				Payment::Dai
			),
			Error::<Test>::ModelNotAllowedInDomain
		);
		assert_eq!(free(USER), before);
		// Outside the domain the model is fine.
		submit_as(3, PRICE, Payment::Dai);
	});
}

#[test]
fn an_outsiders_task_crosses_to_a_serving_domain_and_pays_its_markup_within_max_fee() {
	execute(|| {
		// Only domain 2 serves: P1 and P2 both in it, 10% markup for outsiders.
		TestDomains::set_terms(2, false, Some(Perbill::from_percent(10)), Preference::Stake);
		TestDomains::join(P1, Some(2));
		TestDomains::join(P2, Some(2));
		// A max fee without room for the markup: not served.
		let tight = submit_as(3, PRICE, Payment::Dai);
		run_to(2);
		assert_eq!(assignee(tight), None);
		// Credits never cross a boundary.
		let credits = submit_as(USER, 2 * PRICE, Payment::Credits);
		run_to(3);
		assert_eq!(assignee(credits), None);
		// Room for the markup: served, the executor share (720) and 10% of it cross.
		let id = submit_as(4, 2 * PRICE, Payment::Dai);
		run_to(4);
		let provider = assignee(id).expect("domain 2 serves it");
		let (gateway, executor, user) = (free(GATEWAY), free(provider), free(4));
		let (output, proof) = proven(id, provider);
		assert_ok!(answer(provider, id, output, proof));
		assert_eq!(CROSSINGS.with(|c| c.borrow().clone()), vec![(4, None, provider, Some(2), 720 + 72)]);
		assert_eq!(free(GATEWAY), gateway + 792);
		// The executor is paid by its domain after clearing, not here.
		assert_eq!(free(provider), executor);
		// The user paid the price and the markup, and got the rest of 2 × PRICE back.
		assert_eq!(free(4), user + 2 * PRICE - PRICE - 72);
	});
}

#[test]
fn a_domain_may_choose_among_its_members_evenly() {
	execute(|| {
		TestDomains::set_terms(1, true, None, Preference::Even);
		TestDomains::join(P1, Some(1));
		TestDomains::join(P2, Some(1));
		TestDomains::join(USER, Some(1));
		// P2 bonds nine times what P1 does: by stake P2 would win about 90%.
		assert_ok!(ComputeStaking::bond_extra(RuntimeOrigin::signed(P2), 8 * BOND));
		submit(PRICE, Payment::Dai);
		let task = Tasks::<Test>::get(0).unwrap();
		let candidates = <ComputeStaking as pallet_compute_staking::ComputeProviders<_>>::serving(&model());
		let mut terms = Default::default();
		let allowed = TaskMarket::allowed_by_domains(&task, &candidates, &mut terms);
		assert_eq!(allowed.1, Preference::Even);
		let mut p1 = 0;
		for i in 0..1_000u32 {
			let seed = sp_runtime::traits::BlakeTwo256::hash_of(&i);
			let chosen = TaskMarket::choose(seed, 0, &task, &candidates, &allowed, &[]).unwrap();
			p1 += u32::from(candidates[chosen].0 == P1);
		}
		assert!((400..=600).contains(&p1), "P1 drew {p1} of 1,000");
	});
}

use sp_runtime::traits::Hash;
