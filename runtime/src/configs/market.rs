//! The inference market: whitelisted models, tasks and compute credits.

use alloc::vec::Vec;
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32},
};
use frame_system::offchain::{AppCrypto, Signer};
use pallet_model_registry::ModelHash;
use pallet_tasks::{ComputeJob, DeclineReason, ModelReadiness, ProofBytes, TaskId, Tensor};
use sp_core::crypto::KeyTypeId;
use sp_runtime::{MultiSignature, MultiSigner, Perbill};

use crate::{
	AccountId, Balances, BlockNumber, ComputeStaking, Credits, ModelRegistry, Runtime,
	RuntimeHoldReason, DAYS, MINUTES,
};

/// The keystore key type of compute keys: `daifi-node key insert --key-type dcmp`.
pub const COMPUTE_KEY_TYPE: KeyTypeId = KeyTypeId(*b"dcmp");

/// Compute keys are sr25519 keys of their own key type.
pub mod compute_key {
	use sp_runtime::app_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::COMPUTE_KEY_TYPE);
}

/// Signs task results with a compute key from the node's keystore.
pub struct ComputeKey;

impl AppCrypto<MultiSigner, MultiSignature> for ComputeKey {
	type RuntimeAppPublic = compute_key::Public;
	type GenericSignature = sp_core::sr25519::Signature;
	type GenericPublic = sp_core::sr25519::Public;
}

/// The off-chain worker's engine: the `daifi-compute` host functions (native
/// tract inference and Groth16 proving in the node) and the node's compute keys.
pub struct NodeCompute;

impl pallet_tasks::LocalCompute<AccountId> for NodeCompute {
	fn compute_keys() -> Vec<AccountId> {
		Signer::<Runtime, ComputeKey>::keystore_accounts().map(|account| account.id).collect()
	}

	fn prepare(model: &ModelHash) -> ModelReadiness {
		let source = match model_source(model) {
			Ok(source) => source,
			Err(reason) => return ModelReadiness::Failed(reason),
		};
		match daifi_compute::compute::prepare(model.as_fixed_bytes(), source) {
			daifi_compute::Readiness::Ready => ModelReadiness::Ready,
			daifi_compute::Readiness::Preparing => ModelReadiness::Preparing,
			daifi_compute::Readiness::Failed(e) => ModelReadiness::Failed(e.reason()),
		}
	}

	fn infer_and_prove(jobs: &[ComputeJob]) -> Vec<Result<(Tensor, ProofBytes), Vec<u8>>> {
		run_on_engine(jobs, daifi_compute::compute::infer_and_prove, |proven| {
			let output = proven.output.try_into().map_err(|_| b"the output is longer than a task's".to_vec())?;
			let proof = proven.proof.try_into().map_err(|_| b"the proof is longer than a task's".to_vec())?;
			Ok((output, proof))
		})
	}

	fn infer(jobs: &[ComputeJob]) -> Vec<Result<Tensor, Vec<u8>>> {
		run_on_engine(jobs, daifi_compute::compute::infer, |output| {
			output.try_into().map_err(|_| b"the output is longer than a task's".to_vec())
		})
	}

	fn commit(key: &AccountId, task: TaskId, input_hash: sp_core::H256, commitment: sp_core::H256) -> Result<(), ()> {
		super::offchain::send_signed(key, pallet_tasks::Call::commit_output { task, input_hash, commitment })
	}

	fn reveal(key: &AccountId, task: TaskId, output: Tensor, salt: [u8; 32]) -> Result<(), ()> {
		super::offchain::send_signed(key, pallet_tasks::Call::reveal_output { task, output, salt })
	}

	fn submit(key: &AccountId, task: TaskId, input_hash: sp_core::H256, output: Tensor, proof: ProofBytes) -> Result<(), ()> {
		super::offchain::send_signed(key, pallet_tasks::Call::submit_result { task, input_hash, output, proof })
	}

	fn submit_many(key: &AccountId, model: pallet_model_registry::ModelHash, results: pallet_tasks::ProvenResults) -> Result<(), ()> {
		super::offchain::send_signed(key, pallet_tasks::Call::submit_results { model, results })
	}

	fn decline(key: &AccountId, task: TaskId, reason: DeclineReason) -> Result<(), ()> {
		super::offchain::send_signed(key, pallet_tasks::Call::decline_task { task, reason })
	}
}

/// Runs `jobs` on the engine with `run` (one host-function call for all of
/// them) and turns each result into the task's form with `convert`. A job
/// whose model's record cannot be read fails alone.
fn run_on_engine<R, O>(
	jobs: &[ComputeJob],
	run: impl FnOnce(Vec<daifi_compute::Job>) -> Vec<Result<R, daifi_compute::ComputeError>>,
	convert: impl Fn(R) -> Result<O, Vec<u8>>,
) -> Vec<Result<O, Vec<u8>>> {
	let jobs: Vec<Result<daifi_compute::Job, Vec<u8>>> = jobs
		.iter()
		.map(|job| {
			Ok(daifi_compute::Job {
				model: job.model.to_fixed_bytes(),
				binding: job.binding,
				input: job.input.clone(),
				source: model_source(&job.model)?,
			})
		})
		.collect();
	let runnable = jobs.iter().filter_map(|job| job.as_ref().ok().cloned()).collect();
	let mut results = run(runnable).into_iter();
	jobs.into_iter()
		.map(|job| {
			job?;
			let result = results.next().ok_or_else(|| b"the engine returned fewer results than jobs".to_vec())?;
			convert(result.map_err(|e| e.reason())?)
		})
		.collect()
}

/// What the engine needs of model `model`'s registry record: where its files
/// are and what they must match.
fn model_source(model: &ModelHash) -> Result<daifi_compute::ModelSource, Vec<u8>> {
	let record = pallet_model_registry::Models::<Runtime>::get(model).ok_or_else(|| b"unknown model".to_vec())?;
	let phase1 = pallet_model_registry::Phase1Results::<Runtime>::get(record.phase1)
		.ok_or_else(|| b"the model's phase 1 is not recorded".to_vec())?;
	Ok(daifi_compute::ModelSource {
		url: record.url.into_inner(),
		size: record.size,
		verifying_key: record.verifying_key.into_inner(),
		transcript: record.transcript.to_fixed_bytes(),
		phase1: record.phase1.to_fixed_bytes(),
		phase1_url: phase1.url.into_inner(),
		input_min: record.input_min,
		input_max: record.input_max,
		output_bits: record.output_bits,
	})
}

/// Gives benchmark blocks the VRF randomness BABE gives real ones, and puts
/// accounts into a sovereign domain.
#[cfg(feature = "runtime-benchmarks")]
pub struct TaskBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_tasks::BenchmarkHelper<AccountId> for TaskBenchmarks {
	fn set_block_randomness(seed: u8) {
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([seed; 32]));
	}

	fn one_domain(members: &[AccountId]) {
		use frame_support::traits::fungible::Mutate;
		let admin: AccountId = frame_benchmarking::account("domain-admin", 0, 0);
		Balances::set_balance(&admin, 1_000 * crate::DAI);
		let signed = |who: &AccountId| crate::RuntimeOrigin::signed(who.clone());
		let id = pallet_domains::NextDomainId::<Runtime>::get();
		let policy = pallet_domains::Policy { local: true, ..Default::default() };
		crate::Domains::create(signed(&admin), pallet_domains::DomainKind::Enterprise, policy).expect("funded");
		for who in members {
			crate::Domains::invite(signed(&admin), id, who.clone()).expect("the admin");
			crate::Domains::join(signed(who), id).expect("invited");
		}
	}
}

impl pallet_model_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// The three chambers (or the development chain's sudo).
	type ManagerOrigin = super::EnsureChambers;
	/// 100 DAi held per phase-1 contribution: a flood of bogus contributions
	/// (each burned when rejected) costs the flooder.
	type Phase1Deposit = ConstU128<{ 100 * crate::DAI }>;
	/// The beacon is the hash of the block 10 blocks (30 s) after closing.
	type BeaconDelay = ConstU32<10>;
	type WeightInfo = pallet_model_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_credits::Config for Runtime {
	/// The chambers grant credits (onboarding); nothing moves them between accounts.
	type GrantOrigin = super::EnsureChambers;
	/// One credit (10^12 units, like DAi) per TFLOP of verified work at
	/// genesis; the chambers change it (`parameters.setParameter`).
	type CreditsPerTflop = super::dynamic_params::market::CreditsPerTflop;
	type WeightInfo = pallet_credits::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Providers below 20% reputation get no tasks.
	pub const MinReputation: Perbill = Perbill::from_percent(20);
	/// The scheduler's assignments use at most a fifth of a block's weight.
	pub SchedulerWeight: frame_support::weights::Weight =
		Perbill::from_percent(20) * super::RuntimeBlockWeights::get().max_block;
	/// An assigned provider has fifteen blocks (30 s) to submit its proven result.
	pub const ResultTimeout: BlockNumber = 15;
	/// A task nobody can serve is refunded after five minutes.
	pub const QueueTimeout: BlockNumber = 5 * MINUTES;
	/// Verified results stay readable for a day (and the last 1,024 of them).
	pub const ResultRetention: BlockNumber = DAYS;
}

impl pallet_tasks::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = ModelRegistry;
	type Providers = ComputeStaking;
	type Credits = Credits;
	type LocalCompute = NodeCompute;
	/// A Compute NFT's output may be a later task's input.
	type Tokens = crate::Cnft;
	/// Redundant tasks are attested by the BLS committee.
	type Committee = super::attestation::AttestationCommittee;
	/// Verified work counts toward Proof-of-Compute rewards, and mints the
	/// task's Compute NFT to its owner.
	/// It also counts what its owner burned toward the User Chamber.
	/// The domains keep their audit logs of it.
	type OnSettled = (crate::PocRewards, (crate::Cnft, (super::governance::CountBurnedFees, crate::Domains)));
	/// Where tasks may run and how pay crosses domains' boundaries.
	type Domains = crate::Domains;
	/// The VRF output of the parent block's author (BABE's primary and
	/// secondary VRF slots give every block one), mixed by the scheduler with
	/// the block before's. The scheduler assigns only tasks queued before the
	/// parent block's end, so the seed comes from a VRF output made public
	/// after the task was submitted; only the author of the block that
	/// included the task could know it in advance (see the README's security
	/// section for why that gains nothing).
	type Randomness = pallet_babe::ParentBlockRandomness<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TaskBenchmarks;
	/// 10% of each fee is burned (the part that counts toward the executor's
	/// Proof-of-Compute score), 80% of the rest to the executor, 20% to the
	/// developer, at genesis; the chambers change them.
	type BurnedShare = super::governance::BurnedShare;
	type ExecutorShare = super::governance::ExecutorShare;
	type MinReputation = MinReputation;
	type ResultTimeout = ResultTimeout;
	type QueueTimeout = QueueTimeout;
	type MaxQueued = ConstU32<256>;
	type MaxAssigned = ConstU32<256>;
	type MaxAssignPerBlock = ConstU32<16>;
	type SchedulerWeight = SchedulerWeight;
	/// An account has at most 16 tasks open: filling the 256-task queue takes
	/// 16 funded accounts, each paying its transaction fees (a per-sender
	/// limit as transaction pools have; unserved tasks are refunded in full,
	/// so honest users never pay for a lack of providers).
	type MaxOpenPerAccount = ConstU32<16>;
	type ResultRetention = ResultRetention;
	type MaxRetained = ConstU32<1_024>;
	/// An account's results beyond 64 push out its own oldest.
	type MaxRetainedPerAccount = ConstU32<64>;
	type WeightInfo = pallet_tasks::weights::SubstrateWeight<Runtime>;
}
