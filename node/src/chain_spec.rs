//! Chain specifications: the built-in networks are the runtime's genesis
//! presets; any other `--chain` value is a chain-spec JSON file.

use daifi_runtime::{currency, genesis_config_presets::STAGING_PRESET, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// A DAiFi chain spec (no node-side extensions). Building its genesis runs
/// the runtime, whose model registry prepares verifying keys with the BN254
/// host functions: the genesis builder registers them.
pub type ChainSpec = sc_service::GenericChainSpec<sc_service::NoExtension, daifi_bn254_host::HostFunctions>;

/// The token properties wallets read: symbol DAi, 12 decimals, SS58 prefix 42.
fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), currency::TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), currency::TOKEN_DECIMALS.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn from_preset(name: &str, id: &str, chain_type: ChainType, preset: &str) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"The runtime's wasm is not in this binary (built with SKIP_WASM_BUILD?)".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("daifi")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// The one-validator development chain (`--dev`).
pub fn development() -> Result<ChainSpec, String> {
	from_preset("DAiFi Development", "daifi_dev", ChainType::Development, sp_genesis_builder::DEV_RUNTIME_PRESET)
}

/// The four-validator local testnet (`--chain local`).
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset(
		"DAiFi Local Testnet",
		"daifi_local_testnet",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// The shape of a public network: no sudo (`--chain staging`).
pub fn staging() -> Result<ChainSpec, String> {
	from_preset("DAiFi Staging", "daifi_staging", ChainType::Live, STAGING_PRESET)
}

/// Resolves a `--chain` value: a built-in name or the path of a chain-spec file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" => Box::new(development()?),
		"" | "local" => Box::new(local_testnet()?),
		"staging" => Box::new(staging()?),
		path => {
			let file = std::path::PathBuf::from(path);
			if !file.is_file() {
				return Err(format!(
					"Unknown chain '{id}': not a built-in chain (dev, local, staging) and no chain-spec file at that path"
				));
			}
			Box::new(
				ChainSpec::from_json_file(file)
					.map_err(|e| format!("Invalid chain-spec file '{path}': {e}"))?,
			)
		},
	})
}
