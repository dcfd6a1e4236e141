//! BABE block production, GRANDPA finality, sessions and the timestamp.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use sp_runtime::traits::ConvertInto;

use super::staking::{ReportLongevity, SessionManager as StakingSessions};
use crate::{
	AccountId, Babe, Balances, Historical, Offences, Runtime, RuntimeEvent, Session, SessionKeys,
	EPOCH_DURATION_IN_SLOTS, MILLISECS_PER_BLOCK, SLOT_DURATION,
};

/// At most this many validators take part in consensus.
pub const MAX_AUTHORITIES: u32 = 100;

parameter_types! {
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	pub const ExpectedBlockTime: u64 = MILLISECS_PER_BLOCK;
	/// GRANDPA keeps the session of each authority set for as long as
	/// equivocation reports are accepted.
	pub const MaxSetIdSessionEntries: u64 = ReportLongevity::get() / EPOCH_DURATION_IN_SLOTS;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Babe;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

/// The block author, found from BABE's pre-runtime digest; equivocation
/// reports name it as their reporter.
impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	/// Each authored block counts toward its author's share of the era's emission.
	type EventHandler = crate::PocRewards;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	/// Sessions, not BABE, decide when an epoch ends, so that the two agree.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = Session;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	/// A key ownership proof is a membership proof in a past session's
	/// validator set (pallet-session's historical module).
	type KeyOwnerProof = sp_session::MembershipProof;
	/// The node reports equivocations it sees as unsigned transactions;
	/// pallet-offences turns them into slashes applied by compute staking.
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// A validator is identified by its account.
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	/// Proof-of-Compute: compute staking chooses each session's validators;
	/// the historical module keeps the sets for equivocation proofs.
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, StakingSessions>;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitWithReEnablingDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Setting session keys holds 10 DAi until they are purged: the key
	/// owner index is storage anyone could otherwise fill for a fee.
	type KeyDeposit = ConstU128<{ 10 * crate::DAI }>;
}

