//! The runtime API of Proof-of-Compute rewards.

use crate::types::EraIndex;
use codec::{Codec, Decode, Encode};
use scale_info::TypeInfo;

/// The emission curve as it stands.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct EmissionView<Balance> {
	/// The era in progress.
	pub era: EraIndex,
	/// Its emission, minted when it ends.
	pub current: Balance,
	/// The next era's emission at today's parameters.
	pub next: Balance,
	/// Everything emitted so far.
	pub total: Balance,
}

sp_api::decl_runtime_apis! {
	/// Proof-of-Compute rewards: the emission curve and what an account is owed.
	pub trait PocRewardsApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// The era in progress and its emission, the next era's, and the total so far.
		fn emission() -> EmissionView<Balance>;
		/// The curve from the era in progress on, at today's parameters: every
		/// `every`-th of the next `eras` eras (at most 500,000) as (era, its
		/// emission, the total emitted once it ends).
		fn projection(eras: u32, every: u32) -> alloc::vec::Vec<(EraIndex, Balance, Balance)>;
		/// What `who` could claim now (`pocRewards.claim`), over every claimable era.
		fn pending_reward(who: AccountId) -> Balance;
	}
}
