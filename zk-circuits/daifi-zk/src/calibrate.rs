//! Choosing a model's fixed point: the fewest fractional bits whose circuit
//! stays within a stated distance of the float model on the developer's
//! test set. Fewer bits mean narrower range checks (each bit of scale costs
//! about one constraint per non-linearity), more bits mean smaller weights
//! survive quantization; the choice is written into the model's metadata
//! (`daifi.frac_bits`), so it is part of the file the chain registers.

use prost::Message;
use tract_onnx::pb;

use crate::{compile, onnx::FloatModel, ops::MAX_FRAC_BITS, ZkError};

/// The outcome of a calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
	/// The chosen fractional bits.
	pub frac_bits: u32,
	/// The largest distance between circuit and float outputs on the test set.
	pub max_error: f64,
	/// Constraints of the circuit at that fixed point.
	pub constraints: usize,
	/// The model's bytes with `daifi.frac_bits` set.
	pub model: Vec<u8>,
}

/// The model's bytes with `daifi.frac_bits` set to `bits` (any earlier
/// value replaced; nothing else changes).
pub fn with_frac_bits(onnx_bytes: &[u8], bits: u32) -> Result<Vec<u8>, ZkError> {
	let mut model = pb::ModelProto::decode(onnx_bytes).map_err(|e| ZkError::InvalidOnnx(format!("{e}")))?;
	model.metadata_props.retain(|p| p.key != "daifi.frac_bits");
	model.metadata_props.push(pb::StringStringEntryProto { key: "daifi.frac_bits".into(), value: bits.to_string() });
	Ok(model.encode_to_vec())
}

/// The largest distance between the circuit's outputs and the float model's
/// (tract) on `inputs`.
pub fn max_error(onnx_bytes: &[u8], inputs: &[Vec<f32>]) -> Result<(f64, usize), ZkError> {
	let circuit = compile(onnx_bytes)?;
	let float = FloatModel::load(onnx_bytes, &circuit.input_shape)?;
	let mut worst = 0f64;
	for input in inputs {
		let (output, _) = circuit.evaluate(&circuit.quantize_input(input)?)?;
		let expected = float.run(input)?;
		for (a, b) in circuit.dequantize_output(&output).iter().zip(&expected) {
			worst = worst.max((a - *b as f64).abs());
		}
	}
	Ok((worst, circuit.num_constraints()))
}

/// The fewest fractional bits (from 4 up) whose outputs stay within
/// `bound` of the float model's on every test input.
pub fn calibrate(onnx_bytes: &[u8], inputs: &[Vec<f32>], bound: f64) -> Result<Calibration, ZkError> {
	if inputs.is_empty() {
		return Err(ZkError::InvalidInput("calibration needs at least one test input".into()));
	}
	let mut best = None;
	for frac_bits in 4..=MAX_FRAC_BITS {
		let model = with_frac_bits(onnx_bytes, frac_bits)?;
		// Finer scales can overflow the circuit's value range: stop there.
		let Ok((error, constraints)) = max_error(&model, inputs) else { break };
		best = Some((frac_bits, error));
		if error <= bound {
			return Ok(Calibration { frac_bits, max_error: error, constraints, model });
		}
	}
	let (bits, error) = best.ok_or_else(|| ZkError::ValueRange("the model does not compile at any scale".into()))?;
	Err(ZkError::ValueRange(format!(
		"no fixed point reaches {bound}: the best, {bits} fractional bits, is {error:.5} from the float model"
	)))
}
