//! Data the committee's members keep, and their answers to data requests.
//!
//! A batch is void, and its signers slashed, if the data of a requested
//! result is not posted in time ([`crate::availability`]); so a member's node
//! keeps what it signed. When it signs a batch it writes, in its off-chain
//! database (persistent local storage), each result's [`Evidence::Proof`](crate::Evidence::Proof)
//! (leaf, Merkle path, input, output, proof) under [`kept_key`], the list of
//! the batch's requests under [`manifest_key`], and adds the batch to
//! [`KEPT_BATCHES`]. Each block its off-chain worker
//! ([`Pallet::answer_kept_requests`]) answers every open data request of a
//! pending batch it holds data for, with one of its compute keys (the
//! answer earns the requester's deposit), and forgets a batch's data once
//! the batch is released, voided or replaced by another under its number.
//!
//! Members take turns so that they do not all pay for the same answer: the
//! node of the batch's `n`-th signer answers from `n x` [`ANSWER_STAGGER`]
//! blocks after the request (all within the first quarter of the answer
//! period); a node whose answer has not landed sends it again after
//! [`RESEND_AFTER`] blocks. A member's node needs its off-chain worker on
//! (`daifi_batchSign` refuses to sign otherwise) and some DAi on its compute
//! key for the answer's fee.

use crate::{pallet::*, LocalAnswerer};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{offchain::storage::StorageValueRef, traits::Saturating};

/// The list of batches whose data this node keeps: `Vec<(sequence, root)>`.
pub const KEPT_BATCHES: &[u8] = b"daifi/batch-kept";

/// Blocks between one signer's turn to answer and the next's.
pub const ANSWER_STAGGER: u32 = 2;

/// Blocks before a node sends an answer again that has not landed.
pub const RESEND_AFTER: u32 = 10;

/// Where the data of a request (its user, executor and number) in batch
/// `sequence` under `root` is kept (an encoded
/// [`Evidence::Proof`](crate::Evidence::Proof)).
pub fn kept_key<AccountId: Encode>(sequence: u64, root: &H256, request: &(AccountId, AccountId, u64)) -> Vec<u8> {
	(b"daifi/batch-data", sequence, root, request).encode()
}

/// Where the requests of batch `sequence` under `root` whose data is kept
/// are listed (`Vec<(user, executor, nonce)>`).
pub fn manifest_key(sequence: u64, root: &H256) -> Vec<u8> {
	(b"daifi/batch-manifest", sequence, root).encode()
}

/// Where a node notes the block it last sent an answer for a request.
fn answered_key<AccountId: Encode>(sequence: u64, request: &(AccountId, AccountId, u64)) -> Vec<u8> {
	(b"daifi/batch-answered", sequence, request).encode()
}

impl<T: Config> Pallet<T> {
	/// Answers the open data requests of the pending batches whose data this
	/// node keeps, and forgets the data of batches that are settled.
	pub fn answer_kept_requests(now: BlockNumberFor<T>) {
		let index = StorageValueRef::persistent(KEPT_BATCHES);
		let Ok(Some(kept)) = index.get::<Vec<(u64, H256)>>() else { return };
		let next = NextSequence::<T>::get();
		let mut settled = Vec::new();
		for (sequence, root) in kept {
			match Batches::<T>::get(sequence) {
				Some(record) if record.root == root => Self::answer_for(sequence, &record, now),
				// Not accepted yet: it may still be.
				None if sequence >= next => {},
				// Released, voided, or another batch took its number.
				_ => settled.push((sequence, root)),
			}
		}
		if settled.is_empty() {
			return;
		}
		for (sequence, root) in &settled {
			Self::forget(*sequence, root);
		}
		let _ = index.mutate::<Vec<(u64, H256)>, (), _>(|list| {
			let mut list = list.ok().flatten().unwrap_or_default();
			list.retain(|batch| !settled.contains(batch));
			Ok(list)
		});
	}

	/// Answers, in this node's turn, each open data request of batch
	/// `sequence` whose data it keeps.
	fn answer_for(sequence: u64, record: &RecordOf<T>, now: BlockNumberFor<T>) {
		let locals = T::Answerer::local_providers();
		// This node's turn: its first provider's place among the signers (after them all if none signed).
		let turn = record.signers.iter().position(|s| locals.contains(s)).unwrap_or(record.signers.len());
		// Within the first quarter of the answer period, however many signers.
		let wait = BlockNumberFor::<T>::from(ANSWER_STAGGER.saturating_mul(turn as u32))
			.min(T::AnswerPeriod::get() / 4u32.into());
		for (request, (_, deadline)) in DataRequests::<T>::iter_prefix(sequence) {
			let asked = deadline.saturating_sub(T::AnswerPeriod::get());
			if now < asked.saturating_add(wait) {
				continue;
			}
			let Ok(Some(answer)) =
				StorageValueRef::persistent(&kept_key(sequence, &record.root, &request)).get::<EvidenceOf<T>>()
			else {
				continue;
			};
			let sent_key = answered_key(sequence, &request);
			let sent = StorageValueRef::persistent(&sent_key);
			if let Ok(Some(at)) = sent.get::<BlockNumberFor<T>>() {
				if now < at.saturating_add(RESEND_AFTER.into()) {
					continue;
				}
			}
			sent.set(&now);
			if T::Answerer::send(Call::answer_data { sequence, answer }).is_err() {
				log::warn!(target: "daifi-batches", "answering the data request of batch {sequence}: not sent");
			}
		}
	}

	/// Forgets what this node keeps of batch `sequence` under `root`.
	fn forget(sequence: u64, root: &H256) {
		let manifest_key = manifest_key(sequence, root);
		let mut manifest = StorageValueRef::persistent(&manifest_key);
		if let Ok(Some(requests)) = manifest.get::<Vec<RequestKeyOf<T>>>() {
			for request in requests {
				StorageValueRef::persistent(&kept_key(sequence, root, &request)).clear();
				StorageValueRef::persistent(&answered_key(sequence, &request)).clear();
			}
		}
		manifest.clear();
	}
}
