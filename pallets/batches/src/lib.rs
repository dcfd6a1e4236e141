//! # Batches: many results settled with one committee signature
//!
//! The batch lane settles results that never touched the chain one by one.
//! A user prepays into an **escrow** for an executor ([`Pallet::deposit`])
//! and signs each request to that executor off chain ([`Request`]: model,
//! input hash, fee, request number and the running sum of its fees). An executor runs and proves it; the
//! committee's members verify the proofs off chain, put the results in a
//! Merkle tree ([`merkle`]) and sign a [`BatchHeader`]: the root, who pays
//! (each user's last request, whose signature authorises the debit) and who
//! earns (an [`Entry`] per executor and model, tiling the leaves in order).
//! The chain checks one aggregate signature and the header's bounded
//! tables, not the results: [`Pallet::submit_batch`] costs the same for a
//! hundred results or a million.
//!
//! - **Debits are the users' own**: a batch debits a user's escrow for an
//!   executor what its last signed request to that executor says it has
//!   spent, minus what it had paid before; its requests must follow its last
//!   settled one without gaps, so none is settled twice. Escrows and request
//!   numbers are per executor, so an executor's node alone knows whether a
//!   request is paid for: no other executor can spend it first.
//! - **Challenges**: a batch is paid out ([`Pallet::release_batch`]) only
//!   after `ChallengePeriod` blocks. Until then anyone may show, with one or
//!   two leaves and their Merkle paths, that it is wrong
//!   ([`Evidence`]): a proof that does not verify, a request its user did
//!   not sign, a leaf outside its entry or its user's range, a request
//!   settled twice, an entry total that is not its leaves' fees. The chain
//!   decides alone: if the batch is wrong it is void (the users keep their
//!   money), every signer is slashed as for an invalid result, and the
//!   challenger gets its deposit back and `ChallengeReward` of the slashes;
//!   if not, the challenger's deposit is burned.
//! - **Equivocation**: a member that signed two headers under one number in
//!   one epoch is slashed ([`Pallet::report_equivocation`]).
//! - **Who pays**: a valid batch is free to submit (whoever holds the
//!   aggregate may); an invalid one pays its weight. Each entry pays like a
//!   task: `BurnedShare` burned (it counts toward the executor's score, as
//!   in the market, so buying one's own results earns no more than bonding),
//!   `ExecutorShare` of the rest to the executor, the rest to the model's
//!   developer.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use released::{ReleasedResult, ReleasedResults};
pub use types::*;
pub use weights::WeightInfo;

mod availability;
mod challenges;
pub mod keeping;
pub mod merkle;
mod released;
pub mod runtime_api;
mod settlement;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use frame_support::weights::Weight;

/// The committee as batches need it.
pub trait BatchCommittee<AccountId> {
	/// An aggregate signature with its signers.
	type Attestation: frame_support::Parameter + codec::MaxEncodedLen;
	/// One member's own signature.
	type MemberSignature: frame_support::Parameter + codec::MaxEncodedLen;
	/// The epoch of the committee that signed `attestation`.
	fn epoch(attestation: &Self::Attestation) -> u64;
	/// The epoch in progress: [`BatchCommittee::verify_member`] knows its
	/// committee and the previous one's, no older.
	fn current_epoch() -> u64;
	/// Checks `attestation` of `payload`; returns who signed. Changes nothing.
	fn verify(attestation: &Self::Attestation, payload: &[u8]) -> Result<alloc::vec::Vec<AccountId>, sp_runtime::DispatchError>;
	/// Checks that `member` of the committee of `epoch` signed `payload`.
	fn verify_member(
		epoch: u64,
		member: &AccountId,
		payload: &[u8],
		signature: &Self::MemberSignature,
	) -> Result<(), sp_runtime::DispatchError>;
	/// The most [`BatchCommittee::verify`] costs.
	fn verify_weight() -> Weight;
	/// The most [`BatchCommittee::verify_member`] costs.
	fn verify_member_weight() -> Weight;
}

/// What a node's off-chain worker answers data requests with: the node's
/// providers, and a way to send a call signed by one of its compute keys
/// (see [`keeping`]).
pub trait LocalAnswerer<AccountId, Call> {
	/// The providers whose compute keys this node holds.
	fn local_providers() -> alloc::vec::Vec<AccountId>;
	/// Sends `call` signed with one of this node's compute keys.
	fn send(call: Call) -> Result<(), ()>;
}

/// A node that keeps no data and answers nothing.
impl<AccountId, Call> LocalAnswerer<AccountId, Call> for () {
	fn local_providers() -> alloc::vec::Vec<AccountId> {
		alloc::vec::Vec::new()
	}
	fn send(_: Call) -> Result<(), ()> {
		Err(())
	}
}

/// What the benchmarks need the runtime to prepare.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Signature> {
	/// A user account numbered `i` and its signature of `message`.
	fn user(i: u32) -> AccountId;
	/// `user`'s signature of `message` (`user` from [`BenchmarkHelper::user`]).
	fn sign(user: &AccountId, message: &[u8]) -> Signature;
	/// A provider numbered `i` with a bond (and a model it serves).
	fn provider(i: u32) -> AccountId;
	/// A registered model.
	fn model() -> pallet_compute_staking::ModelHash;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		dispatch::{DispatchResultWithPostInfo, Pays},
		pallet_prelude::*,
		traits::{
			fungible::{self, Inspect, MutateHold},
			tokens::Precision,
		},
	};
	use frame_system::pallet_prelude::*;
	use pallet_compute_staking::{ComputeProviders, ReportOutcome};
	use pallet_model_registry::ModelCatalog;
	use sp_core::H256;
	use sp_runtime::{
		traits::{BlakeTwo256, Hash, IdentifyAccount, Saturating, Verify, Zero},
		Perbill,
	};

	/// The balance type.
	pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A request in this runtime.
	pub type RequestOf<T> = Request<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	/// A leaf in this runtime.
	pub type LeafOf<T> = Leaf<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::Signature>;
	/// A batch header in this runtime.
	pub type HeaderOf<T> = BatchHeader<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		<T as Config>::Signature,
		<T as Config>::MaxUsers,
		<T as Config>::MaxEntries,
	>;
	/// An accepted batch in this runtime.
	pub type RecordOf<T> = BatchRecord<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxUsers,
		<T as Config>::MaxEntries,
		<T as Config>::MaxSigners,
	>;
	/// Challenge evidence in this runtime.
	pub type EvidenceOf<T> = Evidence<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::Signature>;
	/// A leaf with its path in this runtime.
	pub type LeafProofOf<T> = LeafProof<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::Signature>;
	/// A request's place in the lane: (user, executor, request number).
	pub type RequestKeyOf<T> =
		(<T as frame_system::Config>::AccountId, <T as frame_system::Config>::AccountId, u64);
	/// The attestation type of the committee.
	pub type AttestationOf<T> = <<T as Config>::Committee as BatchCommittee<<T as frame_system::Config>::AccountId>>::Attestation;
	/// A member's signature.
	pub type MemberSignatureOf<T> =
		<<T as Config>::Committee as BatchCommittee<<T as frame_system::Config>::AccountId>>::MemberSignature;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A user's prepaid balance for the batch lane.
		Escrow,
		/// A challenger's deposit while its challenge is decided.
		ChallengeDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency escrows and fees are in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// The signature users sign requests with.
		type Signature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>> + Parameter;

		/// Whitelisted models: developer, FLOPs, proof verification.
		type Models: ModelCatalog<Self::AccountId, BalanceOf<Self>>;

		/// The provider registry: who may execute, scores and slashes.
		type Providers: ComputeProviders<Self::AccountId, Balance = BalanceOf<Self>>
			+ ReportOutcome<Self::AccountId, Balance = BalanceOf<Self>>;

		/// The committee that signs batches.
		type Committee: BatchCommittee<Self::AccountId>;

		/// How this node's off-chain worker answers data requests with the
		/// data its members kept ([`crate::keeping`]).
		type Answerer: LocalAnswerer<Self::AccountId, Call<Self>>;

		/// The share of each fee burned (as in the task market).
		#[pallet::constant]
		type BurnedShare: Get<Perbill>;

		/// The executor's share of the rest (the developer gets the remainder).
		#[pallet::constant]
		type ExecutorShare: Get<Perbill>;

		/// Blocks after acceptance during which a batch may be challenged.
		#[pallet::constant]
		type ChallengePeriod: Get<BlockNumberFor<Self>>;

		/// Blocks between asking escrow back and withdrawing it (longer than a
		/// batch takes to land, so a user cannot run off with what it signed).
		#[pallet::constant]
		type UnlockDelay: Get<BlockNumberFor<Self>>;

		/// What a challenger puts down (burned if the batch was right).
		#[pallet::constant]
		type ChallengeDeposit: Get<BalanceOf<Self>>;

		/// The share of the signers' slashes a successful challenger receives
		/// (minted: the slashes are burned, so issuance still falls).
		#[pallet::constant]
		type ChallengeReward: Get<Perbill>;

		/// Blocks to answer a data request (and to challenge after an answer).
		#[pallet::constant]
		type AnswerPeriod: Get<BlockNumberFor<Self>>;

		/// The most open data requests per batch.
		#[pallet::constant]
		type MaxDataRequests: Get<u32>;

		/// The share of its signers' bonds a batch may move: fraud must cost
		/// the signers more than the batch is worth.
		#[pallet::constant]
		type StakeCover: Get<Perbill>;

		/// The most users in one batch.
		#[pallet::constant]
		type MaxUsers: Get<u32>;

		/// The most entries (executor and model pairs) in one batch.
		#[pallet::constant]
		type MaxEntries: Get<u32>;

		/// The largest committee.
		#[pallet::constant]
		type MaxSigners: Get<u32>;

		/// Accounts, signatures and providers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::Signature>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Each user's escrow for each executor, and its last settled request
	/// to it. Never removed: the request numbers must not start again.
	#[pallet::storage]
	pub type Escrows<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		Escrow<BalanceOf<T>, BlockNumberFor<T>>,
		ValueQuery,
	>;

	/// The number the next batch must carry.
	#[pallet::storage]
	pub type NextSequence<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Accepted batches, until released or voided.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageMap<_, Twox64Concat, u64, RecordOf<T>, OptionQuery>;

	/// Open data requests: batch number, (user, executor, request number)
	/// to the requester and the last block to answer.
	#[pallet::storage]
	pub type DataRequests<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		u64,
		Blake2_128Concat,
		RequestKeyOf<T>,
		(T::AccountId, BlockNumberFor<T>),
		OptionQuery,
	>;

	/// Released batches: number to root, leaf count and the block of
	/// release. Kept so that a user can later show, with a leaf's Merkle
	/// path, that its result was settled (a Compute NFT of it is minted that
	/// way, see [`ReleasedResults`]). One entry per batch, whatever its size.
	#[pallet::storage]
	pub type Released<T: Config> = StorageMap<_, Twox64Concat, u64, (H256, u32, BlockNumberFor<T>), OptionQuery>;

	/// Equivocations already punished: the epoch, then the batch number and
	/// the member. Needed only while the epoch's committee can still be
	/// checked (it and the next one); older epochs are pruned when blocks
	/// have room ([`Pallet::prune_equivocations`]).
	#[pallet::storage]
	pub type Equivocations<T: Config> =
		StorageDoubleMap<_, Twox64Concat, u64, Blake2_128Concat, (u64, T::AccountId), (), OptionQuery>;

	/// The epochs that may still hold [`Equivocations`]: the oldest and the
	/// newest (reports land only for the epoch in progress and the one
	/// before, so the range stays short), `None` when all are pruned.
	#[pallet::storage]
	pub type EquivocationEpochs<T: Config> = StorageValue<_, (u64, u64), OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `user` put `amount` into its escrow for `executor`.
		Deposited { user: T::AccountId, executor: T::AccountId, amount: BalanceOf<T> },
		/// `user` asked `amount` of its escrow for `executor` back,
		/// withdrawable from block `at`.
		Unlocking { user: T::AccountId, executor: T::AccountId, amount: BalanceOf<T>, at: BlockNumberFor<T> },
		/// `user` took `amount` out of its escrow for `executor`.
		Withdrawn { user: T::AccountId, executor: T::AccountId, amount: BalanceOf<T> },
		/// Batch `sequence` was accepted: `results` results under `root`,
		/// challengeable until `until`.
		BatchAccepted { sequence: u64, epoch: u64, root: H256, results: u32, until: BlockNumberFor<T> },
		/// Batch `sequence` was paid out: users paid `paid`, of which `burned`.
		BatchReleased { sequence: u64, paid: BalanceOf<T>, burned: BalanceOf<T> },
		/// Batch `sequence` was shown wrong by `challenger`: void, its signers
		/// slashed `slashed`, the challenger rewarded `reward`.
		BatchVoided { sequence: u64, challenger: T::AccountId, slashed: BalanceOf<T>, reward: BalanceOf<T> },
		/// `requester` asked for the data of `user`'s request `nonce` to
		/// `executor` in batch `sequence`, to be posted by block `deadline`.
		DataRequested {
			sequence: u64,
			user: T::AccountId,
			executor: T::AccountId,
			nonce: u64,
			requester: T::AccountId,
			deadline: BlockNumberFor<T>,
		},
		/// `answerer` posted the data of `user`'s request `nonce` to
		/// `executor` in batch `sequence` (in its transaction), and took the
		/// requester's deposit.
		DataAnswered { sequence: u64, user: T::AccountId, executor: T::AccountId, nonce: u64, answerer: T::AccountId },
		/// A challenge of batch `sequence` showed no fault: `challenger`'s
		/// deposit of `burned` was burned.
		ChallengeFailed { sequence: u64, challenger: T::AccountId, burned: BalanceOf<T> },
		/// `member` signed two headers for batch `sequence` in `epoch`: slashed
		/// `slashed`; `reporter` rewarded `reward`.
		Equivocated {
			member: T::AccountId,
			epoch: u64,
			sequence: u64,
			slashed: BalanceOf<T>,
			reporter: T::AccountId,
			reward: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The amount is zero.
		ZeroAmount,
		/// The executor of an escrow is not a registered provider.
		NotAProvider,
		/// More than the escrow has free of pending batches and unlocking.
		NotEnoughEscrow,
		/// Nothing is unlocking.
		NothingUnlocking,
		/// The unlocking delay has not passed.
		StillLocked,
		/// The batch does not carry the next batch number.
		WrongSequence,
		/// The batch has no results or no entries.
		EmptyBatch,
		/// The entries' counts do not add up to the results (or one is zero).
		EntriesDoNotTile,
		/// A user appears twice with one executor.
		DuplicateUser,
		/// A user's first request to an executor does not follow its last
		/// settled one, or its last comes before its first.
		WrongNonce,
		/// A user's signature of its last request does not verify.
		BadUserSignature,
		/// A user's last request says it spent less than it already paid.
		SpentDecreased,
		/// A user's escrow does not cover its debit.
		InsufficientEscrow,
		/// The users' requests do not number the results.
		CountMismatch,
		/// The users' debits to an executor are not its entries' gross.
		Unbalanced,
		/// An entry's model is not registered.
		UnknownModel,
		/// An entry's model is retired.
		RetiredModel,
		/// The batch moves more than `StakeCover` of its signers' bonds.
		ExceedsStake,
		/// The request is not in the batch.
		NotInBatch,
		/// That request's data was already requested.
		AlreadyRequested,
		/// As many data requests are open for the batch as allowed.
		TooManyRequests,
		/// No such data request is open.
		NotRequested,
		/// The data request can still be answered.
		AnswerOpen,
		/// The batch has an open data request: it is not released yet.
		DataPending,
		/// More signers than `MaxSigners`.
		TooManySigners,
		/// No such batch pending.
		UnknownBatch,
		/// The challenge window is still open.
		ChallengeOpen,
		/// The challenge window has closed.
		ChallengeClosed,
		/// A leaf's path does not lead to the batch's root.
		BadPath,
		/// The evidence's input, output or proof does not hash to the leaf's.
		EvidenceMismatch,
		/// Two leaves that must be adjacent, or distinct, are not.
		NotAdjacent,
		/// The two headers are the same.
		SameHeader,
		/// This member's equivocation for this batch was already punished.
		AlreadyReported,
		/// The batch was not released (it is pending, was voided, or never was).
		NotReleased,
		/// An arithmetic overflow.
		Overflow,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			NextSequence::<T>::put(1);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune_equivocations(remaining)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::answer_kept_requests(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Puts `amount` of the caller's balance on hold for its batch
		/// requests to `executor` (a registered provider).
		///
		/// Errors: `ZeroAmount`, `NotAProvider`, or the currency's if the
		/// balance is short. Event: `Deposited`.
		#[pallet::call_index(0)]
		// The executor's provider record read on top of the measured weight
		// (measured before escrows were per executor).
		#[pallet::weight(T::WeightInfo::deposit().saturating_add(T::DbWeight::get().reads(1)))]
		pub fn deposit(origin: OriginFor<T>, executor: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			let user = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			ensure!(T::Providers::view_of(&executor).is_some(), Error::<T>::NotAProvider);
			T::Currency::hold(&HoldReason::Escrow.into(), &user, amount)?;
			Escrows::<T>::mutate(&user, &executor, |e| e.held = e.held.saturating_add(amount));
			Self::deposit_event(Event::Deposited { user, executor, amount });
			Ok(())
		}

		/// Asks `amount` of the escrow for `executor` back (added to what is
		/// unlocking); withdrawable after `UnlockDelay` blocks, counted from
		/// now. Batches may still debit it until then.
		///
		/// Errors: `ZeroAmount`, `NotEnoughEscrow`. Event: `Unlocking`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unlock())]
		pub fn unlock(origin: OriginFor<T>, executor: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			let user = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let at = frame_system::Pallet::<T>::block_number().saturating_add(T::UnlockDelay::get());
			let total = Escrows::<T>::try_mutate(&user, &executor, |e| {
				let unlocking = e.unlocking.map_or(Zero::zero(), |(a, _)| a);
				let total = unlocking.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
				ensure!(total <= e.held.saturating_sub(e.committed), Error::<T>::NotEnoughEscrow);
				e.unlocking = Some((total, at));
				Ok::<_, Error<T>>(total)
			})?;
			Self::deposit_event(Event::Unlocking { user, executor, amount: total, at });
			Ok(())
		}

		/// Withdraws what is unlocking of the escrow for `executor` once its
		/// delay has passed (less what batches debited meanwhile).
		///
		/// Errors: `NothingUnlocking`, `StillLocked`. Event: `Withdrawn`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>, executor: T::AccountId) -> DispatchResult {
			let user = ensure_signed(origin)?;
			let mut escrow = Escrows::<T>::get(&user, &executor);
			let (amount, at) = escrow.unlocking.ok_or(Error::<T>::NothingUnlocking)?;
			ensure!(frame_system::Pallet::<T>::block_number() >= at, Error::<T>::StillLocked);
			let amount = amount.min(escrow.held.saturating_sub(escrow.committed));
			T::Currency::release(&HoldReason::Escrow.into(), &user, amount, Precision::Exact)?;
			escrow.held = escrow.held.saturating_sub(amount);
			escrow.unlocking = None;
			Escrows::<T>::insert(&user, &executor, escrow);
			Self::deposit_event(Event::Withdrawn { user, executor, amount });
			Ok(())
		}

		/// Accepts batch `header`, signed by the committee (`attestation` over
		/// [`batch_payload`] of its number and hash): the users' debits are
		/// set aside until the batch is released. Free when accepted;
		/// anyone may send it.
		///
		/// Errors: `WrongSequence`, `EmptyBatch`, `EntriesDoNotTile`, the
		/// committee's, `TooManySigners`, `DuplicateUser`, `WrongNonce`,
		/// `BadUserSignature`, `SpentDecreased`, `InsufficientEscrow`,
		/// `CountMismatch`, `Unbalanced`, `UnknownModel`, `RetiredModel`,
		/// `ExceedsStake`, `Overflow`.
		/// Event: `BatchAccepted`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::Committee::verify_weight().saturating_add(
			T::WeightInfo::accept_batch(header.users.len() as u32, header.entries.len() as u32)
		))]
		pub fn submit_batch(
			origin: OriginFor<T>,
			header: HeaderOf<T>,
			attestation: AttestationOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			ensure!(header.sequence == NextSequence::<T>::get(), Error::<T>::WrongSequence);
			let payload = batch_payload(header.sequence, BlakeTwo256::hash_of(&header));
			let signers = T::Committee::verify(&attestation, &payload)?;
			let signers = BoundedVec::try_from(signers).map_err(|_| Error::<T>::TooManySigners)?;
			Self::accept(header, T::Committee::epoch(&attestation), signers)?;
			Ok(Pays::No.into())
		}

		/// Pays out batch `sequence` once its challenge window has closed:
		/// each entry's gross, burned share, executor share and developer
		/// share, from its users' escrows; each entry counts toward its
		/// executor's score. Anyone may.
		///
		/// Errors: `UnknownBatch`, `ChallengeOpen`. Event: `BatchReleased`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::release_batch(T::MaxUsers::get(), T::MaxEntries::get()))]
		pub fn release_batch(origin: OriginFor<T>, sequence: u64) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let record = Batches::<T>::get(sequence).ok_or(Error::<T>::UnknownBatch)?;
			ensure!(frame_system::Pallet::<T>::block_number() > record.challenge_until, Error::<T>::ChallengeOpen);
			ensure!(DataRequests::<T>::iter_prefix(sequence).next().is_none(), Error::<T>::DataPending);
			let weight = T::WeightInfo::release_batch(record.debits.len() as u32, record.entries.len() as u32);
			Self::release(sequence, record)?;
			Ok(Some(weight).into())
		}

		/// Challenges batch `sequence` with `evidence`, putting down
		/// `ChallengeDeposit`. If the evidence shows the batch wrong, it is
		/// void, its signers are slashed and the caller is rewarded; if not,
		/// the deposit is burned.
		///
		/// Errors (nothing changes): `UnknownBatch`, `ChallengeClosed`,
		/// `BadPath`, `EvidenceMismatch`, `NotAdjacent`, or the currency's if
		/// the deposit cannot be held. Events: `BatchVoided` or
		/// `ChallengeFailed`.
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::challenge_weight(evidence))]
		pub fn challenge(origin: OriginFor<T>, sequence: u64, evidence: EvidenceOf<T>) -> DispatchResult {
			let challenger = ensure_signed(origin)?;
			Self::do_challenge(challenger, sequence, evidence)
		}

		/// Reports that `member` of the committee of `epoch` signed two
		/// different headers (`first` and `second`, their hashes) for batch
		/// `sequence`. The member is slashed as for an invalid result; the
		/// reporter gets `ChallengeReward` of the slash. Free when it lands.
		///
		/// Errors: `SameHeader`, `AlreadyReported`, the committee's (not a
		/// member of that epoch's committee, a bad signature).
		/// Event: `Equivocated`.
		#[pallet::call_index(6)]
		// The range of epochs read and written on top of the measured weight
		// (measured before the range existed).
		#[pallet::weight(T::Committee::verify_member_weight()
			.saturating_mul(2)
			.saturating_add(T::WeightInfo::report_equivocation())
			.saturating_add(T::DbWeight::get().reads_writes(1, 1)))]
		#[allow(clippy::too_many_arguments)]
		pub fn report_equivocation(
			origin: OriginFor<T>,
			member: T::AccountId,
			epoch: u64,
			sequence: u64,
			first: (H256, MemberSignatureOf<T>),
			second: (H256, MemberSignatureOf<T>),
		) -> DispatchResultWithPostInfo {
			let reporter = ensure_signed(origin)?;
			ensure!(first.0 != second.0, Error::<T>::SameHeader);
			ensure!(!Equivocations::<T>::contains_key(epoch, (sequence, &member)), Error::<T>::AlreadyReported);
			for (hash, signature) in [&first, &second] {
				T::Committee::verify_member(epoch, &member, &batch_payload(sequence, *hash), signature)?;
			}
			Self::punish_equivocation(reporter, member, epoch, sequence);
			Ok(Pays::No.into())
		}

		/// Asks for the data of `user`'s request `nonce` to `executor` in
		/// batch `sequence` (its leaf, path, input, output and proof), putting down
		/// `ChallengeDeposit`, which goes to whoever answers. Unanswered
		/// within `AnswerPeriod`, the batch is void ([`Pallet::void_unanswered`]).
		///
		/// Errors: `UnknownBatch`, `ChallengeClosed`, `NotInBatch`,
		/// `AlreadyRequested`, `TooManyRequests`, or the currency's.
		/// Event: `DataRequested`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::request_data())]
		pub fn request_data(
			origin: OriginFor<T>,
			sequence: u64,
			user: T::AccountId,
			executor: T::AccountId,
			nonce: u64,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_request_data(requester, sequence, (user, executor, nonce))
		}

		/// Answers a data request of batch `sequence` with `answer`, an
		/// [`Evidence::Proof`] of the requested leaf: the data is then public
		/// and the batch challengeable for `AnswerPeriod` more blocks.
		///
		/// Errors: `EvidenceMismatch` (another kind of evidence, or data that
		/// does not hash to the leaf's), `UnknownBatch`, `NotRequested`,
		/// `BadPath`. Event: `DataAnswered`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::answer_data())]
		pub fn answer_data(origin: OriginFor<T>, sequence: u64, answer: EvidenceOf<T>) -> DispatchResult {
			let answerer = ensure_signed(origin)?;
			Self::do_answer_data(answerer, sequence, answer)
		}

		/// Voids batch `sequence` because the data of `user`'s request `nonce`
		/// to `executor` was requested and not posted in time: its signers
		/// are slashed and the requester rewarded. Anyone may.
		///
		/// Errors: `UnknownBatch`, `NotRequested`, `AnswerOpen`.
		/// Event: `BatchVoided`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::challenge(T::MaxSigners::get(), T::MaxUsers::get()))]
		pub fn void_unanswered(
			origin: OriginFor<T>,
			sequence: u64,
			user: T::AccountId,
			executor: T::AccountId,
			nonce: u64,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_void_unanswered(sequence, (user, executor, nonce))
		}
	}

	impl<T: Config> Pallet<T> {
		/// The genesis hash, which requests are signed under.
		pub(crate) fn genesis() -> T::Hash {
			frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero())
		}

		/// What `user` signs for `request` on this chain.
		pub fn request_message(request: &RequestOf<T>) -> [u8; 32] {
			request_message(&Self::genesis(), request)
		}

		/// Whether `signature` is `request`'s user's over it.
		pub(crate) fn signed_by_user(request: &RequestOf<T>, signature: &T::Signature) -> bool {
			signature.verify(&Self::request_message(request)[..], &request.user)
		}

		/// Slashes `member` for signing two headers for batch `sequence` in
		/// `epoch` (the signatures checked) and rewards `reporter`.
		pub(crate) fn punish_equivocation(reporter: T::AccountId, member: T::AccountId, epoch: u64, sequence: u64) {
			Equivocations::<T>::insert(epoch, (sequence, &member), ());
			EquivocationEpochs::<T>::mutate(|range| {
				*range = Some(match *range {
					Some((oldest, newest)) => (oldest.min(epoch), newest.max(epoch)),
					None => (epoch, epoch),
				})
			});
			let slashed = <T::Providers as ReportOutcome<_>>::invalid_result(&member);
			let reward = Self::reward(&reporter, slashed);
			Self::deposit_event(Event::Equivocated { member, epoch, sequence, slashed, reporter, reward });
		}

		/// Removes the [`Equivocations`] of epochs older than the one before
		/// the epoch in progress (no report for them can be checked any more),
		/// oldest first, as far as `remaining` weight allows. Returns the
		/// weight used.
		pub(crate) fn prune_equivocations(remaining: Weight) -> Weight {
			let db = T::DbWeight::get();
			// Each removal reads and deletes one key.
			let per_key = db.reads_writes(1, 1);
			// The range and the epoch read, the range written, one prefix
			// visited (the backend's look past its last key), one key removed:
			// with less room than this, do nothing.
			let least = db.reads(3).saturating_add(db.writes(1)).saturating_add(per_key);
			if !remaining.all_gte(least) {
				return Weight::zero();
			}
			let mut used = db.reads(1);
			let Some((first, newest)) = EquivocationEpochs::<T>::get() else { return used };
			let stale_below = T::Committee::current_epoch().saturating_sub(1);
			used = used.saturating_add(db.reads(1)).saturating_add(db.writes(1));
			let mut oldest = first;
			while oldest < stale_below && oldest <= newest {
				let Some(room) = remaining.checked_sub(&used.saturating_add(db.reads(1))) else { break };
				let limit =
					room.ref_time().checked_div(per_key.ref_time()).unwrap_or(u64::MAX).min(u32::MAX as u64) as u32;
				if limit == 0 {
					break;
				}
				let removed = Equivocations::<T>::clear_prefix(oldest, limit, None);
				used = used.saturating_add(db.reads(1)).saturating_add(per_key.saturating_mul(removed.loops as u64));
				if removed.maybe_cursor.is_some() {
					break;
				}
				oldest = oldest.saturating_add(1);
			}
			if oldest > newest {
				EquivocationEpochs::<T>::kill();
			} else if oldest != first {
				EquivocationEpochs::<T>::put((oldest, newest));
			}
			used
		}

		/// Mints `ChallengeReward` of `slashed` to `to` (nothing if it cannot
		/// be deposited). Returns what was minted.
		pub(crate) fn reward(to: &T::AccountId, slashed: BalanceOf<T>) -> BalanceOf<T> {
			use frame_support::traits::fungible::Mutate;
			let reward = T::ChallengeReward::get() * slashed;
			if reward.is_zero() || T::Currency::mint_into(to, reward).is_err() {
				return Zero::zero();
			}
			reward
		}

		/// The most a challenge with `evidence` costs: the deciding check (a
		/// proof's verification for [`Evidence::Proof`]) and voiding the
		/// batch with the largest committee.
		pub fn challenge_weight(evidence: &EvidenceOf<T>) -> Weight {
			let check = match evidence {
				Evidence::Proof { input, output, .. } =>
					T::Models::verification_weight((1 + input.len() + output.len()) as u32),
				_ => Weight::zero(),
			};
			T::WeightInfo::challenge(T::MaxSigners::get(), T::MaxUsers::get()).saturating_add(check)
		}

		#[cfg(any(feature = "try-runtime", test))]
		pub(crate) fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use frame_support::traits::fungible::InspectHold;
			use sp_runtime::traits::CheckedAdd;
			let mut committed: alloc::collections::BTreeMap<(T::AccountId, T::AccountId), BalanceOf<T>> =
				Default::default();
			match EquivocationEpochs::<T>::get() {
				Some((oldest, newest)) => ensure!(
					oldest <= newest && Equivocations::<T>::iter_keys().all(|(e, _)| (oldest..=newest).contains(&e)),
					"every equivocation record lies in the range of epochs kept"
				),
				None => ensure!(Equivocations::<T>::iter_keys().next().is_none(), "no range, no records"),
			}
			for sequence in Released::<T>::iter_keys() {
				ensure!(sequence < NextSequence::<T>::get(), "a released batch was numbered before the next");
				ensure!(!Batches::<T>::contains_key(sequence), "a released batch is no longer pending");
			}
			for (sequence, record) in Batches::<T>::iter() {
				ensure!(sequence < NextSequence::<T>::get(), "a recorded batch was numbered before the next");
				let gross = record.entries.iter().try_fold(BalanceOf::<T>::zero(), |sum, e| sum.checked_add(&e.gross));
				let debits = record.debits.iter().try_fold(BalanceOf::<T>::zero(), |sum, d| sum.checked_add(&d.2));
				ensure!(gross.is_some() && gross == debits, "a batch's debits are its entries' gross");
				for (user, executor, debit) in record.debits {
					let sum = committed.entry((user, executor)).or_default();
					*sum = sum.checked_add(&debit).ok_or("committed overflows")?;
				}
			}
			let mut held: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
			for (user, executor, escrow) in Escrows::<T>::iter() {
				ensure!(
					escrow.committed == committed.remove(&(user.clone(), executor)).unwrap_or_default(),
					"an escrow's committed amount is what pending batches debit it"
				);
				ensure!(escrow.committed <= escrow.held, "nothing is committed beyond what is held");
				let sum = held.entry(user).or_default();
				*sum = sum.checked_add(&escrow.held).ok_or("held overflows")?;
			}
			for (user, held) in held {
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::Escrow.into(), &user) == held,
					"a user's escrows together are what it has on hold"
				);
			}
			ensure!(committed.is_empty(), "every debited user has an escrow");
			let mut requests: alloc::collections::BTreeMap<T::AccountId, u32> = Default::default();
			for (sequence, _, (requester, _)) in DataRequests::<T>::iter() {
				ensure!(Batches::<T>::contains_key(sequence), "a data request is of a pending batch");
				*requests.entry(requester).or_default() += 1;
			}
			for (requester, count) in requests {
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::ChallengeDeposit.into(), &requester) ==
						T::ChallengeDeposit::get() * count.into(),
					"a requester's deposits are held, one per open request"
				);
			}
			Ok(())
		}
	}
}
