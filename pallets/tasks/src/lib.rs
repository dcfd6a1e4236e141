//! # Tasks
//!
//! The inference market: users submit tasks, the scheduler assigns them to
//! providers, providers submit proven results, the runtime verifies and
//! settles them.
//!
//! ## Overview
//!
//! - `submit_task(model, input, verification, max_fee, payment)` sets
//!   `max_fee` aside (a hold in DAi, or credits taken) and queues the task.
//!   The chain accepts only what its model's circuit can prove: the input's
//!   length and every value within the model's `input_min..=input_max`; and
//!   only models some provider serves. An account has at most
//!   `MaxOpenPerAccount` tasks open.
//! - The scheduler assigns a task in the block that includes it: at each
//!   block's end (`on_finalize`) it assigns up to `MaxAssignPerBlock` queued
//!   tasks, oldest first, within what is left of the block's weight (at most
//!   `SchedulerWeight`), so the provider's worker sees its assignment as soon
//!   as the block is imported. What is left (no provider free, no room)
//!   waits for a later block's end. Each task
//!   goes to a provider that serves the model, has the GPU memory it needs,
//!   a reputation of at least `MinReputation` and has not failed or declined
//!   it, drawn at random with probability proportional to
//!   `reputation × bond / (1 + open tasks)`. The draw mixes the BABE VRF
//!   outputs of the block and its parent, the block's own not public when
//!   the task was signed: the submitter can neither predict nor steer who gets
//!   it, and no self-declared field wins ties. A task nobody can serve waits
//!   in the bounded queue and is refunded after `QueueTimeout` blocks.
//! - The assigned provider's off-chain worker proves the task with the proof
//!   bound to the task and the provider ([`task_binding`]), checks the proof
//!   itself, and submits it signed with its compute key (`submit_result`).
//!   The runtime verifies it against the model's verifying key. Valid: the
//!   task is settled. Invalid: the provider is slashed (compute staking) and
//!   the task goes back to the queue. A provider that cannot answer declines
//!   (`decline_task`, a small reputation cost, bounded per session) rather
//!   than let the deadline pass (reputation, a small slash). After
//!   [`MAX_ATTEMPTS`] providers the task is refunded.
//! - Settlement charges the model's price (at submission): `BurnedShare`
//!   (10%) is burned, `ExecutorShare` (80%) of the rest goes to the executor
//!   and the remainder to the developer, the rest of `max_fee` back to the
//!   user. The burned part is what counts toward the executor's
//!   Proof-of-Compute score and caps the credits it earns, and a task the
//!   provider submitted itself counts for nothing: raising one's score by
//!   buying one's own tasks burns at least what bonding the same score locks.
//!   [`Config::OnSettled`] is told (Compute NFTs, rewards). No path creates
//!   funds; the only ones destroyed are the burned shares.
//! - Verified results (output, output hash, proof hash) are kept for
//!   `ResultRetention` blocks, at most `MaxRetained` in all and
//!   `MaxRetainedPerAccount` per account: an account's new result pushes out
//!   its own oldest, so one account cannot flush other users' results.
//!   Readable through the runtime API and the `TaskCompleted` event.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use domains::{DomainRules, DomainTerms, Preference};
pub use types::*;
pub use weights::WeightInfo;

pub mod domains;
mod redundant;
mod scheduler;
mod settlement;
mod worker;
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
			fungible::{self, Inspect, MutateHold},
			Randomness,
		},
	};
	use frame_system::pallet_prelude::*;
	use pallet_compute_staking::{ComputeProviders, ReportOutcome};
	use pallet_credits::CreditLedger;
	use pallet_model_registry::{ModelCatalog, ModelHash, MAX_PUBLIC_INPUTS};
	use crate::types::Task;
	use sp_runtime::Perbill;

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A task in this runtime.
	pub type TaskOf<T> = Task<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// A task's crossings in this runtime.
	pub type CrossingsOf<T> = CrossingList<<T as frame_system::Config>::AccountId>;
	/// A result in this runtime.
	pub type TaskResultOf<T> =
		TaskResult<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The most a user's queued or running task may cost.
		#[codec(index = 0)]
		TaskFee,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency fees are paid in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// The whitelisted models and proof verification.
		type Models: ModelCatalog<Self::AccountId, BalanceOf<Self>>;

		/// The compute providers: who serves what, and where outcomes go.
		type Providers: ComputeProviders<Self::AccountId, Balance = BalanceOf<Self>>
			+ ReportOutcome<Self::AccountId, Balance = BalanceOf<Self>>;

		/// Compute credits, the other way to pay.
		type Credits: CreditLedger<Self::AccountId>;

		/// This node's compute engine and keys, for the off-chain worker.
		type LocalCompute: LocalCompute<Self::AccountId>;

		/// The Compute NFTs, whose outputs may be a later task's input.
		type Tokens: ComputeTokens<Self::AccountId>;

		/// The committee that attests redundantly executed tasks.
		type Committee: TaskCommittee<Self::AccountId>;

		/// Told of each settled task.
		type OnSettled: OnTaskSettled<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;

		/// The sovereign domains: where a task may run and how pay crosses
		/// their boundaries.
		type Domains: DomainRules<Self::AccountId, BalanceOf<Self>>;

		/// The latest VRF randomness (BABE's output of the parent block's
		/// author), which the scheduler mixes with the one before: made after
		/// any task it assigns was queued. `None` (no VRF output) means no
		/// assignment in this block.
		type Randomness: Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// The part of each fee that is burned: what counts toward the
		/// executor's selection score and caps the credits it earns.
		#[pallet::constant]
		type BurnedShare: Get<Perbill>;

		/// The executor's share of a fee after the burn; the developer gets the rest.
		#[pallet::constant]
		type ExecutorShare: Get<Perbill>;

		/// The least reputation of a provider the scheduler assigns to.
		#[pallet::constant]
		type MinReputation: Get<Perbill>;

		/// Blocks an assigned provider has to submit its result.
		#[pallet::constant]
		type ResultTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks a task may wait for a provider before it is refunded.
		#[pallet::constant]
		type QueueTimeout: Get<BlockNumberFor<Self>>;

		/// Most tasks waiting for a provider.
		#[pallet::constant]
		type MaxQueued: Get<u32>;

		/// Most tasks assigned and running at once.
		#[pallet::constant]
		type MaxAssigned: Get<u32>;

		/// Most tasks the scheduler assigns in one block.
		#[pallet::constant]
		type MaxAssignPerBlock: Get<u32>;

		/// The most weight the scheduler's assignments may use in one block.
		#[pallet::constant]
		type SchedulerWeight: Get<Weight>;

		/// Most tasks one account may have queued or running.
		#[pallet::constant]
		type MaxOpenPerAccount: Get<u32>;

		/// Blocks a verified result stays in storage.
		#[pallet::constant]
		type ResultRetention: Get<BlockNumberFor<Self>>;

		/// Most results kept; the oldest goes first when full.
		#[pallet::constant]
		type MaxRetained: Get<u32>;

		/// Most results kept for one account; its own oldest goes first.
		#[pallet::constant]
		type MaxRetainedPerAccount: Get<u32>;

		/// Prepares what the benchmarks need from other pallets.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next task gets.
	#[pallet::storage]
	pub type NextTaskId<T: Config> = StorageValue<_, TaskId, ValueQuery>;

	/// Tasks, from submission until their result (or refund) is pruned.
	#[pallet::storage]
	pub type Tasks<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskOf<T>, OptionQuery>;

	/// Tasks waiting for a provider, oldest first.
	#[pallet::storage]
	pub type Queue<T: Config> = StorageValue<_, BoundedVec<TaskId, T::MaxQueued>, ValueQuery>;

	/// Tasks assigned to a provider and waiting for its result.
	#[pallet::storage]
	pub type Running<T: Config> = StorageValue<_, BoundedVec<TaskId, T::MaxAssigned>, ValueQuery>;

	/// The executors of each redundant task being executed, and what they sent.
	#[pallet::storage]
	pub type Executions<T: Config> =
		StorageMap<_, Twox64Concat, TaskId, crate::types::ExecutorList<T::AccountId>, OptionQuery>;

	/// Verified results.
	#[pallet::storage]
	pub type Results<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskResultOf<T>, OptionQuery>;

	/// Settled tasks in settling order, with the block at which they and
	/// their results are pruned.
	#[pallet::storage]
	pub type Retained<T: Config> =
		StorageValue<_, BoundedVec<(BlockNumberFor<T>, TaskId), T::MaxRetained>, ValueQuery>;

	/// Each account's retained results, oldest first.
	#[pallet::storage]
	pub type RetainedOf<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BoundedVec<TaskId, T::MaxRetainedPerAccount>, ValueQuery>;

	/// Tasks each account has queued or running.
	#[pallet::storage]
	pub type OpenTasks<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The previous block's randomness, mixed into this block's assignments.
	#[pallet::storage]
	pub type PreviousRandomness<T: Config> = StorageValue<_, T::Hash, OptionQuery>;

	/// The executors of an assigned task that work across a domain boundary,
	/// as the draw found them: the sides and the serving domain's markup
	/// then. Settlement pays by this record, so a policy or membership
	/// changed after the draw changes nothing about the task's price.
	#[pallet::storage]
	pub type Crossings<T: Config> = StorageMap<_, Twox64Concat, TaskId, CrossingsOf<T>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A task was submitted and `max_fee` set aside.
		TaskSubmitted { task: TaskId, owner: T::AccountId, model: ModelHash, max_fee: BalanceOf<T>, payment: Payment },
		/// A task was assigned to `provider`, due by `deadline`.
		TaskAssigned { task: TaskId, provider: T::AccountId, deadline: BlockNumberFor<T> },
		/// A result was verified and the fee split.
		TaskCompleted {
			task: TaskId,
			provider: T::AccountId,
			output_hash: sp_core::H256,
			proof_hash: sp_core::H256,
			executor_paid: BalanceOf<T>,
			developer_paid: BalanceOf<T>,
			burned: BalanceOf<T>,
			refunded: BalanceOf<T>,
		},
		/// A result failed verification; the provider was slashed `slashed`.
		ResultRejected { task: TaskId, provider: T::AccountId, slashed: BalanceOf<T> },
		/// A result of a `submit_results` call was not taken, for `error`
		/// (the task was no longer the provider's, or the result is not for
		/// it as it is): the others were.
		ResultSkipped { task: TaskId, error: DispatchError },
		/// The assigned provider missed the deadline; it was slashed `slashed`.
		DeadlineMissed { task: TaskId, provider: T::AccountId, slashed: BalanceOf<T> },
		/// The assigned provider declined the task (its engine could not
		/// answer, or its own check of the proof failed), saying why.
		TaskDeclined { task: TaskId, provider: T::AccountId, reason: DeclineReason },
		/// A task was refunded in full.
		TaskRefunded { task: TaskId, owner: T::AccountId, amount: BalanceOf<T> },
		/// An executor of a redundant task committed to its output.
		OutputCommitted { task: TaskId, provider: T::AccountId },
		/// An executor of a redundant task revealed its output.
		OutputRevealed { task: TaskId, provider: T::AccountId, output_hash: sp_core::H256 },
		/// The committee attested the output of a redundant task: `agreed`
		/// executors had it (and were paid), the others were slashed
		/// (`ResultRejected`); `signers` members signed.
		OutputAttested { task: TaskId, output_hash: sp_core::H256, signers: u32, agreed: u32 },
		/// No attestation of a redundant task's output came in time: the
		/// task was refunded, its executors neither paid nor slashed.
		AttestationMissed { task: TaskId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this hash.
		UnknownModel,
		/// The model is retired.
		ModelRetired,
		/// The input does not have the model's input size.
		WrongInputShape,
		/// An input value is outside the model's `input_min..=input_max`: its
		/// circuit could not prove it.
		InputOutOfRange,
		/// Fewer providers serve the model than the task needs (one, or a
		/// redundant task's executors): it could not be served.
		NoProvider,
		/// The submitter's sovereign domain does not allow the model inside.
		ModelNotAllowedInDomain,
		/// Providers serve the model, but too few of them may run this task
		/// under the domains' policies (the submitter's domain keeps its
		/// data inside, or the others do not serve outsiders, do not allow
		/// the model, ask a markup above `max_fee`, or the task is paid in
		/// credits, which do not cross a boundary).
		NoProviderInDomain,
		/// No Compute NFT has this id (never minted, or burned).
		UnknownCnft,
		/// The Compute NFT belongs to someone else: only its owner may use its output.
		NotCnftOwner,
		/// The account has `MaxOpenPerAccount` tasks open already.
		TooManyOpenTasks,
		/// The output does not have the model's output size.
		WrongOutputShape,
		/// `max_fee` is below the model's price (times the executors of a redundant task).
		FeeBelowPrice,
		/// The balance (or credit balance) cannot cover `max_fee`.
		InsufficientBalance,
		/// A redundant task needs between 2 and `MAX_REDUNDANCY` executors.
		RedundancyOutOfRange,
		/// No committee has been drawn yet to attest a redundant task.
		NoCommittee,
		/// The queue is full; try again later.
		QueueFull,
		/// No task has this id.
		UnknownTask,
		/// The signer is not the compute key of a provider.
		NotAComputeKey,
		/// The task is not assigned to the signer's provider.
		NotAssignedProvider,
		/// The task is already settled.
		TaskClosed,
		/// The result was made for another input than the task's: the
		/// provider's node saw another version of the task (a fork). Not
		/// slashed; the provider answers the task as it now is.
		InputChanged,
		/// The task is not verified by redundant execution, or not in the
		/// phase this step belongs to.
		WrongPhase,
		/// The executor has already committed to its output.
		AlreadyCommitted,
		/// The executor has already revealed its output.
		AlreadyRevealed,
		/// The revealed output is not the one the executor committed to.
		CommitmentMismatch,
		/// A `submit_results` call carries no result.
		NoResults,
		/// A result of a `submit_results` call is for a task of another model
		/// than the call's.
		OtherModel,
		/// A `submit_results` call carries two results for one task.
		DuplicateResult,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Expires overdue tasks, refunds tasks that waited too long and
		/// prunes old results.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::run_scheduler(now)
		}

		/// Assigns queued tasks (this block's among them) with the block's own randomness.
		fn on_finalize(now: BlockNumberFor<T>) {
			Self::assign_at_block_end(now);
		}

		/// Answers the tasks assigned to this node's providers (see `worker.rs`).
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::answer_assigned_tasks(now);
			Self::attest_revealed_tasks(now);
		}

		fn integrity_test() {
			assert!(T::MaxAssignPerBlock::get() > 0, "the scheduler must assign something");
			assert!(!T::ResultTimeout::get().is_zero(), "providers need time");
			assert!(T::MaxOpenPerAccount::get() > 0, "accounts must be able to submit");
			assert!(T::MaxRetainedPerAccount::get() > 0, "results must be retained");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submit an inference task; `max_fee` is set aside until settlement.
		///
		/// The input is either values or the output of a Compute NFT the
		/// signer owns ([`TaskInput`]). Signed by the user. Emits
		/// [`Event::TaskSubmitted`]. A redundant task sets aside `k` times the
		/// model's price (and pays for the executions revealed). Errors:
		/// `UnknownModel`, `ModelRetired`, `RedundancyOutOfRange`,
		/// `NoCommittee`, `UnknownCnft`, `NotCnftOwner`,
		/// `WrongInputShape`, `InputOutOfRange`, `NoProvider`, `FeeBelowPrice`,
		/// `ModelNotAllowedInDomain`, `NoProviderInDomain`,
		/// `TooManyOpenTasks`, `QueueFull`, `InsufficientBalance`. O(input).
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::submit_task_weight(input).saturating_add(Pallet::<T>::domain_scan_weight(None)))]
		pub fn submit_task(
			origin: OriginFor<T>,
			model: ModelHash,
			input: TaskInput,
			verification: Verification,
			max_fee: BalanceOf<T>,
			payment: Payment,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			let weight = Self::submit_task_weight(&input);
			let source = match input {
				TaskInput::Cnft(item) => Some(item),
				TaskInput::Values(_) => None,
			};
			let input = Self::input_values(&owner, &model, input)?;
			let (_, read) = Self::do_submit(owner, model, input, source, verification, max_fee, payment)?;
			Ok(Some(weight.saturating_add(Self::domain_scan_weight(Some(read)))).into())
		}

		/// Submit the result of an assigned task with its proof.
		///
		/// `input_hash` is blake2-256 of the SCALE-encoded input the provider
		/// proved: a result made for another version of the task (the
		/// provider's node followed a fork on which task `task` was another
		/// submission) is refused by name (`InputChanged`) instead of being
		/// slashed as invalid.
		///
		/// Signed by the compute key of the assigned provider. A valid proof
		/// settles the task ([`Event::TaskCompleted`]); an invalid one slashes
		/// the provider and requeues the task ([`Event::ResultRejected`]),
		/// which is a successful call. Errors (nothing changes): `UnknownTask`,
		/// `NotAComputeKey`, `NotAssignedProvider`, `TaskClosed`,
		/// `InputChanged`, `WrongOutputShape`. One Groth16 verification, whose cost grows with
		/// the model's public inputs (input + output values): the call is
		/// charged for the most a key can have and refunded down to the
		/// model's own ([`Pallet::submit_result_weight`]).
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::submit_result_weight(MAX_PUBLIC_INPUTS))]
		pub fn submit_result(
			origin: OriginFor<T>,
			task: TaskId,
			input_hash: sp_core::H256,
			output: Tensor,
			proof: ProofBytes,
		) -> DispatchResultWithPostInfo {
			let signer = ensure_signed(origin)?;
			let public_inputs = Self::do_submit_result(&signer, task, input_hash, output, proof)?;
			Ok(Some(Self::submit_result_weight(public_inputs)).into())
		}

		/// Decline an assigned task: it goes to another provider, and the
		/// provider pays a small reputation cost instead of the missed
		/// deadline's slash. An executor of a redundant task may decline
		/// before it commits: the others go on without it (with nobody left,
		/// the task is queued again). The off-chain worker sends it when its engine
		/// cannot answer or its own check of the proof fails, with the reason.
		///
		/// Signed by the compute key of the assigned provider. Emits
		/// [`Event::TaskDeclined`]. Errors (nothing changes): `UnknownTask`,
		/// `NotAComputeKey`, `NotAssignedProvider`, `TaskClosed`, and compute
		/// staking's `TooManyDeclines` once the provider declined its most in
		/// this session. O(1).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::decline_task())]
		pub fn decline_task(origin: OriginFor<T>, task: TaskId, reason: DeclineReason) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			Self::do_decline(&signer, task, reason)
		}

		/// Commit to the output of a redundant task: [`output_commitment`] of
		/// the task, the executor and its output, for the input hashing to
		/// `input_hash` (as in `submit_result`). Once every executor has
		/// committed, they reveal.
		///
		/// Signed by the compute key of one of the task's executors. Emits
		/// [`Event::OutputCommitted`]. Errors (nothing changes): `UnknownTask`,
		/// `NotAComputeKey`, `NotAssignedProvider`, `TaskClosed`, `WrongPhase`,
		/// `InputChanged`, `AlreadyCommitted`. O(executors).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::commit_output())]
		pub fn commit_output(
			origin: OriginFor<T>,
			task: TaskId,
			input_hash: sp_core::H256,
			commitment: sp_core::H256,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			Self::do_commit(&signer, task, input_hash, commitment)
		}

		/// Reveal the output of a redundant task (and the salt of its
		/// commitment) once every executor has committed; it must match the
		/// executor's commitment. Once every
		/// executor has revealed, the committee attests.
		///
		/// Signed by the compute key of one of the task's executors. Emits
		/// [`Event::OutputRevealed`]. Errors (nothing changes): `UnknownTask`,
		/// `NotAComputeKey`, `NotAssignedProvider`, `TaskClosed`, `WrongPhase`,
		/// `WrongOutputShape`, `AlreadyRevealed`, `CommitmentMismatch`.
		/// O(output).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::reveal_output(output.len() as u32))]
		pub fn reveal_output(origin: OriginFor<T>, task: TaskId, output: Tensor, salt: [u8; 32]) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			Self::do_reveal(&signer, task, output, salt)
		}

		/// The committee's attestation of a redundant task's output: an
		/// aggregate BLS signature of more than two thirds of the committee
		/// over [`attested_payload`] of the task, its input and `output`.
		/// Executors that revealed `output` share the executor fee; the others
		/// are slashed as for an invalid result. If none had it, the task is
		/// refunded. Unsigned: the signature is the authority, and the
		/// transaction pool checks it before accepting the transaction.
		///
		/// Emits [`Event::OutputAttested`] and the settlement's events.
		/// Errors (nothing changes): `UnknownTask`, `TaskClosed`,
		/// `WrongPhase`, `WrongOutputShape`, and the committee's errors
		/// (unknown epoch, bad bitfield, too few signers, bad signature).
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::attest_output_weight())]
		pub fn attest_output(
			origin: OriginFor<T>,
			task: TaskId,
			output: Tensor,
			attestation: <T::Committee as TaskCommittee<T::AccountId>>::Attestation,
		) -> DispatchResult {
			ensure_none(origin)?;
			Self::do_attest(task, output, attestation)
		}

		/// Submit the results of several tasks of `model` at once: their
		/// proofs are verified together (one final exponentiation and one
		/// multi-scalar multiplication for all, each proof weighted by a hash
		/// of every result: about a third of a proof's cost alone, see the
		/// registry's `verify_proof_batch`). If they all verify, every task
		/// settles as by `submit_result`. If any does not, each is verified
		/// alone (charged then): the valid ones settle, and each invalid one
		/// is slashed and its task requeued as by `submit_result`
		/// ([`Event::ResultRejected`]).
		///
		/// Signed by the compute key of the provider the tasks are assigned
		/// to. A result whose task is no longer the provider's or whose
		/// result does not fit the task as it is (`UnknownTask`,
		/// `NotAssignedProvider`, `TaskClosed`, `WrongPhase`, `InputChanged`,
		/// `WrongOutputShape`, `OtherModel`, `DuplicateResult`) is skipped
		/// ([`Event::ResultSkipped`]): one task gone stale does not hold up
		/// the others' results. Errors (nothing changes): `NoResults`,
		/// `NotAComputeKey`, `UnknownModel`, or the first skip's error when
		/// every result is skipped. Charged as if every result were taken,
		/// for the largest key, and checked both together and alone; refunded
		/// down to what it did ([`Pallet::submit_results_weight`]; a skipped
		/// result still pays its share of the reads).
		#[pallet::call_index(6)]
		#[pallet::weight({
			let n = results.len() as u32;
			Pallet::<T>::submit_results_weight(n, n, MAX_PUBLIC_INPUTS, true)
		})]
		pub fn submit_results(
			origin: OriginFor<T>,
			model: ModelHash,
			results: ProvenResults,
		) -> DispatchResultWithPostInfo {
			let signer = ensure_signed(origin)?;
			let used = Self::do_submit_results(&signer, model, results)?;
			Ok(Some(used).into())
		}
	}

	// `ValidateUnsigned` is deprecated for `#[pallet::authorize]`, whose
	// calls travel as general (version 5) extrinsics behind the
	// `AuthorizeCall` extension; the off-chain worker's bare submission and
	// polkadot.js 16 both use the unsigned form today. To move with them.
	#[allow(deprecated)]
	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		/// Accepts `attest_output` only with a valid attestation for a task
		/// waiting for one: the pool cannot be flooded with unsigned calls
		/// that would fail. One per task (`provides`).
		fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			let Call::attest_output { task, output, attestation } = call else {
				return InvalidTransaction::Call.into();
			};
			Self::check_attestation(*task, output, attestation).map_err(|_| InvalidTransaction::BadProof)?;
			ValidTransaction::with_tag_prefix("DaifiAttestedOutput")
				.priority(TransactionPriority::MAX / 2)
				.and_provides(task)
				.longevity(T::ResultTimeout::get().saturated_into::<u64>().max(1))
				.propagate(true)
				.build()
		}

		/// In a block, the call itself checks the attestation.
		fn pre_dispatch(call: &Self::Call) -> Result<(), TransactionValidityError> {
			match call {
				Call::attest_output { .. } => Ok(()),
				_ => Err(InvalidTransaction::Call.into()),
			}
		}
	}

	impl<T: Config> Pallet<T> {
		/// The weight of `submit_task` with `input`: a Compute NFT's output is
		/// charged as the largest input, plus reading the token and the two models.
		/// The weight of checking at submission that the domains let enough
		/// providers run a task: nothing without domains; otherwise a domain
		/// record, and per provider read (`read`, at most every provider
		/// serving the model when `None`) its record, its key and its
		/// domain's terms.
		pub fn domain_scan_weight(read: Option<u32>) -> Weight {
			let read = read.unwrap_or_else(<T::Providers as ComputeProviders<_>>::max_serving);
			T::DbWeight::get().reads(2u64.saturating_add(3u64.saturating_mul(read.into())))
		}

		pub fn submit_task_weight(input: &TaskInput) -> Weight {
			match input {
				TaskInput::Values(values) => T::WeightInfo::submit_task(values.len() as u32),
				TaskInput::Cnft(_) => T::WeightInfo::submit_task(pallet_model_registry::MAX_TENSOR_LEN)
					.saturating_add(T::DbWeight::get().reads(4)),
			}
		}

		/// The values `input` stands for, for a task on `model` by `owner`: the
		/// values themselves, or the output of `owner`'s Compute NFT rescaled
		/// to the model's input fixed point.
		pub(crate) fn input_values(
			owner: &T::AccountId,
			model: &ModelHash,
			input: TaskInput,
		) -> Result<Tensor, DispatchError> {
			let item = match input {
				TaskInput::Values(values) => return Ok(values),
				TaskInput::Cnft(item) => item,
			};
			let (source, output) = T::Tokens::output_of(item, owner).map_err(|e| match e {
				TokenError::Unknown => Error::<T>::UnknownCnft,
				TokenError::NotOwner => Error::<T>::NotCnftOwner,
			})?;
			let from = T::Models::model(&source).ok_or(Error::<T>::UnknownModel)?.output_frac_bits;
			let to = T::Models::model(model).ok_or(Error::<T>::UnknownModel)?.input_frac_bits;
			let values = output
				.iter()
				.map(|v| rescale(*v, from, to).ok_or(Error::<T>::InputOutOfRange))
				.collect::<Result<alloc::vec::Vec<_>, _>>()?;
			// As long as the output it came from.
			Ok(values.try_into().map_err(|_| Error::<T>::WrongInputShape)?)
		}

		/// Validates and queues a task on `input` (taken from Compute NFT
		/// `source`, if it was). See [`Pallet::submit_task`].
		pub(crate) fn do_submit(
			owner: T::AccountId,
			model_hash: ModelHash,
			input: Tensor,
			source: Option<TaskId>,
			verification: Verification,
			max_fee: BalanceOf<T>,
			payment: Payment,
		) -> Result<(TaskId, u32), DispatchError> {
			let model = T::Models::model(&model_hash).ok_or(Error::<T>::UnknownModel)?;
			ensure!(!model.retired, Error::<T>::ModelRetired);
			let executors = match verification {
				Verification::Zk => 1,
				Verification::Redundant(k) => {
					ensure!((2..=MAX_REDUNDANCY).contains(&u32::from(k)), Error::<T>::RedundancyOutOfRange);
					ensure!(T::Committee::is_ready(), Error::<T>::NoCommittee);
					k
				},
			};
			let fee = model.price.saturating_mul(BalanceOf::<T>::from(executors));
			ensure!(input.len() as u32 == model.input_len, Error::<T>::WrongInputShape);
			ensure!(
				input.iter().all(|x| (model.input_min..=model.input_max).contains(x)),
				Error::<T>::InputOutOfRange
			);
			ensure!(
				<T::Providers as ComputeProviders<_>>::serves_at_least(&model_hash, u32::from(executors)),
				Error::<T>::NoProvider
			);
			ensure!(max_fee >= fee, Error::<T>::FeeBelowPrice);
			let read = Self::check_domains(&owner, &model_hash, executors, payment, fee, max_fee)?;
			let open = OpenTasks::<T>::get(&owner);
			ensure!(open < T::MaxOpenPerAccount::get(), Error::<T>::TooManyOpenTasks);
			let mut queue = Queue::<T>::get();
			ensure!((queue.len() as u32) < T::MaxQueued::get(), Error::<T>::QueueFull);

			match payment {
				Payment::Dai => T::Currency::hold(&HoldReason::TaskFee.into(), &owner, max_fee)
					.map_err(|_| Error::<T>::InsufficientBalance)?,
				Payment::Credits => T::Credits::spend(&owner, max_fee.saturated_into())
					.map_err(|_| Error::<T>::InsufficientBalance)?,
			}
			let id = NextTaskId::<T>::get();
			let now = frame_system::Pallet::<T>::block_number();
			queue.try_push(id).map_err(|_| Error::<T>::QueueFull)?;
			Queue::<T>::put(queue);
			OpenTasks::<T>::insert(&owner, open.saturating_add(1));
			NextTaskId::<T>::put(id.saturating_add(1));
			Tasks::<T>::insert(
				id,
				Task {
					owner: owner.clone(),
					model: model_hash,
					input,
					source,
					verification,
					payment,
					max_fee,
					fee,
					status: TaskStatus::Queued { since: now },
					failed: Default::default(),
					submitted_at: now,
				},
			);
			Self::deposit_event(Event::TaskSubmitted { task: id, owner, model: model_hash, max_fee, payment });
			Ok((id, read))
		}

		/// Checks that the domains allow `owner`'s task on `model` for
		/// `executors` executors: its domain (if any) allows the model, and
		/// at least `executors` providers serving it may run it under both
		/// sides' policies ([`domains::eligible`]), so that no task nobody
		/// may run waits in the queue. Returns how many providers were read
		/// (none when no domain exists).
		fn check_domains(
			owner: &T::AccountId,
			model: &ModelHash,
			executors: u8,
			payment: Payment,
			fee: BalanceOf<T>,
			max_fee: BalanceOf<T>,
		) -> Result<u32, DispatchError> {
			if !T::Domains::any() {
				return Ok(0);
			}
			let home = T::Domains::domain_of(owner);
			let home_terms = home.and_then(|d| T::Domains::terms(d, model));
			if home.is_some() {
				ensure!(home_terms.as_ref().is_some_and(|t| t.model_allowed), Error::<T>::ModelNotAllowedInDomain);
			}
			let mut terms = alloc::collections::btree_map::BTreeMap::new();
			let markup_fits = |markup: Perbill| fee.saturating_add(markup * fee) <= max_fee;
			let (enough, read) =
				<T::Providers as ComputeProviders<_>>::count_serving(model, u32::from(executors), |view| {
					let provider_terms =
						view.domain.and_then(|d| terms.entry(d).or_insert_with(|| T::Domains::terms(d, model)).clone());
					domains::eligible(
						home,
						home_terms.as_ref(),
						view.domain,
						provider_terms.as_ref(),
						payment == Payment::Dai,
						markup_fits,
					)
				});
			ensure!(enough, Error::<T>::NoProviderInDomain);
			Ok(read)
		}

		/// Tasks assigned to `provider` and not yet answered, oldest first:
		/// what its off-chain worker has to do.
		pub fn assigned_to(provider: &T::AccountId) -> alloc::vec::Vec<(TaskId, TaskOf<T>)> {
			Running::<T>::get()
				.into_iter()
				.filter_map(|id| Tasks::<T>::get(id).map(|t| (id, t)))
				.filter(|(_, t)| {
					matches!(&t.status, TaskStatus::Assigned { provider: p, .. } if p == provider)
				})
				.collect()
		}

		/// Redundant tasks `provider` executes and has a step to take in: its
		/// commitment or its reveal not yet on chain.
		pub fn executing_for(provider: &T::AccountId) -> alloc::vec::Vec<(TaskId, TaskOf<T>, Phase)> {
			Running::<T>::get()
				.into_iter()
				.filter_map(|id| {
					let task = Tasks::<T>::get(id)?;
					let TaskStatus::Executing { phase, .. } = task.status else { return None };
					let mine = Executions::<T>::get(id)?.into_iter().find(|e| e.provider == *provider)?;
					let due = match phase {
						Phase::Commit => mine.commitment.is_none(),
						Phase::Reveal => mine.output.is_none(),
						Phase::Attest => false,
					};
					due.then_some((id, task, phase))
				})
				.collect()
		}

		/// Checks the pallet's storage invariants:
		/// - queued and running tasks have the matching status, and every
		///   task with that status is listed;
		/// - each open DAi task's `max_fee` is held from its owner (in total),
		///   and each account's open-task count is its open tasks;
		/// - every result belongs to a completed, retained task, and the
		///   per-account retention lists the same tasks as the global one.
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			use frame_support::traits::fungible::InspectHold;
			use sp_runtime::traits::Saturating;
			let queue = Queue::<T>::get();
			let running = Running::<T>::get();
			let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			let mut open_of: BTreeMap<T::AccountId, u32> = BTreeMap::new();
			for (id, task) in Tasks::<T>::iter() {
				let open = match task.status {
					TaskStatus::Queued { .. } => {
						ensure!(queue.contains(&id), "queued task not in the queue");
						true
					},
					TaskStatus::Assigned { .. } => {
						ensure!(running.contains(&id), "assigned task not running");
						true
					},
					TaskStatus::Executing { .. } => {
						ensure!(running.contains(&id), "executing task not running");
						ensure!(
							Executions::<T>::get(id).is_some_and(|e| !e.is_empty()),
							"executing task without executors"
						);
						true
					},
					TaskStatus::Completed { .. } => false,
				};
				if open {
					*open_of.entry(task.owner.clone()).or_default() += 1;
				}
				if open && task.payment == Payment::Dai {
					let entry = held.entry(task.owner.clone()).or_default();
					*entry = entry.saturating_add(task.max_fee);
				}
			}
			for id in queue.iter() {
				ensure!(
					matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Queued { .. })),
					"queue lists a task that is not queued"
				);
			}
			for id in running.iter() {
				ensure!(
					matches!(
						Tasks::<T>::get(id).map(|t| t.status),
						Some(TaskStatus::Assigned { .. } | TaskStatus::Executing { .. })
					),
					"running list has a task that is not assigned"
				);
			}
			for (owner, amount) in held {
				let on_hold = T::Currency::balance_on_hold(&HoldReason::TaskFee.into(), &owner);
				ensure!(on_hold == amount, "fee holds differ from open tasks");
			}
			for (owner, count) in OpenTasks::<T>::iter() {
				ensure!(open_of.remove(&owner) == Some(count), "open-task count differs from open tasks");
			}
			ensure!(open_of.is_empty(), "open tasks without a count");
			for (id, _) in Executions::<T>::iter() {
				ensure!(
					matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Executing { .. })),
					"executors of a task that is not executing"
				);
			}
			for (id, _) in Results::<T>::iter() {
				ensure!(
					matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Completed { .. })),
					"a result without a completed task"
				);
			}
			let retained = Retained::<T>::get();
			let mut per_account = 0usize;
			for (owner, ids) in RetainedOf::<T>::iter() {
				for id in ids.iter() {
					ensure!(
						Tasks::<T>::get(id).is_some_and(|t| t.owner == owner) &&
							retained.iter().any(|(_, r)| r == id),
						"a per-account retained task that is not retained"
					);
				}
				per_account += ids.len();
			}
			ensure!(per_account == retained.len(), "retention lists differ");
			Ok(())
		}
	}

	use sp_runtime::traits::{SaturatedConversion, Saturating, Zero};
}

/// `value` with `from` fractional bits as a value with `to` fractional bits,
/// rounded to nearest (halves up); `None` on overflow.
pub fn rescale(value: i64, from: u8, to: u8) -> Option<i64> {
	if to >= from {
		let shift = u32::from(to - from);
		if shift >= 63 {
			return (value == 0).then_some(0);
		}
		value.checked_mul(1i64 << shift)
	} else {
		let shift = u32::from(from - to);
		if shift >= 64 {
			return Some(0);
		}
		let half = 1i128 << (shift - 1);
		i64::try_from((i128::from(value) + half) >> shift).ok()
	}
}

/// What the benchmarks need the runtime to prepare.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes [`Config::Randomness`] return a value for the current block (in
	/// a real block BABE's VRF does).
	fn set_block_randomness(seed: u8);

	/// Puts `members` (providers and users) into one sovereign domain that
	/// keeps its data inside: the scheduler's costliest case.
	fn one_domain(members: &[AccountId]);
}
