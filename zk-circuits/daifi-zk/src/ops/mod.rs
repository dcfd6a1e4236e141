//! The ONNX operators the compiler supports, one file per family. Each takes
//! the node and its input values and returns its output value; linear
//! operators cost no constraint, non-linear ones use the gadgets.

pub mod activation;
pub mod conv;
pub mod elementwise;
pub mod linear;
pub mod pool;
pub mod shape;

use crate::{
	circuit::{affine::Affine, gadgets, program::Builder},
	onnx::{Constant, Node},
	ZkError,
};

/// Fractional bits of activations and weights: a real `x` is `round(x · 2^8)`.
pub const FRAC_BITS: u32 = 8;

/// A value flowing through the graph: a constant (weights, shapes) or a
/// tensor computed from the input.
#[derive(Clone, Debug)]
pub enum Value {
	/// Known at compile time.
	Const(Constant),
	/// Depends on the input: affine forms over circuit wires.
	Var(Tensor),
}

/// A tensor computed from the input: each element an affine form whose
/// integer value is the real value times `2^scale`.
#[derive(Clone, Debug)]
pub struct Tensor {
	/// Dimensions (batch first).
	pub shape: Vec<usize>,
	/// Row-major elements.
	pub data: Vec<Affine>,
	/// Fractional bits.
	pub scale: u32,
}

impl Tensor {
	/// The same elements at `2^target` (`target >= scale`): exact, costs nothing.
	pub fn upscaled(&self, target: u32) -> Result<Tensor, ZkError> {
		let factor = 1i128 << (target - self.scale);
		let data = self.data.iter().map(|a| a.scaled(factor)).collect::<Result<_, _>>()?;
		Ok(Tensor { shape: self.shape.clone(), data, scale: target })
	}

	/// The elements at scale `FRAC_BITS`, rounded down (a range check each) when
	/// the scale is finer, and with ReLU applied if asked.
	pub fn requantized(&self, b: &mut Builder, relu: bool) -> Result<Tensor, ZkError> {
		let t = if self.scale < FRAC_BITS { self.upscaled(FRAC_BITS)? } else { self.clone() };
		let shift = t.scale - FRAC_BITS;
		if shift == 0 && !relu {
			return Ok(t);
		}
		let data = t
			.data
			.iter()
			.map(|a| gadgets::rescale(b, a, shift, relu))
			.collect::<Result<_, _>>()?;
		Ok(Tensor { shape: t.shape, data, scale: FRAC_BITS })
	}

	/// Rescales to `FRAC_BITS` when the scale is so fine that one more
	/// multiplication by weights would make values needlessly wide.
	pub fn ready_for_weights(&self, b: &mut Builder) -> Result<Tensor, ZkError> {
		if self.scale > 2 * FRAC_BITS {
			self.requantized(b, false)
		} else {
			Ok(self.clone())
		}
	}
}

/// `round(x · 2^bits)` as an integer.
pub fn quantize(x: f32, bits: u32) -> i128 {
	(x as f64 * (1u64 << bits) as f64).round() as i128
}

/// The number of elements of a shape.
pub fn numel(shape: &[usize]) -> usize {
	shape.iter().product()
}

/// Input `i` of a node, which must exist.
pub fn input<'a>(node: &Node, values: &'a std::collections::HashMap<String, Value>, i: usize) -> Result<&'a Value, ZkError> {
	let name = node.inputs.get(i).filter(|n| !n.is_empty()).ok_or_else(|| node.error(format!("input {i} is missing")))?;
	values.get(name).ok_or_else(|| node.error(format!("input {name} is not computed before this node")))
}

/// Input `i` as a computed tensor.
pub fn var_input<'a>(node: &Node, values: &'a std::collections::HashMap<String, Value>, i: usize) -> Result<&'a Tensor, ZkError> {
	match input(node, values, i)? {
		Value::Var(t) => Ok(t),
		Value::Const(_) => Err(node.error(format!("input {i} must depend on the model input"))),
	}
}

/// Input `i` as a constant.
pub fn const_input<'a>(node: &Node, values: &'a std::collections::HashMap<String, Value>, i: usize) -> Result<&'a Constant, ZkError> {
	match input(node, values, i)? {
		Value::Const(c) => Ok(c),
		Value::Var(_) => Err(node.error(format!("input {i} must be a constant (weights are circuit constants)"))),
	}
}
