//! Shared helpers for the runtime tests: genesis from a preset, signed
//! extrinsics as polkadot.js would build them.

#![allow(dead_code)]

use codec::Encode;
use daifi_runtime::{
	genesis_config_presets, Balance, Executive, Runtime, RuntimeCall, RuntimeEvent, Tasks,
	RuntimeGenesisConfig, SignedPayload, System, TxExtension, UncheckedExtrinsic,
};
use frame_support::traits::Hooks;
use pallet_model_registry::fixtures;
use pallet_tasks::{Payment, TaskInput, Verification};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::Era, ApplyExtrinsicResult};

/// Merges `patch` into `base` the way a chain spec applies a preset.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) =>
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			},
		(base, patch) => *base = patch,
	}
}

/// The full genesis JSON of a preset: the default config with the preset's patch.
pub fn preset_json(name: &str) -> Vec<u8> {
	let patch = genesis_config_presets::get_preset(&name.into())
		.unwrap_or_else(|| panic!("preset {name} exists"));
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	serde_json::to_vec(&config).unwrap()
}

/// Externalities holding the genesis state of a preset, at block 1.
pub fn ext_for(preset: &str) -> sp_io::TestExternalities {
	let json = preset_json(preset);
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(json)
			.expect("the preset builds a genesis");
	});
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// The transaction extensions polkadot.js attaches: immortal era, no tip.
fn tx_extension(nonce: u32) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
	)
}

/// `call` signed by `signer` with its current nonce.
pub fn signed(signer: Sr25519Keyring, call: RuntimeCall) -> UncheckedExtrinsic {
	signed_by(&signer.pair(), call)
}

/// `call` signed by the sr25519 key `pair` (a derived key such as
/// `//Alice//compute`) with its account's current nonce.
pub fn signed_by(pair: &sp_core::sr25519::Pair, call: RuntimeCall) -> UncheckedExtrinsic {
	use sp_core::Pair;
	let account = daifi_runtime::AccountId::from(pair.public());
	let extension = tx_extension(System::account_nonce(&account));
	let payload = SignedPayload::new(call.clone(), extension.clone()).expect("payload builds");
	let signature = payload.using_encoded(|bytes| pair.sign(bytes));
	UncheckedExtrinsic::new_signed(call, account.into(), signature.into(), extension)
}

/// The development compute key `//<name>//compute`.
pub fn compute_key(name: Sr25519Keyring) -> sp_core::sr25519::Pair {
	use sp_core::Pair;
	sp_core::sr25519::Pair::from_string(&format!("//{name}//compute"), None).expect("a valid derivation")
}

/// Applies `xt` as block production does, returning the result and the fee
/// the chain reports having charged.
pub fn apply(xt: UncheckedExtrinsic) -> (ApplyExtrinsicResult, Balance) {
	System::reset_events();
	let result = Executive::apply_extrinsic(xt);
	let fee = System::events()
		.into_iter()
		.find_map(|r| match r.event {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
			) => Some(actual_fee),
			_ => None,
		})
		.unwrap_or(0);
	(result, fee)
}

/// Free balance of an account.
pub fn free(who: Sr25519Keyring) -> Balance {
	pallet_balances::Pallet::<Runtime>::free_balance(who.to_account_id())
}

/// Total issuance of DAi.
pub fn issuance() -> Balance {
	pallet_balances::Pallet::<Runtime>::total_issuance()
}

/// `tasks.submitTask` of the fixture's input to the digits model, paid in DAi.
pub fn submit_task(max_fee: u128) -> RuntimeCall {
	RuntimeCall::Tasks(pallet_tasks::Call::submit_task {
		model: fixtures::mlp_64_32_10().model_hash,
		input: TaskInput::Values(fixtures::mlp_64_32_10().input.try_into().unwrap()),
		verification: Verification::Zk,
		max_fee,
		payment: Payment::Dai,
	})
}

/// `tasks.submitResult` of task `task` (the fixture's input).
pub fn submit_result(task: u64, output: Vec<i64>, proof: Vec<u8>) -> RuntimeCall {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	let input: pallet_tasks::Tensor = fixtures::mlp_64_32_10().input.try_into().unwrap();
	RuntimeCall::Tasks(pallet_tasks::Call::submit_result {
		task,
		input_hash: BlakeTwo256::hash_of(&input),
		output: output.try_into().unwrap(),
		proof: proof.try_into().unwrap(),
	})
}

/// Ends the block (the scheduler assigns its tasks, with the VRF randomness
/// BABE gives a real block) and starts the next.
pub fn next_block() {
	let now = frame_system::Pallet::<Runtime>::block_number();
	pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([now as u8; 32]));
	Tasks::on_finalize(now);
	frame_system::Pallet::<Runtime>::set_block_number(now + 1);
	frame_system::BlockWeight::<Runtime>::kill();
	Tasks::on_initialize(now + 1);
}

/// Alice's proof of the fixture's input for task `task`, with the development
/// ceremony's proving key, bound to the task and Alice.
pub fn alice_proof(task: u64) -> (Vec<i64>, Vec<u8>) {
	let root = format!("{}/..", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
	let onnx = std::fs::read(format!("{root}/zk-circuits/models/mlp_64_32_10.onnx")).unwrap();
	let pk = std::fs::read(format!("{root}/chain-spec/dev-ceremony/mlp_64_32_10.pk")).unwrap();
	let circuit = daifi_zk::compile(&onnx).unwrap();
	let pk: daifi_zk::ProvingKey = daifi_zk::from_bytes(&pk).unwrap();
	let binding = pallet_tasks::task_binding(task, &Sr25519Keyring::Alice.to_account_id());
	let input = fixtures::mlp_64_32_10().input;
	let rng = &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
	let (output, proof) = daifi_zk::prove(&circuit, &pk, &binding, &input, rng).unwrap();
	(output, daifi_zk::to_bytes(&proof))
}
