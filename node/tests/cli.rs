//! The `daifi-node` binary's command line: built-in chains, chain-spec files,
//! and clear refusals of unknown chains and malformed specs.
//!
//! Building this test also builds the real `daifi-node` binary in the same
//! `cargo test --release --workspace` run, with the same features as every
//! other crate, so the end-to-end tests run exactly what was tested here.

use std::process::{Command, Output};

fn node(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_daifi-node")).args(args).output().expect("daifi-node runs")
}

fn stderr(out: &Output) -> String {
	String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_built_in_chain_has_a_spec_with_dai_properties() {
	for chain in ["dev", "local", "staging"] {
		let out = node(&["build-spec", "--chain", chain]);
		assert!(out.status.success(), "{chain}: {}", stderr(&out));
		let spec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON chain spec");
		assert_eq!(spec["properties"]["tokenSymbol"], "DAi", "{chain}");
		assert_eq!(spec["properties"]["tokenDecimals"], 12, "{chain}");
	}
}

#[test]
fn an_unknown_chain_is_refused_with_a_clear_message() {
	let out = node(&["build-spec", "--chain", "mainnet-that-does-not-exist"]);
	assert!(!out.status.success());
	let err = stderr(&out);
	assert!(err.contains("Unknown chain 'mainnet-that-does-not-exist'"), "{err}");
	assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_malformed_chain_spec_file_is_refused_with_a_clear_message() {
	let dir = std::env::temp_dir().join(format!("daifi-cli-test-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let file = dir.join("broken.json");
	std::fs::write(&file, b"{ \"name\": \"half a spec\", ").unwrap();
	let out = node(&["build-spec", "--chain", file.to_str().unwrap()]);
	std::fs::remove_dir_all(&dir).ok();
	assert!(!out.status.success());
	let err = stderr(&out);
	assert!(err.contains("Invalid chain-spec file"), "{err}");
	assert!(!err.contains("panicked"), "{err}");
}

/// The storage key of the runtime's wasm: `:code`.
const CODE_KEY: &str = "0x3a636f6465";

#[test]
fn the_committed_local_testnet_spec_is_the_local_preset() {
	let committed = format!("{}/../chain-spec/local-testnet-raw.json", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
	let out = node(&["build-spec", "--chain", "local", "--raw", "--disable-default-bootnode"]);
	assert!(out.status.success(), "{}", stderr(&out));
	let fresh: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	let file: serde_json::Value =
		serde_json::from_slice(&std::fs::read(committed).expect("chain-spec/local-testnet-raw.json")).unwrap();
	// Every genesis storage entry but `:code`: the wasm embeds the build's
	// paths, so it differs between checkouts of the same commit.
	let without_code = |spec: &serde_json::Value| {
		let mut top = spec["genesis"]["raw"]["top"].as_object().expect("raw genesis").clone();
		top.remove(CODE_KEY).expect("the spec holds the runtime");
		top
	};
	assert_eq!(
		without_code(&file),
		without_code(&fresh),
		"chain-spec/local-testnet-raw.json is stale: run scripts/build-chain-spec.sh"
	);
}
