//! What a Compute NFT certifies.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_model_registry::ModelHash;
use pallet_tasks::{TaskId, Tensor, Verification};
use scale_info::TypeInfo;
use sp_core::H256;

/// What shows that a result is right.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum Evidence {
	/// blake2-256 of the Groth16 proof the runtime verified.
	ProofHash(H256),
}

/// The record behind a Compute NFT: the verified result of one task. Its
/// item id in the Compute NFT collection is the task's id.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Certificate<AccountId, Balance, BlockNumber> {
	/// The task.
	pub task: TaskId,
	/// The model it ran.
	pub model: ModelHash,
	/// blake2-256 of the SCALE-encoded input.
	pub input_hash: H256,
	/// The Compute NFT whose output was the input, if one was: a workflow's
	/// previous step.
	pub source: Option<TaskId>,
	/// blake2-256 of the SCALE-encoded output.
	pub output_hash: H256,
	/// The verified output (the model's `output_frac_bits`): what a later
	/// task may take as its input.
	pub output: Tensor,
	/// FLOPs of the inference.
	pub flops: u64,
	/// The block the result was verified and settled in.
	pub block: BlockNumber,
	/// How the result was verified.
	pub verification: Verification,
	/// What shows it.
	pub evidence: Evidence,
	/// Who computed it.
	pub executor: AccountId,
	/// Who paid the certificate's deposit (the task's owner), and gets it
	/// back when the certificate is removed.
	pub depositor: AccountId,
	/// The deposit held for the certificate's storage.
	pub deposit: Balance,
}
