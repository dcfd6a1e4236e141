//! # daifi-zk
//!
//! Proves one inference of an ONNX model with Groth16 over BN254.
//!
//! - [`compile`]: ONNX bytes (parsed by `tract-onnx`) -> [`Circuit`]: a
//!   fixed-point program whose weights are circuit constants, so the verifying
//!   key commits to the exact model and multiplying by a weight costs nothing.
//!   The public inputs are the *binding* (32 bytes naming the task and the
//!   provider, so a proof cannot be replayed for another task or copied by
//!   another provider), then the quantized input, then the quantized output.
//! - [`ceremony`]: the trusted setup (phase 1 for the network, key
//!   derivation and phase 2 per model); [`prove`], [`verify`]. [`setup`]
//!   makes a key whose maker knows its secrets: tests and benchmarks only.
//! - Keys and proofs encode canonically, compressed ([`to_bytes`],
//!   [`from_bytes`]); the runtime verifies with `daifi-zk-verifier`.
//!
//! ## Fixed point
//!
//! Inputs, weights and activations are integers `round(x · 2^8)`
//! ([`ops::DEFAULT_FRAC_BITS`], or the model's `daifi.frac_bits`). A product of an activation and a weight is at scale
//! 2^16; before a non-linearity the value is rescaled to 2^8 by a floor
//! division whose remainder is range-checked. Outputs are exact integer
//! values at the scale [`Circuit::output_scale`]; [`Circuit::dequantize_output`]
//! gives reals.
//!
//! ## Cost model
//!
//! Linear operators (Gemm, MatMul, Conv, Add, AveragePool, Flatten, Reshape)
//! cost no constraint. A ReLU costs `n + 2` constraints where `n` is the bit
//! width of the value, a max `n + 2`, a Sigmoid/Tanh about 130, each public
//! output 1. The prover's time is dominated by multi-scalar multiplications
//! over as many points as there are wires.

#![deny(missing_docs)]

pub mod calibrate;
pub mod ceremony;
pub mod circuit;
pub mod compile;
pub mod groth16;
pub mod onnx;
pub mod ops;
pub mod progress;

pub use compile::{compile, model_hash, Circuit, SUPPORTED_OPS};
pub use daifi_zk_verifier::{Lanes, Layout};
pub use groth16::{from_bytes, prove, setup, to_bytes, verify, verify_many, Proof, ProvingKey, VerifyingKey};

/// Everything that can go wrong, each with what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZkError {
	/// The bytes are not a usable ONNX model.
	InvalidOnnx(String),
	/// The model uses an operator the compiler does not support.
	UnsupportedOp {
		/// The node's name.
		node: String,
		/// Its ONNX operator.
		op: String,
	},
	/// A supported operator used in an unsupported way.
	Node {
		/// The node's name.
		node: String,
		/// Its ONNX operator.
		op: String,
		/// What is wrong.
		reason: String,
	},
	/// A constant (weight, bias, shape) is NaN or infinite.
	NonFiniteConstant {
		/// The initializer or `Constant` node.
		name: String,
		/// The flat index of the first such value.
		index: usize,
		/// The value (`NaN`, `inf`, `-inf`).
		value: String,
	},
	/// Values of the model could exceed what the circuit represents soundly.
	ValueRange(String),
	/// An input of the wrong length or outside the model's input range.
	InvalidInput(String),
	/// Setup or proving failed.
	Proving(String),
	/// A key or proof did not decode.
	Encoding(String),
	/// A proof did not verify.
	Verify(daifi_zk_verifier::VerifyError),
	/// A ceremony contribution did not verify.
	Ceremony(String),
}

impl std::fmt::Display for ZkError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			ZkError::InvalidOnnx(e) => write!(f, "not a valid ONNX model: {e}"),
			ZkError::UnsupportedOp { node, op } =>
				write!(f, "Building node {node} ({op}): unsupported operator {op}"),
			ZkError::Node { node, op, reason } => write!(f, "Building node {node} ({op}): {reason}"),
			ZkError::NonFiniteConstant { name, index, value } =>
				write!(f, "constant {name} holds {value} at index {index}: weights must be finite"),
			ZkError::ValueRange(e) => write!(f, "value range: {e}"),
			ZkError::InvalidInput(e) => write!(f, "invalid input: {e}"),
			ZkError::Proving(e) => write!(f, "proving: {e}"),
			ZkError::Encoding(e) => write!(f, "encoding: {e}"),
			ZkError::Verify(e) => write!(f, "verification failed: {e}"),
			ZkError::Ceremony(e) => write!(f, "ceremony contribution refused: {e}"),
		}
	}
}

impl std::error::Error for ZkError {}
