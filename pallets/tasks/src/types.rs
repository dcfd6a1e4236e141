//! The records of the task market.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use pallet_model_registry::{ModelHash, MAX_TENSOR_LEN};
use scale_info::TypeInfo;
use sp_core::H256;

/// Identifies a task; assigned in submission order.
pub type TaskId = u64;

/// A model input or output: fixed-point integers (see the model's `input_frac_bits` and `output_frac_bits`).
pub type Tensor = BoundedVec<i64, ConstU32<MAX_TENSOR_LEN>>;

/// A Groth16 proof as submitted (128 bytes compressed; the bound leaves room
/// for other encodings to be refused by name rather than by length).
pub type ProofBytes = BoundedVec<u8, ConstU32<512>>;

/// The most results one `submit_results` call carries (the range the batch
/// verification is benchmarked over).
pub const MAX_BATCHED_RESULTS: u32 = 64;

/// One result of a `submit_results` call: as `submit_result` takes it.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ProvenResult {
	/// The task.
	pub task: TaskId,
	/// blake2-256 of the SCALE-encoded input the result was made for.
	pub input_hash: H256,
	/// The output.
	pub output: Tensor,
	/// Its Groth16 proof.
	pub proof: ProofBytes,
}

/// The results of one `submit_results` call.
pub type ProvenResults = BoundedVec<ProvenResult, ConstU32<MAX_BATCHED_RESULTS>>;

/// How a result is verified.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum Verification {
	/// The executor proves the inference with Groth16; the runtime verifies it.
	Zk,
	/// `k` distinct providers (2 to [`MAX_REDUNDANCY`]) each run the model,
	/// commit to their output, then reveal it; the BLS committee attests the
	/// output (the executors' majority, or its own where they disagree) with
	/// one aggregate signature. Executors with another output are slashed;
	/// those that agree share the executor fee. The user pays `k` times the
	/// model's price.
	Redundant(u8),
}

/// Where a task's input comes from.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum TaskInput {
	/// These fixed-point values (the model's `input_frac_bits`).
	Values(Tensor),
	/// The verified output of the Compute NFT with this id (the id of the
	/// task that produced it), which the caller must own: how multi-step
	/// workflows chain. Rescaled from the producing model's `output_frac_bits`
	/// to this model's `input_frac_bits` (rounded to nearest). The task, its
	/// result and its own Compute NFT record the token as their `source`:
	/// only the token's owner can claim that lineage (the values themselves
	/// are public, and anyone may submit them as `Values`).
	Cnft(TaskId),
}

/// Why a Compute NFT cannot be a task's input.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TokenError {
	/// No Compute NFT has this id (never minted, or burned).
	Unknown,
	/// Someone else owns it.
	NotOwner,
}

/// The Compute NFTs, as the market reads them to chain tasks.
pub trait ComputeTokens<AccountId> {
	/// The model and verified output of Compute NFT `item`, if `who` owns it.
	fn output_of(item: TaskId, who: &AccountId) -> Result<(ModelHash, Tensor), TokenError>;
}

impl<AccountId> ComputeTokens<AccountId> for () {
	fn output_of(_: TaskId, _: &AccountId) -> Result<(ModelHash, Tensor), TokenError> {
		Err(TokenError::Unknown)
	}
}

/// How the user pays.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum Payment {
	/// In DAi, held from the user's balance until settlement.
	Dai,
	/// In compute credits, taken at submission and returned with a refund.
	Credits,
}

/// Where a task is in its life. A refunded task is removed at once (the
/// `TaskRefunded` event records it): only verified results are retained.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum TaskStatus<AccountId, BlockNumber> {
	/// Waiting for a provider since `since`.
	Queued { since: BlockNumber },
	/// Assigned to `provider`, whose result is due by `deadline`.
	Assigned { provider: AccountId, deadline: BlockNumber },
	/// Run by several providers ([`Verification::Redundant`]; they and what
	/// they sent are in `Executions`), in `phase`, whose step is due by `deadline`.
	Executing { phase: Phase, deadline: BlockNumber },
	/// Verified and settled at `at`.
	Completed { provider: AccountId, at: BlockNumber },
}

/// Where a redundantly executed task is.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum Phase {
	/// Each executor commits to its output ([`output_commitment`]): a hash
	/// bound to the executor, so nobody can copy another's.
	Commit,
	/// Every executor committed; each reveals its output.
	Reveal,
	/// Every executor revealed; the committee attests the output.
	Attest,
}

/// Most executors of one redundant task.
pub const MAX_REDUNDANCY: u32 = 5;

/// One executor of a redundant task and what it has sent.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Execution<AccountId> {
	/// The provider.
	pub provider: AccountId,
	/// Its [`output_commitment`], once sent.
	pub commitment: Option<H256>,
	/// Its output, once revealed (it matches the commitment).
	pub output: Option<Tensor>,
}

/// Who computed a result, and what of it counts toward each one's
/// Proof-of-Compute score: one executor for a proven task, those whose
/// output the committee attested for a redundant one.
pub type Executors<AccountId, Balance> = BoundedVec<(AccountId, Balance), ConstU32<MAX_REDUNDANCY>>;

/// The executors of a redundant task.
pub type ExecutorList<AccountId> = BoundedVec<Execution<AccountId>, ConstU32<MAX_REDUNDANCY>>;

/// What executor `provider` of task `task` commits to before anyone reveals:
/// blake2-256 of a tag, the task, the provider, a random `salt` (revealed
/// with the output) and the output. Bound to the provider, so a lazy
/// executor cannot copy another's commitment; salted, so it cannot guess it
/// from the few outputs a model may have; and it cannot reveal an output it
/// did not commit to.
pub fn output_commitment<AccountId: Encode>(task: TaskId, provider: &AccountId, salt: &[u8; 32], output: &[i64]) -> H256 {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(&(b"daifi/redundant-output", task, provider, salt, output).encode())
}

/// What the committee signs to attest that task `task`, of model `model` on
/// the input hashing to `input_hash`, has the output hashing to
/// `output_hash`. Names the task, its model and its input: an attestation
/// for one task (or another version of it on a fork) says nothing about
/// another.
pub fn attested_payload(task: TaskId, model: &ModelHash, input_hash: H256, output_hash: H256) -> alloc::vec::Vec<u8> {
	(b"daifi/task-output", task, model, input_hash, output_hash).encode()
}

/// The committee that attests redundantly executed tasks (the attestation
/// pallet in the runtime).
pub trait TaskCommittee<AccountId> {
	/// An aggregate signature of the committee with its signers.
	type Attestation: codec::FullCodec
		+ DecodeWithMemTracking
		+ Clone
		+ PartialEq
		+ Eq
		+ core::fmt::Debug
		+ TypeInfo
		+ MaxEncodedLen;
	/// Checks `attestation` of `payload`; returns who signed. Changes nothing.
	fn verify(attestation: &Self::Attestation, payload: &[u8]) -> Result<alloc::vec::Vec<AccountId>, sp_runtime::DispatchError>;
	/// The most [`TaskCommittee::verify`] costs.
	fn verify_weight() -> frame_support::weights::Weight;
	/// Whether there is a committee to attest (redundant tasks are refused
	/// without one).
	fn is_ready() -> bool;
	/// Off chain: whether this node holds a key of the current committee.
	fn is_local_member() -> bool;
	/// Off chain: signs `payload` with this node's keys in the current
	/// committee, shares the signatures with the other members, and returns
	/// an attestation once signatures of a quorum have been gathered.
	fn attest_locally(payload: &[u8]) -> Option<Self::Attestation>;
	/// Off chain: sends `attest_output(task, output, attestation)`.
	fn send(task: TaskId, output: Tensor, attestation: Self::Attestation) -> Result<(), ()>;
}

/// A task.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Task<AccountId, Balance, BlockNumber> {
	/// Who submitted and pays.
	pub owner: AccountId,
	/// The model.
	pub model: ModelHash,
	/// The input.
	pub input: Tensor,
	/// The Compute NFT the input was taken from, if it was ([`TaskInput::Cnft`]).
	pub source: Option<TaskId>,
	/// How the result is verified.
	pub verification: Verification,
	/// How the user pays.
	pub payment: Payment,
	/// What the user set aside: the most it pays.
	pub max_fee: Balance,
	/// The model's price when the task was submitted: what it pays on success.
	pub fee: Balance,
	/// Where the task is.
	pub status: TaskStatus<AccountId, BlockNumber>,
	/// Providers that failed or declined it, who are not assigned it again.
	pub failed: BoundedVec<AccountId, ConstU32<MAX_ATTEMPTS>>,
	/// When it was submitted.
	pub submitted_at: BlockNumber,
}

/// Most providers that may fail (or decline) one task before it is refunded.
pub const MAX_ATTEMPTS: u32 = 3;

/// Longest reason a provider gives for declining a task, in bytes.
pub const MAX_DECLINE_REASON_LEN: u32 = 128;

/// Why a provider declined a task (UTF-8, as its compute engine reported it).
pub type DeclineReason = BoundedVec<u8, ConstU32<MAX_DECLINE_REASON_LEN>>;

/// The value a proof of task `task` by `provider` is bound to: its first
/// public input (see `daifi-zk-verifier`). A proof made for one task, or by
/// one provider, verifies for no other: results cannot be replayed or copied.
pub fn task_binding<AccountId: Encode>(task: TaskId, provider: &AccountId) -> [u8; 32] {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(&(b"daifi/task-binding", task, provider).encode()).0
}

/// A verified result.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct TaskResult<AccountId, Balance, BlockNumber> {
	/// The task's model.
	pub model: ModelHash,
	/// blake2-256 of the SCALE-encoded input.
	pub input_hash: H256,
	/// The Compute NFT the input was taken from, if it was.
	pub source: Option<TaskId>,
	/// How it was verified.
	pub verification: Verification,
	/// How it was paid for: the amounts below are DAi or compute credits.
	pub payment: Payment,
	/// Who computed it (for a redundant task, the first of `executors`).
	pub provider: AccountId,
	/// Every executor paid for it, with what counts toward its score.
	pub executors: Executors<AccountId, Balance>,
	/// The verified output.
	pub output: Tensor,
	/// blake2-256 of the SCALE-encoded output.
	pub output_hash: H256,
	/// blake2-256 of the proof.
	pub proof_hash: H256,
	/// The fee paid to the executor.
	pub executor_paid: Balance,
	/// The fee paid to the developer.
	pub developer_paid: Balance,
	/// The part of the fee burned.
	pub burned: Balance,
	/// What counts toward the executor's Proof-of-Compute score and
	/// rewards: `burned`, or zero when it submitted the task itself.
	pub counted: Balance,
	/// The model's FLOPs per inference (what the executor computed).
	pub flops: u64,
	/// Block of submission.
	pub submitted_at: BlockNumber,
	/// Block of settlement.
	pub settled_at: BlockNumber,
}

/// Told of every settled task: Compute NFTs, rewards.
pub trait OnTaskSettled<AccountId, Balance, BlockNumber> {
	/// `task` (owned by `owner`) was verified and settled with `result`.
	fn on_settled(task: TaskId, owner: &AccountId, result: &TaskResult<AccountId, Balance, BlockNumber>);
}

impl<AccountId, Balance, BlockNumber> OnTaskSettled<AccountId, Balance, BlockNumber> for () {
	fn on_settled(_: TaskId, _: &AccountId, _: &TaskResult<AccountId, Balance, BlockNumber>) {}
}

impl<AccountId, Balance, BlockNumber, A, B> OnTaskSettled<AccountId, Balance, BlockNumber> for (A, B)
where
	A: OnTaskSettled<AccountId, Balance, BlockNumber>,
	B: OnTaskSettled<AccountId, Balance, BlockNumber>,
{
	fn on_settled(task: TaskId, owner: &AccountId, result: &TaskResult<AccountId, Balance, BlockNumber>) {
		A::on_settled(task, owner, result);
		B::on_settled(task, owner, result);
	}
}

/// One task's inference for the node's engine.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ComputeJob {
	/// The model to run.
	pub model: ModelHash,
	/// What the proof is bound to ([`task_binding`] of the task and the provider).
	pub binding: [u8; 32],
	/// The fixed-point input.
	pub input: alloc::vec::Vec<i64>,
}

/// How far a node is from serving a model.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ModelReadiness {
	/// Its tasks are proven at once.
	Ready,
	/// Being fetched, compiled and traced in the background.
	Preparing,
	/// The last attempt failed, for this (human-readable) reason.
	Failed(alloc::vec::Vec<u8>),
}

/// What a node's off-chain worker uses to answer the tasks assigned to it:
/// the compute engine and the signing keys of this node. The runtime
/// implements it with the `daifi-compute` host functions and the node's
/// keystore; `()` serves nothing.
pub trait LocalCompute<AccountId> {
	/// The compute keys this node holds.
	fn compute_keys() -> alloc::vec::Vec<AccountId>;
	/// Starts getting `model` ready in the background (fetched, compiled,
	/// its proving key traced), so its first task is not late; returns at
	/// once with how far it is.
	fn prepare(model: &ModelHash) -> ModelReadiness;
	/// Runs and proves each job (in parallel where the node can); each proof
	/// has been verified locally against the registered key. One result per
	/// job, in order; `Err` says why not (human-readable).
	fn infer_and_prove(jobs: &[ComputeJob]) -> alloc::vec::Vec<Result<(Tensor, ProofBytes), alloc::vec::Vec<u8>>>;
	/// Runs each job without proving it (redundant execution): the model's
	/// fixed-point output, exactly what its circuit would compute, so honest
	/// executors agree bit for bit. One result per job, in order.
	fn infer(jobs: &[ComputeJob]) -> alloc::vec::Vec<Result<Tensor, alloc::vec::Vec<u8>>>;
	/// Sends `commit_output(task, input_hash, commitment)` signed with `key`.
	fn commit(key: &AccountId, task: TaskId, input_hash: H256, commitment: H256) -> Result<(), ()>;
	/// Sends `reveal_output(task, output, salt)` signed with `key`.
	fn reveal(key: &AccountId, task: TaskId, output: Tensor, salt: [u8; 32]) -> Result<(), ()>;
	/// Sends `submit_result(task, input_hash, output, proof)` signed with `key`.
	fn submit(key: &AccountId, task: TaskId, input_hash: H256, output: Tensor, proof: ProofBytes) -> Result<(), ()>;
	/// Sends `submit_results(model, results)` signed with `key`.
	fn submit_many(key: &AccountId, model: ModelHash, results: ProvenResults) -> Result<(), ()>;
	/// Sends `decline_task(task, reason)` signed with `key`.
	fn decline(key: &AccountId, task: TaskId, reason: DeclineReason) -> Result<(), ()>;
}

impl<AccountId> LocalCompute<AccountId> for () {
	fn compute_keys() -> alloc::vec::Vec<AccountId> {
		alloc::vec::Vec::new()
	}
	fn prepare(_: &ModelHash) -> ModelReadiness {
		ModelReadiness::Failed(b"this node serves no compute".to_vec())
	}
	fn infer_and_prove(jobs: &[ComputeJob]) -> alloc::vec::Vec<Result<(Tensor, ProofBytes), alloc::vec::Vec<u8>>> {
		jobs.iter().map(|_| Err(b"this node serves no compute".to_vec())).collect()
	}
	fn infer(jobs: &[ComputeJob]) -> alloc::vec::Vec<Result<Tensor, alloc::vec::Vec<u8>>> {
		jobs.iter().map(|_| Err(b"this node serves no compute".to_vec())).collect()
	}
	fn commit(_: &AccountId, _: TaskId, _: H256, _: H256) -> Result<(), ()> {
		Err(())
	}
	fn reveal(_: &AccountId, _: TaskId, _: Tensor, _: [u8; 32]) -> Result<(), ()> {
		Err(())
	}
	fn submit(_: &AccountId, _: TaskId, _: H256, _: Tensor, _: ProofBytes) -> Result<(), ()> {
		Err(())
	}
	fn submit_many(_: &AccountId, _: ModelHash, _: ProvenResults) -> Result<(), ()> {
		Err(())
	}
	fn decline(_: &AccountId, _: TaskId, _: DeclineReason) -> Result<(), ()> {
		Err(())
	}
}

/// One executor of a task working across a domain boundary, as the draw
/// found it.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Crossing<AccountId> {
	/// The executor.
	pub executor: AccountId,
	/// The task owner's side (`None`: the open network).
	pub home: Option<pallet_compute_staking::DomainId>,
	/// The executor's side.
	pub to: Option<pallet_compute_staking::DomainId>,
	/// The executor's domain's surcharge for outsiders.
	pub markup: sp_runtime::Perbill,
}

/// The crossings of one task: at most its executors.
pub type CrossingList<AccountId> = BoundedVec<Crossing<AccountId>, ConstU32<MAX_REDUNDANCY>>;
