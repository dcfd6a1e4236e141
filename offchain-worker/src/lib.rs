//! # DAiFi compute
//!
//! What a provider's node does for the runtime's off-chain worker: load a
//! model by content hash, run it, prove the result. The runtime reaches it
//! through the [`compute`] runtime interface (host functions that every
//! `daifi-node` registers); the work itself is native code in [`engine`].
//!
//! Only off-chain workers call it: inference and proving never run during
//! block import or production.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};

#[cfg(feature = "std")]
pub mod engine;
#[cfg(feature = "std")]
pub mod fetch;
#[cfg(feature = "std")]
pub mod provenance;

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
}

/// Why no proven result came back.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum ComputeError {
	/// This node does not serve compute (`--compute-models` not given).
	NotServing,
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
	/// The model, its key or the input could not be used; the message says why.
	Failed(Vec<u8>),
	/// The circuit's output and tract's float output disagree beyond the
	/// tolerance: the result is not submitted.
	Disagreement,
}

/// The host functions of the compute engine.
#[sp_runtime_interface::runtime_interface]
pub trait Compute {
	/// Runs model `model` (its 32-byte content hash) on `input` and proves
	/// the result. The model and its proving key come from the model
	/// directory, or else from `source`'s URL (then kept in the directory).
	fn infer_and_prove(
		model: sp_runtime_interface::pass_by::PassFatPointerAndRead<&[u8]>,
		input: sp_runtime_interface::pass_by::PassFatPointerAndDecode<Vec<i64>>,
		source: sp_runtime_interface::pass_by::PassFatPointerAndDecode<ModelSource>,
	) -> sp_runtime_interface::pass_by::AllocateAndReturnByCodec<Result<Proven, ComputeError>> {
		engine::global().map_or(Err(ComputeError::NotServing), |e| e.infer_and_prove(model, &input, &source))
	}
}

/// The host functions a node registers so that the runtime can call them.
#[cfg(feature = "std")]
pub type HostFunctions = compute::HostFunctions;
