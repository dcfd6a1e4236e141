//! ReLU (one range check and one product per element) and the smooth
//! activations, piecewise-linear with 32 segments: Sigmoid on [-8, 8) (max
//! error below 0.005), Tanh on [-4, 4) (max error below 0.01), saturated
//! outside; the errors include the input's quantization and are tested.

use std::collections::HashMap;

use super::{var_input, Tensor, Value, FRAC_BITS};
use crate::{circuit::{gadgets::PiecewiseLinear, program::Builder}, onnx::Node, ZkError};

/// Segments of the piecewise-linear activations: 2^5 = 32.
pub const SEGMENT_BITS: u32 = 5;
/// Sigmoid is approximated on `[-2^3, 2^3)` (segments of width 0.5).
pub const SIGMOID_RANGE_BITS: u32 = 3;
/// Tanh is approximated on `[-2^2, 2^2)` (segments of width 0.25).
pub const TANH_RANGE_BITS: u32 = 2;

/// The logistic function.
pub fn sigmoid_f64(x: f64) -> f64 {
	1.0 / (1.0 + (-x).exp())
}

/// The piecewise-linear Sigmoid the circuit computes.
pub fn sigmoid_table() -> PiecewiseLinear {
	PiecewiseLinear::new(sigmoid_f64, SEGMENT_BITS, FRAC_BITS, SIGMOID_RANGE_BITS)
}

/// The piecewise-linear Tanh the circuit computes.
pub fn tanh_table() -> PiecewiseLinear {
	PiecewiseLinear::new(f64::tanh, SEGMENT_BITS, FRAC_BITS, TANH_RANGE_BITS)
}

/// ONNX `Relu`.
pub fn relu(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	Ok(Value::Var(var_input(node, values, 0)?.requantized(b, true)?))
}

fn smooth(b: &mut Builder, node: &Node, values: &HashMap<String, Value>, table: PiecewiseLinear) -> Result<Value, ZkError> {
	let x = var_input(node, values, 0)?.requantized(b, false)?;
	let data = x.data.iter().map(|a| table.constrain(b, a)).collect::<Result<_, _>>()?;
	Ok(Value::Var(Tensor { shape: x.shape, data, scale: 2 * FRAC_BITS }))
}

/// ONNX `Sigmoid`.
pub fn sigmoid(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	smooth(b, node, values, sigmoid_table())
}

/// ONNX `Tanh`.
pub fn tanh(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	smooth(b, node, values, tanh_table())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_smooth_activations_stay_within_their_stated_error() {
		let sigmoid = sigmoid_table().max_error(sigmoid_f64);
		let tanh = tanh_table().max_error(f64::tanh);
		println!("max error: sigmoid {sigmoid:.5}, tanh {tanh:.5}");
		assert!(sigmoid < 0.005, "sigmoid error {sigmoid}");
		assert!(tanh < 0.01, "tanh error {tanh}");
	}
}
