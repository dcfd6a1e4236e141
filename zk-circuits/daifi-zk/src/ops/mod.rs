//! The ONNX operators the compiler supports, one file per family. Each takes
//! the node and its input values and returns its output value; linear
//! operators cost no constraint, non-linear ones use the gadgets.

pub mod activation;
pub mod conv;
pub mod elementwise;
pub mod layout;
pub mod linear;
pub mod pool;
pub mod shape;

use crate::{
	circuit::{affine::Affine, gadgets, program::Builder},
	onnx::{Constant, Node},
	ZkError,
};

/// Fractional bits of activations and weights when the model does not choose
/// (`daifi.frac_bits` in its metadata): a real `x` is `round(x · 2^8)`.
pub const DEFAULT_FRAC_BITS: u32 = 8;
/// The finest fixed point a model may choose.
pub const MAX_FRAC_BITS: u32 = 20;

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

	/// The elements at the model's scale (`b.frac_bits`), rounded to nearest
	/// (a range check each) when the scale is finer, and with ReLU applied if asked.
	pub fn requantized(&self, b: &mut Builder, relu: bool) -> Result<Tensor, ZkError> {
		let frac = b.frac_bits;
		let t = if self.scale < frac { self.upscaled(frac)? } else { self.clone() };
		let shift = t.scale - frac;
		if shift == 0 && !relu {
			return Ok(t);
		}
		let data = t
			.data
			.iter()
			.map(|a| gadgets::rescale(b, a, shift, relu))
			.collect::<Result<_, _>>()?;
		Ok(Tensor { shape: t.shape, data, scale: frac })
	}

	/// Rescales to `FRAC_BITS` when the scale is so fine that one more
	/// multiplication by weights would make values needlessly wide.
	pub fn ready_for_weights(&self, b: &mut Builder) -> Result<Tensor, ZkError> {
		if self.scale > 2 * b.frac_bits {
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

/// Fractional bits for constant factors (`Mul`, `Div`, pooling means) such
/// that each non-zero factor keeps at least `frac_bits` significant bits:
/// `frac_bits` for factors of magnitude 1 or more, up to 16 more for small ones.
pub fn factor_bits(factors: impl IntoIterator<Item = f64>, frac_bits: u32) -> u32 {
	let extra = factors
		.into_iter()
		.filter(|f| *f != 0.0 && f.is_finite())
		.map(|f| (-f.abs().log2().floor()).clamp(0.0, 16.0) as u32)
		.max()
		.unwrap_or(0);
	frac_bits + extra
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
