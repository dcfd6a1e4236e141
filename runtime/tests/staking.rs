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
