//! Self-dealing: a provider buying tasks for itself through an account
//! nobody can link to it, to raise its selection score, reputation or
//! credits. Each attack runs here and is measured against bonding.
//!
//! `cargo test --release -p pallet-tasks self_dealing -- --nocapture` prints
//! the figures the README quotes.

use crate::{mock::*, *};
use frame_support::{assert_ok, traits::fungible::Inspect};
use pallet_compute_staking::ComputeProviders;

/// The attacker's sybil: a funded account with no visible link to P1.
const SYBIL: AccountId = 7;

/// Everything the attacker owns: P1's balance (bond included), the model
/// developer's (the best case for the attacker: it also wrote the model and
/// gets the developer's share back) and the sybil's.
fn attacker_wealth() -> Balance {
	[P1, DEV, SYBIL].iter().map(|who| Balances::total_balance(who)).sum()
}

fn attacker_credits() -> u128 {
	[P1, DEV, SYBIL].iter().map(|who| pallet_credits::Credits::<Test>::get(who)).sum()
}

/// The sybil buys `rounds` batches of tasks; every task is answered by
/// whoever drew it. Returns how many P1 drew.
fn buy_tasks(rounds: u32, payment: Payment) -> u32 {
	let mut drawn = 0;
	for _ in 0..rounds {
		let ids: Vec<TaskId> = (0..2).map(|_| submit_as(SYBIL, PRICE, payment)).collect();
		run_to(System::block_number() + 1);
		for id in ids {
			let who = assignee(id).expect("assigned");
			drawn += u32::from(who == P1);
			let (output, proof) = proven(id, who);
			assert_ok!(answer(who, id, output, proof));
		}
	}
	drawn
}

/// Ends the session: what P1 counted in it becomes its score's compute part.
fn next_session() {
	let next = pallet_compute_staking::CurrentSession::<Test>::get() + 1;
	pallet_compute_staking::CurrentSession::<Test>::put(next);
}

fn score(who: AccountId) -> u128 {
	ComputeStaking::standing(&who).unwrap().score
}

#[test]
fn buying_score_costs_more_than_bonding_it() {
	execute(|| {
		let _ = Balances::force_set_balance(RuntimeOrigin::root(), SYBIL, FUNDS);
		let (wealth, before) = (attacker_wealth(), score(P1));
		let reputation = <ComputeStaking as ComputeProviders<_>>::reputation_of(&P1);
		let drawn = buy_tasks(10, Payment::Dai);
		next_session();
		let gained = score(P1) - before;
		let spent = wealth - attacker_wealth();
		assert!(drawn > 0 && gained > 0, "P1 drew {drawn} of 20 tasks and gained {gained}");
		assert_eq!(
			<ComputeStaking as ComputeProviders<_>>::reputation_of(&P1),
			reputation,
			"successes bought do not raise reputation"
		);

		// Bonding the same score: locked, not spent, and returned after unbonding.
		let bonded_before = score(P1);
		assert_ok!(ComputeStaking::bond_extra(RuntimeOrigin::signed(P1), gained as Balance));
		let by_bond = score(P1) - bonded_before;
		let self_dealing = spent as f64 / gained as f64;
		let bonding = gained as f64 / by_bond as f64;
		println!(
			"self-dealing: {drawn} of 20 bought tasks drawn by the attacker; {spent} units spent for \
			 {gained} points for one session: {self_dealing:.2} units spent per point"
		);
		println!("bonding: {gained} units locked (returned on unbonding) for {by_bond} points: {bonding:.2} units locked per point");
		assert!(spent >= gained, "a point bought costs at least one unit spent");
		assert!(self_dealing >= bonding, "self-dealing is never cheaper than bonding");
		// And the bought points last one session; the bond's stay.
		next_session();
		next_session();
		assert_eq!(score(P1), by_bond + bonded_before - gained);
	});
}

#[test]
fn paying_in_credits_mints_no_credits_for_the_attacker() {
	execute(|| {
		pallet_credits::Credits::<Test>::insert(SYBIL, 100 * PRICE);
		pallet_credits::TotalCredits::<Test>::mutate(|t| *t += 100 * PRICE);
		let credits = attacker_credits();
		let drawn = buy_tasks(10, Payment::Credits);
		assert!(drawn > 0);
		let after = attacker_credits();
		println!("credits: the attacker held {credits}, bought 20 tasks from itself, holds {after}");
		assert!(after < credits, "self-dealing in credits loses credits");
	});
}
