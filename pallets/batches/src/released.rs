//! Results of released batches, shown one at a time with a Merkle path:
//! how a later pallet (Compute NFTs) learns that a result it never saw was
//! settled.

use crate::{merkle, pallet::*};
use codec::{Decode, Encode};
use frame_support::{ensure, Parameter};
use pallet_compute_staking::ModelHash;
use pallet_model_registry::ModelCatalog;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::DispatchError;

/// One result of a released batch, as its leaf and path show it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ReleasedResult<AccountId, BlockNumber> {
	/// The batch's number.
	pub sequence: u64,
	/// The leaf's index in it.
	pub index: u32,
	/// The batch's Merkle root.
	pub root: H256,
	/// Who asked and paid.
	pub user: AccountId,
	/// Who executed and proved it.
	pub executor: AccountId,
	/// The request's number among the user's requests to the executor.
	pub nonce: u64,
	/// The model.
	pub model: ModelHash,
	/// blake2-256 of the SCALE-encoded input.
	pub input_hash: H256,
	/// blake2-256 of the SCALE-encoded output.
	pub output_hash: H256,
	/// blake2-256 of the Groth16 proof.
	pub proof_hash: H256,
	/// FLOPs of the model's inference (0 if it is no longer registered).
	pub flops: u64,
	/// The block the batch was released (paid out) in.
	pub released_at: BlockNumber,
}

/// Released batches' results, for pallets that act on one of them. What
/// [`ReleasedResults::released`] costs (one read and a path of at most
/// [`crate::MAX_DEPTH`] hashes) is the caller's to benchmark, with
/// [`ReleasedResults::benchmark_result`]'s full-depth path.
pub trait ReleasedResults<AccountId, BlockNumber> {
	/// A leaf with its index and Merkle path.
	type Proof: Parameter;

	/// The result `proof` shows in released batch `sequence`. Errors:
	/// `NotReleased` (pending, voided or unknown), `BadPath`.
	fn released(sequence: u64, proof: &Self::Proof) -> Result<ReleasedResult<AccountId, BlockNumber>, DispatchError>;

	/// A released batch with one result of `user` at the deepest path, for
	/// the benchmarks of pallets that use this.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_result(user: &AccountId, model: ModelHash, output_hash: H256) -> (u64, Self::Proof);
}

impl<T: Config> ReleasedResults<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>> for Pallet<T> {
	type Proof = LeafProofOf<T>;

	fn released(
		sequence: u64,
		proof: &Self::Proof,
	) -> Result<ReleasedResult<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>, DispatchError> {
		let (root, results, released_at) = Released::<T>::get(sequence).ok_or(Error::<T>::NotReleased)?;
		let hash = merkle::leaf_hash(&proof.leaf);
		ensure!(merkle::root_from_path(hash, proof.index, &proof.path, results) == Some(root), Error::<T>::BadPath);
		let leaf = &proof.leaf;
		Ok(ReleasedResult {
			sequence,
			index: proof.index,
			root,
			user: leaf.request.user.clone(),
			executor: leaf.request.executor.clone(),
			nonce: leaf.request.nonce,
			model: leaf.request.model,
			input_hash: leaf.request.input_hash,
			output_hash: leaf.output_hash,
			proof_hash: leaf.proof_hash,
			flops: T::Models::model(&leaf.request.model).map_or(0, |m| m.flops),
			released_at,
		})
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_result(user: &T::AccountId, model: ModelHash, output_hash: H256) -> (u64, Self::Proof) {
		use crate::{Leaf, LeafProof, Request};
		use frame_support::BoundedVec;
		use sp_runtime::traits::Zero;
		// Any signature: a released leaf's is not checked again.
		let signature = T::Signature::decode(&mut sp_runtime::traits::TrailingZeroInput::zeroes()).expect("zeroes decode");
		let leaf = Leaf {
			request: Request {
				user: user.clone(),
				executor: user.clone(),
				nonce: 1,
				model,
				input_hash: H256::repeat_byte(1),
				fee: Zero::zero(),
				spent: Zero::zero(),
			},
			signature,
			output_hash,
			proof_hash: H256::repeat_byte(2),
			running: Zero::zero(),
		};
		// The last leaf of a batch of 2^32 - 1 results: a full-depth path.
		let results = u32::MAX;
		let index = results - 1;
		let path: alloc::vec::Vec<H256> = (0..crate::MAX_DEPTH).map(|i| H256::repeat_byte(i as u8)).collect();
		let root = merkle::root_from_path(merkle::leaf_hash(&leaf), index, &path, results).expect("full depth");
		let sequence = NextSequence::<T>::get();
		NextSequence::<T>::put(sequence + 1);
		Released::<T>::insert(sequence, (root, results, frame_system::Pallet::<T>::block_number()));
		(sequence, LeafProof { leaf, index, path: BoundedVec::truncate_from(path) })
	}
}
