//! Genesis presets. The node only names a preset; every genesis value lives here.
//!
//! - `development`: one validator (Alice), sudo Alice, the well-known dev
//!   accounts funded and given compute credits; the reference digits model
//!   whitelisted (developer Bob) and served by Alice. Chambers: Compute
//!   Alice, Model Bob, User Charlie, Dave and Eve.
//! - `local_testnet`: four validators (Alice, Bob, Charlie, Dave), **no sudo
//!   key**: governed by the chambers (Compute the four validators, Model Eve,
//!   User Dave and Ferdie: an account votes once per proposal, so three
//!   validators, Eve, Dave and Ferdie make every majority); the well-known
//!   dev accounts funded and given credits; the digits model whitelisted and
//!   served by Alice, as on `development` (a network to measure the market
//!   on: `scripts/e2e/bench-latency.mjs`).
//! - `staging`: the shape of a public network's genesis: the same four
//!   validators and **no sudo key**; only the validators and the founding
//!   chamber members are funded; governed by the chambers as on
//!   `local_testnet`. A real network replaces the validator keys and the
//!   founding members with its own (chain-spec/README.md).

use crate::{
	AccountId, Balance, BalancesConfig, ComputeStakingConfig, CreditsConfig, ModelRegistryConfig,
	PocRewardsConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, TricameralConfig,
	BABE_GENESIS_EPOCH_CONFIG, DAI, MILLI_DAI,
};
use pallet_tricameral::Chamber;
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

/// Each genesis validator's compute key starts with 1,000 DAi for the fees of
/// the results it signs.
pub const COMPUTE_KEY_FUNDS: Balance = 1_000 * DAI;

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

/// A genesis validator: its account, its session keys and its compute key.
struct Validator {
	account: AccountId,
	keys: SessionKeys,
	compute_key: AccountId,
}

/// The sr25519 public keys of the development compute keys `//Alice//compute`,
/// `//Bob//compute`, `//Charlie//compute` and `//Dave//compute` (`daifi-node
/// key inspect //Alice//compute`; a native test derives them again). A
/// provider's compute key is a hot key its node holds; it is not the
/// bonded account, whose key stays cold.
pub const DEV_COMPUTE_KEYS: [(Sr25519Keyring, [u8; 32]); 4] = [
	(Sr25519Keyring::Alice, [
		0x30, 0x48, 0x5a, 0xf7, 0x5e, 0xbb, 0xfa, 0xac, 0xf6, 0xe7, 0xba, 0xe5, 0xd1, 0x4c, 0xf1, 0x0f,
		0x66, 0x67, 0x57, 0xc1, 0x60, 0x71, 0x01, 0x46, 0xfb, 0x83, 0x0e, 0x02, 0x9e, 0x5c, 0xc1, 0x56,
	]),
	(Sr25519Keyring::Bob, [
		0xe8, 0x08, 0x27, 0xf6, 0xec, 0xe5, 0x2d, 0xd9, 0x8a, 0xef, 0x5c, 0xe6, 0xd7, 0xc0, 0xb5, 0xa6,
		0x60, 0x21, 0xa1, 0x5d, 0xaa, 0xf0, 0x61, 0xc4, 0x37, 0xde, 0x91, 0x97, 0xe5, 0x6c, 0xc1, 0x53,
	]),
	(Sr25519Keyring::Charlie, [
		0xc8, 0xe4, 0x8c, 0xa3, 0x51, 0x06, 0xa4, 0xf3, 0x51, 0x79, 0xc2, 0xc4, 0x4a, 0x05, 0xa3, 0xbd,
		0x89, 0xc9, 0xda, 0x79, 0xb0, 0x4a, 0x44, 0x5d, 0x60, 0xe8, 0x2b, 0x19, 0x09, 0x6f, 0x26, 0x37,
	]),
	(Sr25519Keyring::Dave, [
		0xa0, 0xf9, 0xb7, 0x7f, 0x17, 0x50, 0x4d, 0x43, 0x09, 0xeb, 0x25, 0xc7, 0xda, 0x6f, 0x2a, 0xc2,
		0xd9, 0x9c, 0x9c, 0x12, 0xb7, 0xb2, 0x34, 0x60, 0x38, 0x4b, 0x78, 0x32, 0xee, 0xb9, 0x06, 0x6d,
	]),
];

/// The development compute key (`//<Name>//compute`) of a well-known account.
fn dev_compute_key(sr: Sr25519Keyring) -> AccountId {
	let (_, public) = DEV_COMPUTE_KEYS.iter().find(|(k, _)| *k == sr).expect("Alice to Dave have compute keys");
	AccountId::from(*public)
}

/// A well-known development validator: BABE key sr25519, GRANDPA key ed25519,
/// both derived from the same seed (`//Alice`, `//Bob`, ...), and the compute
/// key `//Alice//compute`, ...
fn dev_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Validator {
	Validator {
		account: sr.to_account_id(),
		keys: SessionKeys { babe: sr.public().into(), grandpa: ed.public().into() },
		compute_key: dev_compute_key(sr),
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

/// The founding members of the Model and User chambers (the Compute Chamber's
/// are the genesis validators).
struct Founders {
	developers: Vec<AccountId>,
	users: Vec<AccountId>,
}

fn genesis(
	validators: Vec<Validator>,
	endowed: Vec<AccountId>,
	sudo: Option<AccountId>,
	market: Option<DevMarket>,
	founders: Founders,
) -> Value {
	let count = validators.len() as u32;
	let chambers = vec![
		(Chamber::Compute, validators.iter().map(|v| v.account.clone()).collect::<Vec<_>>()),
		(Chamber::Model, founders.developers),
		(Chamber::User, founders.users),
	];
	// Compute keys pay the fees of the results they sign.
	let balances = endowed
		.iter()
		.map(|a| (a.clone(), ENDOWMENT))
		.chain(validators.iter().map(|v| (v.compute_key.clone(), COMPUTE_KEY_FUNDS)))
		.collect::<Vec<_>>();
	let digits = fixtures::mlp_64_32_10().model_hash;
	// Each validator is a bonded provider with its own compute key; on a
	// development chain the first one serves the digits model.
	let providers = validators
		.iter()
		.enumerate()
		.map(|(i, v)| {
			let mut node = genesis_node();
			if market.is_some() && i == 0 {
				node.models = vec![digits].try_into().expect("one model");
			}
			(v.account.clone(), v.compute_key.clone(), GENESIS_BOND, node)
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
		balances: BalancesConfig { balances },
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
		poc_rewards: PocRewardsConfig { params: Some(crate::configs::genesis_reward_params()) },
		sudo: SudoConfig { key: sudo },
		tricameral: TricameralConfig { members: chambers },
	})
}

/// Bob (the digits model's developer) founds the Model Chamber; Charlie,
/// Dave and Eve the User Chamber.
fn dev_founders() -> Founders {
	Founders {
		developers: vec![Sr25519Keyring::Bob.to_account_id()],
		users: vec![
			Sr25519Keyring::Charlie.to_account_id(),
			Sr25519Keyring::Dave.to_account_id(),
			Sr25519Keyring::Eve.to_account_id(),
		],
	}
}

/// One validator, Alice.
pub fn development_genesis() -> Value {
	genesis(
		vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Some(DevMarket),
		dev_founders(),
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

/// The founding Model (Eve) and User (Dave, Ferdie) chambers of a network
/// with four validators.
fn network_founders() -> Founders {
	Founders {
		developers: vec![Sr25519Keyring::Eve.to_account_id()],
		users: vec![Sr25519Keyring::Dave.to_account_id(), Sr25519Keyring::Ferdie.to_account_id()],
	}
}

/// Four validators: Alice, Bob, Charlie and Dave; the development market;
/// no sudo: the chambers govern.
pub fn local_testnet_genesis() -> Value {
	genesis(four_validators(), dev_accounts(), None, Some(DevMarket), network_founders())
}

/// A public network's genesis: no sudo, only the validators and the founding
/// chamber members funded; the chambers govern from block 0.
pub fn staging_genesis() -> Value {
	let validators = four_validators();
	let founders = network_founders();
	let endowed = validators
		.iter()
		.map(|v| v.account.clone())
		.chain(founders.developers.iter().cloned())
		.chain(founders.users.iter().filter(|u| !validators.iter().any(|v| &v.account == *u)).cloned())
		.collect();
	genesis(validators, endowed, None, None, founders)
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
