//! Every call, its success path and each of its errors.

use crate::{mock::*, *};
use sp_runtime::testing::TestSignature;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, traits::Hooks};
use sp_core::H256;
use sp_runtime::DispatchError;

fn register(who: AccountId, bond: Balance) -> sp_runtime::DispatchResult {
	ComputeStaking::register(RuntimeOrigin::signed(who), profile(&[1, 2]), key_of(who), key_proof(key_of(who), who), bond)
}

#[test]
fn register_holds_the_bond_and_indexes_the_provider() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(1, 500));
		assert_eq!(held(1), 500);
		assert_eq!(free(1), FUNDS - 500);
		let p = Providers::<Test>::get(1).unwrap();
		assert_eq!((p.active, p.compute_key, p.open_tasks, p.domain), (500, key_of(1), 0, None));
		assert_eq!(ComputeKeys::<Test>::get(key_of(1)), Some(1));
		assert!(ModelProviders::<Test>::contains_key(H256::repeat_byte(2), 1));
		System::assert_last_event(
			Event::Registered { provider: 1, compute_key: key_of(1), bond: 500 }.into(),
		);
	});
}

#[test]
fn register_refuses_bad_input() {
	ExtBuilder::default().provider(2, 500).build_and_execute(|| {
		assert_noop!(register(2, 500), Error::<Test>::AlreadyRegistered);
		assert_noop!(
			ComputeStaking::register(RuntimeOrigin::signed(1), profile(&[1]), key_of(2), key_proof(key_of(2), 1), 500),
			Error::<Test>::ComputeKeyInUse
		);
		assert_noop!(register(1, MIN_BOND - 1), Error::<Test>::BondBelowMinimum);
		assert_noop!(register(1, FUNDS), Error::<Test>::InsufficientBalance);
		let mut no_cores = profile(&[1]);
		no_cores.hardware.cpu_cores = 0;
		assert_noop!(
			ComputeStaking::register(RuntimeOrigin::signed(1), no_cores, key_of(1), key_proof(key_of(1), 1), 500),
			Error::<Test>::InvalidProfile
		);
		assert_noop!(
			ComputeStaking::register(RuntimeOrigin::signed(1), profile(&[3, 4, 3]), key_of(1), key_proof(key_of(1), 1), 500),
			Error::<Test>::DuplicateModel
		);
		assert_noop!(
			ComputeStaking::register(RuntimeOrigin::none(), profile(&[1]), key_of(1), key_proof(key_of(1), 1), 500),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_refuses_when_the_registry_is_full() {
	MaxProviders::set(1);
	ExtBuilder::default().provider(2, 500).build_and_execute(|| {
		assert_noop!(register(1, 500), Error::<Test>::TooManyProviders);
	});
	MaxProviders::set(32);
}

#[test]
fn update_profile_reindexes_models() {
	ExtBuilder::default().provider(1, 500).build_and_execute(|| {
		assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(1), profile(&[7, 8])));
		assert!(!ModelProviders::<Test>::contains_key(H256::repeat_byte(1), 1));
		assert!(ModelProviders::<Test>::contains_key(H256::repeat_byte(8), 1));
		assert_eq!(Providers::<Test>::get(1).unwrap().profile, profile(&[7, 8]));
		System::assert_last_event(Event::ProfileUpdated { provider: 1 }.into());

		assert_noop!(
			ComputeStaking::update_profile(RuntimeOrigin::signed(3), profile(&[1])),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			ComputeStaking::update_profile(RuntimeOrigin::signed(1), profile(&[5, 5])),
			Error::<Test>::DuplicateModel
		);
		let mut no_flops = profile(&[1]);
		no_flops.hardware.flops = 0;
		assert_noop!(
			ComputeStaking::update_profile(RuntimeOrigin::signed(1), no_flops),
			Error::<Test>::InvalidProfile
		);
	});
}

/// Nobody can register a key they do not hold: not another provider's
/// (which would take its results' credit or block its registration), not a
/// proof made for another provider, not one over another message.
#[test]
fn a_compute_key_needs_its_proof_of_possession() {
	ExtBuilder::default().provider(2, 500).build_and_execute(|| {
		let attempt = |key, proof| {
			ComputeStaking::register(RuntimeOrigin::signed(1), profile(&[1]), key, proof, 500)
		};
		// Signed by someone else than the key.
		assert_noop!(attempt(77, key_proof(78, 1)), Error::<Test>::BadKeyProof);
		// The key's proof for another provider, replayed.
		assert_noop!(attempt(key_of(2), key_proof(key_of(2), 2)), Error::<Test>::BadKeyProof);
		// The key's signature over something else.
		assert_noop!(attempt(77, TestSignature(77, b"daifi/compute-key".to_vec())), Error::<Test>::BadKeyProof);
		assert_noop!(
			ComputeStaking::set_compute_key(RuntimeOrigin::signed(2), 77, key_proof(77, 1)),
			Error::<Test>::BadKeyProof
		);
		assert_ok!(attempt(77, key_proof(77, 1)));
		assert_eq!(ComputeKeys::<Test>::get(77), Some(1));
	});
}

#[test]
fn set_compute_key_moves_the_index() {
	ExtBuilder::default().provider(1, 500).provider(2, 500).build_and_execute(|| {
		assert_ok!(ComputeStaking::set_compute_key(RuntimeOrigin::signed(1), 77, key_proof(77, 1)));
		assert_eq!(ComputeKeys::<Test>::get(77), Some(1));
		assert_eq!(ComputeKeys::<Test>::get(key_of(1)), None);
		System::assert_last_event(Event::ComputeKeyChanged { provider: 1, compute_key: 77 }.into());

		assert_noop!(
			ComputeStaking::set_compute_key(RuntimeOrigin::signed(1), key_of(2), key_proof(key_of(2), 1)),
			Error::<Test>::ComputeKeyInUse
		);
		assert_noop!(
			ComputeStaking::set_compute_key(RuntimeOrigin::signed(3), 78, key_proof(78, 3)),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn bond_extra_adds_to_the_hold() {
	ExtBuilder::default().provider(1, 500).build_and_execute(|| {
		assert_ok!(ComputeStaking::bond_extra(RuntimeOrigin::signed(1), 250));
		assert_eq!((held(1), Providers::<Test>::get(1).unwrap().active), (750, 750));
		System::assert_last_event(Event::Bonded { provider: 1, amount: 250 }.into());

		assert_noop!(ComputeStaking::bond_extra(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			ComputeStaking::bond_extra(RuntimeOrigin::signed(1), FUNDS),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			ComputeStaking::bond_extra(RuntimeOrigin::signed(3), 10),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn unbond_waits_for_the_delay_then_withdraws() {
	ExtBuilder::default().provider(1, 500).build_and_execute(|| {
		assert_ok!(ComputeStaking::unbond(RuntimeOrigin::signed(1), 200));
		System::assert_last_event(
			Event::Unbonding { provider: 1, amount: 200, unlock_at: 1 + DELAY }.into(),
		);
		// Still held, still slashable, not withdrawable.
		assert_eq!(held(1), 500);
		assert_eq!(Providers::<Test>::get(1).unwrap().active, 300);
		assert_noop!(
			ComputeStaking::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NothingToWithdraw
		);
		System::set_block_number(DELAY);
		assert_noop!(
			ComputeStaking::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NothingToWithdraw
		);

		System::set_block_number(1 + DELAY);
		assert_ok!(ComputeStaking::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!((held(1), free(1)), (300, FUNDS - 300));
		System::assert_last_event(Event::Withdrawn { provider: 1, amount: 200 }.into());
		assert!(Providers::<Test>::contains_key(1));
	});
}

#[test]
fn unbond_refuses_bad_amounts() {
	ExtBuilder::default().provider(1, 500).build_and_execute(|| {
		assert_noop!(ComputeStaking::unbond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			ComputeStaking::unbond(RuntimeOrigin::signed(1), 501),
			Error::<Test>::InsufficientBond
		);
		assert_noop!(
			ComputeStaking::unbond(RuntimeOrigin::signed(1), 450),
			Error::<Test>::BondBelowMinimum
		);
		assert_noop!(
			ComputeStaking::unbond(RuntimeOrigin::signed(3), 10),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn unbonding_queue_is_bounded() {
	ExtBuilder::default().provider(1, 10_000).build_and_execute(|| {
		for _ in 0..MAX_UNLOCKING_CHUNKS {
			assert_ok!(ComputeStaking::unbond(RuntimeOrigin::signed(1), 10));
		}
		assert_noop!(
			ComputeStaking::unbond(RuntimeOrigin::signed(1), 10),
			Error::<Test>::TooManyUnlockingChunks
		);
	});
}

#[test]
fn leaving_needs_no_open_tasks_and_ends_in_deregistration() {
	ExtBuilder::default().provider(1, 500).build_and_execute(|| {
		assert_ok!(<ComputeStaking as ComputeProviders<_>>::task_opened(&1));
		assert_noop!(ComputeStaking::unbond(RuntimeOrigin::signed(1), 500), Error::<Test>::HasOpenTasks);
		<ComputeStaking as ComputeProviders<_>>::task_closed(&1);

		assert_ok!(ComputeStaking::unbond(RuntimeOrigin::signed(1), 500));
		// Leaving: no longer offered tasks, cannot bond or change its node.
		assert!(<ComputeStaking as ComputeProviders<_>>::serving(&H256::repeat_byte(1)).is_empty());
		assert_noop!(
			<ComputeStaking as ComputeProviders<_>>::task_opened(&1),
			Error::<Test>::Leaving
		);
		assert_noop!(ComputeStaking::bond_extra(RuntimeOrigin::signed(1), 100), Error::<Test>::Leaving);
		assert_noop!(
			ComputeStaking::update_profile(RuntimeOrigin::signed(1), profile(&[1])),
			Error::<Test>::Leaving
		);

		System::set_block_number(1 + DELAY);
		assert_ok!(ComputeStaking::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert!(!Providers::<Test>::contains_key(1));
		assert_eq!(ComputeKeys::<Test>::get(key_of(1)), None);
		assert_eq!((held(1), free(1)), (0, FUNDS));
		System::assert_last_event(Event::Deregistered { provider: 1 }.into());
		assert_noop!(
			ComputeStaking::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NotRegistered
		);
		// It may register again.
		assert_ok!(register(1, 500));
	});
}

#[test]
fn set_validator_count_is_for_the_admin_and_checked() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ComputeStaking::set_validator_count(RuntimeOrigin::root(), 2, 5));
		assert_eq!((MinimumValidatorCount::<Test>::get(), ValidatorCount::<Test>::get()), (2, 5));
		System::assert_last_event(Event::ValidatorCountSet { minimum: 2, target: 5 }.into());

		assert_noop!(
			ComputeStaking::set_validator_count(RuntimeOrigin::signed(1), 1, 3),
			DispatchError::BadOrigin
		);
		for (minimum, target) in [(0, 3), (4, 3), (1, 11)] {
			assert_noop!(
				ComputeStaking::set_validator_count(RuntimeOrigin::root(), minimum, target),
				Error::<Test>::InvalidValidatorCount
			);
		}
	});
}

#[test]
fn weights_come_from_weight_info() {
	use crate::weights::WeightInfo;
	let call = crate::Call::<Test>::bond_extra { amount: 1 };
	assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::bond_extra());
	let call = crate::Call::<Test>::register { profile: profile(&[]), compute_key: 1, key_proof: key_proof(1, 1), bond: 1 };
	assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::register());
}

#[test]
fn integrity_test_passes() {
	new_test_ext().execute_with(|| ComputeStaking::integrity_test());
}
