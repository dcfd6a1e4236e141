//! What other pallets (the task market, rewards) ask of compute staking.

use crate::types::{DomainId, ModelHash, ProviderView};
use alloc::vec::Vec;
use sp_runtime::DispatchResult;

/// The outcome of one task as the verifying pallet saw it. Compute staking
/// turns outcomes into reputation, verified compute and slashes.
pub trait ReportOutcome<AccountId> {
	/// The currency amount type.
	type Balance;

	/// `who`'s result was verified; `flops` is the compute it represents and
	/// `counted` what of it counts toward selection: the part of the fee
	/// someone else paid that was burned (zero for a provider's own task).
	/// Burned value cannot be bought back, so a score raised by self-dealing
	/// costs the self-dealer at least what bonding the same score would lock.
	fn verified(who: &AccountId, flops: u128, counted: Self::Balance);

	/// `who` declined a task assigned to it: a small reputation cost, no
	/// slash. Fails (`TooManyDeclines`) past the per-session bound, or if
	/// `who` is not a provider; nothing changes then.
	fn declined(who: &AccountId) -> DispatchResult;

	/// `who` submitted a result that failed verification: its record shows a
	/// failure and it is slashed the invalid-result fraction of its bond.
	/// Returns the amount slashed.
	fn invalid_result(who: &AccountId) -> Self::Balance;

	/// `who` let a deadline pass: its record shows a miss and it is slashed
	/// the (small) missed-deadline fraction. Returns the amount slashed.
	fn missed_deadline(who: &AccountId) -> Self::Balance;
}

/// The registry of providers as a task scheduler sees it.
pub trait ComputeProviders<AccountId> {
	/// The currency amount type.
	type Balance;

	/// The providers that serve `model` with at least `MinBond` active, in
	/// account order. At most `MaxProviders` entries.
	fn serving(model: &ModelHash) -> Vec<(AccountId, ProviderView<Self::Balance>)>;

	/// `who` as [`ComputeProviders::serving`] shows it, if it is a provider
	/// with at least `MinBond` active.
	fn view_of(who: &AccountId) -> Option<ProviderView<Self::Balance>>;

	/// Whether any provider [`ComputeProviders::serving`] `model` exists.
	fn is_served(model: &ModelHash) -> bool;

	/// Whether at least `count` providers [`ComputeProviders::serving`]
	/// `model` exist.
	fn serves_at_least(model: &ModelHash, count: u32) -> bool {
		Self::serving(model).len() >= count as usize
	}

	/// Whether at least `count` providers [`ComputeProviders::serving`]
	/// `model` pass `accept`, reading them in account order and stopping at
	/// the `count`th; and how many were read (at most [`ComputeProviders::max_serving`]).
	fn count_serving(
		model: &ModelHash,
		count: u32,
		accept: impl FnMut(&ProviderView<Self::Balance>) -> bool,
	) -> (bool, u32);

	/// The most providers [`ComputeProviders::serving`] returns.
	fn max_serving() -> u32;

	/// The reputation of `who` (zero if it is not a provider).
	fn reputation_of(who: &AccountId) -> sp_runtime::Perbill;

	/// The models `who`'s profile says it serves (none if it is not a provider).
	fn models_of(who: &AccountId) -> Vec<ModelHash>;

	/// The provider whose off-chain worker signs with `compute_key`.
	fn provider_of(compute_key: &AccountId) -> Option<AccountId>;

	/// `who` takes on one more task. Fails if `who` is not an active provider.
	fn task_opened(who: &AccountId) -> DispatchResult;

	/// One of `who`'s tasks closed (completed, reassigned or refunded).
	fn task_closed(who: &AccountId);
}

/// Disables a validator that committed a consensus offence for the rest of
/// the session (the runtime calls pallet-session's `report_offence`, whose
/// disabling strategy decides, as polkadot-sdk's staking does).
pub trait DisableOffender<AccountId> {
	/// `who` committed an offence whose slash fraction is `severity`.
	fn disable(who: &AccountId, severity: sp_runtime::Perbill);
}

impl<AccountId> DisableOffender<AccountId> for () {
	fn disable(_: &AccountId, _: sp_runtime::Perbill) {}
}

/// The sovereign domain an account belongs to, as the domains pallet keeps it.
/// A provider's record carries its domain (the scheduler reads it with the
/// rest of the record): set from here when it registers, and kept current by
/// [`ProviderDomains::set_domain`] while it is registered.
pub trait DomainOf<AccountId> {
	/// `who`'s domain (`None`: the open network).
	fn domain_of(who: &AccountId) -> Option<DomainId>;
}

impl<AccountId> DomainOf<AccountId> for () {
	fn domain_of(_: &AccountId) -> Option<DomainId> {
		None
	}
}

/// Keeps the domain in providers' records current.
pub trait ProviderDomains<AccountId> {
	/// `who` joined or left a domain: its record (if it is a provider) says so.
	fn set_domain(who: &AccountId, domain: Option<DomainId>);
}
