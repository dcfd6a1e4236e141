//! A committed test vector: the reference digits MLP's verifying key, one
//! input, its output and a proof of it, bound to [`Fixture::binding`]: the
//! binding of task 0 answered by the all-zero 32-byte account
//! ([`fixture_binding`]). The benchmarks (which run inside the wasm runtime,
//! where keys cannot be made) verify it; the tests of this and other pallets
//! use it.
//!
//! Regenerate with
//! `cargo test --release -p pallet-model-registry -- --ignored write_fixtures`.
//!
//! Also the development chain's phase 1 (made off line): its final hash
//! (`fixtures/phase1.hash`) and its record (`fixtures/phase1.record`), and
//! the digits model's phase-2 transcript hash
//! (`fixtures/mlp_64_32_10.transcript`).

use crate::{Model, Phase1Result};
use alloc::{vec, vec::Vec};
use ark_ec::AffineRepr;
use ark_serialize::CanonicalSerialize;
use daifi_bn254_host::{Bn254, G1Affine, G2Affine};

/// One proven inference.
pub struct Fixture {
	/// The model's content hash (blake2-256 of the ONNX file).
	pub model_hash: crate::ModelHash,
	/// The model's verifying key (compressed).
	pub verifying_key: &'static [u8],
	/// The binding the proof is bound to (`fixtures/mlp_64_32_10.binding`,
	/// equal to [`fixture_binding`]).
	pub binding: [u8; 32],
	/// The proof (compressed, 128 bytes).
	pub proof: &'static [u8],
	/// The quantized input (64 values).
	pub input: Vec<i64>,
	/// The quantized output (10 values).
	pub output: Vec<i64>,
}

/// The 64-32-10 MLP from `zk-circuits/models`.
pub fn mlp_64_32_10() -> Fixture {
	let io: Vec<i64> = include_bytes!("fixtures/mlp_64_32_10.io")
		.chunks_exact(8)
		.map(|c| i64::from_le_bytes(c.try_into().expect("eight bytes")))
		.collect();
	let (input, output) = io.split_at(64);
	Fixture {
		model_hash: crate::ModelHash::from_slice(include_bytes!("fixtures/mlp_64_32_10.hash")),
		verifying_key: include_bytes!("fixtures/mlp_64_32_10.vk"),
		binding: *include_bytes!("fixtures/mlp_64_32_10.binding"),
		proof: include_bytes!("fixtures/mlp_64_32_10.proof"),
		input: input.to_vec(),
		output: output.to_vec(),
	}
}

/// The binding of the committed proof: the tasks pallet's `task_binding` of
/// task 0 and the all-zero 32-byte account (`AccountId32::new([0; 32])`),
/// `blake2_256(("daifi/task-binding", 0u64, [0u8; 32]).encode())`.
pub fn fixture_binding() -> [u8; 32] {
	use codec::Encode;
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(&(b"daifi/task-binding", 0u64, [0u8; 32]).encode()).0
}

/// Public inputs of the 64-32-10 MLP's circuit: the binding, 64 input and 10
/// output values.
pub const MLP_64_32_10_PUBLIC_INPUTS: u32 = 1 + 64 + 10;

/// Signed bits of the 64-32-10 MLP's widest output (`daifi-zk compile`).
pub const MLP_64_32_10_OUTPUT_BITS: u8 = 26;

/// Where the 64-32-10 MLP's input and output go among its public inputs
/// (64 and 10 values: one public input each).
pub fn mlp_64_32_10_layout() -> daifi_zk_verifier::Layout {
	daifi_zk_verifier::Layout::of(64, 0, 256, 10, MLP_64_32_10_OUTPUT_BITS as u32)
}

/// FLOPs of one inference of the 64-32-10 MLP (a multiply and an add per weight).
pub const MLP_64_32_10_FLOPS: u64 = 2 * (64 * 32 + 32 * 10);

/// A registry record for the fixture's model: its key, shapes `[1, 64]` and
/// `[1, 10]`, 8 fractional bits in and 16 out (its circuit's scales), CPU-only.
pub fn mlp_64_32_10_model<AccountId, Balance>(developer: AccountId, price: Balance) -> Model<AccountId, Balance> {
	Model {
		size: 10_000,
		verifying_key: mlp_64_32_10().verifying_key.to_vec().try_into().expect("within the bound"),
		input_shape: vec![1, 64].try_into().expect("two dimensions"),
		output_shape: vec![1, 10].try_into().expect("two dimensions"),
		input_frac_bits: 8,
		output_frac_bits: 16,
		output_bits: MLP_64_32_10_OUTPUT_BITS,
		input_min: 0,
		input_max: 256,
		flops: MLP_64_32_10_FLOPS,
		min_vram_mib: 0,
		phase1: dev_phase1_hash(),
		transcript: sp_core::H256::from_slice(include_bytes!("fixtures/mlp_64_32_10.transcript")),
		developer,
		price,
		url: b"file://zk-circuits/models/mlp_64_32_10.onnx".to_vec().try_into().expect("short"),
		retired: false,
	}
}

/// The final hash of the development chain's phase 1 (blake2b-256 of its
/// final accumulator): the key of [`dev_phase1_result`] in
/// `Phase1Results`, and the `phase1` of [`mlp_64_32_10_model`].
pub fn dev_phase1_hash() -> sp_core::H256 {
	sp_core::H256::from(*include_bytes!("fixtures/phase1.hash"))
}

/// The development phase 1's record, `fixtures/phase1.record`: the power
/// (one byte), then 32-byte hashes: the initial accumulator, the
/// [`DEV_PHASE1_CONTRIBUTIONS`] contributions in order, and the beacon.
/// The array type checks its length at compile time.
const DEV_PHASE1_RECORD: &[u8; 1 + 32 * (2 + DEV_PHASE1_CONTRIBUTIONS)] = include_bytes!("fixtures/phase1.record");
/// Contributions of the development phase 1.
pub const DEV_PHASE1_CONTRIBUTIONS: usize = 3;
/// Where the development phase 1's final accumulator is published.
pub const DEV_PHASE1_URL: &[u8] = b"file://chain-spec/dev-ceremony/phase1.bin";

/// The `i`-th 32-byte hash of [`DEV_PHASE1_RECORD`] after the power byte.
fn dev_phase1_record_hash(i: usize) -> sp_core::H256 {
	let mut hash = [0u8; 32];
	hash.copy_from_slice(&DEV_PHASE1_RECORD[1 + 32 * i..1 + 32 * (i + 1)]);
	hash.into()
}

/// The development chain's sealed phase 1 (made off line, see
/// `fixtures/phase1.record`), its contributions credited to `contributors`
/// in order.
pub fn dev_phase1_result<AccountId>(contributors: [AccountId; DEV_PHASE1_CONTRIBUTIONS]) -> Phase1Result<AccountId> {
	let contributions: Vec<_> =
		contributors.into_iter().enumerate().map(|(i, who)| (who, dev_phase1_record_hash(1 + i))).collect();
	Phase1Result {
		power: DEV_PHASE1_RECORD[0],
		initial: dev_phase1_record_hash(0),
		// Three contributions are within the bound: nothing is truncated.
		contributions: frame_support::BoundedVec::truncate_from(contributions),
		beacon: dev_phase1_record_hash(1 + DEV_PHASE1_CONTRIBUTIONS),
		url: DEV_PHASE1_URL.to_vec().try_into().expect("short"),
	}
}

/// A well-formed verifying key (generator points) for `inputs` public inputs:
/// it decodes like any key, and no proof verifies against it. For benchmarks
/// of keys of every size.
pub fn synthetic_key(inputs: u32) -> Vec<u8> {
	let vk = ark_groth16::VerifyingKey::<Bn254> {
		alpha_g1: G1Affine::generator(),
		beta_g2: G2Affine::generator(),
		gamma_g2: G2Affine::generator(),
		delta_g2: G2Affine::generator(),
		gamma_abc_g1: vec![G1Affine::generator(); inputs as usize + 1],
	};
	compressed(&vk)
}

/// A well-formed proof (generator points) that verifies against no key made
/// by a setup: what benchmarks verify against [`synthetic_key`].
pub fn synthetic_proof() -> Vec<u8> {
	compressed(&ark_groth16::Proof::<Bn254> {
		a: G1Affine::generator(),
		b: G2Affine::generator(),
		c: G1Affine::generator(),
	})
}

/// A proof that verifies against [`synthetic_key`] for exactly this binding,
/// input and output: `A` and `B` the generators and `C = -(1 + Σ public
/// inputs)·G1`, which balances the pairing equation when every key point is
/// a generator. For benchmarks of a verified result without a proving key
/// (the runtime's benchmarks cannot make one): the verifier does exactly the
/// work a real proof of the same size costs.
/// Input and output are laid out by `layout` (their values must fit it).
pub fn synthetic_proof_for(
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	layout: &daifi_zk_verifier::Layout,
) -> Vec<u8> {
	use ark_ec::CurveGroup;
	type Fr = <G1Affine as AffineRepr>::ScalarField;
	let packed = |lanes: &daifi_zk_verifier::Lanes, values: &[i64]| lanes.pack::<Fr>(values).unwrap_or_default();
	let public = core::iter::once(daifi_zk_verifier::binding_element::<Fr>(binding))
		.chain(packed(&layout.input, input))
		.chain(packed(&layout.output, output));
	let sum = public.fold(Fr::from(1u64), |sum, x| sum + x);
	compressed(&ark_groth16::Proof::<Bn254> {
		a: G1Affine::generator(),
		b: G2Affine::generator(),
		c: (G1Affine::generator() * (-sum)).into_affine(),
	})
}

fn compressed<T: CanonicalSerialize>(value: &T) -> Vec<u8> {
	let mut bytes = Vec::new();
	value.serialize_compressed(&mut bytes).expect("writing to a vector");
	bytes
}
