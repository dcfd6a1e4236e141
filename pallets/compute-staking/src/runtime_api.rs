//! The runtime API through which wallets and nodes read a provider's standing.

use crate::types::Standing;
use codec::Codec;
use sp_runtime::Perbill;

sp_api::decl_runtime_apis! {
	/// Read a compute provider's bond, record, reputation and score.
	pub trait ComputeStakingApi<AccountId, Balance> where
		AccountId: Codec,
		Balance: Codec,
	{
		/// The standing of `provider`, `None` if it is not registered.
		fn standing(provider: AccountId) -> Option<Standing<Balance>>;
		/// The reputation of `provider`, `None` if it is not registered.
		fn reputation(provider: AccountId) -> Option<Perbill>;
	}
}
