//! # Proof-of-Compute rewards
//!
//! New DAi on a decaying curve, paid for verified compute and block
//! authorship.
//!
//! ## Emission
//!
//! Era `t` (every `EraLength` blocks) emits `E(t) = E0 · e^(-λ t)`, computed
//! in integers ([`emission`]): the runtime keeps `e^(-λ t)` as a
//! [`Perquintill`] and multiplies it by `e^(-λ)` at each era's end. At the
//! end of an era its emission is **minted into the reward pot** (an account
//! of this pallet), so total issuance grows by exactly the emission, and
//! every reward is paid from the pot: nothing is taken from other accounts.
//! `E0` and `λ` are governance parameters ([`Pallet::set_params`]; a new `λ`
//! applies from the next era, a new `E0` scales the curve from now on).
//!
//! ## The split
//!
//! `author_share` of an era's emission goes to the validators that authored
//! its blocks, in proportion to the blocks each authored. The rest, the
//! providers' pool `P`, is split by the white paper's
//! `R_n = α · FLOPS_n · (1 - σ_n / τ) + β · Rep_n`, each term normalised
//! over the era's providers:
//!
//! `reward_n = α · P · S_n / Σ S + β · P · Rep_n / Σ Rep`, with
//! `S_n = FLOPS_n · (1 - min(σ_n, τ) / τ)`,
//!
//! where `FLOPS_n` is the provider's verified FLOPs in the era (only tasks
//! that counted toward its Proof-of-Compute score: a task it submitted
//! itself counts nothing), `σ_n` the population variance of its latency in
//! blocks² (submission to settlement of each such task, measured on chain),
//! `τ` the target, `Rep_n` its reputation (compute staking) when the era is
//! scored, and `α + β = 100%`.
//!
//! **Self-dealing and sybils.** A provider takes part in an era only with
//! counted work, and its reward is capped at `reward_cap` (below 100%) of
//! what its counted tasks burned (the burned share of their fees). Buying
//! one's own tasks through another account therefore always costs more than
//! it earns, however little other traffic there is, and a sybil provider
//! with no paid work gets nothing. What the cap leaves unpaid stays in the
//! pot and is paid with a later era (see below).
//!
//! ## Payout
//!
//! Claimable, as polkadot-sdk's staking pays eras at scale: ending an era
//! does O(1) work; its providers are scored in pages of `ScorePage` in the
//! following blocks' `on_initialize`; then anyone may call
//! [`Pallet::claim`] for any account and era within `HistoryDepth` eras
//! (O(1) per call; the fee is the caller's). An era older than that is
//! pruned, page by page, and what it left unclaimed (with rounding dust)
//! is added to the next era's payout, so the pot holds only what open eras
//! owe and everything minted is eventually paid.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

pub mod emission;
mod paging;
pub mod runtime_api;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use types::*;

/// The most eras [`Pallet::projection`] computes in one call (about 57
/// years of hourly eras).
pub const MAX_PROJECTED_ERAS: u32 = 500_000;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate},
			tokens::Preservation,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{AccountIdConversion, Convert, Saturating, Zero},
		Perbill, Perquintill,
	};

	/// The pallet's balance type.
	pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// DAi: minted into the pot, paid out from it.
		type Currency: Mutate<Self::AccountId>;

		/// Who sets the emission and split parameters (the chambers once they exist).
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// A provider's reputation (compute staking).
		type Reputation: Convert<Self::AccountId, Perbill>;

		/// The pot's account id.
		#[pallet::constant]
		type PotId: Get<PalletId>;

		/// Blocks per era.
		#[pallet::constant]
		type EraLength: Get<BlockNumberFor<Self>>;

		/// Eras a reward stays claimable after its era ends.
		#[pallet::constant]
		type HistoryDepth: Get<EraIndex>;

		/// Most providers whose work one era records (later ones in a full era
		/// earn nothing from it: [`Event::EraFull`]).
		#[pallet::constant]
		type MaxProvidersPerEra: Get<u32>;

		/// Providers scored, or storage entries pruned, per block.
		#[pallet::constant]
		type ScorePage: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The era in progress (its work is being recorded).
	#[pallet::storage]
	pub type CurrentEra<T: Config> = StorageValue<_, EraIndex, ValueQuery>;

	/// The emission and split parameters.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, RewardParams<BalanceOf<T>>, OptionQuery>;

	/// `e^(-λ)` for the current `λ`.
	#[pallet::storage]
	pub type DecayFactor<T: Config> = StorageValue<_, Perquintill, ValueQuery>;

	/// `e^(-λ t)` for the era in progress: its emission is this times `E0`.
	#[pallet::storage]
	pub type EmissionScale<T: Config> = StorageValue<_, Perquintill, ValueQuery>;

	/// Everything emitted so far (minted into the pot).
	#[pallet::storage]
	pub type TotalEmitted<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// What expired eras left unpaid: added to the next era's payout.
	#[pallet::storage]
	pub type Unpaid<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Counts of the era in progress: providers with work, blocks authored.
	#[pallet::storage]
	pub type Progress<T: Config> = StorageValue<_, EraProgress, ValueQuery>;

	/// Each provider's counted work in an era (until it claims or the era expires).
	#[pallet::storage]
	pub type Work<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EraIndex,
		Blake2_128Concat,
		T::AccountId,
		ProviderWork<BalanceOf<T>>,
		OptionQuery,
	>;

	/// Blocks each validator authored in an era (until it claims or the era expires).
	#[pallet::storage]
	pub type Authored<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Blake2_128Concat, T::AccountId, u32, OptionQuery>;

	/// Ended eras still claimable (or being scored or pruned).
	#[pallet::storage]
	pub type Eras<T: Config> = StorageMap<_, Twox64Concat, EraIndex, EraRecord<BalanceOf<T>>, OptionQuery>;

	/// The paged work in progress: scoring an ended era, pruning an expired one.
	#[pallet::storage]
	pub type Pages<T: Config> = StorageValue<_, paging::Queue, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The parameters from genesis (no emission without them).
		pub params: Option<RewardParams<BalanceOf<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// The pot exists from genesis, with the existential deposit.
			let pot = Pallet::<T>::pot();
			let ed = T::Currency::minimum_balance();
			if T::Currency::balance(&pot) < ed {
				T::Currency::mint_into(&pot, ed).expect("the existential deposit can be minted at genesis");
			}
			EmissionScale::<T>::put(Perquintill::one());
			if let Some(params) = &self.params {
				params.check().expect("valid genesis reward parameters");
				DecayFactor::<T>::put(emission::decay_factor(params.lambda));
				Params::<T>::put(params);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Era `era` ended: `emission` was minted into the pot; `payout` (the
		/// emission and what expired eras left) is owed to its providers and
		/// authors once it is scored.
		EraEnded { era: EraIndex, emission: BalanceOf<T>, payout: BalanceOf<T> },
		/// Era `era`'s providers are scored: it can be claimed.
		EraScored { era: EraIndex, providers: u32 },
		/// Era `era` expired; `unpaid` goes to the next era's payout.
		EraExpired { era: EraIndex, unpaid: BalanceOf<T> },
		/// `who` was paid for era `era`: for its compute and for its blocks.
		Rewarded { era: EraIndex, who: T::AccountId, compute: BalanceOf<T>, authorship: BalanceOf<T> },
		/// The era already records `MaxProvidersPerEra` providers: `provider`'s
		/// work in it is not rewarded.
		EraFull { era: EraIndex, provider: T::AccountId },
		/// The parameters changed.
		ParamsSet { params: RewardParams<BalanceOf<T>> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The era has not ended, or expired and was pruned.
		EraNotClaimable,
		/// The era's providers are still being scored (a few blocks).
		NotScoredYet,
		/// Nothing is owed to this account for this era (or it was paid).
		NothingToClaim,
		/// `α + β` is not 100%, `τ` is zero, the author share or the reward
		/// cap is above 100%... see [`RewardParams::check`].
		InvalidParams,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Ends the era at its last block, then scores and prunes in pages.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let mut weight = T::DbWeight::get().reads(1);
			if !now.is_zero() && (now % T::EraLength::get()).is_zero() {
				Self::end_era();
				weight.saturating_accrue(T::WeightInfo::end_era());
			}
			weight.saturating_add(Self::work_a_page())
		}

		fn integrity_test() {
			assert!(!T::EraLength::get().is_zero(), "eras need blocks");
			assert!(T::ScorePage::get() > 0, "scoring needs pages");
			assert!(T::HistoryDepth::get() > 0, "rewards must be claimable for an era at least");
			// Scoring (and pruning) an era finishes before the next one ends.
			let pages = 2 * T::MaxProvidersPerEra::get().div_ceil(T::ScorePage::get()) + 2;
			assert!(T::EraLength::get() > pages.into(), "an era must outlast its paged work");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pays `who` what it is owed for era `era` (its compute and its
		/// authored blocks), from the pot. Anyone may call it for anyone (the
		/// caller pays the fee). Emits [`Event::Rewarded`]. Errors:
		/// `EraNotClaimable`, `NotScoredYet`, `NothingToClaim`. O(1).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>, era: EraIndex, who: T::AccountId) -> DispatchResult {
			ensure_signed(origin)?;
			let mut record = Eras::<T>::get(era).ok_or(Error::<T>::EraNotClaimable)?;
			ensure!(!record.expired, Error::<T>::EraNotClaimable);
			ensure!(record.scored, Error::<T>::NotScoredYet);
			let work = Work::<T>::get(era, &who);
			let blocks = Authored::<T>::get(era, &who);
			let compute = work.as_ref().map_or_else(Zero::zero, |w| record.compute_reward(w));
			let authorship = blocks.map_or_else(Zero::zero, |b| record.authorship_reward(b));
			let total = compute.saturating_add(authorship);
			ensure!(work.is_some() || blocks.is_some(), Error::<T>::NothingToClaim);
			if !total.is_zero() {
				T::Currency::transfer(&Self::pot(), &who, total, Preservation::Preserve)?;
			}
			record.paid = record.paid.saturating_add(total);
			Eras::<T>::insert(era, record);
			Work::<T>::remove(era, &who);
			Authored::<T>::remove(era, &who);
			Self::deposit_event(Event::Rewarded { era, who, compute, authorship });
			Ok(())
		}

		/// Sets the emission and split parameters. A new `λ` applies from
		/// the next era; a new `E0` scales the curve from the era in
		/// progress; `α`, `β`, the author share and the cap apply to eras
		/// that end from now on. Emits [`Event::ParamsSet`]. Errors:
		/// `InvalidParams`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: RewardParams<BalanceOf<T>>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			params.check().map_err(|_| Error::<T>::InvalidParams)?;
			DecayFactor::<T>::put(emission::decay_factor(params.lambda));
			Params::<T>::put(&params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The reward pot: emission is minted here, rewards paid from here.
		pub fn pot() -> T::AccountId {
			T::PotId::get().into_account_truncating()
		}

		/// The emission of the era in progress (minted at its end).
		pub fn current_emission() -> BalanceOf<T> {
			Params::<T>::get().map_or_else(Zero::zero, |p| emission::scaled(EmissionScale::<T>::get(), p.initial))
		}

		/// The emission of the next era, at today's parameters.
		pub fn next_emission() -> BalanceOf<T> {
			let next = emission::multiply(EmissionScale::<T>::get(), DecayFactor::<T>::get());
			Params::<T>::get().map_or_else(Zero::zero, |p| emission::scaled(next, p.initial))
		}

		/// The emission curve from the era in progress on, at today's
		/// parameters: for every `every`-th of the next `eras` eras (at most
		/// [`MAX_PROJECTED_ERAS`]), its index, its emission and the total
		/// emitted once it ends. Exactly what the chain will mint unless
		/// governance changes the parameters.
		pub fn projection(eras: u32, every: u32) -> alloc::vec::Vec<(EraIndex, BalanceOf<T>, BalanceOf<T>)> {
			let Some(params) = Params::<T>::get() else { return alloc::vec::Vec::new() };
			let (decay, every) = (DecayFactor::<T>::get(), every.max(1));
			let (mut era, mut scale, mut total) =
				(CurrentEra::<T>::get(), EmissionScale::<T>::get(), TotalEmitted::<T>::get());
			let mut points = alloc::vec::Vec::new();
			for k in 0..eras.min(MAX_PROJECTED_ERAS) {
				let emitted = emission::scaled(scale, params.initial);
				total = total.saturating_add(emitted);
				if k % every == 0 {
					points.push((era, emitted, total));
				}
				scale = emission::multiply(scale, decay);
				era = era.saturating_add(1);
			}
			points
		}

		/// What `who` could claim now, over every claimable era.
		pub fn pending_reward(who: &T::AccountId) -> BalanceOf<T> {
			let now = CurrentEra::<T>::get();
			let first = now.saturating_sub(T::HistoryDepth::get());
			(first..now)
				.filter_map(|era| Eras::<T>::get(era).filter(|r| r.scored && !r.expired).map(|r| (era, r)))
				.map(|(era, record)| {
					let compute = Work::<T>::get(era, who).map_or_else(Zero::zero, |w| record.compute_reward(&w));
					let blocks = Authored::<T>::get(era, who).map_or_else(Zero::zero, |b| record.authorship_reward(b));
					compute.saturating_add(blocks)
				})
				.fold(Zero::zero(), |sum: BalanceOf<T>, r| sum.saturating_add(r))
		}

		/// Records a verified task's work for its provider in the era in
		/// progress (only counted work: see the crate documentation).
		pub(crate) fn record_work(provider: &T::AccountId, flops: u128, counted: BalanceOf<T>, latency: u64) {
			if counted.is_zero() {
				return;
			}
			let era = CurrentEra::<T>::get();
			let mut work = match Work::<T>::get(era, provider) {
				Some(work) => work,
				None => {
					let mut progress = Progress::<T>::get();
					if progress.providers >= T::MaxProvidersPerEra::get() {
						Self::deposit_event(Event::EraFull { era, provider: provider.clone() });
						return;
					}
					progress.providers += 1;
					Progress::<T>::put(progress);
					ProviderWork::default()
				},
			};
			work.add(flops, counted, latency);
			Work::<T>::insert(era, provider, work);
		}

		/// Counts a block authored by `author` in the era in progress.
		pub(crate) fn record_block(author: &T::AccountId) {
			let era = CurrentEra::<T>::get();
			Authored::<T>::mutate(era, author, |blocks| *blocks = Some(blocks.unwrap_or(0).saturating_add(1)));
			Progress::<T>::mutate(|p| p.blocks = p.blocks.saturating_add(1));
		}

		/// Ends the era in progress: mints its emission into the pot, records
		/// what it owes, queues its scoring and the pruning of the era that
		/// falls out of the history, and starts the next era.
		pub(crate) fn end_era() {
			let era = CurrentEra::<T>::get();
			let progress = Progress::<T>::take();
			let params = Params::<T>::get();
			let mut emission = Self::current_emission();
			if !emission.is_zero() {
				if let Err(e) = T::Currency::mint_into(&Self::pot(), emission) {
					log::error!(target: "daifi-rewards", "era {era}: the emission could not be minted: {e:?}");
					emission = Zero::zero();
				}
			}
			TotalEmitted::<T>::mutate(|total| *total = total.saturating_add(emission));
			let payout = emission.saturating_add(Unpaid::<T>::take());
			let record = EraRecord::new(payout, params.as_ref(), progress);
			let scored = record.scored;
			Eras::<T>::insert(era, record);
			Pages::<T>::mutate(|queue| {
				let mut queued = Ok(());
				if !scored {
					queued = queued.and(queue.try_push(paging::Job::Score { era, cursor: None }));
				}
				if let Some(expired) = era.checked_sub(T::HistoryDepth::get()) {
					queued = queued.and(queue.try_push(paging::Job::Prune { era: expired, cursor: None }));
				}
				if queued.is_err() {
					log::error!(target: "daifi-rewards", "era {era}: the paged work queue is full");
				}
			});
			EmissionScale::<T>::mutate(|scale| *scale = emission::multiply(*scale, DecayFactor::<T>::get()));
			CurrentEra::<T>::put(era.saturating_add(1));
			Self::deposit_event(Event::EraEnded { era, emission, payout });
		}

		/// Checks the pallet's invariants: the pot holds at least what the
		/// open eras still owe (plus the existential deposit).
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let owed = Eras::<T>::iter_values()
				.fold(Unpaid::<T>::get(), |sum: BalanceOf<T>, r| sum.saturating_add(r.payout.saturating_sub(r.paid)));
			let held = T::Currency::balance(&Self::pot());
			ensure!(held >= owed.saturating_add(T::Currency::minimum_balance()), "the pot holds less than it owes");
			ensure!(
				Params::<T>::get().is_none_or(|p| DecayFactor::<T>::get() == emission::decay_factor(p.lambda)),
				"the decay factor is not e^-lambda"
			);
			Ok(())
		}
	}

	/// Verified tasks count toward their executors' era (each executor of a
	/// redundant task did the whole inference; the burned part is split).
	impl<T: Config, BlockNumber> pallet_tasks::OnTaskSettled<T::AccountId, BalanceOf<T>, BlockNumber> for Pallet<T>
	where
		BlockNumber: Copy + Into<u64>,
	{
		fn on_settled(
			_task: pallet_tasks::TaskId,
			_owner: &T::AccountId,
			result: &pallet_tasks::TaskResult<T::AccountId, BalanceOf<T>, BlockNumber>,
		) {
			let latency = result.settled_at.into().saturating_sub(result.submitted_at.into());
			for (executor, counted) in result.executors.iter() {
				Self::record_work(executor, u128::from(result.flops), *counted, latency);
			}
		}
	}

	/// Authored blocks count toward their author's era.
	impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
		fn note_author(author: T::AccountId) {
			Self::record_block(&author);
		}
	}
}
