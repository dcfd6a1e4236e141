//! Compute staking in the real runtime: genesis validators are bonded
//! providers, and a new provider registers with a signed extrinsic.

mod common;

use common::{apply, ext_for, signed};
use daifi_runtime::{
	genesis_config_presets::{ENDOWMENT, GENESIS_BOND},
	ComputeStaking, Runtime, RuntimeCall, RuntimeHoldReason,
};
use frame_support::traits::fungible::{Inspect, InspectHold};
use pallet_compute_staking::{HardwareProfile, LatencyClass, NodeProfile};
use sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring::*;

type Balances = pallet_balances::Pallet<Runtime>;

fn bonded(who: &daifi_runtime::AccountId) -> u128 {
	let reason: RuntimeHoldReason = pallet_compute_staking::HoldReason::Bonded.into();
	Balances::balance_on_hold(&reason, who)
}

/// `key`'s proof of possession for provider `provider`: its sr25519 signature
/// over the compute-key message, as polkadot.js makes it (`pair.sign`).
fn key_proof(key: sp_keyring::Sr25519Keyring, provider: &daifi_runtime::AccountId) -> daifi_runtime::Signature {
	key.sign(&pallet_compute_staking::compute_key_message(provider)).into()
}

fn node() -> NodeProfile {
	NodeProfile {
		hardware: HardwareProfile {
			gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
			vram_mib: 24_576,
			flops: 82_000_000_000_000,
			cpu_cores: 16,
			memory_mib: 65_536,
		},
		models: Default::default(),
		region: b"eu-west".to_vec().try_into().unwrap(),
		latency: LatencyClass::Low,
	}
}

#[test]
fn genesis_validators_are_bonded_providers() {
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		for who in [Alice, Bob, Charlie, Dave] {
			let account = who.to_account_id();
			assert_eq!(bonded(&account), GENESIS_BOND, "{who}");
			let standing = ComputeStaking::standing(&account).expect("registered");
			assert_eq!(standing.active, GENESIS_BOND);
			assert_eq!(Balances::total_balance(&account), ENDOWMENT);
		}
		assert_eq!(ComputeStaking::standing(&Eve.to_account_id()), None);
		assert_eq!(pallet_compute_staking::ValidatorCount::<Runtime>::get(), 4);
		assert_eq!(pallet_compute_staking::MinimumValidatorCount::<Runtime>::get(), 2);
	});
}

#[test]
fn a_provider_registers_by_signed_extrinsic_and_only_pays_the_fee() {
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let eve = Eve.to_account_id();
		let issuance = Balances::total_issuance();
		let call = RuntimeCall::ComputeStaking(pallet_compute_staking::Call::register {
			profile: node(),
			compute_key: Ferdie.to_account_id(),
			key_proof: key_proof(Ferdie, &eve),
			bond: 2 * GENESIS_BOND,
		});
		let (result, fee) = apply(signed(Eve, call));
		assert_eq!(result, Ok(Ok(())));
		assert_eq!(bonded(&eve), 2 * GENESIS_BOND);
		assert_eq!(Balances::total_balance(&eve), ENDOWMENT - fee);
		assert_eq!(Balances::total_issuance(), issuance - fee);

		// A compute key already in use is refused by name; only the fee is lost.
		let call = RuntimeCall::ComputeStaking(pallet_compute_staking::Call::register {
			profile: node(),
			compute_key: Ferdie.to_account_id(),
			key_proof: key_proof(Ferdie, &Ferdie.to_account_id()),
			bond: GENESIS_BOND,
		});
		let (result, fee) = apply(signed(Ferdie, call));
		assert_eq!(
			result.unwrap(),
			Err(pallet_compute_staking::Error::<Runtime>::ComputeKeyInUse.into())
		);
		assert_eq!(Balances::total_balance(&Ferdie.to_account_id()), ENDOWMENT - fee);
	});
}

#[test]
fn a_compute_key_without_its_proof_of_possession_is_refused() {
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		// Eve names Ferdie's key with a signature of her own.
		let call = RuntimeCall::ComputeStaking(pallet_compute_staking::Call::register {
			profile: node(),
			compute_key: Ferdie.to_account_id(),
			key_proof: key_proof(Eve, &Eve.to_account_id()),
			bond: GENESIS_BOND,
		});
		let (result, fee) = apply(signed(Eve, call));
		assert_eq!(result.unwrap(), Err(pallet_compute_staking::Error::<Runtime>::BadKeyProof.into()));
		assert_eq!(Balances::total_balance(&Eve.to_account_id()), ENDOWMENT - fee);
		assert_eq!(ComputeStaking::standing(&Eve.to_account_id()), None);
	});
}

#[test]
fn genesis_providers_use_derived_compute_keys_not_their_stash() {
	use sp_core::Pair;
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		for (who, public) in daifi_runtime::genesis_config_presets::DEV_COMPUTE_KEYS {
			let derived = sp_core::sr25519::Pair::from_string(&format!("//{who}//compute"), None).unwrap();
			assert_eq!(derived.public().0, public, "{who}");
			let key = daifi_runtime::AccountId::from(public);
			assert_ne!(key, who.to_account_id());
			assert_eq!(pallet_compute_staking::ComputeKeys::<Runtime>::get(&key), Some(who.to_account_id()));
		}
	});
}

#[test]
fn an_equivocation_slashes_and_disables_the_validator_for_the_session() {
	use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
	ext_for(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let bob = Bob.to_account_id();
		let index = pallet_session::Validators::<Runtime>::get().iter().position(|v| *v == bob).unwrap() as u32;
		assert!(pallet_session::DisabledValidators::<Runtime>::get().is_empty());
		let details = OffenceDetails { offender: (bob.clone(), ()), reporters: vec![] };
		<ComputeStaking as OnOffenceHandler<_, _, _>>::on_offence(
			&[details],
			&[sp_runtime::Perbill::from_percent(10)],
			0,
		);
		assert_eq!(bonded(&bob), GENESIS_BOND - GENESIS_BOND / 10);
		let disabled: Vec<u32> = pallet_session::DisabledValidators::<Runtime>::get().iter().map(|(i, _)| *i).collect();
		assert_eq!(disabled, vec![index]);
	});
}
