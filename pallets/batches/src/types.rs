//! What users sign, what a batch holds, and what a challenge shows.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use pallet_compute_staking::ModelHash;
use scale_info::TypeInfo;
use sp_core::H256;

/// The most values a challenge's input or output has.
pub const MAX_TENSOR: u32 = 4_096;
/// The largest proof a challenge carries (a compressed Groth16 proof is 128
/// bytes).
pub const MAX_PROOF: u32 = 512;
/// The deepest Merkle path: batches of up to 2^32 results.
pub const MAX_DEPTH: u32 = 32;

/// One request of the batch lane, as its user signs it: `executor` is to run
/// `model` on the input whose hash is `input_hash` for `fee`, paid from the
/// user's escrow for that executor. `nonce` numbers the user's requests to
/// that executor from 1 without gaps; `spent` is the sum of the fees of all
/// of them up to and including this one. The last request of a user and
/// executor in a batch is what authorises the batch to debit that escrow:
/// the user pays `spent` minus what it had already paid, never more than it
/// signed. An escrow and a numbering per executor mean an executor's node
/// alone knows what it is owed: a request sent to two executors is one
/// executor's, and no executor's work can be paid from what another spent.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Request<AccountId, Balance> {
	/// Who asks and pays.
	pub user: AccountId,
	/// The provider that is to execute and prove it, and is paid from the
	/// user's escrow for it.
	pub executor: AccountId,
	/// The user's request number for this executor (1, 2, 3, ...).
	pub nonce: u64,
	/// The model to run.
	pub model: ModelHash,
	/// blake2-256 of the SCALE-encoded input values (`Vec<i64>`), as in the
	/// task market.
	pub input_hash: H256,
	/// What this request pays.
	pub fee: Balance,
	/// What the user's requests to this executor up to this one pay
	/// together.
	pub spent: Balance,
}

/// One result of a batch: a Merkle leaf. The request's executor proved the
/// output for [`leaf_binding`] of the request; `running` is the gross of the leaf's
/// entry (its executor and model) up to and including this leaf, so that a
/// wrong entry total is shown with one or two leaves.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct Leaf<AccountId, Balance, Signature> {
	/// The request, as the user signed it.
	pub request: Request<AccountId, Balance>,
	/// The user's signature of [`request_message`].
	pub signature: Signature,
	/// blake2-256 of the SCALE-encoded output values.
	pub output_hash: H256,
	/// blake2-256 of the Groth16 proof.
	pub proof_hash: H256,
	/// The entry's fees up to and including this leaf.
	pub running: Balance,
}

/// A user's part of a batch with one executor: its first and last requests
/// to that executor in it. Its requests `first_nonce..=last.nonce` to
/// `last.executor` are all in the batch, once each.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct UserDebit<AccountId, Balance, Signature> {
	/// The first request in the batch (one after the last settled one).
	pub first_nonce: u64,
	/// The last request in the batch, whose `spent` is what the user has
	/// paid this executor after it.
	pub last: Request<AccountId, Balance>,
	/// The user's signature of the last request.
	pub signature: Signature,
}

/// What one executor earned on one model in a batch: the leaves
/// `start..start + count`, where `start` is the sum of the counts of the
/// entries before it (entries tile the leaves in order).
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Entry<AccountId, Balance> {
	/// The provider that executed the entry's leaves.
	pub executor: AccountId,
	/// Their model.
	pub model: ModelHash,
	/// How many leaves.
	pub count: u32,
	/// Their fees together.
	pub gross: Balance,
}

/// A batch as the committee signs it and anyone submits it.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo, DebugNoBound)]
#[scale_info(skip_type_params(MaxUsers, MaxEntries))]
pub struct BatchHeader<AccountId, Balance, Signature, MaxUsers: Get<u32>, MaxEntries: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	Signature: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// The batch's number: one more than the last accepted batch's.
	pub sequence: u64,
	/// The Merkle root over the leaves ([`crate::merkle`]).
	pub root: H256,
	/// How many leaves.
	pub results: u32,
	/// Who pays: each user and executor once.
	pub users: BoundedVec<UserDebit<AccountId, Balance, Signature>, MaxUsers>,
	/// Who earns, in leaf order.
	pub entries: BoundedVec<Entry<AccountId, Balance>, MaxEntries>,
}

/// An accepted batch, kept until it is released (or voided by a challenge).
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, DebugNoBound, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxUsers, MaxEntries, MaxSigners))]
pub struct BatchRecord<AccountId, Balance, BlockNumber, MaxUsers: Get<u32>, MaxEntries: Get<u32>, MaxSigners: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// The committee's epoch.
	pub epoch: u64,
	/// The Merkle root.
	pub root: H256,
	/// How many leaves.
	pub results: u32,
	/// The users' debits, held until release: (user, executor, amount).
	pub debits: BoundedVec<(AccountId, AccountId, Balance), MaxUsers>,
	/// The users' request ranges: (user, executor, first nonce, last nonce).
	pub ranges: BoundedVec<(AccountId, AccountId, u64, u64), MaxUsers>,
	/// The entries, in leaf order.
	pub entries: BoundedVec<Entry<AccountId, Balance>, MaxEntries>,
	/// Who signed it (slashed if it is shown wrong).
	pub signers: BoundedVec<AccountId, MaxSigners>,
	/// The last block a challenge is taken.
	pub challenge_until: BlockNumber,
}

/// A user's prepaid balance for one executor in the batch lane.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default, TypeInfo, MaxEncodedLen)]
pub struct Escrow<Balance, BlockNumber> {
	/// On hold for the lane (what pending batches debited included).
	pub held: Balance,
	/// Debited by accepted batches not yet released.
	pub committed: Balance,
	/// Asked back, and from which block it may be withdrawn.
	pub unlocking: Option<(Balance, BlockNumber)>,
	/// The last settled request to this executor.
	pub nonce: u64,
	/// What the requests to this executor up to it paid together.
	pub spent: Balance,
}

/// A leaf and where it is: its index and the sibling hashes from the leaf up.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct LeafProof<AccountId, Balance, Signature> {
	/// The leaf.
	pub leaf: Leaf<AccountId, Balance, Signature>,
	/// Its index.
	pub index: u32,
	/// Its Merkle path.
	pub path: BoundedVec<H256, ConstU32<MAX_DEPTH>>,
}

/// What a challenge shows about one or two leaves of a batch. Each is
/// decided by the runtime alone; if it shows no fault the challenger loses
/// its deposit.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub enum Evidence<AccountId, Balance, Signature> {
	/// The leaf's proof, input and output (which must hash to the leaf's):
	/// a fault if the proof does not verify.
	Proof {
		/// The leaf.
		leaf: LeafProof<AccountId, Balance, Signature>,
		/// The input values.
		input: BoundedVec<i64, ConstU32<MAX_TENSOR>>,
		/// The output values.
		output: BoundedVec<i64, ConstU32<MAX_TENSOR>>,
		/// The proof.
		proof: BoundedVec<u8, ConstU32<MAX_PROOF>>,
	},
	/// A fault if the user's signature of the leaf's request does not verify.
	Signature(LeafProof<AccountId, Balance, Signature>),
	/// A fault if the leaf is not where the header says: its executor or
	/// model is not its entry's, or its request is outside its user's range
	/// for its executor;
	/// or if its fee is below the model's price (the developer's share and
	/// the burn cannot be bypassed by settling payment elsewhere).
	Placement(LeafProof<AccountId, Balance, Signature>),
	/// A fault if two leaves at different places carry the same user,
	/// executor and request number.
	Duplicate(LeafProof<AccountId, Balance, Signature>, LeafProof<AccountId, Balance, Signature>),
	/// One leaf: a fault if it is its entry's first and its running total is
	/// not its fee, or its entry's last and its running total is not the
	/// entry's gross. Two adjacent leaves of one entry: a fault if the
	/// second's running total is not the first's plus its fee.
	Running(LeafProof<AccountId, Balance, Signature>, Option<LeafProof<AccountId, Balance, Signature>>),
}

/// What a user signs for a request: blake2-256 of a tag, the chain's genesis
/// hash and the request.
pub fn request_message<Hash: Encode, AccountId: Encode, Balance: Encode>(
	genesis: &Hash,
	request: &Request<AccountId, Balance>,
) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"daifi/batch-request", genesis, request).encode())
}

/// What a leaf's proof is bound to (its first public input): the user, the
/// executor and the request number, so that a proof answers one request by
/// one executor only.
pub fn leaf_binding<AccountId: Encode>(user: &AccountId, nonce: u64, executor: &AccountId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"daifi/batch-binding", user, nonce, executor).encode())
}

/// What the committee signs for a batch: its number and the hash of its
/// header. Two different headers under one number and epoch signed by one
/// member are an equivocation.
pub fn batch_payload(sequence: u64, header_hash: H256) -> Vec<u8> {
	(b"daifi/batch", sequence, header_hash).encode()
}
