//! What the tricameral pallet stores: chambers, proposals, phase-2
//! contributions, and the sources chambers are drawn from.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, weights::Weight, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;

/// Most phase-2 contributions one proposal records.
pub const MAX_CONTRIBUTIONS: u32 = 16;

/// A proposal's number, from 0.
pub type ProposalIndex = u32;

/// The three chambers. A proposal is dispatched only when each one's majority
/// approves it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Chamber {
	/// Compute providers: the registered providers with the largest bonds.
	Compute,
	/// Developers of whitelisted (not retired) models.
	Model,
	/// Users: the accounts whose verified tasks burned the most DAi in the
	/// last term.
	User,
}

impl Chamber {
	/// Every chamber, in order.
	pub const ALL: [Chamber; 3] = [Chamber::Compute, Chamber::Model, Chamber::User];

	/// Its position in [`Chamber::ALL`] (for per-chamber arrays).
	pub fn index(self) -> usize {
		self as usize
	}
}

/// One chamber's votes on a proposal, counting only current members.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Tally {
	/// Members who approve.
	pub ayes: u32,
	/// Members who refuse.
	pub nays: u32,
	/// Members the chamber has now.
	pub members: u32,
}

impl Tally {
	/// More than half of the members approve.
	pub fn approves(&self) -> bool {
		self.members > 0 && self.ayes.saturating_mul(2) > self.members
	}

	/// More than half of the members refuse: the chamber blocks the proposal.
	pub fn blocks(&self) -> bool {
		self.members > 0 && self.nays.saturating_mul(2) > self.members
	}
}

/// A phase-2 contribution recorded on a proposal: who made it, for which
/// chamber, and the hash of the transcript after it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Contribution<AccountId> {
	/// Who contributed.
	pub contributor: AccountId,
	/// The chamber it sits in.
	pub chamber: Chamber,
	/// blake2-256 of the phase-2 transcript once its contribution was added.
	pub transcript: H256,
}

/// An open proposal. Its call is stored apart ([`crate::ProposalCalls`]) so
/// that voting does not read it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Proposal<AccountId, Balance, BlockNumber> {
	/// Who proposed it (and may amend it).
	pub proposer: AccountId,
	/// Held from the proposer: returned if it is dispatched, burned if it is
	/// blocked or expires.
	pub deposit: Balance,
	/// blake2-256 of the encoded call.
	pub call_hash: H256,
	/// The last block in which it can be voted on and closed.
	pub end: BlockNumber,
	/// For a model's whitelisting: the hash of the phase-2 transcript the
	/// contributions build on (`None`: the proposal takes no contributions).
	pub phase2_start: Option<H256>,
	/// Whether the call carries the ceremony's final key: false for a
	/// whitelisting until its proposer amends it after the last contribution
	/// (until then it carries a key whose secrets are public, and cannot be
	/// dispatched).
	pub final_key: bool,
	/// Votes cast on it (at most [`crate::Pallet::max_votes`]).
	pub votes: u32,
	/// Phase-2 contributions made by chamber members, in order.
	pub contributions: BoundedVec<Contribution<AccountId>, ConstU32<MAX_CONTRIBUTIONS>>,
}

impl<AccountId, Balance, BlockNumber> Proposal<AccountId, Balance, BlockNumber> {
	/// The transcript hash the next contribution must build on, if the
	/// proposal takes contributions.
	pub fn phase2_head(&self) -> Option<H256> {
		self.contributions.last().map(|c| c.transcript).or(self.phase2_start)
	}
}

/// Where a chamber's members come from when it is refreshed.
pub trait ChamberSource<AccountId> {
	/// Up to `max` accounts, best first (the order decides who is left out).
	fn candidates(max: u32) -> alloc::vec::Vec<AccountId>;

	/// An upper bound on the weight of [`ChamberSource::candidates`].
	fn weight(max: u32) -> Weight;
}

impl<AccountId> ChamberSource<AccountId> for () {
	fn candidates(_: u32) -> alloc::vec::Vec<AccountId> {
		alloc::vec::Vec::new()
	}

	fn weight(_: u32) -> Weight {
		Weight::zero()
	}
}
