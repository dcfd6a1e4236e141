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
			// Only the open network's tasks crossed, and only into domain 2.
			assert!(CROSSINGS.with(|c| c.borrow().iter().all(|(home, _, to, _)| home.is_none() && *to == Some(2))));
		});
	}
}

#[test]
fn a_task_no_provider_may_run_is_refused_and_a_local_task_waits_rather_than_leave() {
	execute(|| {
		TestDomains::set_terms(1, true, None, Preference::Stake);
		TestDomains::join(USER, Some(1));
		// P1 and P2 serve the model on the open network; the domain has no provider.
		let before = free(USER);
		let submit = || {
			TaskMarket::submit_task(
				RuntimeOrigin::signed(USER),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Zk,
				PRICE,
				Payment::Dai,
			)
			.map_err(|e| e.error)
		};
		assert_noop!(submit(), Error::<Test>::NoProviderInDomain);
		assert_eq!(free(USER), before);
		// P2 joins: accepted. P2 leaves before the draw: the task waits rather than leave.
		TestDomains::join(P2, Some(1));
		let id = NextTaskId::<Test>::get();
		assert_ok!(submit());
		TestDomains::join(P2, None);
		run_to(5);
		assert_eq!(assignee(id), None, "a local task went to the open network");
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
		// A max fee without room for the markup, or credits (which never
		// cross a boundary): nobody may run it, refused at submission.
		let refused = |who, max_fee, payment| {
			let call = TaskMarket::submit_task(
				RuntimeOrigin::signed(who),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Zk,
				max_fee,
				payment,
			);
			assert_eq!(call.map_err(|e| e.error), Err(Error::<Test>::NoProviderInDomain.into()));
		};
		refused(3, PRICE, Payment::Dai);
		refused(USER, 2 * PRICE, Payment::Credits);
		// Room for the markup: served, the executor share (720) and 10% of it cross.
		let id = submit_as(4, 2 * PRICE, Payment::Dai);
		run_to(2);
		let provider = assignee(id).expect("domain 2 serves it");
		let (gateway, executor, user) = (free(GATEWAY), free(provider), free(4));
		let (output, proof) = proven(id, provider);
		assert_ok!(answer(provider, id, output, proof));
		assert_eq!(CROSSINGS.with(|c| c.borrow().clone()), vec![(None, provider, Some(2), 720 + 72)]);
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

#[test]
fn the_price_is_what_the_draw_found_whatever_changes_before_settlement() {
	execute(|| {
		TestDomains::set_terms(2, false, Some(Perbill::from_percent(10)), Preference::Stake);
		TestDomains::join(P1, Some(2));
		TestDomains::join(P2, Some(2));
		let id = submit_as(4, 2 * PRICE, Payment::Dai);
		run_to(2);
		let provider = assignee(id).unwrap();
		// After the draw the domain raises its markup to 100%: the user still pays 10%.
		TestDomains::set_terms(2, false, Some(Perbill::from_percent(100)), Preference::Stake);
		let user = free(4);
		let (output, proof) = proven(id, provider);
		assert_ok!(answer(provider, id, output, proof));
		assert_eq!(CROSSINGS.with(|c| c.borrow().clone()), vec![(None, provider, Some(2), 792)]);
		assert_eq!(free(4), user + 2 * PRICE - PRICE - 72);

		// A provider drawn on the open network that joins a domain before
		// settling is paid as the draw found it: directly, no markup.
		TestDomains::join(P1, None);
		TestDomains::join(P2, None);
		let id = submit_as(4, 2 * PRICE, Payment::Dai);
		run_to(3);
		let provider = assignee(id).unwrap();
		TestDomains::join(provider, Some(2));
		let (user, executor) = (free(4), free(provider));
		let (output, proof) = proven(id, provider);
		assert_ok!(answer(provider, id, output, proof));
		assert_eq!(CROSSINGS.with(|c| c.borrow().len()), 1, "no new crossing");
		assert_eq!(free(provider), executor + 720);
		assert_eq!(free(4), user + 2 * PRICE - PRICE);
	});
}

#[test]
fn a_crossing_the_domains_cannot_record_is_paid_to_the_executor_directly() {
	execute(|| {
		TestDomains::set_terms(2, false, Some(Perbill::from_percent(10)), Preference::Stake);
		TestDomains::join(P1, Some(2));
		TestDomains::join(P2, Some(2));
		let id = submit_as(4, 2 * PRICE, Payment::Dai);
		run_to(2);
		let provider = assignee(id).unwrap();
		REFUSE_CROSSINGS.with(|r| *r.borrow_mut() = true);
		let (user, executor, gateway) = (free(4), free(provider), free(GATEWAY));
		let (output, proof) = proven(id, provider);
		assert_ok!(answer(provider, id, output, proof));
		assert_eq!(free(provider), executor + 720);
		assert_eq!(free(GATEWAY), gateway);
		// No markup without a crossing.
		assert_eq!(free(4), user + 2 * PRICE - PRICE);
	});
}

#[test]
fn even_draws_apply_only_where_a_domain_keeps_its_tasks_inside() {
	execute(|| {
		TestDomains::set_terms(1, false, None, Preference::Even);
		TestDomains::join(USER, Some(1));
		submit(PRICE, Payment::Dai);
		let task = Tasks::<Test>::get(0).unwrap();
		let candidates = <ComputeStaking as pallet_compute_staking::ComputeProviders<_>>::serving(&model());
		let (allowed, preference) = TaskMarket::allowed_by_domains(&task, &candidates, &mut Default::default());
		// The open network's providers may run it: weighed by stake, not evenly.
		assert_eq!(allowed, vec![true, true]);
		assert_eq!(preference, Preference::Stake);
	});
}

use sp_runtime::traits::Hash;
