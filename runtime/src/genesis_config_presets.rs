//! Genesis presets. The node only names a preset; every genesis value lives here.
//!
//! - `development`: one validator (Alice), sudo Alice, the well-known dev
//!   accounts funded.
//! - `local_testnet`: four validators (Alice, Bob, Charlie, Dave), sudo Alice,
//!   the well-known dev accounts funded.
//! - `staging`: the shape of a public network's genesis: the same four
//!   validators and **no sudo key**; only the validators are funded. A real
//!   network replaces the validator keys with its own (chain-spec/README.md).

use crate::{
	AccountId, Balance, BalancesConfig, ComputeStakingConfig, RuntimeGenesisConfig, SessionConfig,
	SessionKeys, SudoConfig, BABE_GENESIS_EPOCH_CONFIG, DAI,
};
use pallet_compute_staking::{HardwareProfile, LatencyClass, NodeProfile};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The name of the public-network preset (no sudo).
pub const STAGING_PRESET: &str = "staging";

/// Each funded account starts with one million DAi.
pub const ENDOWMENT: Balance = 1_000_000 * DAI;

/// Each genesis validator bonds 100,000 DAi as a compute provider.
pub const GENESIS_BOND: Balance = 100_000 * DAI;

/// The node a genesis validator declares: a CPU node serving no model yet.
/// Providers update it with `computeStaking.updateProfile`.
fn genesis_node() -> NodeProfile {
	NodeProfile {
		hardware: HardwareProfile {
			gpu_model: Default::default(),
			vram_mib: 0,
			flops: 100_000_000_000,
			cpu_cores: 2,
			memory_mib: 8_192,
		},
		models: Default::default(),
		region: b"local".to_vec().try_into().expect("short name"),
		latency: LatencyClass::Medium,
	}
}

/// A genesis validator: its account and its session keys.
struct Validator {
	account: AccountId,
	keys: SessionKeys,
}

/// A well-known development validator: BABE key sr25519, GRANDPA key ed25519,
/// both derived from the same seed (`//Alice`, `//Bob`, ...).
fn dev_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Validator {
	Validator {
		account: sr.to_account_id(),
		keys: SessionKeys { babe: sr.public().into(), grandpa: ed.public().into() },
	}
}

/// The well-known accounts a development network funds (Alice to Ferdie and
/// their stashes).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| k != &Sr25519Keyring::One && k != &Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

fn genesis(validators: Vec<Validator>, endowed: Vec<AccountId>, sudo: Option<AccountId>) -> Value {
	let count = validators.len() as u32;
	// Each validator is a bonded provider whose compute key is its own account.
	let providers = validators
		.iter()
		.map(|v| (v.account.clone(), v.account.clone(), GENESIS_BOND, genesis_node()))
		.collect::<Vec<_>>();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|a| (a, ENDOWMENT)).collect::<Vec<_>>(),
		},
		// BABE and GRANDPA take their genesis authorities from the session keys.
		babe: pallet_babe::GenesisConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|v| (v.account.clone(), v.account, v.keys))
				.collect::<Vec<_>>(),
		},
		compute_staking: ComputeStakingConfig {
			providers,
			validator_count: count,
			minimum_validator_count: count.div_ceil(2),
		},
		sudo: SudoConfig { key: sudo },
	})
}

/// One validator, Alice.
pub fn development_genesis() -> Value {
	genesis(
		vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

fn four_validators() -> Vec<Validator> {
	vec![
		dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
		dev_validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		dev_validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		dev_validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
	]
}

/// Four validators: Alice, Bob, Charlie and Dave.
pub fn local_testnet_genesis() -> Value {
	genesis(four_validators(), dev_accounts(), Some(Sr25519Keyring::Alice.to_account_id()))
}

/// A public network's genesis: no sudo, only validators funded.
pub fn staging_genesis() -> Value {
	let validators = four_validators();
	let endowed = validators.iter().map(|v| v.account.clone()).collect();
	genesis(validators, endowed, None)
}

/// The JSON patch of the preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		STAGING_PRESET => staging_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of every preset.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(STAGING_PRESET),
	]
}
