//! Proof-of-Compute rewards: hourly eras, emission halving about every four
//! years, paid for verified compute and authored blocks.

use frame_support::{parameter_types, traits::ConstU32, PalletId};
use pallet_poc_rewards::RewardParams;
use sp_runtime::{traits::Convert, Perbill, Perquintill};

use crate::{AccountId, Balance, Balances, BlockNumber, ComputeStaking, Runtime, DAI, HOURS};

parameter_types! {
	pub const RewardPot: PalletId = PalletId(*b"daifi/rw");
	/// One era per hour.
	pub const EraLength: BlockNumber = HOURS;
}

/// A provider's reputation, from compute staking.
pub struct ProviderReputation;
impl Convert<AccountId, Perbill> for ProviderReputation {
	fn convert(who: AccountId) -> Perbill {
		<ComputeStaking as pallet_compute_staking::ComputeProviders<AccountId>>::reputation_of(&who)
	}
}

impl pallet_poc_rewards::Config for Runtime {
	type Currency = Balances;
	/// The three chambers (or the development chain's sudo).
	type ParamsOrigin = super::EnsureChambers;
	type Reputation = ProviderReputation;
	type PotId = RewardPot;
	type EraLength = EraLength;
	/// A week of hourly eras to claim in.
	type HistoryDepth = ConstU32<168>;
	/// As many as can be registered at once: shutting honest providers out
	/// of an era would take every provider slot (10,000 DAi bonded each)
	/// and churn through unbonding within the hour.
	type MaxProvidersPerEra = ConstU32<{ super::staking::MAX_PROVIDERS }>;
	type ScorePage = ConstU32<100>;
	type WeightInfo = pallet_poc_rewards::weights::SubstrateWeight<Runtime>;
}

/// The emission every chain starts with: 1,000 DAi in the first hourly era,
/// `λ = ln 2 / (4 · 8,766)` per era (the emission halves about every four
/// years; about 50.6 million DAi over all time); 80% to providers (70% of
/// that by steady verified compute, 30% by reputation, `τ` = 16 blocks² of
/// latency variance) and 20% to block authors; a provider earns at most 90%
/// of what its counted tasks burned.
pub fn genesis_reward_params() -> RewardParams<Balance> {
	RewardParams {
		initial: 1_000 * DAI,
		lambda: Perquintill::from_parts(19_768_000_000_000),
		alpha: Perbill::from_percent(70),
		beta: Perbill::from_percent(30),
		tau: 16,
		author_share: Perbill::from_percent(20),
		reward_cap: Perbill::from_percent(90),
	}
}
