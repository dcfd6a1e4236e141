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
	/// The result is leaf `index` of released batch `sequence` under `root`
	/// (its proof, of hash `proof_hash`, verified by the committee off
	/// chain and open to challenge until the batch was released).
	Batch {
		/// The batch's number.
		sequence: u64,
		/// The leaf's index.
		index: u32,
		/// The batch's Merkle root.
		root: H256,
		/// blake2-256 of the Groth16 proof.
		proof_hash: H256,
	},
}

/// The first item id of batched results: below it are task ids.
pub const FIRST_BATCHED_ITEM: TaskId = 1 << 63;

/// The item id of leaf `index` of batch `sequence`: task ids are numbered
/// from 0 and never reach 2^63, so batched results have ids of their own
/// above it, one per leaf. `None` for batch numbers from 2^31 (each batch
/// carries at least one paid result, so numbering two billion batches costs
/// two billion fees).
pub fn batched_item(sequence: u64, index: u32) -> Option<TaskId> {
	(sequence < 1 << 31).then(|| FIRST_BATCHED_ITEM | sequence << 32 | u64::from(index))
}

/// The record behind a Compute NFT: the verified result of one task. Its
/// item id in the Compute NFT collection is the task's id.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Certificate<AccountId, Balance, BlockNumber> {
	/// The task; for a batched result, its item id ([`batched_item`]).
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
