//! # DAiFi compute
//!
//! What a provider's node does for the runtime's off-chain worker: load a
//! model by content hash, run it, prove the result, check the proof. The
//! runtime reaches it through the [`compute`] runtime interface (host
//! functions that every `daifi-node` registers); the work itself is native
//! code in [`engine`].
//!
//! ## Only in off-chain workers
//!
//! Inference and proving take seconds and depend on the node's files, its
//! network and its randomness: run during block import, they would make
//! block execution slow and, worse, non-deterministic (two validators would
//! disagree on a block's result). The host functions are registered in the
//! node's executor, which also executes blocks, so nothing but convention
//! would keep a runtime from calling them there. So the host function
//! itself refuses ([`ComputeError::NotOffchain`]) unless the off-chain
//! worker's externalities extension
//! ([`sp_core::offchain::OffchainWorkerExt`]) is registered: the node
//! registers it only when it runs an off-chain worker, never for block
//! import, block production or runtime API calls.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};

#[cfg(feature = "std")]
pub mod bls_keys;
#[cfg(feature = "std")]
pub mod engine;
#[cfg(feature = "std")]
pub mod fetch;
#[cfg(feature = "std")]
pub mod gossip;
#[cfg(feature = "std")]
pub mod provenance;
#[cfg(feature = "std")]
pub mod results;

/// A proven inference: the quantized output and its Groth16 proof.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Proven {
	/// The output, fixed-point as the model's circuit computes it.
	pub output: Vec<i64>,
	/// The proof (compressed, 128 bytes).
	pub proof: Vec<u8>,
}

/// Where a model's files come from and what they must match: what the
/// runtime reads of the model's registry record.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct ModelSource {
	/// The URL of the ONNX file (`file://`, `http://` or `https://`); the
	/// proving key is published at the same URL with `.pk` appended.
	pub url: Vec<u8>,
	/// The ONNX file's size in bytes: a larger download is refused.
	pub size: u64,
	/// The registered verifying key (compressed): a proving key is used only
	/// if it contains exactly this key.
	pub verifying_key: Vec<u8>,
	/// The blake2b-256 hash of the model's phase-2 transcript, published at
	/// the URL with `.transcript` appended.
	pub transcript: [u8; 32],
	/// The hash of the closing phase-1 file the model's key was derived from.
	pub phase1: [u8; 32],
	/// Where that phase-1 file is published.
	pub phase1_url: Vec<u8>,
	/// The registered input range and output width: the chain places input
	/// and output among the public inputs by them
	/// (`daifi_zk_verifier::Layout::of`), so the self-check does too.
	pub input_min: i64,
	/// See `input_min`.
	pub input_max: i64,
	/// See `input_min`.
	pub output_bits: u8,
}

/// One inference to run and prove: model `model` (its content hash) on
/// `input`, the proof bound to `binding` (the tasks pallet's `task_binding`
/// of the task and the provider), the model's files from `source`.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Job {
	/// The model's content hash.
	pub model: [u8; 32],
	/// What the proof is bound to.
	pub binding: [u8; 32],
	/// The fixed-point input.
	pub input: Vec<i64>,
	/// Where the model's files come from and what they must match.
	pub source: ModelSource,
}

/// How far a model is from being served by this node.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Readiness {
	/// Loaded (fetched, compiled, its key checked and traced): a task on it
	/// is proven at once.
	Ready,
	/// Being fetched, compiled and traced in the background.
	Preparing,
	/// The last preparation failed for this reason; it is tried again a
	/// minute later.
	Failed(ComputeError),
}

/// Why no proven result came back.
#[derive(Encode, Decode, Clone, PartialEq, Eq)]
pub enum ComputeError {
	/// This node does not serve compute (`--compute-models` not given).
	NotServing,
	/// Called outside an off-chain worker (during block execution, say):
	/// compute never runs there.
	NotOffchain,
	/// The model is neither in the model directory nor at its URL.
	UnknownModel,
	/// The model directory has no proving key for the model, and none could
	/// be fetched.
	MissingProvingKey,
	/// The bytes fetched from the model's URL do not have its content hash.
	HashMismatch,
	/// The proving key's verifying key is not the registered one: proofs made
	/// with it would be rejected (and slashed).
	KeyMismatch,
	/// The proving key cannot be traced to the ceremony the chain recorded
	/// (phase-1 file and phase-2 transcript): it is not used.
	Untraceable,
	/// The proof did not verify against the registered verifying key with
	/// its binding, input and output: the chain would reject it (and slash
	/// the provider), so it is not returned.
	SelfCheckFailed,
	/// The model, its key or the input could not be used; the message says why.
	Failed(Vec<u8>),
}

/// Debug output names the variant and, for [`ComputeError::Failed`], shows the
/// message as text (not as a list of bytes), so a node's log reads as English.
impl core::fmt::Debug for ComputeError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Failed(message) => write!(f, "Failed({:?})", alloc::string::String::from_utf8_lossy(message)),
			other => write!(f, "{}", alloc::string::String::from_utf8_lossy(&other.reason())),
		}
	}
}

/// Longest message of [`ComputeError::reason`].
pub const MAX_REASON_LEN: usize = 128;

impl ComputeError {
	/// A short human-readable reason (at most [`MAX_REASON_LEN`] bytes, the
	/// start of a longer [`ComputeError::Failed`] message).
	pub fn reason(&self) -> Vec<u8> {
		let text: &[u8] = match self {
			Self::NotServing => b"this node serves no compute",
			Self::NotOffchain => b"compute called outside an off-chain worker",
			Self::UnknownModel => b"the model is neither in the model directory nor at its URL",
			Self::MissingProvingKey => b"no proving key for the model",
			Self::HashMismatch => b"the model's URL serves other bytes than its content hash",
			Self::KeyMismatch => b"the proving key is not for the registered verifying key",
			Self::Untraceable => b"the proving key does not trace to the recorded ceremony",
			Self::SelfCheckFailed => b"the proof did not verify locally",
			Self::Failed(message) => message,
		};
		text[..text.len().min(MAX_REASON_LEN)].to_vec()
	}
}

/// Whether the current externalities are an off-chain worker's: the node
/// registers [`sp_core::offchain::OffchainWorkerExt`] only there.
#[cfg(feature = "std")]
pub fn in_offchain_worker() -> bool {
	use sp_externalities::ExternalitiesExt;
	sp_externalities::with_externalities(|mut ext| ext.extension::<sp_core::offchain::OffchainWorkerExt>().is_some())
		.unwrap_or(false)
}

/// The host functions of the compute engine.
#[sp_runtime_interface::runtime_interface]
pub trait Compute {
	/// Runs and proves each job, in parallel, and verifies each proof
	/// against its source's registered verifying key before returning it;
	/// the results in the jobs' order. Each model and its proving key come
	/// from the model directory, or else from the source's URL (then kept in
	/// the directory).
	///
	/// Refused with [`ComputeError::NotOffchain`] outside an off-chain
	/// worker (see the crate's documentation).
	fn infer_and_prove(
		jobs: sp_runtime_interface::pass_by::PassFatPointerAndDecode<Vec<Job>>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Vec<Result<Proven, ComputeError>>> {
		match serving() {
			Ok(engine) => engine.infer_and_prove_all(&jobs),
			Err(e) => jobs.iter().map(|_| Err(e.clone())).collect(),
		}
	}

	/// Runs each job's model on its input without proving it (redundant
	/// execution; the jobs' bindings are not used): the fixed-point output
	/// its circuit computes. Refused like `infer_and_prove`.
	fn infer(
		jobs: sp_runtime_interface::pass_by::PassFatPointerAndDecode<Vec<Job>>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Vec<Result<Vec<i64>, ComputeError>>> {
		match serving() {
			Ok(engine) => engine.infer_all(&jobs),
			Err(e) => jobs.iter().map(|_| Err(e.clone())).collect(),
		}
	}

	/// Shares `message` with the node's peers under `topic` (the committee
	/// gossip, see [`gossip`]). Nothing outside an off-chain worker.
	fn committee_publish(
		topic: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 32], 32>,
		message: sp_runtime_interface::pass_by::PassFatPointerAndRead<&[u8]>,
	) {
		if in_offchain_worker() {
			gossip::hub().publish(*topic, message.to_vec());
		}
	}

	/// What this node published and received under `topic`, oldest first.
	/// Nothing outside an off-chain worker.
	fn committee_received(
		topic: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 32], 32>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Vec<Vec<u8>>> {
		if !in_offchain_worker() {
			return Vec::new();
		}
		gossip::hub().received(topic)
	}

	/// Starts getting `model` ready in the background (fetched, compiled,
	/// its key traced), so that its first task does not wait for that;
	/// returns at once with how far it is. Refused like `infer_and_prove`.
	fn prepare(
		model: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 32], 32>,
		source: sp_runtime_interface::pass_by::PassFatPointerAndDecode<ModelSource>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Readiness> {
		match serving() {
			Ok(engine) => engine.prepare(*model, source),
			Err(e) => Readiness::Failed(e),
		}
	}

	/// The committee (BLS12-381) public key of compute key `public` (of key
	/// type `key_type`) in the node's keystore, with its proof of possession
	/// for `owner` (the encoded provider account); `None` if the keystore
	/// does not hold the compute key. Refused (`None`) outside an off-chain
	/// worker. See [`bls_keys`].
	fn bls_public_key(
		key_type: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 4], 4>,
		public: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 32], 32>,
		owner: sp_runtime_interface::pass_by::PassFatPointerAndRead<&[u8]>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Option<([u8; 96], [u8; 48])>> {
		if !in_offchain_worker() {
			return None;
		}
		bls_keys::public_key(*key_type, *public, owner).map(|(key, proof)| (key.0, proof.0))
	}

	/// `message` signed with the committee key of compute key `public`;
	/// `None` like [`compute::bls_public_key`].
	fn bls_sign(
		key_type: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 4], 4>,
		public: sp_runtime_interface::pass_by::PassPointerAndRead<&[u8; 32], 32>,
		message: sp_runtime_interface::pass_by::PassFatPointerAndRead<&[u8]>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Option<[u8; 48]>> {
		if !in_offchain_worker() {
			return None;
		}
		bls_keys::sign(*key_type, *public, message).map(|s| s.0)
	}
}

/// The engine, if this is an off-chain worker of a node that serves compute.
#[cfg(feature = "std")]
fn serving() -> Result<&'static engine::Engine, ComputeError> {
	if !in_offchain_worker() {
		return Err(ComputeError::NotOffchain);
	}
	engine::global().ok_or(ComputeError::NotServing)
}

/// The host functions a node registers so that the runtime can call them.
#[cfg(feature = "std")]
pub type HostFunctions = compute::HostFunctions;

#[cfg(all(test, feature = "std"))]
mod tests {
	use super::*;
	use sp_core::offchain::{testing::TestOffchainExt, OffchainWorkerExt};

	fn call() -> Result<Proven, ComputeError> {
		let source = source();
		let mut results = compute::infer_and_prove(vec![Job { model: [0; 32], binding: [0; 32], input: vec![0; 4], source }]);
		assert_eq!(results.len(), 1, "one result per job");
		results.remove(0)
	}

	fn source() -> ModelSource {
		ModelSource {
			url: Vec::new(),
			size: 0,
			verifying_key: Vec::new(),
			transcript: [0; 32],
			phase1: [0; 32],
			phase1_url: Vec::new(),
			input_min: 0,
			input_max: 0,
			output_bits: 1,
		}
	}

	#[test]
	fn the_host_function_refuses_outside_an_offchain_worker() {
		// Block execution: no off-chain worker extension.
		assert_eq!(sp_io::TestExternalities::default().execute_with(call), Err(ComputeError::NotOffchain));
		// No externalities at all.
		assert_eq!(call(), Err(ComputeError::NotOffchain));
		// An off-chain worker: the call goes through to the engine (which
		// this test process does not run).
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(OffchainWorkerExt::new(TestOffchainExt::new().0));
		assert_eq!(ext.execute_with(call), Err(ComputeError::NotServing));
		let prepare = || compute::prepare(&[0; 32], source());
		assert_eq!(sp_io::TestExternalities::default().execute_with(prepare), Readiness::Failed(ComputeError::NotOffchain));
		assert_eq!(ext.execute_with(prepare), Readiness::Failed(ComputeError::NotServing));
	}

	#[test]
	fn reasons_are_short_and_readable() {
		assert_eq!(ComputeError::SelfCheckFailed.reason(), b"the proof did not verify locally".to_vec());
		assert_eq!(ComputeError::Failed(vec![b'x'; 1000]).reason().len(), MAX_REASON_LEN);
		assert_eq!(format!("{:?}", ComputeError::Failed(b"proving: bad key".to_vec())), r#"Failed("proving: bad key")"#);
		assert_eq!(format!("{:?}", ComputeError::SelfCheckFailed), "the proof did not verify locally");
	}
}
