//! # Domains
//!
//! Sovereign domains (Stardust): a nation, an enterprise, a community or a
//! person keeps its providers, its users' tasks and their data under its own
//! policy, and still trades compute with the rest of the network through a
//! boundary gateway whose flows are cleared once per period.
//!
//! ## Overview
//!
//! - **Domains**: anyone creates one ([`Pallet::create`], a held deposit
//!   and the existential deposit of its gateway account) and becomes its
//!   admin (an account or a multisig; [`Pallet::set_admin`] hands it on).
//!   The admin sets the [`Policy`] and invites accounts; an invited account
//!   joins ([`Pallet::join`]): nobody is put in a domain without consent,
//!   since membership restricts where one's tasks run and whom one serves.
//!   An account belongs to at most one domain; a provider's record in
//!   compute staking carries its domain for the scheduler.
//! - **Policy**: data locality (members' tasks run only on member
//!   providers), whether members serve outsiders and for what surcharge,
//!   which models may run inside, how the domain's own tasks choose among
//!   its members. The task market enforces it at submission and at every
//!   draw (`pallet_tasks::domains::eligible`).
//! - **Gateway and clearing**: pay that crosses a boundary (the executor's
//!   share, and the serving domain's surcharge) goes from the user to the
//!   gateway of the user's side (each domain's account, or the open
//!   network's), and is recorded per directed pair of sides and period
//!   ([`Clearing`]). At the end of each period (`ClearingPeriod` blocks)
//!   each pair's net position moves in **one transfer** between the two
//!   gateways; the executors then claim what they earned from their own
//!   side's gateway ([`Pallet::claim`]). No funds are created or lost: a
//!   gateway holds exactly what its side's executors may claim, plus what
//!   the current period has collected, plus its existential deposit.
//! - **Audit**: each domain keeps its last [`AUDIT_LEN`] settled tasks that
//!   involved it (who submitted, who ran it, on which side), readable
//!   through the runtime API with the clearing records.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

mod clearing;
pub mod runtime_api;
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
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{self, Inspect, Mutate, MutateHold},
			tokens::Preservation,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use pallet_compute_staking::{DomainId, ProviderDomains};
	use sp_runtime::traits::{AccountIdConversion, Saturating, Zero};

	/// The balance type.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A domain in this runtime.
	pub type DomainOf<T> = Domain<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	/// An audit entry in this runtime.
	pub type AuditEntryOf<T> = AuditEntry<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A domain's creation deposit.
		#[codec(index = 0)]
		DomainDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency of deposits and of the pay that crosses boundaries.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Keeps providers' records in compute staking on their domain.
		type Providers: ProviderDomains<Self::AccountId>;

		/// Its sub-accounts are the gateways: the open network's and each domain's.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Held from whoever creates a domain, returned never (a domain lives on).
		#[pallet::constant]
		type DomainDeposit: Get<BalanceOf<Self>>;

		/// Most accounts in one domain.
		#[pallet::constant]
		type MaxMembers: Get<u32>;

		/// Blocks in a clearing period.
		#[pallet::constant]
		type ClearingPeriod: Get<BlockNumberFor<Self>>;

		/// Most directed pairs of sides with flows in one period; a crossing
		/// beyond it is paid to its executor directly, as on its own side.
		#[pallet::constant]
		type MaxPairs: Get<u32>;

		/// Periods whose clearing records are kept.
		#[pallet::constant]
		type ClearingHistory: Get<Era>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The next domain's id.
	#[pallet::storage]
	pub type NextDomainId<T: Config> = StorageValue<_, DomainId, ValueQuery>;

	/// The domains.
	#[pallet::storage]
	pub type Domains<T: Config> = StorageMap<_, Blake2_128Concat, DomainId, DomainOf<T>, OptionQuery>;

	/// The domain each member account belongs to.
	#[pallet::storage]
	pub type MemberOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, DomainId, OptionQuery>;

	/// Open invitations: a domain's admin invited the account, which may join.
	#[pallet::storage]
	pub type Invitations<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, DomainId, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// The current clearing period.
	#[pallet::storage]
	pub type CurrentEra<T: Config> = StorageValue<_, Era, ValueQuery>;

	/// What crossed from one side to another (`(from, to)`) in each period.
	#[pallet::storage]
	pub type Clearing<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		Era,
		Blake2_128Concat,
		(Side, Side),
		Flow<BalanceOf<T>>,
		OptionQuery,
	>;

	/// The directed pairs with flows in the current period.
	#[pallet::storage]
	pub type Pairs<T: Config> = StorageValue<_, BoundedVec<(Side, Side), T::MaxPairs>, ValueQuery>;

	/// Executors' pay held at their side's gateway.
	#[pallet::storage]
	pub type Earnings<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		Side,
		Earning<BalanceOf<T>>,
		OptionQuery,
	>;

	/// Each domain's last [`AUDIT_LEN`] settled tasks, by slot (a ring: one
	/// entry written per task, whatever the log's length).
	#[pallet::storage]
	pub type Audit<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, DomainId, Twox64Concat, u32, AuditEntryOf<T>, OptionQuery>;

	/// How many entries each domain's audit log has had: the next goes to
	/// slot `count % AUDIT_LEN`, over the oldest.
	#[pallet::storage]
	pub type AuditCount<T: Config> = StorageMap<_, Blake2_128Concat, DomainId, u32, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		_config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// The open network's gateway exists from the start.
			let gateway = Pallet::<T>::gateway(None);
			if T::Currency::balance(&gateway).is_zero() {
				let _ = T::Currency::mint_into(&gateway, T::Currency::minimum_balance());
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A domain was created.
		Created { domain: DomainId, admin: T::AccountId, kind: DomainKind },
		/// A domain's policy changed.
		PolicySet { domain: DomainId, policy: Policy },
		/// A domain has a new admin.
		AdminSet { domain: DomainId, admin: T::AccountId },
		/// An account was invited to a domain.
		Invited { domain: DomainId, who: T::AccountId },
		/// An account joined a domain.
		Joined { domain: DomainId, who: T::AccountId },
		/// An account left a domain (or was removed; or its invitation withdrawn).
		Left { domain: DomainId, who: T::AccountId },
		/// Pay crossed a boundary: `amount` for `executor` from side `from` to side `to`.
		Crossed { from: Side, to: Side, executor: T::AccountId, amount: BalanceOf<T> },
		/// A period's net position between two sides moved in one transfer
		/// (`from` paid `to`).
		Cleared { era: Era, from: Side, to: Side, net: BalanceOf<T> },
		/// An executor claimed its cleared pay.
		Claimed { who: T::AccountId, side: Side, amount: BalanceOf<T> },
		/// A period's net transfer between two gateways failed (the paying
		/// gateway held less than the net, which `try_state` rules out): it
		/// is carried into the next period's flows and retried then.
		ClearFailed { era: Era, from: Side, to: Side, net: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No domain has this id.
		UnknownDomain,
		/// Only the domain's admin may do this.
		NotAdmin,
		/// The account already belongs to a domain.
		AlreadyMember,
		/// The account was not invited to this domain.
		NotInvited,
		/// The account is not a member (or invited) of this domain.
		NotMember,
		/// The domain has `MaxMembers` members.
		TooManyMembers,
		/// Too little free balance for the deposit and the gateway.
		InsufficientBalance,
		/// Nothing cleared to claim.
		NothingToClaim,
		/// Every domain id is taken.
		TooManyDomains,
		/// The domain has `MaxMembers` invitations open.
		TooManyInvitations,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			// The period may be a parameter in storage: one read.
			let period = T::ClearingPeriod::get();
			let read = T::DbWeight::get().reads(1);
			if !period.is_zero() && (now % period).is_zero() {
				Self::close_era().saturating_add(read)
			} else {
				read
			}
		}

		fn integrity_test() {
			assert!(!T::ClearingPeriod::get().is_zero(), "periods must end");
			assert!(T::MaxPairs::get() > 0 && T::MaxMembers::get() > 0, "bounds");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Create a domain of `kind` with `policy`; the signer is its admin.
		///
		/// Holds `DomainDeposit` and moves the existential deposit into the
		/// domain's gateway account. Emits [`Event::Created`]. Errors:
		/// `InsufficientBalance`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create())]
		pub fn create(origin: OriginFor<T>, kind: DomainKind, policy: Policy) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let id = NextDomainId::<T>::get();
			let next = id.checked_add(1).ok_or(Error::<T>::TooManyDomains)?;
			let deposit = T::DomainDeposit::get();
			T::Currency::hold(&HoldReason::DomainDeposit.into(), &who, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			T::Currency::transfer(&who, &Self::gateway(Some(id)), T::Currency::minimum_balance(), Preservation::Preserve)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Domains::<T>::insert(
				id,
				Domain { admin: who.clone(), kind, policy, members: 0, invited: 0, depositor: who.clone(), deposit },
			);
			NextDomainId::<T>::put(next);
			Self::deposit_event(Event::Created { domain: id, admin: who, kind });
			Ok(())
		}

		/// Replace `domain`'s policy. Signed by its admin. It applies to
		/// tasks drawn from the next block on. Emits [`Event::PolicySet`].
		/// Errors: `UnknownDomain`, `NotAdmin`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_policy())]
		pub fn set_policy(origin: OriginFor<T>, domain: DomainId, policy: Policy) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::mutate_as_admin(&who, domain, |d| d.policy = policy.clone())?;
			Self::deposit_event(Event::PolicySet { domain, policy });
			Ok(())
		}

		/// Hand `domain` to a new admin (e.g. a multisig account). Signed by
		/// its admin. Emits [`Event::AdminSet`]. Errors: `UnknownDomain`, `NotAdmin`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_admin())]
		pub fn set_admin(origin: OriginFor<T>, domain: DomainId, admin: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::mutate_as_admin(&who, domain, |d| d.admin = admin.clone())?;
			Self::deposit_event(Event::AdminSet { domain, admin });
			Ok(())
		}

		/// Invite `who` (a provider or a user) into `domain`. Signed by its
		/// admin. Emits [`Event::Invited`]. Errors: `UnknownDomain`,
		/// `NotAdmin`, `AlreadyMember`, `TooManyInvitations` (at most
		/// `MaxMembers` open at once).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::invite())]
		pub fn invite(origin: OriginFor<T>, domain: DomainId, who: T::AccountId) -> DispatchResult {
			let admin = ensure_signed(origin)?;
			ensure!(!MemberOf::<T>::contains_key(&who), Error::<T>::AlreadyMember);
			if Invitations::<T>::contains_key(domain, &who) {
				return Self::mutate_as_admin(&admin, domain, |_| ());
			}
			let mut full = false;
			Self::mutate_as_admin(&admin, domain, |d| {
				full = d.invited >= T::MaxMembers::get();
				d.invited = d.invited.saturating_add(u32::from(!full));
			})?;
			ensure!(!full, Error::<T>::TooManyInvitations);
			Invitations::<T>::insert(domain, &who, ());
			Self::deposit_event(Event::Invited { domain, who });
			Ok(())
		}

		/// Join `domain`, which invited the signer. From then on the
		/// domain's policy decides where the signer's tasks run and, if it is
		/// a provider, which tasks it serves. Emits [`Event::Joined`].
		/// Errors: `UnknownDomain`, `NotInvited`, `AlreadyMember`, `TooManyMembers`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::join())]
		pub fn join(origin: OriginFor<T>, domain: DomainId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Domains::<T>::get(domain).ok_or(Error::<T>::UnknownDomain)?;
			ensure!(Invitations::<T>::contains_key(domain, &who), Error::<T>::NotInvited);
			ensure!(!MemberOf::<T>::contains_key(&who), Error::<T>::AlreadyMember);
			ensure!(info.members < T::MaxMembers::get(), Error::<T>::TooManyMembers);
			info.members = info.members.saturating_add(1);
			info.invited = info.invited.saturating_sub(1);
			Domains::<T>::insert(domain, info);
			Invitations::<T>::remove(domain, &who);
			MemberOf::<T>::insert(&who, domain);
			T::Providers::set_domain(&who, Some(domain));
			Self::deposit_event(Event::Joined { domain, who });
			Ok(())
		}

		/// Remove `who` from `domain` (a member, or an invitation not taken
		/// up). Signed by the admin. Emits [`Event::Left`]. Errors:
		/// `UnknownDomain`, `NotAdmin`, `NotMember`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::remove())]
		pub fn remove(origin: OriginFor<T>, domain: DomainId, who: T::AccountId) -> DispatchResult {
			let admin = ensure_signed(origin)?;
			Self::mutate_as_admin(&admin, domain, |_| ())?;
			if Invitations::<T>::take(domain, &who).is_some() {
				Self::mutate_as_admin(&admin, domain, |d| d.invited = d.invited.saturating_sub(1))?;
				Self::deposit_event(Event::Left { domain, who });
				return Ok(());
			}
			Self::do_leave(domain, who)
		}

		/// Leave the signer's domain. Its tasks already drawn run where they
		/// were drawn; later ones follow the open network's rules. Emits
		/// [`Event::Left`]. Errors: `NotMember`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove())]
		pub fn leave(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let domain = MemberOf::<T>::get(&who).ok_or(Error::<T>::NotMember)?;
			Self::do_leave(domain, who)
		}

		/// Claim the signer's cleared pay for work across a boundary, held at
		/// `side`'s gateway (the side it was a member of when it worked).
		/// Emits [`Event::Claimed`]. Errors: `NothingToClaim`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>, side: Side) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut earning = Earnings::<T>::get(&who, side).ok_or(Error::<T>::NothingToClaim)?;
			Self::roll(&mut earning);
			let amount = earning.claimable;
			ensure!(!amount.is_zero(), Error::<T>::NothingToClaim);
			T::Currency::transfer(&Self::gateway(side), &who, amount, Preservation::Preserve)?;
			earning.claimable = Zero::zero();
			if earning.pending.is_zero() {
				Earnings::<T>::remove(&who, side);
			} else {
				Earnings::<T>::insert(&who, side, earning);
			}
			Self::deposit_event(Event::Claimed { who, side, amount });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The gateway account of `side`.
		/// (`b"gw"` and the side's SCALE encoding, `0` or `1` and the domain,
		/// follow the pallet id: every side its own account, none of them the
		/// pallet's own.)
		pub fn gateway(side: Side) -> T::AccountId {
			T::PalletId::get().into_sub_account_truncating((b"gw", side))
		}

		/// Runs `change` on `domain` if `who` is its admin.
		fn mutate_as_admin(who: &T::AccountId, domain: DomainId, change: impl FnOnce(&mut DomainOf<T>)) -> DispatchResult {
			Domains::<T>::try_mutate(domain, |d| {
				let d = d.as_mut().ok_or(Error::<T>::UnknownDomain)?;
				ensure!(d.admin == *who, Error::<T>::NotAdmin);
				change(d);
				Ok(())
			})
		}

		/// `who` leaves `domain`.
		fn do_leave(domain: DomainId, who: T::AccountId) -> DispatchResult {
			ensure!(MemberOf::<T>::get(&who) == Some(domain), Error::<T>::NotMember);
			MemberOf::<T>::remove(&who);
			Domains::<T>::mutate(domain, |d| {
				if let Some(d) = d {
					d.members = d.members.saturating_sub(1);
				}
			});
			T::Providers::set_domain(&who, None);
			Self::deposit_event(Event::Left { domain, who });
			Ok(())
		}

		/// Moves an earning's pending pay to claimable once its period has cleared.
		pub(crate) fn roll(earning: &mut Earning<BalanceOf<T>>) {
			if earning.era < CurrentEra::<T>::get() {
				earning.claimable = earning.claimable.saturating_add(earning.pending);
				earning.pending = Zero::zero();
			}
		}

		/// What `who` may claim now, and what awaits clearing, per side.
		pub fn earnings_of(who: &T::AccountId) -> alloc::vec::Vec<(Side, Earning<BalanceOf<T>>)> {
			Earnings::<T>::iter_prefix(who)
				.map(|(side, mut earning)| {
					Self::roll(&mut earning);
					(side, earning)
				})
				.collect()
		}

		/// `domain`'s audit log, oldest first.
		pub fn audit_of(domain: DomainId) -> alloc::vec::Vec<AuditEntryOf<T>> {
			let count = AuditCount::<T>::get(domain);
			let first = count.saturating_sub(AUDIT_LEN);
			(first..count).filter_map(|n| Audit::<T>::get(domain, n % AUDIT_LEN)).collect()
		}

		/// The flows of period `era`, by directed pair.
		pub fn clearing_of(era: Era) -> alloc::vec::Vec<((Side, Side), Flow<BalanceOf<T>>)> {
			Clearing::<T>::iter_prefix(era).collect()
		}

		/// Checks the pallet's invariants: member counts match, members'
		/// domains exist, and each gateway holds what its side owes.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			let mut counts: BTreeMap<DomainId, u32> = BTreeMap::new();
			for (_, domain) in MemberOf::<T>::iter() {
				ensure!(Domains::<T>::contains_key(domain), "a member of no domain");
				*counts.entry(domain).or_default() += 1;
			}
			let mut invited: BTreeMap<DomainId, u32> = BTreeMap::new();
			for (domain, _, ()) in Invitations::<T>::iter() {
				*invited.entry(domain).or_default() += 1;
			}
			for (id, domain) in Domains::<T>::iter() {
				ensure!(counts.get(&id).copied().unwrap_or(0) == domain.members, "member count");
				ensure!(invited.get(&id).copied().unwrap_or(0) == domain.invited, "invitation count");
			}
			let era = CurrentEra::<T>::get();
			let pairs = Pairs::<T>::get();
			ensure!(Clearing::<T>::iter_key_prefix(era).all(|pair| pairs.contains(&pair)), "a flow outside the pairs");
			// Each gateway holds its existential deposit, what its executors
			// may claim, and what this period has collected from its users.
			let mut owed: BTreeMap<Side, BalanceOf<T>> = BTreeMap::new();
			for (_, side, earning) in Earnings::<T>::iter() {
				let cleared = if earning.era < era { earning.pending } else { Zero::zero() };
				let entry = owed.entry(side).or_insert_with(Zero::zero);
				*entry = entry.saturating_add(earning.claimable).saturating_add(cleared);
			}
			for ((from, _), flow) in Clearing::<T>::iter_prefix(era) {
				let entry = owed.entry(from).or_insert_with(Zero::zero);
				*entry = entry.saturating_add(flow.volume);
			}
			for (side, amount) in owed {
				let held = T::Currency::balance(&Self::gateway(side));
				ensure!(
					held >= amount.saturating_add(T::Currency::minimum_balance()),
					"a gateway holds less than it owes"
				);
			}
			Ok(())
		}
	}

	impl<T: Config> pallet_compute_staking::DomainOf<T::AccountId> for Pallet<T> {
		fn domain_of(who: &T::AccountId) -> Option<DomainId> {
			MemberOf::<T>::get(who)
		}
	}

	impl<T: Config> pallet_tasks::DomainRules<T::AccountId, BalanceOf<T>> for Pallet<T> {
		fn domain_of(who: &T::AccountId) -> Option<DomainId> {
			MemberOf::<T>::get(who)
		}

		fn terms(domain: DomainId, model: &pallet_model_registry::ModelHash) -> Option<pallet_tasks::DomainTerms> {
			Domains::<T>::get(domain).map(|d| pallet_tasks::DomainTerms {
				local: d.policy.local,
				outside_markup: d.policy.outside_markup,
				model_allowed: d.policy.allows(model),
				preference: d.policy.preference,
			})
		}

		fn cross(executor: &T::AccountId, home: Side, to: Side, amount: BalanceOf<T>) -> Result<T::AccountId, DispatchError> {
			Self::record_crossing(home, executor, to, amount)?;
			Ok(Self::gateway(home))
		}

		fn any() -> bool {
			NextDomainId::<T>::get() > 0
		}
	}

	impl<T: Config> pallet_tasks::OnTaskSettled<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
		fn on_settled(
			task: pallet_tasks::TaskId,
			owner: &T::AccountId,
			result: &pallet_tasks::TaskResult<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
		) {
			let home = MemberOf::<T>::get(owner);
			let ran_in = MemberOf::<T>::get(&result.provider);
			if home.is_none() && ran_in.is_none() {
				return;
			}
			let entry = AuditEntry {
				task,
				model: result.model,
				owner: owner.clone(),
				home,
				provider: result.provider.clone(),
				ran_in,
				executor_paid: result.executor_paid,
				at: result.settled_at,
			};
			let mut logged = [home, ran_in];
			if home == ran_in {
				logged[1] = None;
			}
			for domain in logged.into_iter().flatten() {
				let count = AuditCount::<T>::get(domain);
				Audit::<T>::insert(domain, count % AUDIT_LEN, entry.clone());
				AuditCount::<T>::insert(domain, count.wrapping_add(1));
			}
		}
	}
}
