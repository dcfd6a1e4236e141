//! The inference market: whitelisted models, tasks and compute credits.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32},
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use crate::{
	AccountId, Balances, BlockNumber, ComputeStaking, Credits, ModelRegistry, Runtime,
	RuntimeHoldReason, DAYS, MINUTES,
};

impl pallet_model_registry::Config for Runtime {
	type Currency = Balances;
	/// Root until the tricameral governance lands.
	type ManagerOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_model_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_credits::Config for Runtime {
	/// Root grants credits (onboarding); nothing moves them between accounts.
	type GrantOrigin = EnsureRoot<AccountId>;
	/// One credit (10^12 units, like DAi) per TFLOP of verified work.
	type CreditsPerTflop = ConstU128<1_000_000_000_000>;
	type WeightInfo = pallet_credits::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// 80% of a fee to the executor, 20% to the model developer.
	pub const ExecutorShare: Perbill = Perbill::from_percent(80);
	/// Providers below 20% reputation get no tasks.
	pub const MinReputation: Perbill = Perbill::from_percent(20);
	/// An assigned provider has ten blocks (30 s) to submit its proven result.
	pub const ResultTimeout: BlockNumber = 10;
	/// A task nobody can serve is refunded after five minutes.
	pub const QueueTimeout: BlockNumber = 5 * MINUTES;
	/// Verified results stay readable for a day (and the last 1,024 of them).
	pub const ResultRetention: BlockNumber = DAYS;
}

impl pallet_tasks::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = ModelRegistry;
	type Providers = ComputeStaking;
	type Credits = Credits;
	/// Compute NFTs and rewards plug in here.
	type OnSettled = ();
	/// BABE randomness of one epoch ago: fixed before anyone could aim a task at it.
	type Randomness = pallet_babe::RandomnessFromOneEpochAgo<Runtime>;
	type ExecutorShare = ExecutorShare;
	type MinReputation = MinReputation;
	type ResultTimeout = ResultTimeout;
	type QueueTimeout = QueueTimeout;
	type MaxQueued = ConstU32<256>;
	type MaxAssigned = ConstU32<256>;
	type MaxAssignPerBlock = ConstU32<16>;
	type ResultRetention = ResultRetention;
	type MaxRetained = ConstU32<1_024>;
	type WeightInfo = pallet_tasks::weights::SubstrateWeight<Runtime>;
}
