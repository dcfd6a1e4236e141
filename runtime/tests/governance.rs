//! The chambers govern `staging` and `local_testnet` from genesis: what only
//! they may do is refused to any signed account, and passes once each
//! chamber's majority approves (parameters, models, runtime upgrades).

mod common;

use common::{apply, ext_for, signed};
use daifi_runtime::{
	configs::{dynamic_params, governance, RuntimeParameters},
	genesis_config_presets::STAGING_PRESET,
	RuntimeCall, RuntimeOrigin,
};
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use frame_support::{traits::Get, weights::Weight};
use pallet_tricameral::{Chamber, Members, Proposals};
use sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring::{self, *};
use sp_runtime::{DispatchError, Perbill};

type Runtime = daifi_runtime::Runtime;

fn set_executor_share(percent: u32) -> RuntimeCall {
	RuntimeCall::Parameters(pallet_parameters::Call::set_parameter {
		key_value: RuntimeParameters::Market(dynamic_params::market::Parameters::ExecutorShare(
			dynamic_params::market::ExecutorShare,
			Some(Perbill::from_percent(percent)),
		)),
	})
}

fn retire_digits() -> RuntimeCall {
	RuntimeCall::ModelRegistry(pallet_model_registry::Call::retire_model {
		hash: pallet_model_registry::fixtures::mlp_64_32_10().model_hash,
	})
}

/// Starts the next block (each transaction here gets a block of its own).
fn next_block() {
	let next = frame_system::Pallet::<Runtime>::block_number() + 1;
	frame_system::Pallet::<Runtime>::initialize(&next, &Default::default(), &Default::default());
}

fn ok(who: Sr25519Keyring, call: RuntimeCall) {
	next_block();
	let (result, _) = apply(signed(who, call.clone()));
	assert_eq!(result.expect("valid transaction"), Ok(()), "{who} {call:?}");
}

fn propose(who: Sr25519Keyring, call: RuntimeCall) -> u32 {
	let index = pallet_tricameral::NextProposal::<Runtime>::get();
	ok(
		who,
		RuntimeCall::Tricameral(pallet_tricameral::Call::propose { call: Box::new(call), phase2_start: None }),
	);
	index
}

fn vote(who: Sr25519Keyring, index: u32, chamber: Chamber) {
	ok(who, RuntimeCall::Tricameral(pallet_tricameral::Call::vote { index, chamber, aye: true }));
}

fn close(index: u32) -> Result<(), DispatchError> {
	let call = RuntimeCall::Tricameral(pallet_tricameral::Call::close {
		index,
		weight_bound: Weight::from_parts(100_000_000_000, 1_000_000),
	});
	next_block();
	apply(signed(Alice, call)).0.expect("valid transaction")
}

/// The genesis majorities of `staging` and `local_testnet`: three of four
/// validators, Eve, and both users.
fn approve_everywhere(index: u32) {
	for who in [Alice, Bob, Charlie] {
		vote(who, index, Chamber::Compute);
	}
	vote(Eve, index, Chamber::Model);
	for who in [Dave, Ferdie] {
		vote(who, index, Chamber::User);
	}
}

#[test]
fn the_genesis_chambers_are_the_documented_ones() {
	ext_for(STAGING_PRESET).execute_with(|| {
		let ids = |keys: &[Sr25519Keyring]| {
			let mut ids: Vec<_> = keys.iter().map(|k| k.to_account_id()).collect();
			ids.sort();
			ids
		};
		assert_eq!(Members::<Runtime>::get(Chamber::Compute).to_vec(), ids(&[Alice, Bob, Charlie, Dave]));
		assert_eq!(Members::<Runtime>::get(Chamber::Model).to_vec(), ids(&[Eve]));
		assert_eq!(Members::<Runtime>::get(Chamber::User).to_vec(), ids(&[Dave, Ferdie]));
	});
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(Members::<Runtime>::get(Chamber::Compute).to_vec(), vec![Alice.to_account_id()]);
		assert_eq!(Members::<Runtime>::get(Chamber::Model).to_vec(), vec![Bob.to_account_id()]);
		assert_eq!(Members::<Runtime>::get(Chamber::User).len(), 3);
	});
}

#[test]
fn what_only_the_chambers_may_do_is_refused_to_signed_accounts() {
	for preset in [STAGING_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		ext_for(preset).execute_with(|| {
			let calls = [
				set_executor_share(70),
				retire_digits(),
				RuntimeCall::System(frame_system::Call::set_code { code: vec![0; 8] }),
				RuntimeCall::Tricameral(pallet_tricameral::Call::authorize_upgrade { code_hash: Default::default() }),
				RuntimeCall::ComputeStaking(pallet_compute_staking::Call::set_validator_count { minimum: 1, target: 1 }),
				RuntimeCall::Attestation(pallet_attestation::Call::set_committee_size { size: 3 }),
			];
			for call in calls {
				let (result, _) = apply(signed(Alice, call.clone()));
				assert_eq!(result.expect("valid transaction"), Err(DispatchError::BadOrigin), "{preset}: {call:?}");
			}
		});
	}
}

#[test]
fn the_three_chambers_change_the_fee_split_on_staging() {
	ext_for(STAGING_PRESET).execute_with(|| {
		assert_eq!(<dynamic_params::market::ExecutorShare as Get<Perbill>>::get(), Perbill::from_percent(80));
		let index = propose(Charlie, set_executor_share(70));
		// Compute and Model approve; the User Chamber has one vote of two.
		for who in [Alice, Bob, Charlie] {
			vote(who, index, Chamber::Compute);
		}
		vote(Eve, index, Chamber::Model);
		vote(Ferdie, index, Chamber::User);
		assert_eq!(close(index), Err(pallet_tricameral::Error::<Runtime>::Undecided.into()));
		assert_eq!(<dynamic_params::market::ExecutorShare as Get<Perbill>>::get(), Perbill::from_percent(80));
		// Dave sits in the Compute Chamber too, but votes once: here, as a user.
		vote(Dave, index, Chamber::User);
		assert_eq!(close(index), Ok(()));
		assert_eq!(<dynamic_params::market::ExecutorShare as Get<Perbill>>::get(), Perbill::from_percent(70));
		assert!(Proposals::<Runtime>::get(index).is_none());
	});
}

#[test]
fn the_chambers_retire_a_model_and_authorize_an_upgrade_on_the_local_testnet() {
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let retire = propose(Eve, retire_digits());
		let code_hash = sp_core::H256::repeat_byte(7);
		let upgrade = propose(
			Eve,
			RuntimeCall::Tricameral(pallet_tricameral::Call::authorize_upgrade { code_hash }),
		);
		for index in [retire, upgrade] {
			approve_everywhere(index);
			assert_eq!(close(index), Ok(()));
		}
		let digits = pallet_model_registry::fixtures::mlp_64_32_10().model_hash;
		assert!(pallet_model_registry::Models::<Runtime>::get(digits).unwrap().retired);
		assert_eq!(frame_system::Pallet::<Runtime>::authorized_upgrade().map(|a| *a.code_hash()), Some(code_hash));
	});
}

#[test]
fn parameters_count_only_within_their_bounds() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let set = |key_value| {
			assert_eq!(
				pallet_parameters::Pallet::<Runtime>::set_parameter(RuntimeOrigin::root(), key_value),
				Ok(())
			);
		};
		set(RuntimeParameters::Market(dynamic_params::market::Parameters::BurnedShare(
			dynamic_params::market::BurnedShare,
			Some(Perbill::zero()),
		)));
		set(RuntimeParameters::Slashing(dynamic_params::slashing::Parameters::MaxSlash(
			dynamic_params::slashing::MaxSlash,
			Some(Perbill::from_percent(100)),
		)));
		set(RuntimeParameters::Slashing(dynamic_params::slashing::Parameters::InvalidResultSlash(
			dynamic_params::slashing::InvalidResultSlash,
			Some(Perbill::from_percent(1)),
		)));
		assert_eq!(<governance::BurnedShare as Get<Perbill>>::get(), Perbill::from_percent(1));
		assert_eq!(<governance::MaxSlash as Get<Perbill>>::get(), Perbill::from_percent(50));
		assert_eq!(<governance::InvalidResultSlash as Get<Perbill>>::get(), Perbill::from_percent(45));
		// Within bounds, the value set is the value used.
		set(RuntimeParameters::Market(dynamic_params::market::Parameters::BurnedShare(
			dynamic_params::market::BurnedShare,
			Some(Perbill::from_percent(20)),
		)));
		assert_eq!(<governance::BurnedShare as Get<Perbill>>::get(), Perbill::from_percent(20));
	});
}
