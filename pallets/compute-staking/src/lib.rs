//! # Compute staking
//!
//! Compute providers bond DAi, declare the node they run, build a reputation
//! from their verified results, and the best of them become the validators.
//!
//! ## Overview
//!
//! - **Registration.** A provider bonds at least [`Config::MinBond`] and
//!   registers a [`NodeProfile`] (hardware, served models, region, latency
//!   class) and a *compute key*, the account its off-chain worker signs task
//!   results with, with the key's signature over
//!   [`compute_key_message`]`(provider)` as proof of possession: nobody can
//!   register a key they do not hold, e.g. another provider's, to take its
//!   results' credit or block its registration. Its session keys are set with `session.setKeys`, which
//!   checks their proof of ownership; a provider without session keys is never
//!   selected. Polkadot.js sends both in one `utility.batchAll`.
//! - **Bonding.** The bond is a hold ([`HoldReason::Bonded`]) on the provider's
//!   balance. `bond_extra` adds to it; `unbond` moves funds to an unlocking
//!   chunk that stays held, and slashable, for [`Config::UnbondingDelay`]
//!   blocks; `withdraw_unbonded` releases matured chunks. Unbonding everything
//!   means leaving: allowed only with no open tasks, and the provider is
//!   removed when its last chunk is withdrawn.
//! - **Reputation.** [`Record::reputation`]: penalty points for missed
//!   deadlines, failed results and declined tasks, halving every session;
//!   successes (which a provider could buy) do not raise it.
//! - **Declines.** A provider that cannot answer an assigned task declines
//!   it (through the task market) for [`Record::DECLINED_POINTS`] instead
//!   of a slash, at most [`Config::MaxDeclinesPerSession`] times a session.
//! - **Proof-of-Compute selection.** This pallet is pallet-session's
//!   `SessionManager`. At each new session it plans the next validator set:
//!   the top [`ValidatorCount`] eligible providers by [`Pallet::score`],
//!   ties broken by account id. Eligible: bond at least `MinBond`, not
//!   leaving, session keys set; a provider slashed since it last sat out a
//!   selection ranks after all others (it sits out unless it is needed to
//!   fill the set). With fewer than [`MinimumValidatorCount`] eligible
//!   providers the current set stays and [`Event::SelectionSkipped`] says
//!   why.
//! - **Slashing.** Invalid results ([`Config::InvalidResultSlash`]), missed
//!   deadlines ([`Config::MissedDeadlineSlash`]) and BABE/GRANDPA
//!   equivocations (through pallet-offences) slash a fraction of the bond,
//!   never more than [`Config::MaxSlash`] of it at once and never anything but
//!   the bond. Slashed funds go to [`Config::OnSlash`]; the DAiFi runtime
//!   burns them (total issuance falls by the slash). An equivocating
//!   validator is also disabled for the rest of the session
//!   ([`Config::DisableOffender`]), as polkadot-sdk's staking does.
//!
//! ## Terminology
//!
//! - *Session*: pallet-session's session, one BABE epoch. Verified compute is
//!   counted per session, so "the last era" of the PoC formula is the last
//!   completed session.
//! - *Score* ([`Pallet::score`]): `reputation × min(bond + counted,
//!   MaxComputeMultiplier × bond)` where `counted` is the value of others'
//!   fees burned for the provider's verified results in the last session. A
//!   provider with no verified work still scores its bond times its
//!   reputation, so a new chain can start.
//!
//! ## Assumptions
//!
//! The number of providers is bounded by [`Config::MaxProviders`]; selection
//! reads all of them once per session, which is why the bound exists.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use selection::ProviderIdentification;
pub use traits::{ComputeProviders, DisableOffender, DomainOf, ProviderDomains, ReportOutcome};
pub use types::*;
pub use weights::WeightInfo;

mod bonding;
mod outcomes;
pub mod runtime_api;
mod selection;
pub mod traits;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{self, Inspect},
			Contains, OnUnbalanced,
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{IdentifyAccount, Saturating, Verify},
		Perbill,
	};
	use sp_staking::SessionIndex;

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A provider record in this runtime.
	pub type ProviderOf<T> =
		Provider<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// Slashed funds on their way to [`Config::OnSlash`].
	pub type CreditOf<T> = fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's bond, active or unbonding.
		#[codec(index = 0)]
		Bonded,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency bonds are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Where slashed funds go. `()` burns them.
		type OnSlash: OnUnbalanced<CreditOf<Self>>;

		/// Who may change the validator counts.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Accounts whose session keys are set (pallet-session's `NextKeys`).
		type HasSessionKeys: Contains<Self::AccountId>;

		/// The smallest active bond of a registered provider.
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and the moment the funds can be withdrawn.
		#[pallet::constant]
		type UnbondingDelay: Get<BlockNumberFor<Self>>;

		/// Most registered providers.
		#[pallet::constant]
		type MaxProviders: Get<u32>;

		/// Most validators a selection may return (the authorities' bound).
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Fraction of the bond slashed for a result that fails verification.
		#[pallet::constant]
		type InvalidResultSlash: Get<Perbill>;

		/// Fraction of the bond slashed for a missed deadline.
		#[pallet::constant]
		type MissedDeadlineSlash: Get<Perbill>;

		/// The most any single slash takes, as a fraction of the bond.
		#[pallet::constant]
		type MaxSlash: Get<Perbill>;

		/// The score is at most this many times the bond, however much work
		/// was counted.
		#[pallet::constant]
		type MaxComputeMultiplier: Get<u128>;

		/// Most tasks a provider may decline per session.
		#[pallet::constant]
		type MaxDeclinesPerSession: Get<u32>;

		/// A compute key's signature over [`compute_key_message`]: its proof
		/// of possession (the runtime's `MultiSignature`).
		type KeyProof: Parameter + Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>;

		/// Disables an equivocating validator for the rest of the session.
		type DisableOffender: DisableOffender<Self::AccountId>;

		/// The sovereign domain of an account that registers.
		type Domains: DomainOf<Self::AccountId>;

		/// Makes compute keys and their proofs for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::KeyProof>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Registered providers, by the account that bonds.
	#[pallet::storage]
	pub type Providers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, ProviderOf<T>, OptionQuery>;

	/// The provider each compute key belongs to.
	#[pallet::storage]
	pub type ComputeKeys<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// Which providers serve each model.
	#[pallet::storage]
	pub type ModelProviders<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		ModelHash,
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// The session in progress, as pallet-session last reported it.
	#[pallet::storage]
	pub type CurrentSession<T: Config> = StorageValue<_, SessionIndex, ValueQuery>;

	/// How many validators a selection picks.
	#[pallet::storage]
	pub type ValidatorCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Fewer eligible providers than this and the validator set is kept.
	#[pallet::storage]
	pub type MinimumValidatorCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// A provider at genesis: its account, compute key, bond and node. The
	/// genesis configuration is trusted: its compute keys need no proof.
	pub type GenesisProvider<T> =
		(<T as frame_system::Config>::AccountId, <T as frame_system::Config>::AccountId, BalanceOf<T>, NodeProfile);

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Providers registered and bonded from block 0. Their funds must be
		/// endowed by pallet-balances' genesis.
		pub providers: Vec<GenesisProvider<T>>,
		/// [`ValidatorCount`].
		pub validator_count: u32,
		/// [`MinimumValidatorCount`].
		pub minimum_validator_count: u32,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.minimum_validator_count <= self.validator_count &&
					self.validator_count <= T::MaxValidators::get(),
				"need minimum_validator_count <= validator_count <= MaxValidators",
			);
			ValidatorCount::<T>::put(self.validator_count);
			MinimumValidatorCount::<T>::put(self.minimum_validator_count);
			for (who, compute_key, bond, profile) in &self.providers {
				Pallet::<T>::do_register(who, profile.clone(), compute_key.clone(), *bond)
					.expect("genesis providers are valid and funded");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A provider registered and bonded.
		Registered { provider: T::AccountId, compute_key: T::AccountId, bond: BalanceOf<T> },
		/// A provider changed its node profile.
		ProfileUpdated { provider: T::AccountId },
		/// A provider changed its compute key.
		ComputeKeyChanged { provider: T::AccountId, compute_key: T::AccountId },
		/// A provider bonded more.
		Bonded { provider: T::AccountId, amount: BalanceOf<T> },
		/// A provider started unbonding `amount`, withdrawable from `unlock_at`.
		Unbonding { provider: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Matured unbonded funds were released to the provider.
		Withdrawn { provider: T::AccountId, amount: BalanceOf<T> },
		/// A provider withdrew its last funds and is no longer registered.
		Deregistered { provider: T::AccountId },
		/// A provider was slashed.
		Slashed { provider: T::AccountId, amount: BalanceOf<T>, reason: SlashReason },
		/// A result of a provider was verified; `counted` of it counts toward
		/// selection.
		ResultVerified { provider: T::AccountId, flops: u128, counted: u128 },
		/// A provider declined a task.
		Declined { provider: T::AccountId },
		/// The validators for `session` were chosen.
		ValidatorsSelected { session: SessionIndex, validators: Vec<T::AccountId> },
		/// Too few providers were eligible for `session`; the current validators stay.
		SelectionSkipped { session: SessionIndex, eligible: u32, minimum: u32 },
		/// The validator counts changed.
		ValidatorCountSet { minimum: u32, target: u32 },
	}

	/// Why a provider was slashed.
	#[derive(
		Encode,
		Decode,
		DecodeWithMemTracking,
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
		TypeInfo,
		MaxEncodedLen,
	)]
	pub enum SlashReason {
		/// A result failed verification.
		InvalidResult,
		/// A deadline passed without a result.
		MissedDeadline,
		/// A consensus offence (BABE or GRANDPA equivocation) was reported.
		Offence,
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered provider.
		AlreadyRegistered,
		/// The account is not a registered provider.
		NotRegistered,
		/// Another provider uses this compute key.
		ComputeKeyInUse,
		/// The bond would be below the minimum.
		BondBelowMinimum,
		/// The free balance cannot cover the bond.
		InsufficientBalance,
		/// The registry is full.
		TooManyProviders,
		/// The profile has no CPU cores, no memory or no measured FLOPS.
		InvalidProfile,
		/// The profile lists a model twice.
		DuplicateModel,
		/// Nothing to bond or unbond: the amount is zero.
		ZeroAmount,
		/// The amount exceeds the active bond.
		InsufficientBond,
		/// Too many unbonding requests are pending; withdraw first.
		TooManyUnlockingChunks,
		/// The provider has open tasks and cannot leave.
		HasOpenTasks,
		/// The provider is leaving; it cannot bond more or change its node.
		Leaving,
		/// No unbonded funds have passed their delay.
		NothingToWithdraw,
		/// The counts must satisfy 1 <= minimum <= target <= MaxValidators.
		InvalidValidatorCount,
		/// The provider declined `MaxDeclinesPerSession` tasks this session.
		TooManyDeclines,
		/// The compute key's proof of possession is not its signature over
		/// `compute_key_message(provider)`.
		BadKeyProof,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::MinBond::get().is_zero(), "MinBond must be above zero");
			assert!(T::MaxSlash::get() <= Perbill::from_percent(50), "MaxSlash is at most 50%");
			assert!(T::MaxComputeMultiplier::get() >= 1, "MaxComputeMultiplier must be at least 1");
			assert!(T::MaxValidators::get() > 0, "MaxValidators must be above zero");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a compute provider with `bond` held.
		/// `key_proof` is `compute_key`'s signature over
		/// [`compute_key_message`]`(caller)`.
		///
		/// Signed by the bonding account. Emits [`Event::Registered`].
		/// Errors: `AlreadyRegistered`, `BadKeyProof`, `ComputeKeyInUse`,
		/// `BondBelowMinimum`, `InsufficientBalance`, `TooManyProviders`,
		/// `InvalidProfile`, `DuplicateModel`. O(models).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			profile: NodeProfile,
			compute_key: T::AccountId,
			key_proof: T::KeyProof,
			bond: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_key_proof(&who, &compute_key, &key_proof)?;
			Self::do_register(&who, profile, compute_key, bond)
		}

		/// Replace the caller's node profile.
		///
		/// Signed by a registered provider that is not leaving. Emits
		/// [`Event::ProfileUpdated`]. Errors: `NotRegistered`, `Leaving`,
		/// `InvalidProfile`, `DuplicateModel`. O(old models + new models).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_profile())]
		pub fn update_profile(origin: OriginFor<T>, profile: NodeProfile) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_profile(&who, profile)
		}

		/// Change the key the caller's off-chain worker signs results with;
		/// `key_proof` as for [`Pallet::register`].
		///
		/// Signed by a registered provider. Emits [`Event::ComputeKeyChanged`].
		/// Errors: `NotRegistered`, `BadKeyProof`, `ComputeKeyInUse`. O(1).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_compute_key())]
		pub fn set_compute_key(
			origin: OriginFor<T>,
			compute_key: T::AccountId,
			key_proof: T::KeyProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_key_proof(&who, &compute_key, &key_proof)?;
			Self::do_set_compute_key(&who, compute_key)
		}

		/// Bond `amount` more of the caller's free balance.
		///
		/// Signed by a registered provider that is not leaving. Emits
		/// [`Event::Bonded`]. Errors: `NotRegistered`, `Leaving`, `ZeroAmount`,
		/// `InsufficientBalance`. O(1).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, #[pallet::compact] amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(&who, amount)
		}

		/// Start unbonding `amount`; it stays held (and slashable) for
		/// `UnbondingDelay` blocks. Unbonding the whole active bond means
		/// leaving, which needs no open tasks.
		///
		/// Signed by a registered provider. Emits [`Event::Unbonding`].
		/// Errors: `NotRegistered`, `ZeroAmount`, `InsufficientBond`,
		/// `BondBelowMinimum` (a remainder below the minimum), `HasOpenTasks`,
		/// `TooManyUnlockingChunks`. O(1).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, #[pallet::compact] amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(&who, amount)
		}

		/// Release every unbonding chunk whose delay has passed; a leaving
		/// provider with nothing left is removed.
		///
		/// Signed by a registered provider. Emits [`Event::Withdrawn`] and, on
		/// the last withdrawal, [`Event::Deregistered`]. Errors: `NotRegistered`,
		/// `NothingToWithdraw`. O(chunks + models).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(&who)
		}

		/// Set how many validators a selection picks (`target`) and how many
		/// eligible providers it needs at least (`minimum`).
		///
		/// `AdminOrigin` only. Emits [`Event::ValidatorCountSet`]. Error:
		/// `InvalidValidatorCount`. O(1).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_validator_count())]
		pub fn set_validator_count(origin: OriginFor<T>, minimum: u32, target: u32) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(
				minimum >= 1 && minimum <= target && target <= T::MaxValidators::get(),
				Error::<T>::InvalidValidatorCount
			);
			MinimumValidatorCount::<T>::put(minimum);
			ValidatorCount::<T>::put(target);
			Self::deposit_event(Event::ValidatorCountSet { minimum, target });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `key_proof` is `compute_key`'s signature over
		/// [`compute_key_message`]`(provider)`.
		pub(crate) fn check_key_proof(
			provider: &T::AccountId,
			compute_key: &T::AccountId,
			key_proof: &T::KeyProof,
		) -> DispatchResult {
			ensure!(key_proof.verify(&compute_key_message(provider)[..], compute_key), Error::<T>::BadKeyProof);
			Ok(())
		}

		/// The standing of `who` as the runtime API reports it.
		pub fn standing(who: &T::AccountId) -> Option<Standing<BalanceOf<T>>> {
			let p = Providers::<T>::get(who)?;
			let unlocking = p.total_bond().saturating_sub(p.active);
			let record = p.record.at(CurrentSession::<T>::get());
			Some(Standing {
				active: p.active,
				unlocking,
				record,
				reputation: record.reputation(),
				last_session_flops: Self::last_session_flops(&p),
				last_session_counted: Self::last_session_counted(&p),
				score: Self::score(&p),
				open_tasks: p.open_tasks,
			})
		}

		/// The reputation of `who` in the current session, if registered.
		pub fn reputation(who: &T::AccountId) -> Option<Perbill> {
			Providers::<T>::get(who).map(|p| p.record.at(CurrentSession::<T>::get()).reputation())
		}

		/// Checks the pallet's storage invariants:
		/// - each provider's held bond equals its active bond plus its chunks
		///   (an active bond may fall below `MinBond` only by slashing, which
		///   makes the provider ineligible until it bonds more);
		/// - compute keys and the model index agree with the providers;
		/// - the counts respect their bounds.
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let mut count = 0u32;
			for (who, p) in Providers::<T>::iter() {
				count += 1;
				let held = <T::Currency as fungible::InspectHold<_>>::balance_on_hold(&HoldReason::Bonded.into(), &who);
				ensure!(held == p.total_bond(), "held funds differ from the bond");
				ensure!(
					ComputeKeys::<T>::get(&p.compute_key).as_ref() == Some(&who),
					"compute key not indexed"
				);
				for model in p.profile.models.iter() {
					ensure!(ModelProviders::<T>::contains_key(model, &who), "model not indexed");
				}
				ensure!(
					p.declines.count <= T::MaxDeclinesPerSession::get(),
					"more declines than the bound"
				);
				ensure!(p.record.session <= CurrentSession::<T>::get(), "record from a future session");
			}
			ensure!(count == Providers::<T>::count(), "provider count mismatch");
			ensure!(count <= T::MaxProviders::get(), "too many providers");
			for (key, who) in ComputeKeys::<T>::iter() {
				ensure!(
					Providers::<T>::get(&who).map(|p| p.compute_key) == Some(key),
					"stale compute key"
				);
			}
			for (model, who, ()) in ModelProviders::<T>::iter() {
				ensure!(
					Providers::<T>::get(&who).is_some_and(|p| p.profile.models.contains(&model)),
					"stale model index entry"
				);
			}
			ensure!(
				MinimumValidatorCount::<T>::get() <= ValidatorCount::<T>::get() &&
					ValidatorCount::<T>::get() <= T::MaxValidators::get(),
				"validator counts out of order"
			);
			Ok(())
		}
	}
}

/// What a compute key signs to prove it belongs to `provider`: the SCALE
/// encoding of `(b"daifi/compute-key", provider)`. The domain tag keeps the
/// signature from meaning anything anywhere else.
pub fn compute_key_message<AccountId: codec::Encode>(provider: &AccountId) -> alloc::vec::Vec<u8> {
	codec::Encode::encode(&(b"daifi/compute-key", provider))
}

/// Makes a compute key and its proof of possession for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, KeyProof> {
	/// A fresh compute key (seeded by `seed`) and its signature over
	/// [`compute_key_message`]`(provider)`.
	fn compute_key(provider: &AccountId, seed: u32) -> (AccountId, KeyProof);
}
