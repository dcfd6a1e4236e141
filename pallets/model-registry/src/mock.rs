//! A test runtime (balances with holds, for ceremony deposits), and a real
//! model with real keys and proofs from `daifi-zk`.

use crate::{self as pallet_model_registry, *};
use frame_support::{
	derive_impl,
	traits::{ConstU128, ConstU64},
};
use frame_system::EnsureRoot;
use rand::{rngs::StdRng, SeedableRng};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ModelRegistry: pallet_model_registry,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// The deposit of a phase-1 contribution.
pub const DEPOSIT: u128 = 100;
/// Blocks from closing a ceremony to its beacon block.
pub const BEACON_DELAY: u64 = 10;
/// Accounts `1..=FUNDED` start with [`FUNDS`]; others have nothing.
pub const FUNDED: u64 = 100;
/// What each funded account starts with.
pub const FUNDS: u128 = 1_000_000;
/// The development phase 1's contributors in the test genesis.
pub const DEV_CONTRIBUTORS: [u64; 3] = [1, 2, 3];

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ManagerOrigin = EnsureRoot<u64>;
	type Phase1Deposit = ConstU128<DEPOSIT>;
	type BeaconDelay = ConstU64<BEACON_DELAY>;
	type WeightInfo = ();
}

/// The binding the tests' proofs are made for (the chain's are
/// `task_binding(task, provider)`).
pub const BINDING: [u8; 32] = [0x42; 32];

/// The reference 64-32-10 MLP compiled, with keys from a fixed seed.
pub struct Reference {
	pub hash: ModelHash,
	pub onnx_len: u64,
	pub circuit: daifi_zk::Circuit,
	pub pk: daifi_zk::ProvingKey,
}

impl Reference {
	/// Compiles `name` from `zk-circuits/models` and makes keys with `seed`.
	pub fn load(name: &str, seed: u64) -> Self {
		let path = format!("{}/../../zk-circuits/models/{name}.onnx", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
		let bytes = std::fs::read(path).expect("reference model exists");
		let circuit = daifi_zk::compile(&bytes).expect("compiles");
		let pk = daifi_zk::setup(&circuit, &mut StdRng::seed_from_u64(seed)).expect("setup");
		Reference { hash: circuit.model_hash.into(), onnx_len: bytes.len() as u64, circuit, pk }
	}

	/// Its registry record, priced at `price`, developed by `developer`.
	pub fn model(&self, developer: u64, price: u128) -> Model<u64, u128> {
		let dims = |s: &[usize]| s.iter().map(|d| *d as u32).collect::<Vec<_>>().try_into().unwrap();
		Model {
			size: self.onnx_len,
			verifying_key: daifi_zk::to_bytes(&self.pk.vk).try_into().unwrap(),
			input_shape: dims(&self.circuit.input_shape),
			output_shape: dims(&self.circuit.output_shape),
			input_frac_bits: self.circuit.input_scale as u8,
			output_frac_bits: self.circuit.output_scale as u8,
			output_bits: self.circuit.output_bits() as u8,
			input_min: self.circuit.input_range.0,
			input_max: self.circuit.input_range.1,
			flops: 2 * (64 * 32 + 32 * 10),
			min_vram_mib: 0,
			phase1: fixtures::dev_phase1_hash(),
			transcript: sp_core::H256::repeat_byte(7),
			developer,
			price,
			url: b"https://models.daifi.example/mlp_64_32_10".to_vec().try_into().unwrap(),
			retired: false,
		}
	}

	/// An input, the output it gives, and a proof of it bound to [`BINDING`].
	pub fn proven(&self, seed: i64) -> (Vec<i64>, Vec<i64>, Vec<u8>) {
		let (lo, hi) = self.circuit.input_range;
		let input: Vec<i64> =
			(0..self.circuit.program.num_inputs as i64).map(|i| lo + (i * 37 + seed * 11) % (hi - lo + 1)).collect();
		let (output, proof) =
			daifi_zk::prove(&self.circuit, &self.pk, &BINDING, &input, &mut StdRng::seed_from_u64(7)).unwrap();
		(input, output, daifi_zk::to_bytes(&proof))
	}
}

/// A fresh state at block 1: accounts `1..=FUNDED` funded, the development
/// phase 1 sealed (so models can be registered), no model.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=FUNDED).map(|who| (who, FUNDS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_model_registry::GenesisConfig::<Test> {
		phase1: vec![(fixtures::dev_phase1_hash(), fixtures::dev_phase1_result(DEV_CONTRIBUTORS))],
		models: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` on [`new_test_ext`], then checks the pallet's invariants and
/// that the balances add up to the total issuance.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		ModelRegistry::do_try_state().expect("invariants hold");
		let total: u128 = frame_system::Account::<Test>::iter().map(|(_, a)| a.data.free + a.data.reserved).sum();
		assert_eq!(total, pallet_balances::TotalIssuance::<Test>::get(), "issuance equals the sum of balances");
	});
}

/// This pallet's events so far, oldest first.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::ModelRegistry(e) = r.event { Some(e) } else { None })
		.collect()
}
