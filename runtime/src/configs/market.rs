//! The inference market: whitelisted models, tasks and compute credits.

use alloc::{vec, vec::Vec};
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32},
};
use frame_system::{
	offchain::{AppCrypto, SendSignedTransaction, Signer},
	EnsureRoot,
};
use pallet_model_registry::ModelHash;
use pallet_tasks::{ProofBytes, TaskId, Tensor};
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

	fn infer_and_prove(model: &ModelHash, input: &[i64]) -> Result<(Tensor, ProofBytes), ()> {
		let record = pallet_model_registry::Models::<Runtime>::get(model).ok_or(())?;
		let phase1 = pallet_model_registry::Phase1Results::<Runtime>::get(record.phase1).ok_or(())?;
		let source = daifi_compute::ModelSource {
			url: record.url.into_inner(),
			size: record.size,
			verifying_key: record.verifying_key.into_inner(),
			transcript: record.transcript.to_fixed_bytes(),
			phase1: record.phase1.to_fixed_bytes(),
			phase1_url: phase1.url.into_inner(),
		};
		let proven = daifi_compute::compute::infer_and_prove(model.as_bytes(), input.to_vec(), source)
			.map_err(|e| log::warn!(target: "daifi-tasks", "compute engine: {e:?}"))?;
		Ok((proven.output.try_into().map_err(|_| ())?, proven.proof.try_into().map_err(|_| ())?))
	}

	fn submit(key: &AccountId, task: TaskId, output: Tensor, proof: ProofBytes) -> Result<(), ()> {
		let public = MultiSigner::Sr25519(sp_core::sr25519::Public::from_raw(key.clone().into()));
		let results = Signer::<Runtime, ComputeKey>::all_accounts()
			.with_filter(vec![public])
			.send_signed_transaction(|_| pallet_tasks::Call::submit_result {
				task,
				output: output.clone(),
				proof: proof.clone(),
			});
		match results.as_slice() {
			[(_, Ok(()))] => Ok(()),
			_ => Err(()),
		}
	}
}

impl pallet_model_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Root until the tricameral governance lands.
	type ManagerOrigin = EnsureRoot<AccountId>;
	/// 100 DAi held per phase-1 contribution: a flood of bogus contributions
	/// (each burned when rejected) costs the flooder.
	type Phase1Deposit = ConstU128<{ 100 * crate::DAI }>;
	/// The beacon is the hash of the block 10 blocks (30 s) after closing.
	type BeaconDelay = ConstU32<10>;
	type WeightInfo = pallet_model_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_credits::Config for Runtime {
	/// Root grants credits (onboarding); nothing moves them between accounts.
	type GrantOrigin = EnsureRoot<AccountId>;
	/// One credit (10^12 units, like DAi) per TFLOP of verified work.
	type CreditsPerTflop = ConstU128<1_000_000_000_000>;
	type WeightInfo = pallet_credits::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// 80% of a fee to the executor, 20% to the model developer.
	pub const ExecutorShare: Perbill = Perbill::from_percent(80);
	/// Providers below 20% reputation get no tasks.
	pub const MinReputation: Perbill = Perbill::from_percent(20);
	/// An assigned provider has ten blocks (30 s) to submit its proven result.
	pub const ResultTimeout: BlockNumber = 10;
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
	/// Compute NFTs and rewards plug in here.
	type OnSettled = ();
	/// BABE randomness of one epoch ago: fixed before anyone could aim a task at it.
	type Randomness = pallet_babe::RandomnessFromOneEpochAgo<Runtime>;
	type ExecutorShare = ExecutorShare;
	type MinReputation = MinReputation;
	type ResultTimeout = ResultTimeout;
	type QueueTimeout = QueueTimeout;
	type MaxQueued = ConstU32<256>;
	type MaxAssigned = ConstU32<256>;
	type MaxAssignPerBlock = ConstU32<16>;
	type ResultRetention = ResultRetention;
	type MaxRetained = ConstU32<1_024>;
	type WeightInfo = pallet_tasks::weights::SubstrateWeight<Runtime>;
}
