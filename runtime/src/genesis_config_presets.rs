//! Genesis presets. The node only names a preset; every genesis value lives here.
//!
//! - `development`: one validator (Alice), sudo Alice, the well-known dev
//!   accounts funded and given compute credits; the reference digits model
//!   whitelisted (developer Bob) and served by Alice.
//! - `local_testnet`: four validators (Alice, Bob, Charlie, Dave), sudo Alice,
//!   the well-known dev accounts funded.
//! - `staging`: the shape of a public network's genesis: the same four
//!   validators and **no sudo key**; only the validators are funded. A real
//!   network replaces the validator keys with its own (chain-spec/README.md).

use crate::{
	AccountId, Balance, BalancesConfig, ComputeStakingConfig, CreditsConfig, ModelRegistryConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, BABE_GENESIS_EPOCH_CONFIG, DAI,
	MILLI_DAI,
};
use pallet_model_registry::fixtures;
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

/// Price of one inference of the reference digits model on development chains.
pub const DIGITS_PRICE: Balance = 10 * MILLI_DAI;

/// Compute credits each development account starts with (100 credits).
pub const DEV_CREDITS: u128 = 100 * DAI;

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

/// The market a development chain starts with: the reference digits MLP
/// (`zk-circuits/models/mlp_64_32_10.onnx`) whitelisted, developed by Bob,
/// served by the first validator, and credits for every funded account.
///
/// Its verifying key comes from a setup with a public seed (see
/// `pallet_model_registry::fixtures`), so anyone can forge its proofs: for
/// development chains only. A public network whitelists keys from a ceremony.
struct DevMarket;

fn genesis(
	validators: Vec<Validator>,
	endowed: Vec<AccountId>,
	sudo: Option<AccountId>,
	market: Option<DevMarket>,
) -> Value {
	let count = validators.len() as u32;
	let digits = fixtures::mlp_64_32_10().model_hash;
	// Each validator is a bonded provider whose compute key is its own account;
	// on a development chain the first one serves the digits model.
	let providers = validators
		.iter()
		.enumerate()
		.map(|(i, v)| {
			let mut node = genesis_node();
			if market.is_some() && i == 0 {
				node.models = vec![digits].try_into().expect("one model");
			}
			(v.account.clone(), v.account.clone(), GENESIS_BOND, node)
		})
		.collect::<Vec<_>>();
	// The digits model's key names the development phase 1 (made off line),
	// which must be recorded before the model is registered.
	let phase1 = match market {
		Some(DevMarket) => vec![(
			fixtures::dev_phase1_hash(),
			fixtures::dev_phase1_result([
				Sr25519Keyring::Alice.to_account_id(),
				Sr25519Keyring::Bob.to_account_id(),
				Sr25519Keyring::Charlie.to_account_id(),
			]),
		)],
		None => vec![],
	};
	let models = match market {
		Some(DevMarket) => vec![(
			digits,
			fixtures::mlp_64_32_10_model(Sr25519Keyring::Bob.to_account_id(), DIGITS_PRICE),
		)],
		None => vec![],
	};
	let credits = match market {
		Some(DevMarket) => endowed.iter().map(|a| (a.clone(), DEV_CREDITS)).collect::<Vec<_>>(),
		None => vec![],
	};
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
		model_registry: ModelRegistryConfig { phase1, models },
		credits: CreditsConfig { credits },
		sudo: SudoConfig { key: sudo },
	})
}

/// One validator, Alice.
pub fn development_genesis() -> Value {
	genesis(
		vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Some(DevMarket),
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
	genesis(four_validators(), dev_accounts(), Some(Sr25519Keyring::Alice.to_account_id()), None)
}

/// A public network's genesis: no sudo, only validators funded.
pub fn staging_genesis() -> Value {
	let validators = four_validators();
	let endowed = validators.iter().map(|v| v.account.clone()).collect();
	genesis(validators, endowed, None, None)
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
