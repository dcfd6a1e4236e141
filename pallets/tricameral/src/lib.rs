//! # Tricameral governance
//!
//! Three chambers must all agree before the network changes.
//!
//! ## Overview
//!
//! - The **Compute Chamber** is drawn from the compute providers (the largest
//!   bonds), the **Model Chamber** from the developers of whitelisted models,
//!   and the **User Chamber** from the accounts whose verified tasks burned
//!   the most in the last term, at least [`Config::MinPatronage`] (see
//!   [`Pallet::note_payment`]). Each
//!   chamber is refreshed from its [`ChamberSource`] every
//!   [`Config::TermLength`] blocks; a source with fewer than
//!   [`Config::MinMembers`] candidates leaves the chamber as it is (so a
//!   young network keeps its genesis members until it has enough of each).
//! - Anyone may `propose` a call with a deposit ([`Config::ProposalDeposit`]
//!   plus [`Config::DepositPerByte`] of the encoded call). Members `vote` in
//!   their chamber; an account votes once per proposal, in one chamber, so
//!   one account in several chambers cannot carry two majorities. `close`
//!   (anyone) dispatches the call
//!   with origin [`RawOrigin::Chambers`] once **each** chamber's majority
//!   approves and returns the deposit; once any chamber's majority refuses
//!   (it blocks), or once [`Config::VotingPeriod`] has passed, the proposal is
//!   removed and its deposit burned. Votes are counted when closing, against
//!   the chambers as they are then: a member who has left no longer counts.
//! - [`EnsureTricameral`] is the origin other pallets require for what only
//!   the chambers may do (on a network without sudo, root is unreachable).
//!   `authorize_upgrade` (that origin only) authorizes a runtime upgrade,
//!   which anyone then applies with `system.applyAuthorizedUpgrade`.
//! - **A model's phase 2.** A whitelisting proposal names the phase-2
//!   transcript it starts from (`phase2_start`); members of any chamber
//!   `contribute` to the model's ceremony while it is open, each recording the
//!   hash of the transcript after their contribution, in order. The proposer
//!   then `amend`s the call with the final key and transcript (which clears
//!   the votes: the chambers vote on the key they will get); until that
//!   amendment, made after the last contribution, the proposal cannot be
//!   dispatched (`KeyNotFinal`: its call carries the initial key, whose
//!   secrets are public). A member who records a hash no transcript has
//!   stops the chain of contributions on that proposal (attributably): the
//!   developer proposes again without it. A member checks
//!   off chain (`daifi-zk phase2 verify`) that the final transcript extends
//!   the one its contribution hashed before approving.
//!
//! ## Assumptions
//!
//! Chamber members are accounts, not people: the sources make a seat cost
//! something real (a bond, a whitelisted model, fees burned for verified
//! work), and all three chambers must agree, so capturing one chamber gives a
//! veto, not the power to pass anything.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

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
	use alloc::{boxed::Box, vec::Vec};
	use codec::{DecodeLimit, Encode};
	use frame_support::{
		dispatch::{GetDispatchInfo, PostDispatchInfo},
		pallet_prelude::*,
		traits::{
			fungible::{self, Inspect, MutateHold},
			tokens::{Fortitude, Precision},
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::traits::{Dispatchable, Saturating, Zero};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A proposal in this runtime.
	pub type ProposalOf<T> = Proposal<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// A chamber's members, sorted.
	pub type MembersOf<T> = BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxMembers>;

	/// How deeply a stored call may nest when it is decoded again.
	const CALL_DECODE_DEPTH: u32 = 64;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origin of a call the three chambers approved.
	#[pallet::origin]
	pub type Origin = RawOrigin;

	/// What [`Origin`] can be.
	#[derive(
		Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
	)]
	pub enum RawOrigin {
		/// Each chamber's majority approved the call.
		Chambers,
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A proposal's deposit.
		Proposal,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The runtime's origin, which an approved call is dispatched with.
		type RuntimeOrigin: From<RawOrigin>;

		/// A call the chambers may dispatch (the runtime's call).
		type Proposal: Parameter
			+ Dispatchable<RuntimeOrigin = <Self as Config>::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ GetDispatchInfo
			+ From<frame_system::Call<Self>>;

		/// The currency deposits are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Who may authorize a runtime upgrade ([`EnsureTricameral`]).
		type UpgradeOrigin: EnsureOrigin<OriginFor<Self>>;

		/// Where the Compute Chamber is drawn from.
		type ComputeSource: ChamberSource<Self::AccountId>;

		/// Where the Model Chamber is drawn from.
		type ModelSource: ChamberSource<Self::AccountId>;

		/// The least an account must burn through verified tasks in a term
		/// to be a candidate for the User Chamber.
		#[pallet::constant]
		type MinPatronage: Get<BalanceOf<Self>>;

		/// The deposit of every proposal.
		#[pallet::constant]
		type ProposalDeposit: Get<BalanceOf<Self>>;

		/// The deposit per byte of a proposal's encoded call.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// Blocks a proposal stays open.
		#[pallet::constant]
		type VotingPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks between two refreshes of the chambers (one term).
		#[pallet::constant]
		type TermLength: Get<BlockNumberFor<Self>>;

		/// Most members of one chamber.
		#[pallet::constant]
		type MaxMembers: Get<u32>;

		/// Fewest candidates a refresh needs to replace a chamber's members.
		#[pallet::constant]
		type MinMembers: Get<u32>;

		/// Most proposals open at once.
		#[pallet::constant]
		type MaxProposals: Get<u32>;

		/// Longest encoded call a proposal may carry.
		#[pallet::constant]
		type MaxCallSize: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Each chamber's members, sorted.
	#[pallet::storage]
	pub type Members<T: Config> = StorageMap<_, Twox64Concat, Chamber, MembersOf<T>, ValueQuery>;

	/// The number the next proposal gets.
	#[pallet::storage]
	pub type NextProposal<T: Config> = StorageValue<_, ProposalIndex, ValueQuery>;

	/// How many proposals are open.
	#[pallet::storage]
	pub type OpenProposals<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Open proposals.
	#[pallet::storage]
	pub type Proposals<T: Config> = StorageMap<_, Twox64Concat, ProposalIndex, ProposalOf<T>, OptionQuery>;

	/// The encoded call of each open proposal.
	#[pallet::storage]
	pub type ProposalCalls<T: Config> =
		StorageMap<_, Twox64Concat, ProposalIndex, BoundedVec<u8, T::MaxCallSize>, OptionQuery>;

	/// Votes on open proposals: the chamber each voter voted in, and `true`
	/// if it approves. One vote per account and proposal, whatever chambers
	/// the account sits in.
	#[pallet::storage]
	pub type Votes<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ProposalIndex, Blake2_128Concat, T::AccountId, (Chamber, bool), OptionQuery>;

	/// The current term (the User Chamber's payments are counted per term).
	#[pallet::storage]
	pub type Term<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// What each account paid for verified tasks, and in which term.
	#[pallet::storage]
	pub type Paid<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, (u32, BalanceOf<T>), OptionQuery>;

	/// The accounts that paid the most in the current term, most first: the
	/// next User Chamber.
	#[pallet::storage]
	pub type Patrons<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, BalanceOf<T>), T::MaxMembers>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each chamber's members at genesis.
		pub members: Vec<(Chamber, Vec<T::AccountId>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (chamber, members) in &self.members {
				let members = Pallet::<T>::sorted_members(members.clone()).expect("genesis chambers fit MaxMembers");
				Members::<T>::insert(chamber, members);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A proposal was made.
		Proposed { index: ProposalIndex, proposer: T::AccountId, call_hash: H256, end: BlockNumberFor<T> },
		/// Its proposer replaced its call; the votes were cleared.
		Amended { index: ProposalIndex, call_hash: H256 },
		/// A member voted.
		Voted { index: ProposalIndex, chamber: Chamber, who: T::AccountId, aye: bool },
		/// A member recorded a phase-2 contribution to the proposal's model.
		Contributed { index: ProposalIndex, chamber: Chamber, who: T::AccountId, transcript: H256 },
		/// Every chamber approved: the call was dispatched (`result`) and the
		/// deposit returned.
		Executed { index: ProposalIndex, result: DispatchResult },
		/// `chamber`'s majority refused: the proposal was removed, its deposit
		/// burned.
		Blocked { index: ProposalIndex, chamber: Chamber },
		/// The voting period ended before the chambers agreed: the proposal was
		/// removed, its deposit burned.
		Expired { index: ProposalIndex },
		/// A chamber was refreshed from its source.
		ChamberRefreshed { chamber: Chamber, members: u32 },
		/// A chamber's source had too few candidates: its members stay.
		ChamberKept { chamber: Chamber, candidates: u32 },
		/// The chambers authorized a runtime upgrade to code with this hash.
		UpgradeAuthorized { code_hash: T::Hash },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No open proposal has this number.
		UnknownProposal,
		/// The caller is not a member of that chamber.
		NotMember,
		/// The account already voted on this proposal (in some chamber).
		AlreadyVoted,
		/// The proposal holds [`Pallet::max_votes`] votes.
		TooManyVotes,
		/// The whitelisting's call does not carry its ceremony's final key yet
		/// (its proposer has not amended it since the last contribution).
		KeyNotFinal,
		/// The proposal's voting period is over.
		VotingEnded,
		/// The chambers have not decided and the voting period is not over.
		Undecided,
		/// [`Config::MaxProposals`] proposals are open.
		TooManyProposals,
		/// The encoded call is longer than [`Config::MaxCallSize`].
		CallTooLong,
		/// The stored call no longer decodes (the runtime changed under it).
		UndecodableCall,
		/// The weight bound given is below the call's weight.
		WeightBoundTooLow,
		/// Only the proposer may amend a proposal.
		NotProposer,
		/// The deposit cannot be held.
		InsufficientBalance,
		/// The proposal takes no phase-2 contributions.
		NoCeremony,
		/// The contribution does not build on the latest recorded transcript.
		NotTheHead,
		/// This account already contributed to this proposal's ceremony.
		AlreadyContributed,
		/// The proposal has [`MAX_CONTRIBUTIONS`] contributions.
		TooManyContributions,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			if now.is_zero() || !(now % T::TermLength::get()).is_zero() {
				return Weight::zero();
			}
			Self::refresh_chambers();
			Self::refresh_weight()
		}

		fn integrity_test() {
			assert!(!T::TermLength::get().is_zero(), "TermLength must be above zero");
			assert!(!T::VotingPeriod::get().is_zero(), "VotingPeriod must be above zero");
			assert!(T::MinMembers::get() >= 1 && T::MinMembers::get() <= T::MaxMembers::get());
			assert!(!T::ProposalDeposit::get().is_zero(), "ProposalDeposit must be above zero");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose `call` to the three chambers; `phase2_start` (for a
		/// model's whitelisting) is the hash of the phase-2 transcript members
		/// may contribute on. Holds [`Config::ProposalDeposit`] plus
		/// [`Config::DepositPerByte`] per byte of the encoded call.
		///
		/// Signed. Emits [`Event::Proposed`]. Errors: `CallTooLong`,
		/// `TooManyProposals`, `InsufficientBalance`. O(call length).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose(T::MaxCallSize::get()))]
		pub fn propose(
			origin: OriginFor<T>,
			call: Box<T::Proposal>,
			phase2_start: Option<H256>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let encoded = Self::bounded_call(&call)?;
			ensure!(OpenProposals::<T>::get() < T::MaxProposals::get(), Error::<T>::TooManyProposals);
			let length = encoded.len() as u32;
			let deposit = Self::deposit_for(length);
			T::Currency::hold(&HoldReason::Proposal.into(), &who, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;

			let index = NextProposal::<T>::get();
			let call_hash = H256(sp_crypto_hashing::blake2_256(&encoded));
			let end = frame_system::Pallet::<T>::block_number().saturating_add(T::VotingPeriod::get());
			Proposals::<T>::insert(
				index,
				Proposal {
					proposer: who.clone(),
					deposit,
					call_hash,
					end,
					phase2_start,
					final_key: phase2_start.is_none(),
					votes: 0,
					contributions: Default::default(),
				},
			);
			ProposalCalls::<T>::insert(index, encoded);
			NextProposal::<T>::put(index.wrapping_add(1));
			OpenProposals::<T>::mutate(|open| *open += 1);
			Self::deposit_event(Event::Proposed { index, proposer: who, call_hash, end });
			Ok(Some(T::WeightInfo::propose(length)).into())
		}

		/// Replace an open proposal's call (its proposer only, before its
		/// end): every vote cast on it is cleared and the deposit follows the
		/// new length. Contributions stay; a whitelisting's call now counts as
		/// carrying the ceremony's final key.
		///
		/// Signed. Emits [`Event::Amended`]. Errors: `UnknownProposal`,
		/// `NotProposer`, `VotingEnded`, `CallTooLong`, `InsufficientBalance`.
		/// O(call length + votes).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::amend(T::MaxCallSize::get(), Pallet::<T>::max_votes()))]
		pub fn amend(origin: OriginFor<T>, index: ProposalIndex, call: Box<T::Proposal>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let mut proposal = Self::open_proposal(index)?;
			ensure!(proposal.proposer == who, Error::<T>::NotProposer);
			let encoded = Self::bounded_call(&call)?;
			let length = encoded.len() as u32;
			let deposit = Self::deposit_for(length);
			let reason = HoldReason::Proposal.into();
			if deposit > proposal.deposit {
				T::Currency::hold(&reason, &who, deposit - proposal.deposit)
					.map_err(|_| Error::<T>::InsufficientBalance)?;
			} else {
				T::Currency::release(&reason, &who, proposal.deposit - deposit, Precision::BestEffort)?;
			}
			let cleared = Votes::<T>::clear_prefix(index, Self::max_votes(), None).unique;
			proposal.votes = 0;
			proposal.final_key = true;
			proposal.deposit = deposit;
			proposal.call_hash = H256(sp_crypto_hashing::blake2_256(&encoded));
			let call_hash = proposal.call_hash;
			Proposals::<T>::insert(index, proposal);
			ProposalCalls::<T>::insert(index, encoded);
			Self::deposit_event(Event::Amended { index, call_hash });
			Ok(Some(T::WeightInfo::amend(length, cleared)).into())
		}

		/// Vote on an open proposal as a member of `chamber`: `aye` approves.
		/// An account votes once per proposal, in one chamber, even if it
		/// sits in several (one account cannot carry two majorities).
		///
		/// Signed. Emits [`Event::Voted`]. Errors: `UnknownProposal`,
		/// `VotingEnded`, `NotMember`, `AlreadyVoted`, `TooManyVotes`.
		/// O(log members).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::vote(T::MaxMembers::get()))]
		pub fn vote(origin: OriginFor<T>, index: ProposalIndex, chamber: Chamber, aye: bool) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut proposal = Self::open_proposal(index)?;
			ensure!(Self::is_member(chamber, &who), Error::<T>::NotMember);
			ensure!(!Votes::<T>::contains_key(index, &who), Error::<T>::AlreadyVoted);
			ensure!(proposal.votes < Self::max_votes(), Error::<T>::TooManyVotes);
			proposal.votes += 1;
			Proposals::<T>::insert(index, proposal);
			Votes::<T>::insert(index, &who, (chamber, aye));
			Self::deposit_event(Event::Voted { index, chamber, who, aye });
			Ok(())
		}

		/// Record a phase-2 contribution to the model of an open proposal, as
		/// a member of `chamber`: `previous` must be the latest recorded
		/// transcript hash (or the proposal's `phase2_start`), `transcript` the
		/// hash of the transcript once the contribution is added. One per
		/// account and proposal.
		///
		/// Signed. Emits [`Event::Contributed`]. Errors: `UnknownProposal`,
		/// `VotingEnded`, `NotMember`, `NoCeremony`, `NotTheHead`,
		/// `AlreadyContributed`, `TooManyContributions`. O(log members +
		/// [`MAX_CONTRIBUTIONS`]).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::contribute())]
		pub fn contribute(
			origin: OriginFor<T>,
			index: ProposalIndex,
			chamber: Chamber,
			previous: H256,
			transcript: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut proposal = Self::open_proposal(index)?;
			ensure!(Self::is_member(chamber, &who), Error::<T>::NotMember);
			let head = proposal.phase2_head().ok_or(Error::<T>::NoCeremony)?;
			ensure!(head == previous, Error::<T>::NotTheHead);
			ensure!(!proposal.contributions.iter().any(|c| c.contributor == who), Error::<T>::AlreadyContributed);
			proposal
				.contributions
				.try_push(Contribution { contributor: who.clone(), chamber, transcript })
				.map_err(|_| Error::<T>::TooManyContributions)?;
			proposal.final_key = false;
			Proposals::<T>::insert(index, proposal);
			Self::deposit_event(Event::Contributed { index, chamber, who, transcript });
			Ok(())
		}

		/// Close a proposal. If its voting period is over it expires; else if
		/// any chamber's majority refused it is blocked (either way it is
		/// removed and its deposit burned); else if every chamber's majority
		/// approved, its call is dispatched with origin
		/// [`RawOrigin::Chambers`] (at most `weight_bound`) and the deposit
		/// returned. Votes count only if their voter is still a member.
		///
		/// Signed (anyone). Emits [`Event::Executed`], [`Event::Blocked`] or
		/// [`Event::Expired`]. Errors: `UnknownProposal`, `Undecided`,
		/// `KeyNotFinal`, `WeightBoundTooLow`, `UndecodableCall`. O(votes x log members +
		/// call length), plus the call's own weight.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::close_executed(Pallet::<T>::max_votes(), T::MaxCallSize::get())
				.max(T::WeightInfo::close_removed(Pallet::<T>::max_votes()))
				.saturating_add(*weight_bound)
		)]
		pub fn close(
			origin: OriginFor<T>,
			index: ProposalIndex,
			weight_bound: Weight,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let proposal = Proposals::<T>::get(index).ok_or(Error::<T>::UnknownProposal)?;
			let (tallies, votes) = Self::tally(index);
			let now = frame_system::Pallet::<T>::block_number();
			if now > proposal.end {
				Self::remove(index, proposal, false);
				Self::deposit_event(Event::Expired { index });
				return Ok(Some(T::WeightInfo::close_removed(votes)).into());
			}
			if let Some(chamber) = Chamber::ALL.into_iter().find(|c| tallies[c.index()].blocks()) {
				Self::remove(index, proposal, false);
				Self::deposit_event(Event::Blocked { index, chamber });
				return Ok(Some(T::WeightInfo::close_removed(votes)).into());
			}
			ensure!(tallies.iter().all(Tally::approves), Error::<T>::Undecided);
			ensure!(proposal.final_key, Error::<T>::KeyNotFinal);

			let encoded = ProposalCalls::<T>::get(index).ok_or(Error::<T>::UnknownProposal)?;
			let length = encoded.len() as u32;
			let call = T::Proposal::decode_all_with_depth_limit(CALL_DECODE_DEPTH, &mut &encoded[..])
				.map_err(|_| Error::<T>::UndecodableCall)?;
			let info = call.get_dispatch_info();
			ensure!(info.call_weight.all_lte(weight_bound), Error::<T>::WeightBoundTooLow);
			Self::remove(index, proposal, true);
			let result = call.dispatch(RawOrigin::Chambers.into());
			let used = frame_support::dispatch::extract_actual_weight(&result, &info);
			Self::deposit_event(Event::Executed { index, result: result.map(|_| ()).map_err(|e| e.error) });
			Ok(Some(T::WeightInfo::close_executed(votes, length).saturating_add(used)).into())
		}

		/// Authorize a runtime upgrade to code hashing to `code_hash` (its
		/// version is checked when applied); anyone then applies it with
		/// `system.applyAuthorizedUpgrade(code)`.
		///
		/// [`Config::UpgradeOrigin`] only. Emits [`Event::UpgradeAuthorized`]
		/// (and `system.UpgradeAuthorized`). O(1).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::authorize_upgrade())]
		pub fn authorize_upgrade(origin: OriginFor<T>, code_hash: T::Hash) -> DispatchResult {
			T::UpgradeOrigin::ensure_origin(origin)?;
			frame_system::Pallet::<T>::do_authorize_upgrade(code_hash, true);
			Self::deposit_event(Event::UpgradeAuthorized { code_hash });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `who` sits in `chamber`.
		pub fn is_member(chamber: Chamber, who: &T::AccountId) -> bool {
			Members::<T>::get(chamber).binary_search(who).is_ok()
		}

		/// Each chamber's votes on proposal `index` (counting current members
		/// only) and how many votes were read.
		pub fn tally(index: ProposalIndex) -> ([Tally; 3], u32) {
			let members = Chamber::ALL.map(Members::<T>::get);
			let mut tallies = members.each_ref().map(|m| Tally { members: m.len() as u32, ..Default::default() });
			let mut read = 0u32;
			for (who, (chamber, aye)) in Votes::<T>::iter_prefix(index) {
				read += 1;
				if members[chamber.index()].binary_search(&who).is_err() {
					continue;
				}
				let tally = &mut tallies[chamber.index()];
				if aye {
					tally.ayes += 1;
				} else {
					tally.nays += 1;
				}
			}
			(tallies, read)
		}

		/// Counts DAi burned by a verified task of `who` (the part of its fee
		/// nobody gets back, whoever the executor and the developer are)
		/// toward the User Chamber of the next term.
		pub fn note_payment(who: &T::AccountId, amount: BalanceOf<T>) {
			if amount.is_zero() {
				return;
			}
			let term = Term::<T>::get();
			let total = Paid::<T>::mutate(who, |entry| {
				let (at, paid) = entry.get_or_insert((term, Zero::zero()));
				if *at != term {
					*at = term;
					*paid = Zero::zero();
				}
				*paid = paid.saturating_add(amount);
				*paid
			});
			Patrons::<T>::mutate(|patrons| {
				if let Some(entry) = patrons.iter_mut().find(|(account, _)| account == who) {
					entry.1 = total;
				} else if patrons.try_push((who.clone(), total)).is_err() {
					// Full: it replaces the smallest payer if it paid more.
					let (smallest, _) = patrons
						.iter()
						.enumerate()
						.min_by_key(|(_, (_, paid))| *paid)
						.expect("a full list is not empty");
					if patrons[smallest].1 >= total {
						return;
					}
					patrons[smallest] = (who.clone(), total);
				}
				patrons.sort_by(|a, b| b.1.cmp(&a.1));
			});
		}

		/// Refreshes the three chambers from their sources and starts a new
		/// term of payments.
		pub fn refresh_chambers() {
			let max = T::MaxMembers::get();
			let users: Vec<T::AccountId> = Patrons::<T>::take()
				.into_iter()
				.filter(|(_, burned)| *burned >= T::MinPatronage::get())
				.map(|(who, _)| who)
				.collect();
			let sources = [T::ComputeSource::candidates(max), T::ModelSource::candidates(max), users];
			for (chamber, mut candidates) in Chamber::ALL.into_iter().zip(sources) {
				candidates.truncate(max as usize);
				let members = Self::sorted_members(candidates).expect("truncated to MaxMembers");
				let count = members.len() as u32;
				if count < T::MinMembers::get() {
					Self::deposit_event(Event::ChamberKept { chamber, candidates: count });
					continue;
				}
				Members::<T>::insert(chamber, members);
				Self::deposit_event(Event::ChamberRefreshed { chamber, members: count });
			}
			Term::<T>::mutate(|term| *term = term.wrapping_add(1));
		}

		/// The weight of [`Pallet::refresh_chambers`].
		pub fn refresh_weight() -> Weight {
			let max = T::MaxMembers::get();
			T::WeightInfo::refresh(max)
				.saturating_add(T::ComputeSource::weight(max))
				.saturating_add(T::ModelSource::weight(max))
		}

		/// Sorts and deduplicates `members`, within [`Config::MaxMembers`].
		fn sorted_members(mut members: Vec<T::AccountId>) -> Option<MembersOf<T>> {
			members.sort();
			members.dedup();
			members.try_into().ok()
		}

		/// The deposit of a proposal whose call encodes to `length` bytes.
		fn deposit_for(length: u32) -> BalanceOf<T> {
			T::ProposalDeposit::get().saturating_add(T::DepositPerByte::get().saturating_mul(length.into()))
		}

		/// `call` encoded, if it fits [`Config::MaxCallSize`].
		fn bounded_call(call: &T::Proposal) -> Result<BoundedVec<u8, T::MaxCallSize>, DispatchError> {
			Ok(call.encode().try_into().map_err(|_| Error::<T>::CallTooLong)?)
		}

		/// Proposal `index` if it is open and its voting period is not over.
		fn open_proposal(index: ProposalIndex) -> Result<ProposalOf<T>, DispatchError> {
			let proposal = Proposals::<T>::get(index).ok_or(Error::<T>::UnknownProposal)?;
			ensure!(frame_system::Pallet::<T>::block_number() <= proposal.end, Error::<T>::VotingEnded);
			Ok(proposal)
		}

		/// The most votes a proposal can hold: twice every seat of every
		/// chamber (members change each term while a proposal is open).
		pub fn max_votes() -> u32 {
			T::MaxMembers::get().saturating_mul(6)
		}

		/// Removes proposal `index` and its votes; returns the deposit if it
		/// was `dispatched`, else burns it.
		fn remove(index: ProposalIndex, proposal: ProposalOf<T>, dispatched: bool) {
			Proposals::<T>::remove(index);
			ProposalCalls::<T>::remove(index);
			let _ = Votes::<T>::clear_prefix(index, Self::max_votes(), None);
			OpenProposals::<T>::mutate(|open| *open = open.saturating_sub(1));
			let reason = HoldReason::Proposal.into();
			let outcome = if dispatched {
				T::Currency::release(&reason, &proposal.proposer, proposal.deposit, Precision::BestEffort).map(|_| ())
			} else {
				T::Currency::burn_held(
					&reason,
					&proposal.proposer,
					proposal.deposit,
					Precision::BestEffort,
					Fortitude::Force,
				)
				.map(|_| ())
			};
			debug_assert!(outcome.is_ok(), "a proposal's deposit is held");
		}

		/// Storage invariants: the open count matches, every proposal has its
		/// call, and chambers are sorted without duplicates.
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let open = Proposals::<T>::iter_keys().count() as u32;
			ensure!(open == OpenProposals::<T>::get(), "OpenProposals counts the proposals");
			for index in Proposals::<T>::iter_keys() {
				ensure!(ProposalCalls::<T>::contains_key(index), "every proposal has its call");
			}
			ensure!(ProposalCalls::<T>::iter_keys().count() as u32 == open, "no call without its proposal");
			for chamber in Chamber::ALL {
				let members = Members::<T>::get(chamber);
				ensure!(members.windows(2).all(|w| w[0] < w[1]), "chambers are sorted and unique");
			}
			Ok(())
		}
	}

	/// The origin of what only the three chambers together may do.
	pub struct EnsureTricameral;
	impl<O: Into<Result<RawOrigin, O>> + From<RawOrigin>> EnsureOrigin<O> for EnsureTricameral {
		type Success = ();

		fn try_origin(origin: O) -> Result<Self::Success, O> {
			origin.into().map(|RawOrigin::Chambers| ())
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn try_successful_origin() -> Result<O, ()> {
			Ok(O::from(RawOrigin::Chambers))
		}
	}
}
