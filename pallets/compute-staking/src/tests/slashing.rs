//! Slashing arithmetic at the edges, offences, and exclusion from the next set.

use crate::{mock::*, *};
use frame_support::assert_ok;
use pallet_session::SessionManager;
use sp_runtime::Perbill;
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn invalid(who: AccountId) -> Balance {
	<ComputeStaking as ReportOutcome<_>>::invalid_result(&who)
}

fn offence(who: AccountId, fraction: Perbill) {
	let details = OffenceDetails { offender: (who, ()), reporters: vec![] };
	let _ = <ComputeStaking as OnOffenceHandler<_, _, _>>::on_offence(&[details], &[fraction], 0);
}

#[test]
fn an_invalid_result_slashes_half_the_bond_and_nothing_else() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		assert_eq!(invalid(1), 500);
		assert_eq!((held(1), free(1)), (500, FUNDS - 1_000));
		assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance - 500);
		System::assert_last_event(
			Event::Slashed { provider: 1, amount: 500, reason: SlashReason::InvalidResult }.into(),
		);
	});
}

#[test]
fn slashing_the_minimum_bond_and_a_missed_deadline() {
	ExtBuilder::default().provider(1, MIN_BOND).build_and_execute(|| {
		// 1% of the minimum bond of 100.
		assert_eq!(<ComputeStaking as ReportOutcome<_>>::missed_deadline(&1), 1);
		assert_eq!(held(1), MIN_BOND - 1);
		assert_eq!(invalid(1), 49);
		assert_eq!(Providers::<Test>::get(1).unwrap().active, 50);
	});
}

#[test]
fn slashing_nothing_changes_nothing() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		// Not a provider: no bond to slash, free funds untouched.
		assert_eq!(invalid(5), 0);
		assert_eq!(free(5), FUNDS);
		// A zero fraction takes nothing.
		offence(1, Perbill::zero());
		assert_eq!(held(1), 1_000);
	});
}

#[test]
fn repeated_slashes_never_empty_the_bond() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		let mut slashed = 0;
		for expected in [500, 250, 125, 62, 31, 16, 8, 4, 2, 1, 0] {
			let amount = invalid(1);
			assert_eq!(amount, expected);
			slashed += amount;
		}
		assert_eq!(held(1), 1_000 - slashed);
		assert_eq!(held(1), 1);
		assert_eq!(free(1), FUNDS - 1_000);
	});
}

#[test]
fn slashing_the_largest_balance_does_not_overflow() {
	let big = u128::MAX / 4;
	ExtBuilder::default().rich(50, big).build_and_execute(|| {
		assert_ok!(ComputeStaking::register(
			RuntimeOrigin::signed(50),
			profile(&[1]),
			key_of(50),
			key_proof(key_of(50), 50),
			big - 1
		));
		<ComputeStaking as SessionManager<_>>::start_session(1);
		<ComputeStaking as ReportOutcome<_>>::verified(&50, u128::MAX, u128::MAX);
		<ComputeStaking as SessionManager<_>>::start_session(2);
		// The work saturates instead of overflowing, and the cap holds.
		assert_eq!(ComputeStaking::standing(&50).unwrap().score, MULTIPLIER * (big - 1));
		assert_eq!(invalid(50), (big - 1) / 2);
		assert_eq!(held(50), big - 1 - (big - 1) / 2);
		assert_eq!(free(50), 1);
	});
}

#[test]
fn slashing_during_unbonding_takes_from_every_part_pro_rata() {
	ExtBuilder::default().provider(1, 1_000).build_and_execute(|| {
		assert_ok!(ComputeStaking::unbond(RuntimeOrigin::signed(1), 400));
		assert_eq!(invalid(1), 500);
		let p = Providers::<Test>::get(1).unwrap();
		assert_eq!((p.active, p.unlocking[0].amount), (300, 200));
		assert_eq!(held(1), 500);

		System::set_block_number(1 + DELAY);
		assert_ok!(ComputeStaking::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(free(1), FUNDS - 1_000 + 200);
	});
}

#[test]
fn offences_slash_the_reported_fraction_capped_at_the_maximum() {
	ExtBuilder::default().provider(1, 1_000).provider(2, 1_000).build_and_execute(|| {
		offence(1, Perbill::from_percent(10));
		assert_eq!(held(1), 900);
		offence(2, Perbill::from_percent(100));
		assert_eq!(held(2), 500);
		System::assert_last_event(
			Event::Slashed { provider: 2, amount: 500, reason: SlashReason::Offence }.into(),
		);
		// Each offender is also disabled for the rest of the session.
		assert_eq!(Disabled::get(), vec![(1, Perbill::from_percent(10)), (2, Perbill::from_percent(100))]);
	});
}

#[test]
fn a_slashed_validator_sits_out_exactly_one_selection() {
	ExtBuilder::default()
		.provider(1, 1_000)
		.provider(2, 1_000)
		.provider(3, 100)
		.provider(4, 100)
		.build_and_execute(|| {
			offence(1, Perbill::from_percent(1));
			let selected = <ComputeStaking as SessionManager<_>>::new_session(2).unwrap();
			assert_eq!(selected, vec![2, 3, 4]);
			let selected = <ComputeStaking as SessionManager<_>>::new_session(3).unwrap();
			assert_eq!(selected, vec![2, 1, 3]);
		});
}

#[test]
fn a_set_slashed_together_is_replaced_by_whoever_is_eligible_and_never_frozen() {
	// Most of the set slashed at once (a colluding committee): the next
	// selection puts the unslashed first and fills the seats with the
	// slashed, best bond first; those left out have sat out and rank
	// normally again, the others stay marked until a selection leaves them
	// out.
	ExtBuilder::default()
		.provider(1, 1_000)
		.provider(2, 1_000)
		.provider(3, 1_000)
		.provider(4, 400)
		.minimum(2)
		.build_and_execute(|| {
			for who in [1, 2, 3] {
				offence(who, Perbill::from_percent(50));
			}
			let selected = <ComputeStaking as SessionManager<_>>::new_session(2).unwrap();
			assert_eq!(selected, vec![4, 1, 2], "the unslashed first, though its bond is smallest");
			let marked = || {
				let mut marked: Vec<_> = Providers::<Test>::iter().filter(|(_, p)| p.slashed).map(|(who, _)| who).collect();
				marked.sort();
				marked
			};
			assert_eq!(marked(), vec![1, 2], "3 sat out; 1 and 2 did not");
			let selected = <ComputeStaking as SessionManager<_>>::new_session(3).unwrap();
			assert_eq!(selected, vec![3, 4, 1]);
			assert_eq!(marked(), vec![1]);
			let selected = <ComputeStaking as SessionManager<_>>::new_session(4).unwrap();
			assert_eq!(selected, vec![2, 3, 4]);
			assert!(marked().is_empty());
		});
}

#[test]
fn a_skipped_selection_keeps_the_slash_marks() {
	// A coalition that makes the selection skip (too few eligible: here two
	// of three minimum) keeps its seats for the session, but not its slash
	// washed: the mark stays for the next selection that can leave it out.
	ExtBuilder::default().provider(1, 1_000).provider(2, 1_000).minimum(3).build_and_execute(|| {
		offence(1, Perbill::from_percent(10));
		assert_eq!(<ComputeStaking as SessionManager<_>>::new_session(2), None);
		System::assert_last_event(Event::SelectionSkipped { session: 2, eligible: 2, minimum: 3 }.into());
		assert!(Providers::<Test>::get(1).unwrap().slashed, "still marked");
		assert!(!Providers::<Test>::get(2).unwrap().slashed);
	});
}
