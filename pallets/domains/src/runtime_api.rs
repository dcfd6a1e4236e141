//! The runtime API through which admins, executors and auditors read domains.

use crate::types::{AuditEntry, Domain, Earning, Era, Flow, Side};
use alloc::vec::Vec;
use codec::Codec;
use pallet_compute_staking::DomainId;

sp_api::decl_runtime_apis! {
	/// Read domains, their audit logs, the clearing records and executors' earnings.
	pub trait DomainsApi<AccountId, Balance, BlockNumber> where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Domain `id`.
		fn domain(id: DomainId) -> Option<Domain<AccountId, Balance>>;
		/// The domain `who` belongs to.
		fn domain_of(who: AccountId) -> Option<DomainId>;
		/// Domain `id`'s last settled tasks, oldest first.
		fn audit(id: DomainId) -> Vec<AuditEntry<AccountId, Balance, BlockNumber>>;
		/// The current clearing period.
		fn current_era() -> Era;
		/// What crossed between sides in period `era`, per directed pair (kept for `ClearingHistory` periods).
		fn clearing(era: Era) -> Vec<((Side, Side), Flow<Balance>)>;
		/// `who`'s pay held at gateways: claimable and awaiting clearing, per side.
		fn earnings(who: AccountId) -> Vec<(Side, Earning<Balance>)>;
	}
}
