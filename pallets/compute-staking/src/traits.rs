//! What other pallets (the task market, rewards) ask of compute staking.

use crate::types::{ModelHash, ProviderView};
use alloc::vec::Vec;
use sp_runtime::DispatchResult;

/// The outcome of one task as the verifying pallet saw it. Compute staking
/// turns outcomes into reputation, verified compute and slashes.
pub trait ReportOutcome<AccountId> {
	/// The currency amount type.
	type Balance;

	/// `who`'s result was verified; `flops` is the compute it represents.
	fn verified(who: &AccountId, flops: u128);

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

	/// The providers that serve `model` and are not leaving, in account order.
	/// At most `MaxProviders` entries.
	fn serving(model: &ModelHash) -> Vec<(AccountId, ProviderView<Self::Balance>)>;

	/// The reputation of `who` (zero if it is not a provider).
	fn reputation_of(who: &AccountId) -> sp_runtime::Perbill;

	/// The provider whose off-chain worker signs with `compute_key`.
	fn provider_of(compute_key: &AccountId) -> Option<AccountId>;

	/// `who` takes on one more task. Fails if `who` is not an active provider.
	fn task_opened(who: &AccountId) -> DispatchResult;

	/// One of `who`'s tasks closed (completed, reassigned or refunded).
	fn task_closed(who: &AccountId);
}
