//! The model record, what other pallets read of it, and the records of the
//! trusted-setup ceremony its key comes from.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::H256;

/// The content hash (blake2-256 of the ONNX bytes) that names a model.
pub type ModelHash = H256;

/// Longest verifying key, in bytes: enough for about 500 public inputs
/// (a compressed BN254 Groth16 key is 32 bytes per public input plus 290).
pub const MAX_VERIFYING_KEY_LEN: u32 = 16 * 1024;
/// Most public inputs (the binding, input and output values) a key within
/// [`MAX_VERIFYING_KEY_LEN`] can have: 8 bytes of length prefix, 32 + 3 x 64
/// bytes of fixed points, 32 bytes per public input plus one.
pub const MAX_PUBLIC_INPUTS: u32 = (MAX_VERIFYING_KEY_LEN - 8 - 32 - 3 * 64) / 32 - 1;
/// Longest key in the registry's checked form: uncompressed points (twice
/// the compressed size), plus `e(alpha, beta)` (384 bytes) and the negated
/// `gamma` and `delta` (2 x 129 bytes).
pub const MAX_CHECKED_KEY_LEN: u32 = 2 * MAX_VERIFYING_KEY_LEN + 1024;
/// A verifying key in the form the runtime verifies with: decoded, validated
/// and prepared once at registration, stored uncompressed so that a
/// verification neither decompresses nor checks its points again, and skips
/// the pairing `e(alpha, beta)`.
pub type CheckedKey = BoundedVec<u8, ConstU32<MAX_CHECKED_KEY_LEN>>;
/// Longest URL, in bytes.
pub const MAX_URL_LEN: u32 = 256;
/// Most dimensions of a tensor shape.
pub const MAX_DIMS: u32 = 8;
/// Most elements of a model's input or output.
pub const MAX_TENSOR_LEN: u32 = 4096;

/// A tensor shape, e.g. `[1, 64]`.
pub type Shape = BoundedVec<u32, ConstU32<MAX_DIMS>>;

/// A whitelisted model.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Model<AccountId, Balance> {
	/// Size of the ONNX file in bytes.
	pub size: u64,
	/// The Groth16 verifying key of the model's circuit (BN254, canonical
	/// compressed encoding, as `daifi-zk phase2 beacon` writes it).
	pub verifying_key: BoundedVec<u8, ConstU32<MAX_VERIFYING_KEY_LEN>>,
	/// The final hash of the sealed phase 1 (a key of
	/// [`crate::Phase1Results`]) the key was derived from.
	pub phase1: H256,
	/// blake2b-256 of the model's phase-2 transcript file, which providers
	/// fetch from `url` + `".transcript"`. Never zero.
	pub transcript: H256,
	/// Shape of the input tensor.
	pub input_shape: Shape,
	/// Shape of the output tensor.
	pub output_shape: Shape,
	/// Fractional bits of the fixed-point input (`value = integer / 2^bits`).
	pub input_frac_bits: u8,
	/// Fractional bits of the fixed-point output (the circuit's output scale).
	pub output_frac_bits: u8,
	/// Signed bits of the widest output (`daifi-zk compile` prints it): with
	/// the input range it fixes where input and output go among the proof's
	/// public inputs (more than 128 values are packed,
	/// `daifi_zk_verifier::Layout::of`).
	pub output_bits: u8,
	/// The least value of each fixed-point input the circuit accepts (its
	/// `daifi.input_range` times `2^input_frac_bits`, rounded down).
	pub input_min: i64,
	/// The greatest value of each fixed-point input the circuit accepts
	/// (rounded up). Tasks with an input outside `input_min..=input_max` are
	/// refused: nobody could prove them, and the provider would pay for it.
	pub input_max: i64,
	/// Floating-point operations of one inference.
	pub flops: u64,
	/// Least GPU memory (MiB) a provider needs to serve it; 0 runs on CPUs.
	pub min_vram_mib: u32,
	/// The developer, paid a share of each fee.
	pub developer: AccountId,
	/// Price of one inference.
	pub price: Balance,
	/// Where providers fetch the ONNX file and the proving key.
	pub url: BoundedVec<u8, ConstU32<MAX_URL_LEN>>,
	/// Retired models take no new tasks.
	pub retired: bool,
}

/// The number of elements of `shape`; `None` if it is empty, has a zero
/// dimension or exceeds [`MAX_TENSOR_LEN`].
pub fn shape_len(shape: &[u32]) -> Option<u32> {
	if shape.is_empty() {
		return None;
	}
	shape
		.iter()
		.try_fold(1u32, |len, dim| if *dim == 0 { None } else { len.checked_mul(*dim) })
		.filter(|len| *len <= MAX_TENSOR_LEN)
}

impl<AccountId, Balance> Model<AccountId, Balance> {
	/// Where input and output go among the public inputs of the model's proofs.
	pub fn layout(&self) -> daifi_zk_verifier::Layout {
		daifi_zk_verifier::Layout::of(
			shape_len(&self.input_shape).unwrap_or(0) as usize,
			self.input_min,
			self.input_max,
			shape_len(&self.output_shape).unwrap_or(0) as usize,
			self.output_bits as u32,
		)
	}
}

/// What the task market reads of a model (see [`crate::ModelCatalog`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ModelView<AccountId, Balance> {
	/// Elements of the input.
	pub input_len: u32,
	/// Elements of the output.
	pub output_len: u32,
	/// Public inputs of the model's proofs: the binding, then the input's and
	/// the output's (packed beyond 128 values). A verification's weight.
	pub public_inputs: u32,
	/// The least accepted input value.
	pub input_min: i64,
	/// The greatest accepted input value.
	pub input_max: i64,
	/// Fractional bits of the input's fixed-point values.
	pub input_frac_bits: u8,
	/// Fractional bits of the output's fixed-point values.
	pub output_frac_bits: u8,
	/// The developer.
	pub developer: AccountId,
	/// Price of one inference.
	pub price: Balance,
	/// FLOPs of one inference.
	pub flops: u64,
	/// Least GPU memory of a provider.
	pub min_vram_mib: u32,
	/// Whether it is retired.
	pub retired: bool,
}

/// Why a proof was not accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VerificationError {
	/// No model has this hash.
	UnknownModel,
	/// The proof is not three valid compressed points.
	MalformedProof,
	/// Input and output do not have the sizes the key expects.
	WrongShape,
	/// The proof does not verify for this model, input and output.
	InvalidProof,
}

/// Most contributions one phase-1 ceremony takes.
pub const MAX_PHASE1_CONTRIBUTIONS: u32 = 64;
/// Largest phase-1 size: at most `2^MAX_PHASE1_POWER` powers of tau (BN254's
/// scalar field has a 2-adic subgroup of order `2^28`).
pub const MAX_PHASE1_POWER: u8 = 28;

/// A URL, at most [`MAX_URL_LEN`] bytes.
pub type Url = BoundedVec<u8, ConstU32<MAX_URL_LEN>>;

/// One contribution to the phase-1 ceremony in progress.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Phase1Contribution<AccountId> {
	/// Who contributed (and has [`crate::Config::Phase1Deposit`] held).
	pub contributor: AccountId,
	/// blake2b-256 of the contribution's output file (the new accumulator).
	pub hash: H256,
	/// Where the output file can be downloaded.
	pub url: Url,
}

/// The phase-1 (powers of tau, BN254) ceremony in progress: contributions
/// chained by hash from the initial accumulator, then closed with a random
/// beacon taken from a future block.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Phase1Ceremony<AccountId, BlockNumber> {
	/// log2 of the number of powers, in `1..=MAX_PHASE1_POWER`.
	pub power: u8,
	/// blake2b-256 of the initial accumulator (which anyone recomputes from
	/// `power`).
	pub initial: H256,
	/// The contributions so far, in order: each builds on the one before (the
	/// first on `initial`).
	pub contributions: BoundedVec<Phase1Contribution<AccountId>, ConstU32<MAX_PHASE1_CONTRIBUTIONS>>,
	/// Once closed: the block whose hash is the beacon.
	pub closing: Option<BlockNumber>,
}

impl<AccountId, BlockNumber> Phase1Ceremony<AccountId, BlockNumber> {
	/// The hash the next contribution must build on: the last contribution's,
	/// or the initial accumulator's if there is none.
	pub fn head(&self) -> H256 {
		self.contributions.last().map_or(self.initial, |c| c.hash)
	}
}

/// A sealed phase 1: its transcript (hashes only; the files are off chain)
/// and the beacon that closed it. Stored under the hash of its final
/// accumulator.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Phase1Result<AccountId> {
	/// log2 of the number of powers.
	pub power: u8,
	/// blake2b-256 of the initial accumulator.
	pub initial: H256,
	/// Each contributor and the hash of its output, in order.
	pub contributions: BoundedVec<(AccountId, H256), ConstU32<MAX_PHASE1_CONTRIBUTIONS>>,
	/// The beacon: the hash of the block chosen when the ceremony closed.
	pub beacon: H256,
	/// Where the final accumulator file is published.
	pub url: Url,
}
