//! Tricameral governance: the Compute, Model and User chambers, the origin
//! that needs all three ([`EnsureChambers`]), and the parameters only they
//! may change (`pallet-parameters`).
//!
//! Every administrative origin of the runtime is [`EnsureChambers`]: root (which
//! only the development chain's sudo key reaches) or a proposal each chamber's
//! majority approved. On `staging` and `local_testnet` there is no sudo, so the
//! chambers alone whitelist and retire models, set the fee split, the credit
//! rate, emission, slashing, committee size and validator count, grant
//! credits, and authorize runtime upgrades (`tricameral.authorizeUpgrade`).

use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU32, EitherOfDiverse, Get},
	weights::Weight,
};
use frame_system::EnsureRoot;
use pallet_tricameral::{ChamberSource, EnsureTricameral};
use sp_runtime::Perbill;

use crate::{
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin,
	DAI, DAYS, HOURS,
};

/// Root (the development chain's sudo) or the three chambers together.
pub type EnsureChambers = EitherOfDiverse<EnsureRoot<AccountId>, EnsureTricameral>;

/// The parameters the chambers may change without a runtime upgrade
/// (`parameters.setParameter`), with their genesis values. The runtime reads
/// the percentages through [`Within`], so a value outside its bounds counts
/// as the nearest bound.
#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Fees and credits.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod market {
		/// The executor's share of a fee once the burned part is taken; the
		/// model developer gets the rest.
		#[codec(index = 0)]
		pub static ExecutorShare: Perbill = Perbill::from_percent(80);

		/// The share of each fee that is burned.
		#[codec(index = 1)]
		pub static BurnedShare: Perbill = Perbill::from_percent(10);

		/// Compute credits (10^12 units each) earned per TFLOP of verified work.
		#[codec(index = 2)]
		pub static CreditsPerTflop: u128 = 1_000_000_000_000;
	}

	/// How much of a provider's bond each fault costs.
	#[dynamic_pallet_params]
	#[codec(index = 1)]
	pub mod slashing {
		/// A result that fails verification.
		#[codec(index = 0)]
		pub static InvalidResultSlash: Perbill = Perbill::from_percent(50);

		/// A missed deadline.
		#[codec(index = 1)]
		pub static MissedDeadlineSlash: Perbill = Perbill::from_percent(1);

		/// The most any single slash takes.
		#[codec(index = 2)]
		pub static MaxSlash: Perbill = Perbill::from_percent(50);
	}

	/// Sovereign domains.
	#[dynamic_pallet_params]
	#[codec(index = 2)]
	pub mod domains {
		/// Blocks in a period of the domains' clearing.
		#[codec(index = 0)]
		pub static ClearingPeriod: BlockNumber = HOURS;
	}
}

/// One percent in parts per billion.
const PERCENT: u32 = 10_000_000;

/// Parameter `P` held within `[MIN, MAX]` parts per billion whatever the
/// chambers set: the bounds other parts of the runtime rely on.
pub struct Within<P, const MIN: u32, const MAX: u32>(core::marker::PhantomData<P>);
impl<P: Get<Perbill>, const MIN: u32, const MAX: u32> Get<Perbill> for Within<P, MIN, MAX> {
	fn get() -> Perbill {
		Perbill::from_parts(P::get().deconstruct().clamp(MIN, MAX))
	}
}

/// The executor's share: 50% to 95% (the developer keeps 5% to 50%).
pub type ExecutorShare = Within<dynamic_params::market::ExecutorShare, { 50 * PERCENT }, { 95 * PERCENT }>;
/// The burned share: 1% to 50%. Never zero: it is what Proof-of-Compute
/// scores, earned credits and User Chamber seats are measured by.
pub type BurnedShare = Within<dynamic_params::market::BurnedShare, { PERCENT }, { 50 * PERCENT }>;
/// The slash of an invalid result: 45% to 50%. The batch lane's stake cover
/// (40%) relies on a fraud costing more than it can take.
pub type InvalidResultSlash =
	Within<dynamic_params::slashing::InvalidResultSlash, { 45 * PERCENT }, { 50 * PERCENT }>;
/// The slash of a missed deadline: 0.1% to 10%.
pub type MissedDeadlineSlash =
	Within<dynamic_params::slashing::MissedDeadlineSlash, { PERCENT / 10 }, { 10 * PERCENT }>;
/// The cap of any single slash: 45% to 50% (compute staking requires at most
/// 50%; below 45% the invalid-result slash would be capped under the stake
/// cover's margin).
pub type MaxSlash = Within<dynamic_params::slashing::MaxSlash, { 45 * PERCENT }, { 50 * PERCENT }>;

/// The domains' clearing period: 10 blocks to a week.
pub struct ClearingPeriod;
impl Get<BlockNumber> for ClearingPeriod {
	fn get() -> BlockNumber {
		dynamic_params::domains::ClearingPeriod::get().clamp(10, 7 * DAYS)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Market(dynamic_params::market::Parameters::ExecutorShare(
			dynamic_params::market::ExecutorShare,
			Some(Perbill::from_percent(80)),
		))
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = AsEnsureOriginWithArg<EnsureChambers>;
	/// The crate's measured weights (with RocksDB's database weights, higher
	/// than ParityDB's: an upper bound); it exports no other.
	type WeightInfo = ();
}

/// Most members of one chamber.
pub const MAX_MEMBERS: u32 = 100;
/// Most models the Model Chamber's refresh reads.
const MAX_MODELS_SCANNED: u32 = 1_000;

/// The Compute Chamber: the providers with the largest active bonds (not
/// leaving), largest first.
pub struct LargestBonds;
impl ChamberSource<AccountId> for LargestBonds {
	fn candidates(max: u32) -> alloc::vec::Vec<AccountId> {
		let mut providers: alloc::vec::Vec<(Balance, AccountId)> =
			pallet_compute_staking::Providers::<Runtime>::iter()
				.filter(|(_, provider)| !provider.is_leaving())
				.map(|(who, provider)| (provider.active, who))
				.collect();
		providers.sort_by(|a, b| b.cmp(a));
		providers.into_iter().take(max as usize).map(|(_, who)| who).collect()
	}

	/// One read per registered provider.
	fn weight(_: u32) -> Weight {
		<Runtime as frame_system::Config>::DbWeight::get()
			.reads(u64::from(super::staking::MAX_PROVIDERS) + 1)
	}
}

/// The Model Chamber: developers of models that are not retired, those with
/// the most such models first.
pub struct ModelDevelopers;
impl ChamberSource<AccountId> for ModelDevelopers {
	fn candidates(max: u32) -> alloc::vec::Vec<AccountId> {
		let mut counts = alloc::collections::BTreeMap::<AccountId, u32>::new();
		for (_, model) in pallet_model_registry::Models::<Runtime>::iter().take(MAX_MODELS_SCANNED as usize) {
			if !model.retired {
				*counts.entry(model.developer).or_default() += 1;
			}
		}
		let mut developers: alloc::vec::Vec<(u32, AccountId)> =
			counts.into_iter().map(|(who, count)| (count, who)).collect();
		developers.sort_by(|a, b| b.cmp(a));
		developers.into_iter().take(max as usize).map(|(_, who)| who).collect()
	}

	/// One read per model scanned.
	fn weight(_: u32) -> Weight {
		<Runtime as frame_system::Config>::DbWeight::get().reads(u64::from(MAX_MODELS_SCANNED) + 1)
	}
}

/// The User Chamber counts the DAi each task's owner burned: the part of a
/// fee nobody gets back, so a seat costs the same whoever the executor and
/// the developer are (paying oneself refunds the rest, never this). Tasks
/// paid in credits do not count: credits are granted, and earned back by a
/// provider that executes its own owner's tasks.
pub struct CountBurnedFees;
impl pallet_tasks::OnTaskSettled<AccountId, Balance, BlockNumber> for CountBurnedFees {
	fn on_settled(
		_task: pallet_tasks::TaskId,
		owner: &AccountId,
		result: &pallet_tasks::TaskResult<AccountId, Balance, BlockNumber>,
	) {
		if result.payment == pallet_tasks::Payment::Dai {
			pallet_tricameral::Pallet::<Runtime>::note_payment(owner, result.burned);
		}
	}
}

parameter_types! {
	/// 100 DAi per proposal, plus 0.001 DAi per byte of its call (a model's
	/// whitelisting with a 16 KiB key: about 116 DAi). Returned if it passes,
	/// burned if it is blocked or expires.
	pub const ProposalDeposit: Balance = 100 * DAI;
	/// A User Chamber candidate burned at least 1 DAi through verified tasks
	/// in the term (10 DAi of fees): a seat is never free.
	pub const MinPatronage: Balance = DAI;
	pub const DepositPerByte: Balance = DAI / 1_000;
	/// A proposal is open for a week.
	pub const VotingPeriod: BlockNumber = 7 * DAYS;
	/// The chambers are refreshed every six hours (six sessions).
	pub const TermLength: BlockNumber = 6 * HOURS;
}

impl pallet_tricameral::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UpgradeOrigin = EnsureTricameral;
	type ComputeSource = LargestBonds;
	type ModelSource = ModelDevelopers;
	type MinPatronage = MinPatronage;
	type ProposalDeposit = ProposalDeposit;
	type DepositPerByte = DepositPerByte;
	type VotingPeriod = VotingPeriod;
	type TermLength = TermLength;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	/// A chamber is replaced from its source only when it has at least three
	/// candidates: until then the genesis members stay.
	type MinMembers = ConstU32<3>;
	type MaxProposals = ConstU32<32>;
	/// A model's whitelisting with the largest key (16 KiB) and its URL.
	type MaxCallSize = ConstU32<{ 32 * 1024 }>;
	type WeightInfo = pallet_tricameral::weights::SubstrateWeight<Runtime>;
}
