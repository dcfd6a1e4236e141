//! The records of sovereign domains.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use pallet_compute_staking::DomainId;
use pallet_model_registry::ModelHash;
use pallet_tasks::{Preference, TaskId};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// One side of a boundary: a domain, or the open network (`None`).
pub type Side = Option<DomainId>;

/// A clearing period's number.
pub type Era = u32;

/// Most models a domain's allow-list names.
pub const MAX_ALLOWED_MODELS: u32 = 64;

/// Most entries a domain's audit log keeps (the oldest goes first).
pub const AUDIT_LEN: u32 = 64;

/// What kind of organisation a domain is (Stardust's four).
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum DomainKind {
	/// A nation's resources under its law.
	National,
	/// A company's machines and data.
	Enterprise,
	/// A community's shared resources.
	Community,
	/// One person's devices.
	Personal,
}

/// A domain's policy.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default,
)]
pub struct Policy {
	/// Data locality: its members' tasks run only on its member providers.
	pub local: bool,
	/// Its member providers serve tasks from outside it (the open network's
	/// and other domains' users), for this surcharge on the executor's share;
	/// `None`: they serve only the domain.
	pub outside_markup: Option<Perbill>,
	/// The models that may run inside it (its members' tasks, and outsiders'
	/// tasks on its providers); `None`: every whitelisted model.
	pub models: Option<BoundedVec<ModelHash, ConstU32<MAX_ALLOWED_MODELS>>>,
	/// How its own tasks choose among its members.
	pub preference: Preference,
}

impl Policy {
	/// Whether `model` may run inside the domain.
	pub fn allows(&self, model: &ModelHash) -> bool {
		self.models.as_ref().is_none_or(|models| models.contains(model))
	}
}

/// A sovereign domain.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Domain<AccountId, Balance> {
	/// Who governs it: an account or a multisig.
	pub admin: AccountId,
	/// What kind of organisation it is.
	pub kind: DomainKind,
	/// Its policy.
	pub policy: Policy,
	/// How many accounts belong to it.
	pub members: u32,
	/// How many invitations are open (at most `MaxMembers`).
	pub invited: u32,
	/// Who created it, whose deposit is held.
	pub depositor: AccountId,
	/// The deposit held from the creator.
	pub deposit: Balance,
}

/// Pay that crossed from one side to another in one clearing period.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default,
)]
pub struct Flow<Balance> {
	/// The total that crossed.
	pub volume: Balance,
	/// How many payments made it up.
	pub count: u32,
}

/// An executor's pay held at its side's gateway.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default,
)]
pub struct Earning<Balance> {
	/// Earned in clearing period `era`, not cleared yet.
	pub pending: Balance,
	/// The period of `pending`.
	pub era: Era,
	/// Cleared: the gateway holds it and the executor may claim it.
	pub claimable: Balance,
}

/// One settled task in a domain's audit log.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AuditEntry<AccountId, Balance, BlockNumber> {
	/// The task.
	pub task: TaskId,
	/// Its model.
	pub model: ModelHash,
	/// Who submitted it, and its side.
	pub owner: AccountId,
	/// The owner's side.
	pub home: Side,
	/// Who ran it (the first executor), and its side.
	pub provider: AccountId,
	/// The provider's side.
	pub ran_in: Side,
	/// The executors' share of its fee.
	pub executor_paid: Balance,
	/// When it settled.
	pub at: BlockNumber,
}
