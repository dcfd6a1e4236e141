//! Challenges: one or two leaves of a batch, and whether they show it wrong.

use crate::{pallet::*, types::*, merkle};
use frame_support::{
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision},
		Get,
	},
};
use pallet_model_registry::ModelCatalog;
use sp_runtime::{
	traits::{BlakeTwo256, CheckedAdd, Hash},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// See [`Pallet::challenge`].
	pub(crate) fn do_challenge(challenger: T::AccountId, sequence: u64, evidence: EvidenceOf<T>) -> DispatchResult {
		let record = Batches::<T>::get(sequence).ok_or(Error::<T>::UnknownBatch)?;
		ensure!(frame_system::Pallet::<T>::block_number() <= record.challenge_until, Error::<T>::ChallengeClosed);
		let fault = Self::shows_fault(&record, &evidence)?;
		let deposit = T::ChallengeDeposit::get();
		let reason = HoldReason::ChallengeDeposit.into();
		// The deposit must be there whatever the outcome: held, then burned or
		// released.
		T::Currency::hold(&reason, &challenger, deposit)?;
		if fault {
			T::Currency::release(&reason, &challenger, deposit, Precision::Exact)?;
			Self::void_and_punish(sequence, &record, &challenger);
		} else {
			T::Currency::burn_held(&reason, &challenger, deposit, Precision::Exact, Fortitude::Force)?;
			Self::deposit_event(Event::ChallengeFailed { sequence, challenger, burned: deposit });
		}
		Ok(())
	}

	/// Whether `evidence` shows batch `record` wrong. Errors (the evidence
	/// is malformed, not wrong): `BadPath`, `EvidenceMismatch`, `NotAdjacent`.
	fn shows_fault(record: &RecordOf<T>, evidence: &EvidenceOf<T>) -> Result<bool, Error<T>> {
		let in_tree = |p: &LeafProofOf<T>| Self::check_in_tree(record, p);
		match evidence {
			Evidence::Proof { leaf, input, output, proof } => {
				in_tree(leaf)?;
				Self::check_data(&leaf.leaf, input, output, proof)?;
				let l = &leaf.leaf;
				let binding = leaf_binding(&l.request.user, l.request.nonce, &l.request.executor);
				Ok(T::Models::verify(&l.request.model, &binding, input, output, proof).is_err())
			},
			Evidence::Signature(leaf) => {
				in_tree(leaf)?;
				Ok(!Self::signed_by_user(&leaf.leaf.request, &leaf.leaf.signature))
			},
			Evidence::Placement(leaf) => {
				in_tree(leaf)?;
				let l = &leaf.leaf;
				let (entry, _, _) = Self::entry_at(record, leaf.index).ok_or(Error::<T>::BadPath)?;
				let r = &l.request;
				let in_range = Self::in_ranges(record, &r.user, &r.executor, r.nonce);
				let price = T::Models::model(&l.request.model).map(|m| m.price);
				let underpaid = price.is_none_or(|price| l.request.fee < price);
				Ok(entry.executor != r.executor || entry.model != r.model || !in_range || underpaid)
			},
			Evidence::Duplicate(a, b) => {
				in_tree(a)?;
				in_tree(b)?;
				ensure!(a.index != b.index, Error::<T>::NotAdjacent);
				let (a, b) = (&a.leaf.request, &b.leaf.request);
				Ok(a.user == b.user && a.executor == b.executor && a.nonce == b.nonce)
			},
			Evidence::Running(a, None) => {
				in_tree(a)?;
				let (entry, start, end) = Self::entry_at(record, a.index).ok_or(Error::<T>::BadPath)?;
				let l = &a.leaf;
				Ok((a.index == start && l.running != l.request.fee) || (a.index + 1 == end && l.running != entry.gross))
			},
			Evidence::Running(a, Some(b)) => {
				in_tree(a)?;
				in_tree(b)?;
				let (_, _, end) = Self::entry_at(record, a.index).ok_or(Error::<T>::BadPath)?;
				ensure!(b.index == a.index.saturating_add(1) && b.index < end, Error::<T>::NotAdjacent);
				Ok(a.leaf.running.checked_add(&b.leaf.request.fee) != Some(b.leaf.running))
			},
		}
	}

	/// Whether `proof`'s leaf is at its index under the batch's root.
	pub(crate) fn check_in_tree(record: &RecordOf<T>, proof: &LeafProofOf<T>) -> Result<(), Error<T>> {
		let hash = merkle::leaf_hash(&proof.leaf);
		ensure!(
			merkle::root_from_path(hash, proof.index, &proof.path, record.results) == Some(record.root),
			Error::<T>::BadPath
		);
		Ok(())
	}

	/// Whether `input`, `output` and `proof` are the data `leaf` names.
	pub(crate) fn check_data(leaf: &LeafOf<T>, input: &[i64], output: &[i64], proof: &[u8]) -> Result<(), Error<T>> {
		ensure!(
			BlakeTwo256::hash_of(&input) == leaf.request.input_hash &&
				BlakeTwo256::hash_of(&output) == leaf.output_hash &&
				BlakeTwo256::hash(proof) == leaf.proof_hash,
			Error::<T>::EvidenceMismatch
		);
		Ok(())
	}

	/// The entry leaf `index` belongs to, with its first index and one past
	/// its last.
	fn entry_at(record: &RecordOf<T>, index: u32) -> Option<(&crate::Entry<T::AccountId, BalanceOf<T>>, u32, u32)> {
		let mut start = 0u32;
		for entry in record.entries.iter() {
			let end = start.saturating_add(entry.count);
			if index < end {
				return Some((entry, start, end));
			}
			start = end;
		}
		None
	}
}
