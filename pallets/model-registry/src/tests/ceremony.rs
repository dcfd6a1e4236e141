//! The phase-1 ceremony: opening, contributions chained on the head, deposits
//! held, burned on rejection and released on sealing, the beacon, and the
//! registry's refusal of models without a sealed phase 1.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::GetDispatchInfo,
	traits::{
		fungible::{Inspect, InspectHold},
		Hooks,
	},
};
use sp_core::H256;
use sp_runtime::{traits::Header as _, DispatchError};

/// The initial accumulator's hash in these tests.
const INITIAL: H256 = H256::repeat_byte(0xa0);
/// The power of the ceremonies in these tests.
const POWER: u8 = 12;

/// The hash of the `i`-th test contribution.
fn h(i: u64) -> H256 {
	H256::from_low_u64_be(0x1000 + i)
}

fn url(text: &str) -> Url {
	text.as_bytes().to_vec().try_into().unwrap()
}

fn reason() -> RuntimeHoldReason {
	HoldReason::Phase1Contribution.into()
}

fn held(who: u64) -> u128 {
	Balances::balance_on_hold(&reason(), &who)
}

fn open() {
	assert_ok!(ModelRegistry::open_phase1(RuntimeOrigin::root(), POWER, INITIAL));
}

fn contribute(who: u64, previous: H256, hash: H256) -> sp_runtime::DispatchResult {
	ModelRegistry::contribute_phase1(RuntimeOrigin::signed(who), previous, hash, url("https://c.example/x"))
}

/// Opens a ceremony and records contributions `h(0..n)` by accounts `10..10 + n`.
fn open_with(n: u64) {
	open();
	let mut head = INITIAL;
	for i in 0..n {
		assert_ok!(contribute(10 + i, head, h(i)));
		head = h(i);
	}
}

fn ceremony() -> Phase1CeremonyOf<Test> {
	Phase1InProgress::<Test>::get().expect("a ceremony is open")
}

/// Finalizes blocks and starts the next ones, as a node does, until block
/// `n` is being built: the hash of every block before it is recorded.
fn run_to_block(n: u64) {
	while System::block_number() < n {
		let header = System::finalize();
		System::initialize(&(header.number() + 1), &header.hash(), &Default::default());
	}
}

/// Closes the open ceremony and runs past its beacon block; returns it.
fn close_and_pass_the_beacon() -> u64 {
	assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
	let beacon_block = ceremony().closing.unwrap();
	run_to_block(beacon_block + 1);
	beacon_block
}

#[test]
fn the_config_passes_the_integrity_test() {
	new_test_ext().execute_with(|| <ModelRegistry as Hooks<u64>>::integrity_test());
}

#[test]
fn the_manager_opens_one_ceremony_at_a_time() {
	execute(|| {
		assert_noop!(
			ModelRegistry::open_phase1(RuntimeOrigin::signed(1), POWER, INITIAL),
			DispatchError::BadOrigin
		);
		assert_noop!(ModelRegistry::open_phase1(RuntimeOrigin::root(), 0, INITIAL), Error::<Test>::InvalidPower);
		assert_noop!(
			ModelRegistry::open_phase1(RuntimeOrigin::root(), MAX_PHASE1_POWER + 1, INITIAL),
			Error::<Test>::InvalidPower
		);

		assert_ok!(ModelRegistry::open_phase1(RuntimeOrigin::root(), MAX_PHASE1_POWER, INITIAL));
		assert_eq!(
			Phase1InProgress::<Test>::get(),
			Some(Phase1Ceremony {
				power: MAX_PHASE1_POWER,
				initial: INITIAL,
				contributions: Default::default(),
				closing: None
			})
		);
		System::assert_last_event(Event::Phase1Opened { power: MAX_PHASE1_POWER, initial: INITIAL }.into());

		assert_noop!(
			ModelRegistry::open_phase1(RuntimeOrigin::root(), 1, H256::repeat_byte(1)),
			Error::<Test>::Phase1InProgress
		);
	});
}

#[test]
fn contributions_chain_on_the_head_and_hold_a_deposit() {
	execute(|| {
		open();
		assert_eq!(ceremony().head(), INITIAL);

		assert_ok!(contribute(10, INITIAL, h(0)));
		System::assert_last_event(Event::Phase1Contributed { index: 0, contributor: 10, hash: h(0) }.into());
		assert_ok!(contribute(11, h(0), h(1)));
		System::assert_last_event(Event::Phase1Contributed { index: 1, contributor: 11, hash: h(1) }.into());

		let c = ceremony();
		assert_eq!(c.head(), h(1));
		assert_eq!(
			c.contributions.iter().map(|c| (c.contributor, c.hash)).collect::<Vec<_>>(),
			vec![(10, h(0)), (11, h(1))]
		);
		assert_eq!(c.contributions[0].url, url("https://c.example/x"));
		for who in [10, 11] {
			assert_eq!(held(who), DEPOSIT);
			assert_eq!(Balances::balance(&who), FUNDS - DEPOSIT);
		}
	});
}

#[test]
fn a_contribution_that_does_not_build_on_the_head_is_refused() {
	execute(|| {
		open();
		assert_noop!(contribute(10, H256::repeat_byte(0x55), h(0)), Error::<Test>::NotTheHead);
		assert_ok!(contribute(10, INITIAL, h(0)));
		// Building on a stale head (the initial accumulator, now superseded).
		assert_noop!(contribute(11, INITIAL, h(1)), Error::<Test>::NotTheHead);
		assert_eq!(held(11), 0);
	});
}

#[test]
fn of_two_contributors_racing_on_the_same_head_only_the_first_is_recorded() {
	execute(|| {
		open_with(1);
		// Both downloaded h(0) and contributed on it; 11's transaction lands first.
		assert_ok!(contribute(11, h(0), h(1)));
		assert_noop!(contribute(12, h(0), h(2)), Error::<Test>::NotTheHead);
		assert_eq!(ceremony().contributions.len(), 2);
		assert_eq!(held(12), 0);
		// The loser contributes again, on the new head.
		assert_ok!(contribute(12, h(1), h(2)));
		System::assert_last_event(Event::Phase1Contributed { index: 2, contributor: 12, hash: h(2) }.into());
	});
}

#[test]
fn contributions_are_refused_without_an_open_ceremony_a_fresh_hash_or_a_deposit() {
	execute(|| {
		assert_noop!(contribute(10, INITIAL, h(0)), Error::<Test>::NoPhase1InProgress);
		open_with(2);
		assert_noop!(
			ModelRegistry::contribute_phase1(RuntimeOrigin::none(), h(1), h(2), url("u")),
			DispatchError::BadOrigin
		);
		assert_noop!(contribute(10, h(1), h(2)), Error::<Test>::AlreadyContributed);
		assert_noop!(contribute(20, h(1), h(1)), Error::<Test>::DuplicateHash);
		assert_noop!(contribute(20, h(1), h(0)), Error::<Test>::DuplicateHash);
		assert_noop!(contribute(20, h(1), INITIAL), Error::<Test>::DuplicateHash);
		// Account 999 has nothing to hold.
		assert_noop!(contribute(999, h(1), h(2)), Error::<Test>::InsufficientBalance);

		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		assert_noop!(contribute(20, h(1), h(2)), Error::<Test>::Phase1Closed);
	});
}

#[test]
fn a_flood_of_contributions_stops_at_the_bound_and_each_holds_a_deposit() {
	execute(|| {
		let issuance = Balances::total_issuance();
		open_with(MAX_PHASE1_CONTRIBUTIONS as u64);
		assert_eq!(ceremony().contributions.len() as u32, MAX_PHASE1_CONTRIBUTIONS);
		for i in 0..MAX_PHASE1_CONTRIBUTIONS as u64 {
			assert_eq!(held(10 + i), DEPOSIT);
		}
		let recorded = events().into_iter().filter(|e| matches!(e, Event::Phase1Contributed { .. })).count();
		assert_eq!(recorded as u32, MAX_PHASE1_CONTRIBUTIONS);
		let last = h(MAX_PHASE1_CONTRIBUTIONS as u64 - 1);
		assert_noop!(contribute(99, last, h(1_000)), Error::<Test>::TooManyContributions);
		assert_eq!(held(99), 0);
		// Held, not spent: nothing is burned while the ceremony runs.
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn a_rejected_contribution_burns_its_deposit_and_releases_the_later_ones() {
	execute(|| {
		open_with(4);
		let issuance = Balances::total_issuance();

		assert_ok!(ModelRegistry::reject_phase1_contribution(RuntimeOrigin::root(), 1));
		System::assert_last_event(
			Event::Phase1ContributionRejected { index: 1, contributor: 11, removed: 3 }.into(),
		);

		// Exactly the rejected deposit left the supply.
		assert_eq!(Balances::total_issuance(), issuance - DEPOSIT);
		assert_eq!((held(11), Balances::total_balance(&11)), (0, FUNDS - DEPOSIT));
		// The later ones built on a bad accumulator: removed, deposits back.
		for who in [12, 13] {
			assert_eq!((held(who), Balances::total_balance(&who), Balances::balance(&who)), (0, FUNDS, FUNDS));
		}
		// The earlier one stands.
		assert_eq!(held(10), DEPOSIT);
		let c = ceremony();
		assert_eq!(c.contributions.iter().map(|c| c.contributor).collect::<Vec<_>>(), vec![10]);
		assert_eq!(c.head(), h(0));

		// The released contributors contribute again on the new head.
		assert_ok!(contribute(12, h(0), h(2)));
		assert_eq!(held(12), DEPOSIT);
	});
}

#[test]
fn rejecting_the_first_contribution_empties_the_ceremony() {
	execute(|| {
		open_with(2);
		let issuance = Balances::total_issuance();
		assert_ok!(ModelRegistry::reject_phase1_contribution(RuntimeOrigin::root(), 0));
		System::assert_last_event(
			Event::Phase1ContributionRejected { index: 0, contributor: 10, removed: 2 }.into(),
		);
		assert_eq!(Balances::total_issuance(), issuance - DEPOSIT);
		assert!(ceremony().contributions.is_empty());
		assert_eq!(ceremony().head(), INITIAL);
		assert_eq!((held(10), held(11)), (0, 0));
	});
}

#[test]
fn rejection_needs_the_manager_an_open_ceremony_and_an_existing_contribution() {
	execute(|| {
		assert_noop!(
			ModelRegistry::reject_phase1_contribution(RuntimeOrigin::root(), 0),
			Error::<Test>::NoPhase1InProgress
		);
		open_with(2);
		assert_noop!(
			ModelRegistry::reject_phase1_contribution(RuntimeOrigin::signed(10), 0),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ModelRegistry::reject_phase1_contribution(RuntimeOrigin::root(), 2),
			Error::<Test>::NoSuchContribution
		);
	});
}

/// A garbage contribution slipped in just before closing (front-running the
/// close) cannot freeze the ceremony: rejecting it reopens the ceremony, and
/// it can be closed again on an honest head.
#[test]
fn a_contribution_rejected_after_closing_reopens_the_ceremony() {
	execute(|| {
		open_with(2);
		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		let issuance = Balances::total_issuance();
		assert_ok!(ModelRegistry::reject_phase1_contribution(RuntimeOrigin::root(), 1));
		assert_eq!(ceremony().closing, None, "open again");
		assert_eq!(ceremony().contributions.len(), 1);
		assert_eq!(Balances::total_issuance(), issuance - DEPOSIT, "the rejected deposit is burned");
		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		assert!(ceremony().closing.is_some());
	});
}

#[test]
fn closing_picks_a_future_beacon_block() {
	execute(|| {
		assert_noop!(ModelRegistry::close_phase1(RuntimeOrigin::root()), Error::<Test>::NoPhase1InProgress);
		open();
		assert_noop!(ModelRegistry::close_phase1(RuntimeOrigin::root()), Error::<Test>::NoContributions);
		assert_ok!(contribute(10, INITIAL, h(0)));
		assert_noop!(ModelRegistry::close_phase1(RuntimeOrigin::signed(10)), DispatchError::BadOrigin);

		run_to_block(5);
		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		assert_eq!(ceremony().closing, Some(5 + BEACON_DELAY));
		System::assert_last_event(Event::Phase1Closing { beacon_block: 5 + BEACON_DELAY }.into());
		assert_noop!(ModelRegistry::close_phase1(RuntimeOrigin::root()), Error::<Test>::Phase1Closed);
	});
}

#[test]
fn a_ceremony_whose_beacon_was_lost_is_closed_again() {
	execute(|| {
		open_with(1);
		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		let beacon_block = ceremony().closing.unwrap();
		// Not sealed in time: the beacon block's hash is no longer kept.
		run_to_block(beacon_block + 2);
		frame_system::BlockHash::<Test>::remove(beacon_block);
		assert_noop!(
			ModelRegistry::seal_phase1(RuntimeOrigin::root(), H256::repeat_byte(0xf1), url("u")),
			Error::<Test>::BeaconNotYetAvailable
		);
		// Closing again picks a new future beacon block; the contributions stay.
		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		assert_eq!(ceremony().closing, Some(beacon_block + 2 + BEACON_DELAY));
		assert_eq!(ceremony().contributions.len(), 1);
		// While the beacon is still to come or still kept, it cannot be moved.
		assert_noop!(ModelRegistry::close_phase1(RuntimeOrigin::root()), Error::<Test>::Phase1Closed);
	});
}

#[test]
fn sealing_before_the_beacon_block_is_refused() {
	execute(|| {
		let final_hash = H256::repeat_byte(0xf1);
		let seal = || ModelRegistry::seal_phase1(RuntimeOrigin::root(), final_hash, url("https://c.example/final"));
		assert_noop!(seal(), Error::<Test>::NoPhase1InProgress);
		open_with(2);
		assert_noop!(seal(), Error::<Test>::Phase1NotClosed);
		assert_ok!(ModelRegistry::close_phase1(RuntimeOrigin::root()));
		let beacon_block = ceremony().closing.unwrap();

		assert_noop!(seal(), Error::<Test>::BeaconNotYetAvailable);
		// While the beacon block itself is being built, its hash is unknown.
		run_to_block(beacon_block);
		assert_noop!(seal(), Error::<Test>::BeaconNotYetAvailable);
		// Past it, but with its hash not recorded (nor ever, if pruned).
		frame_system::BlockHash::<Test>::remove(beacon_block);
		System::set_block_number(beacon_block + 1);
		assert_noop!(seal(), Error::<Test>::BeaconNotYetAvailable);
		assert_eq!(held(10), DEPOSIT);

		frame_system::BlockHash::<Test>::insert(beacon_block, H256::repeat_byte(0xbb));
		assert_noop!(
			ModelRegistry::seal_phase1(RuntimeOrigin::signed(10), final_hash, url("u")),
			DispatchError::BadOrigin
		);
		assert_ok!(seal());
		assert_eq!(Phase1Results::<Test>::get(final_hash).unwrap().beacon, H256::repeat_byte(0xbb));
	});
}

#[test]
fn sealing_records_the_beacon_blocks_hash_and_releases_every_deposit() {
	execute(|| {
		open_with(3);
		let issuance = Balances::total_issuance();
		let beacon_block = close_and_pass_the_beacon();
		let beacon = System::block_hash(beacon_block);
		assert!(!beacon.is_zero());

		let final_hash = H256::repeat_byte(0xf1);
		assert_ok!(ModelRegistry::seal_phase1(RuntimeOrigin::root(), final_hash, url("https://c.example/final")));
		System::assert_last_event(Event::Phase1Sealed { final_hash, beacon }.into());

		assert_eq!(
			Phase1Results::<Test>::get(final_hash),
			Some(Phase1Result {
				power: POWER,
				initial: INITIAL,
				contributions: vec![(10, h(0)), (11, h(1)), (12, h(2))].try_into().unwrap(),
				beacon,
				url: url("https://c.example/final"),
			})
		);
		assert!(!Phase1InProgress::<Test>::exists());
		for who in [10, 11, 12] {
			assert_eq!((held(who), Balances::balance(&who)), (0, FUNDS));
		}
		assert_eq!(Balances::total_issuance(), issuance);

		// A second ceremony may not claim the same final hash.
		open_with(1);
		close_and_pass_the_beacon();
		assert_noop!(
			ModelRegistry::seal_phase1(RuntimeOrigin::root(), final_hash, url("u")),
			Error::<Test>::Phase1Exists
		);
		assert_noop!(
			ModelRegistry::seal_phase1(RuntimeOrigin::root(), fixtures::dev_phase1_hash(), url("u")),
			Error::<Test>::Phase1Exists
		);
	});
}

#[test]
fn registration_needs_a_sealed_phase1_and_a_transcript() {
	let reference = super::mlp();
	execute(|| {
		let register = |model: Model<u64, u128>| {
			ModelRegistry::register_model(RuntimeOrigin::root(), reference.hash, Box::new(model))
		};
		let mut unknown = reference.model(5, 1);
		unknown.phase1 = H256::repeat_byte(0xf1);
		assert_noop!(register(unknown.clone()), Error::<Test>::UnknownPhase1);
		let mut no_transcript = reference.model(5, 1);
		no_transcript.transcript = H256::zero();
		assert_noop!(register(no_transcript), Error::<Test>::MissingTranscript);

		// Once a ceremony is sealed under that hash, the model registers.
		open_with(1);
		close_and_pass_the_beacon();
		assert_ok!(ModelRegistry::seal_phase1(RuntimeOrigin::root(), H256::repeat_byte(0xf1), url("u")));
		assert_ok!(register(unknown.clone()));
		assert_eq!(Models::<Test>::get(reference.hash), Some(unknown));
	});
}

#[test]
fn the_genesis_records_the_development_phase1() {
	execute(|| {
		let result = Phase1Results::<Test>::get(fixtures::dev_phase1_hash()).expect("in the test genesis");
		assert_eq!(result, fixtures::dev_phase1_result(DEV_CONTRIBUTORS));
		assert!((1..=MAX_PHASE1_POWER).contains(&result.power));
		assert_eq!(result.contributions.len(), fixtures::DEV_PHASE1_CONTRIBUTIONS);
		let model = fixtures::mlp_64_32_10_model(1u64, 1u128);
		assert_eq!(model.phase1, fixtures::dev_phase1_hash());
		assert!(!model.transcript.is_zero());
		// The record's hashes are distinct (no contribution repeats another).
		let mut hashes: Vec<_> = result.contributions.iter().map(|(_, h)| *h).collect();
		hashes.extend([result.initial, result.beacon]);
		hashes.sort();
		hashes.dedup();
		assert_eq!(hashes.len(), fixtures::DEV_PHASE1_CONTRIBUTIONS + 2);
	});
}

#[test]
fn try_state_catches_a_deposit_that_is_not_held() {
	new_test_ext().execute_with(|| {
		open_with(2);
		assert_ok!(ModelRegistry::do_try_state());
		assert_ok!(<Balances as frame_support::traits::fungible::MutateHold<u64>>::release(
			&reason(),
			&11,
			DEPOSIT,
			frame_support::traits::tokens::Precision::Exact
		));
		assert!(ModelRegistry::do_try_state().is_err());
	});
}

#[test]
fn ceremony_calls_are_charged_their_benchmarked_weights() {
	use crate::weights::WeightInfo;
	let cases = [
		(Call::<Test>::open_phase1 { power: 1, initial: INITIAL }.get_dispatch_info(), <() as WeightInfo>::open_phase1()),
		(
			Call::<Test>::contribute_phase1 { previous: INITIAL, hash: h(0), url: url("u") }.get_dispatch_info(),
			<() as WeightInfo>::contribute_phase1(),
		),
		(
			Call::<Test>::reject_phase1_contribution { index: 0 }.get_dispatch_info(),
			<() as WeightInfo>::reject_phase1_contribution(),
		),
		(Call::<Test>::close_phase1 {}.get_dispatch_info(), <() as WeightInfo>::close_phase1()),
		(
			Call::<Test>::seal_phase1 { final_hash: INITIAL, url: url("u") }.get_dispatch_info(),
			<() as WeightInfo>::seal_phase1(),
		),
	];
	for (info, weight) in cases {
		assert_eq!(info.call_weight, weight);
	}
}
