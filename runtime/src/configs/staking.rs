//! Proof-of-Compute staking, and the offences machinery that slashes
//! equivocating validators: pallet-session's historical module proves who held
//! a key in a past session, pallet-offences turns BABE and GRANDPA
//! equivocation reports into slashes that compute staking applies.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, Contains},
};
use sp_runtime::Perbill;
use sp_staking::SessionIndex;

use crate::{
	configs::consensus::MAX_AUTHORITIES, AccountId, Balances, BlockNumber, ComputeStaking,
	Historical, Runtime, RuntimeEvent, RuntimeHoldReason, Session, DAI, DAYS, EPOCH_DURATION_IN_SLOTS,
};

/// The smallest bond of a compute provider.
pub const MIN_BOND: u128 = 10_000 * DAI;

/// Most providers registered at once.
pub const MAX_PROVIDERS: u32 = 1_024;

parameter_types! {
	/// Bonded funds stay held (and slashable) for a week after `unbond`.
	pub const UnbondingDelay: BlockNumber = 7 * DAYS;
	/// Equivocation reports are accepted while the offender's bond is still held.
	pub const ReportLongevity: u64 = 7 * DAYS as u64;
	/// Past sessions whose validator sets are kept for key ownership proofs:
	/// as many as fit in `ReportLongevity`.
	pub const HistoryDepth: SessionIndex = (7 * DAYS as u64 / EPOCH_DURATION_IN_SLOTS) as SessionIndex;
}

/// A provider can be selected only once its session keys are set (with
/// `session.setKeys`, which checks their ownership proof).
pub struct HasSessionKeys;
impl Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		Session::load_keys(who).is_some()
	}
}

/// An equivocating validator is disabled for the rest of the session through
/// pallet-session, whose disabling strategy (up to a third of the set, the
/// most severe offenders first) decides, as in polkadot-sdk's staking.
pub struct DisableInSession;
impl pallet_compute_staking::DisableOffender<AccountId> for DisableInSession {
	fn disable(who: &AccountId, severity: Perbill) {
		Session::report_offence(who.clone(), sp_staking::offence::OffenceSeverity(severity));
	}
}

/// Compute keys for the benchmarks: sr25519 keys made in the benchmark's
/// keystore, signing the compute-key message for real.
#[cfg(feature = "runtime-benchmarks")]
pub struct ComputeKeyBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_staking::BenchmarkHelper<AccountId, crate::Signature> for ComputeKeyBenchmarks {
	fn compute_key(provider: &AccountId, seed: u32) -> (AccountId, crate::Signature) {
		use sp_runtime::RuntimeAppPublic;
		let seed = alloc::format!("//compute{seed}").into_bytes();
		let public = super::market::compute_key::Public::generate_pair(Some(seed));
		let message = pallet_compute_staking::compute_key_message(provider);
		let signature = public.sign(&message).expect("the key was just made");
		let public: sp_core::sr25519::Public = public.into();
		let signature: sp_core::sr25519::Signature = signature.into();
		(AccountId::from(public), signature.into())
	}
}

impl pallet_compute_staking::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Slashed funds are burned: there is no treasury yet, and burning gives
	/// no one an interest in others being slashed.
	type OnSlash = ();
	type AdminOrigin = super::EnsureChambers;
	type HasSessionKeys = HasSessionKeys;
	type MinBond = ConstU128<MIN_BOND>;
	type UnbondingDelay = UnbondingDelay;
	/// 1,024 providers: a model served by 1,000 of them (the scheduler's
	/// benchmarked worst case) and a few more. Selection reads them all once
	/// per session.
	type MaxProviders = ConstU32<MAX_PROVIDERS>;
	type MaxValidators = ConstU32<MAX_AUTHORITIES>;
	/// At genesis: a result that fails verification costs half the bond, a
	/// missed deadline 1%, no single slash more than half; the chambers
	/// change them (`parameters.setParameter`).
	type InvalidResultSlash = super::governance::InvalidResultSlash;
	type MissedDeadlineSlash = super::governance::MissedDeadlineSlash;
	type MaxSlash = super::governance::MaxSlash;
	/// Verified work others paid for raises a score to at most four times
	/// the bond: capital at stake stays the larger part of security.
	type MaxComputeMultiplier = ConstU128<4>;
	/// Four declines a session (an hour on this chain): enough for a node
	/// that restarts or lacks a model for a while, too few to pick tasks.
	type MaxDeclinesPerSession = ConstU32<4>;
	/// Compute keys prove possession with the runtime's signature type.
	type KeyProof = crate::Signature;
	type DisableOffender = DisableInSession;
	/// A provider registers into the domain it belongs to.
	type Domains = crate::Domains;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ComputeKeyBenchmarks;
	type WeightInfo = pallet_compute_staking::weights::SubstrateWeight<Runtime>;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_compute_staking::ProviderIdentification<Runtime>;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = ComputeStaking;
}

/// Compute staking chooses the validators; the historical module notes each
/// set's root (for key ownership proofs) and forgets sets older than
/// `HistoryDepth` sessions, so its storage stays bounded.
pub struct SessionManager;

impl pallet_session::historical::SessionManager<AccountId, ()> for SessionManager {
	fn new_session(new_index: SessionIndex) -> Option<alloc::vec::Vec<(AccountId, ())>> {
		<ComputeStaking as pallet_session::historical::SessionManager<_, _>>::new_session(new_index)
	}

	fn start_session(start_index: SessionIndex) {
		<ComputeStaking as pallet_session::historical::SessionManager<_, _>>::start_session(start_index)
	}

	fn end_session(end_index: SessionIndex) {
		<ComputeStaking as pallet_session::historical::SessionManager<_, _>>::end_session(end_index);
		if let Some(oldest_kept) = end_index.checked_sub(HistoryDepth::get()) {
			Historical::prune_up_to(oldest_kept);
		}
	}
}

impl pallet_session::SessionManager<AccountId> for SessionManager {
	fn new_session(new_index: SessionIndex) -> Option<alloc::vec::Vec<AccountId>> {
		<ComputeStaking as pallet_session::SessionManager<_>>::new_session(new_index)
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::historical::SessionManager<_, _>>::start_session(start_index)
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::historical::SessionManager<_, _>>::end_session(end_index)
	}
}
