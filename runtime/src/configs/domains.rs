//! Sovereign domains: organisations' members, policies, and the boundary
//! gateway that clears cross-domain pay once a period (an hour at genesis).

use frame_support::{parameter_types, traits::ConstU32, PalletId};

use crate::{Balance, Balances, ComputeStaking, Runtime, RuntimeHoldReason, DAI};

parameter_types! {
	pub const DomainsPalletId: PalletId = PalletId(*b"daifi/dm");
	/// Creating a domain holds 100 DAi: a flood of domains (each a gateway
	/// and a place in the clearing) costs the flooder.
	pub const DomainDeposit: Balance = 100 * DAI;
}

impl pallet_domains::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = ComputeStaking;
	type PalletId = DomainsPalletId;
	type DomainDeposit = DomainDeposit;
	/// Stardust's target: 1,000+ devices in one domain.
	type MaxMembers = ConstU32<4_096>;
	/// An hour at genesis; the chambers change it (`parameters.setParameter`,
	/// 10 blocks to a week).
	type ClearingPeriod = super::governance::ClearingPeriod;
	/// 256 directed pairs with flows in one hour; a crossing beyond that is
	/// paid directly (as on its own side) until the next hour.
	type MaxPairs = ConstU32<256>;
	/// A week of hourly clearing records.
	type ClearingHistory = ConstU32<168>;
	type WeightInfo = pallet_domains::weights::SubstrateWeight<Runtime>;
}
