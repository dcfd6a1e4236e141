//! Committees, attestations and what the runtime API shows of them.

use crate::bls::{PublicKey, Signature, StoredKey};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;

/// The largest committee an attestation's signer bitfield can describe.
pub const MAX_COMMITTEE: u32 = 1024;

/// A signer bitfield: bit `i` (byte `i / 8`, least significant bit first)
/// says whether member `i` of the committee signed.
pub type Signers = BoundedVec<u8, frame_support::traits::ConstU32<{ MAX_COMMITTEE / 8 }>>;

/// A committee member (or a candidate of a later draw): the provider, the
/// BLS key and the weight (bond × reputation) it had when the candidates
/// were recorded.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct CommitteeMember<AccountId> {
	/// The provider's (bonded) account.
	pub who: AccountId,
	/// Its key, checked at registration.
	pub key: StoredKey,
	/// Its weight: the draw's and the quorum's.
	pub weight: u128,
}

/// The committee of one BABE epoch.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound)]
#[scale_info(skip_type_params(MaxSize))]
pub struct Committee<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, MaxSize: Get<u32>> {
	/// The epoch it serves.
	pub epoch: u64,
	/// Its members, in the order they were drawn (the bitfield's order).
	pub members: BoundedVec<CommitteeMember<AccountId>, MaxSize>,
}

impl<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, MaxSize: Get<u32>> Committee<AccountId, MaxSize> {
	/// The members' accounts, in order.
	pub fn accounts(&self) -> Vec<AccountId> {
		self.members.iter().map(|m| m.who.clone()).collect()
	}

	/// The members' weight together.
	pub fn weight(&self) -> u128 {
		self.members.iter().fold(0u128, |sum, m| sum.saturating_add(m.weight))
	}

	/// Whether members of `signed` weight are more than two thirds of the
	/// committee's weight. By weight, not by head count: a provider that
	/// splits its bond over many accounts gains seats but not weight.
	pub fn is_quorum(&self, signed: u128) -> bool {
		signed.saturating_mul(3) > self.weight().saturating_mul(2)
	}
}

/// A committee's statement about a payload: who signed and the aggregate of
/// their signatures over [`crate::Pallet::message`].
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct Attestation {
	/// The epoch of the committee that signed.
	pub epoch: u64,
	/// Which members signed.
	pub signers: Signers,
	/// The aggregate signature.
	pub signature: Signature,
}

/// The committees as the runtime API shows them.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct Committees<AccountId> {
	/// The epoch in progress and its committee (empty before the first draw).
	pub current: (u64, Vec<AccountId>),
	/// The next epoch and its committee, already drawn.
	pub next: (u64, Vec<AccountId>),
}

/// A provider's registered key.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct RegisteredKey {
	/// The key as registered (compressed).
	pub public: PublicKey,
	/// The same key, checked and uncompressed.
	pub stored: StoredKey,
}
