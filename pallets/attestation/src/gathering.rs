//! Off chain: how a committee member signs a payload, shares its signature
//! and gathers the others' into one attestation.
//!
//! Each node holding keys of the current committee signs [`Pallet::message`]
//! of the payload with them and publishes each signature as a
//! [`MemberSignature`] under the message's hash (the topic), through the
//! node's committee gossip ([`LocalCommitteeKeys::publish`], a notification
//! protocol between nodes). It reads back what it and its peers published
//! under the topic; every signature is checked against its member's key
//! before it counts (a peer can send anything), each member counts once,
//! and once the signers hold more than two thirds of the committee's
//! weight the signatures are aggregated into one [`Attestation`].

use crate::{bls, pallet::*, Attestation, LocalCommitteeKeys, Signers};
use alloc::collections::btree_map::BTreeMap;
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::ComputeProviders;
use scale_info::TypeInfo;
use sp_runtime::{offchain::storage::StorageValueRef, traits::Saturating};

/// One member's signature of a message, as members share it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct MemberSignature {
	/// The committee's epoch.
	pub epoch: u64,
	/// The member's position in the committee.
	pub member: u16,
	/// Its signature of the message.
	pub signature: bls::Signature,
}

/// Blocks before a member publishes its signature of the same message again
/// (for peers that connected since).
pub const REPUBLISH_AFTER: u32 = 5;

impl<T: Config> Pallet<T> {
	/// Whether this node holds the key of a member of the current committee.
	pub fn is_local_member() -> bool {
		let Some(committee) = CurrentCommittee::<T>::get() else { return false };
		T::LocalKeys::compute_keys().iter().any(|key| {
			T::Providers::provider_of(key).is_some_and(|p| committee.members.iter().any(|m| m.who == p))
		})
	}

	/// Signs `payload` with this node's keys in the current committee,
	/// publishes the signatures, and returns the attestation of the
	/// signatures gathered so far once they are a quorum.
	pub fn attest_locally(payload: &[u8]) -> Option<Attestation> {
		let committee = CurrentCommittee::<T>::get()?;
		let topic = Self::message(committee.epoch, payload);
		let now = frame_system::Pallet::<T>::block_number();
		for key in T::LocalKeys::compute_keys() {
			let Some(provider) = T::Providers::provider_of(&key) else { continue };
			let Some(member) = committee.members.iter().position(|m| m.who == provider) else { continue };
			if !Self::due_to_publish(&topic, member as u16, now) {
				continue;
			}
			let Some(signature) = T::LocalKeys::sign(&key, &topic) else { continue };
			let shared = MemberSignature { epoch: committee.epoch, member: member as u16, signature };
			T::LocalKeys::publish(topic, shared.encode());
		}
		Self::gather(&committee, &topic, T::LocalKeys::received(topic))
	}

	/// The attestation of `payload` by the committee of `epoch` (the current
	/// or the previous one, as the chain takes) from `received`, the shared
	/// signatures a node holds under its topic ([`Pallet::message`] of the
	/// epoch and the payload), once they are a quorum. For nodes gathering
	/// signatures outside the off-chain worker (the batch lane's members sign
	/// on request and share their signatures over the committee gossip).
	pub fn attestation_from(
		epoch: u64,
		payload: &[u8],
		received: alloc::vec::Vec<alloc::vec::Vec<u8>>,
	) -> Option<Attestation> {
		let committee = Self::committee_of(epoch).ok()?;
		let topic = Self::message(committee.epoch, payload);
		Self::gather(&committee, &topic, received)
	}

	/// The attestation of `topic` by `committee` from the shared signatures
	/// `received`, once the valid ones are a quorum.
	fn gather(
		committee: &CommitteeOf<T>,
		topic: &[u8; 32],
		received: alloc::vec::Vec<alloc::vec::Vec<u8>>,
	) -> Option<Attestation> {
		// One signature per member, the first seen; the node passes on only
		// signatures it checked, so their aggregate is checked first (one
		// pairing) and each one alone only if that fails.
		let mut first: BTreeMap<u16, bls::Signature> = BTreeMap::new();
		let mut rest = alloc::vec::Vec::new();
		for bytes in received {
			let Ok(shared) = MemberSignature::decode(&mut &bytes[..]) else { continue };
			if shared.epoch != committee.epoch || usize::from(shared.member) >= committee.members.len() {
				continue;
			}
			if first.contains_key(&shared.member) {
				rest.push(shared);
			} else {
				first.insert(shared.member, shared.signature);
			}
		}
		let key = |i: &u16| &committee.members[usize::from(*i)].key;
		let all_valid = bls::Signature::aggregate(first.values())
			.is_some_and(|sum| bls::verify_aggregate(first.keys().map(key), topic, &sum).is_ok());
		let mut valid = first;
		if !all_valid {
			valid.retain(|i, s| bls::verify(key(i), topic, s).is_ok());
			for shared in rest {
				if !valid.contains_key(&shared.member) && bls::verify(key(&shared.member), topic, &shared.signature).is_ok() {
					valid.insert(shared.member, shared.signature);
				}
			}
		}
		let signed = valid.keys().fold(0u128, |sum, i| sum.saturating_add(committee.members[usize::from(*i)].weight));
		if !committee.is_quorum(signed) {
			return None;
		}
		let mut bits = alloc::vec![0u8; committee.members.len().div_ceil(8)];
		for i in valid.keys() {
			bits[usize::from(*i) / 8] |= 1 << (i % 8);
		}
		Some(Attestation {
			epoch: committee.epoch,
			signers: Signers::truncate_from(bits),
			signature: bls::Signature::aggregate(valid.values())?,
		})
	}

	/// Checks a shared signature as a node receives it from a peer under
	/// `topic`: a [`MemberSignature`] of a member of the current or the
	/// previous committee over `topic`. Returns who signed (epoch and
	/// position), so the node keeps one per member and topic and bounds
	/// what each member fills; `None` for anything else (one pairing).
	pub fn check_shared(topic: [u8; 32], message: &[u8]) -> Option<(u64, u16)> {
		let shared = MemberSignature::decode(&mut &message[..]).ok()?;
		let committee = CurrentCommittee::<T>::get()
			.filter(|c| c.epoch == shared.epoch)
			.or_else(|| PreviousCommittee::<T>::get().filter(|c| c.epoch == shared.epoch))?;
		let member = committee.members.get(usize::from(shared.member))?;
		bls::verify(&member.key, &topic, &shared.signature).ok()?;
		Some((shared.epoch, shared.member))
	}

	/// Whether `member`'s signature under `topic` has not been published in
	/// the last [`REPUBLISH_AFTER`] blocks (and records that it is now).
	fn due_to_publish(topic: &[u8; 32], member: u16, now: BlockNumberFor<T>) -> bool {
		let key = (b"daifi/attestation/published", topic, member).encode();
		StorageValueRef::persistent(&key)
			.mutate(|at: Result<Option<BlockNumberFor<T>>, _>| match at {
				Ok(Some(at)) if now < at.saturating_add(REPUBLISH_AFTER.into()) => Err(()),
				_ => Ok(now),
			})
			.is_ok()
	}
}

