//! # Credits
//!
//! Compute credits (DACP): a non-transferable unit of account for compute.
//!
//! ## Overview
//!
//! - Providers **earn** credits for verified work: `flops × quality ×
//!   CreditsPerTflop / 10^12`, where quality is the provider's reputation at
//!   settlement (the task market calls [`CreditLedger::reward_work`]).
//! - Anyone **spends** credits instead of DAi in `tasks.submit_task`; the fee
//!   then goes to the executor and the developer as credits, and what is not
//!   charged comes back.
//! - There is **no call that moves credits** between accounts: the only calls
//!   are [`Pallet::grant`] (the admin origin, e.g. onboarding grants) and
//!   none other. Spending more than the balance is refused and changes nothing.
//!
//! Credits have no existential deposit and do not affect DAi balances or
//! issuance; [`TotalCredits`] tracks how many exist.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;
pub use weights::WeightInfo;

pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod tests;

/// Compute credits as the task market uses them.
pub trait CreditLedger<AccountId> {
	/// Takes `amount` credits from `who`; fails, changing nothing, if it has fewer.
	fn spend(who: &AccountId, amount: u128) -> sp_runtime::DispatchResult;
	/// Gives `amount` credits to `who` (a refund, or a fee paid in credits).
	fn credit(who: &AccountId, amount: u128);
	/// Rewards `flops` of verified work at `quality` with credits, at most
	/// `cap`: what the task cost someone (its burned share), so that credits
	/// earned from a task never exceed what the task cost and buying one's
	/// own tasks mints nothing.
	fn reward_work(who: &AccountId, flops: u64, quality: sp_runtime::Perbill, cap: u128);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may grant credits.
		type GrantOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Credits earned per TFLOP (10^12 FLOPs) of verified work at full quality.
		#[pallet::constant]
		type CreditsPerTflop: Get<u128>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Each account's credits.
	#[pallet::storage]
	pub type Credits<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u128, ValueQuery>;

	/// All credits in existence.
	#[pallet::storage]
	pub type TotalCredits<T: Config> = StorageValue<_, u128, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Credits accounts start with.
		pub credits: alloc::vec::Vec<(T::AccountId, u128)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (who, amount) in &self.credits {
				Pallet::<T>::add(who, *amount);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Credits were earned for verified work.
		Earned { who: T::AccountId, amount: u128, flops: u64 },
		/// Credits were spent on a task.
		Spent { who: T::AccountId, amount: u128 },
		/// Credits were received: a fee paid in credits, or a refund.
		Credited { who: T::AccountId, amount: u128 },
		/// Credits were granted by the admin origin.
		Granted { who: T::AccountId, amount: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account has fewer credits than it tried to spend.
		InsufficientCredits,
		/// Nothing to grant.
		ZeroAmount,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Grant `amount` credits to `who`.
		///
		/// `GrantOrigin` only. Emits [`Event::Granted`]. Error: `ZeroAmount`. O(1).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::grant())]
		pub fn grant(origin: OriginFor<T>, who: T::AccountId, #[pallet::compact] amount: u128) -> DispatchResult {
			T::GrantOrigin::ensure_origin(origin)?;
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			Self::add(&who, amount);
			Self::deposit_event(Event::Granted { who, amount });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		fn add(who: &T::AccountId, amount: u128) {
			Credits::<T>::mutate(who, |c| *c = c.saturating_add(amount));
			TotalCredits::<T>::mutate(|t| *t = t.saturating_add(amount));
		}

		/// Credits earned for `flops` of work at `quality`, rounding down.
		pub fn earned_for(flops: u64, quality: Perbill) -> u128 {
			let full = u128::from(flops).saturating_mul(T::CreditsPerTflop::get()) / 1_000_000_000_000;
			quality * full
		}

		/// Checks that the credits of all accounts add up to [`TotalCredits`].
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let sum = Credits::<T>::iter_values().fold(0u128, |s, c| s.saturating_add(c));
			ensure!(sum == TotalCredits::<T>::get(), "credits do not add up");
			Ok(())
		}
	}

	impl<T: Config> CreditLedger<T::AccountId> for Pallet<T> {
		fn spend(who: &T::AccountId, amount: u128) -> DispatchResult {
			Credits::<T>::try_mutate_exists(who, |credits| {
				let left = credits
					.unwrap_or(0)
					.checked_sub(amount)
					.ok_or(Error::<T>::InsufficientCredits)?;
				*credits = (left > 0).then_some(left);
				Ok::<_, DispatchError>(())
			})?;
			TotalCredits::<T>::mutate(|t| *t = t.saturating_sub(amount));
			Self::deposit_event(Event::Spent { who: who.clone(), amount });
			Ok(())
		}

		fn credit(who: &T::AccountId, amount: u128) {
			if amount > 0 {
				Self::add(who, amount);
				Self::deposit_event(Event::Credited { who: who.clone(), amount });
			}
		}

		fn reward_work(who: &T::AccountId, flops: u64, quality: Perbill, cap: u128) {
			let amount = Self::earned_for(flops, quality).min(cap);
			if amount > 0 {
				Self::add(who, amount);
				Self::deposit_event(Event::Earned { who: who.clone(), amount, flops });
			}
		}
	}
}

extern crate alloc;
