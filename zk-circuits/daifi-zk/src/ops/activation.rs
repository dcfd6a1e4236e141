//! Activations. ReLU, LeakyReLU and Clip are exact (range checks and
//! products); Sigmoid, Tanh, Softmax and LogSoftmax are piecewise-linear
//! with stated, tested error bounds (input quantization included).
//!
//! | operator | constraints per element (`n` = bits of the value) |
//! |---|---|
//! | Relu | `n + 2` |
//! | LeakyRelu | `n + 2` |
//! | Clip (ReLU6: min 0) | `n + 2` for a lower bound of 0, `n + 2` per other bound |
//! | Sigmoid, Tanh | two `max`, `frac + 5` bits, 30 products, 1: about `2n + frac + 40` |
//! | Softmax over `k` values | the group's max (`k - 1` max), an exp each (as Sigmoid with 64 segments: about `2n + frac + 70`), one range check of the sum, a division each (about `3 · bits(sum) + 2 frac`) |
//! | LogSoftmax over `k` values | as Softmax without the divisions, plus one rescale and one ln of the sum |

use std::collections::HashMap;

use super::{const_input, numel, var_input, Tensor, Value};
use crate::{
	circuit::{
		affine::Affine,
		gadgets::{self, PiecewiseLinear},
		program::Builder,
	},
	onnx::Node,
	ZkError,
};

/// Segments of Sigmoid and Tanh: 2^5 = 32.
pub const SEGMENT_BITS: u32 = 5;
/// Segments of Softmax's exp and LogSoftmax's ln: 2^6 = 64.
pub const SOFTMAX_SEGMENT_BITS: u32 = 6;

/// The logistic function.
pub fn sigmoid_f64(x: f64) -> f64 {
	1.0 / (1.0 + (-x).exp())
}

/// The piecewise-linear Sigmoid the circuit computes: on `[-8, 8)`,
/// saturated outside.
pub fn sigmoid_table(frac_bits: u32) -> PiecewiseLinear {
	PiecewiseLinear::new(sigmoid_f64, SEGMENT_BITS, frac_bits, -8.0, 4)
}

/// The piecewise-linear Tanh the circuit computes: on `[-4, 4)`.
pub fn tanh_table(frac_bits: u32) -> PiecewiseLinear {
	PiecewiseLinear::new(f64::tanh, SEGMENT_BITS, frac_bits, -4.0, 3)
}

/// Softmax's exponential of `d = x - max(x) <= 0`, evaluated at `d - 2^-frac`
/// so that the group's maximum (`d = 0`) lies inside the domain `[-8, 0)`
/// and gets exactly `e^0 = 1`. Below -8 it is `e^-8` (0.03%).
pub fn exp_table(frac_bits: u32) -> PiecewiseLinear {
	let ulp = 1.0 / (1u64 << frac_bits) as f64;
	PiecewiseLinear::new(move |x| (x + ulp).exp(), SOFTMAX_SEGMENT_BITS, frac_bits, -8.0, 3)
}

/// LogSoftmax's natural logarithm of the sum of exponentials, which lies in
/// `[1, k]` for a group of `k`: on `[1, 1 + 2^width_bits)`, `2^width_bits >= k - 1`.
pub fn ln_table(frac_bits: u32, group: usize) -> PiecewiseLinear {
	let width_bits = gadgets::bits_for(group as i128 - 1).max(1);
	PiecewiseLinear::new(f64::ln, SOFTMAX_SEGMENT_BITS, frac_bits, 1.0, width_bits)
}

/// ONNX `Relu`.
pub fn relu(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	Ok(Value::Var(var_input(node, values, 0)?.requantized(b, true)?))
}

/// ONNX `LeakyRelu`: `alpha · x + (1 - alpha) · relu(x)`, both from one
/// rescale; the sum is free.
pub fn leaky_relu(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let alpha = node.float("alpha", 0.01);
	let x = var_input(node, values, 0)?;
	let frac = b.frac_bits;
	let a = super::quantize(alpha, frac);
	let t = if x.scale < frac { x.upscaled(frac)? } else { x.clone() };
	let data = t
		.data
		.iter()
		.map(|v| {
			let (value, relu) = gadgets::rescale_with_relu(b, v, t.scale - frac)?;
			Affine::combine([(a, &value), ((1i128 << frac) - a, &relu)], 0)
		})
		.collect::<Result<_, _>>()?;
	Ok(Value::Var(Tensor { shape: t.shape, data, scale: 2 * frac }))
}

/// A bound of `Clip`: the attribute (opset < 11) or the optional input.
fn clip_bound(node: &Node, values: &HashMap<String, Value>, input: usize, attribute: &str) -> Result<Option<f32>, ZkError> {
	if node.inputs.get(input).is_some_and(|n| !n.is_empty()) {
		let c = const_input(node, values, input)?;
		return match c.values[..] {
			[v] => Ok(Some(v)),
			_ => Err(node.error(format!("{attribute} must be a scalar"))),
		};
	}
	Ok(node.has(attribute).then(|| node.float(attribute, 0.0)))
}

/// ONNX `Clip` (ReLU6 is `Clip(0, 6)`): a ReLU for a lower bound of 0, a
/// `max` for another lower bound, a `min` for the upper bound.
pub fn clip(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let lo = clip_bound(node, values, 1, "min")?;
	let hi = clip_bound(node, values, 2, "max")?;
	if let (Some(lo), Some(hi)) = (lo, hi) {
		if lo > hi {
			return Err(node.error(format!("min {lo} is above max {hi}")));
		}
	}
	let x = var_input(node, values, 0)?.requantized(b, lo == Some(0.0))?;
	let frac = b.frac_bits;
	let data = x
		.data
		.iter()
		.map(|v| {
			let mut v = v.clone();
			if let Some(lo) = lo.filter(|&l| l != 0.0) {
				v = gadgets::max(b, &v, &Affine::constant(super::quantize(lo, frac)))?;
			}
			if let Some(hi) = hi {
				v = gadgets::min(b, &v, &Affine::constant(super::quantize(hi, frac)))?;
			}
			Ok(v)
		})
		.collect::<Result<_, ZkError>>()?;
	Ok(Value::Var(Tensor { shape: x.shape, data, scale: frac }))
}

fn smooth(
	b: &mut Builder,
	node: &Node,
	values: &HashMap<String, Value>,
	table: fn(u32) -> PiecewiseLinear,
) -> Result<Value, ZkError> {
	let x = var_input(node, values, 0)?.requantized(b, false)?;
	let table = table(b.frac_bits);
	let data = x.data.iter().map(|a| table.constrain(b, a)).collect::<Result<_, _>>()?;
	Ok(Value::Var(Tensor { shape: x.shape, data, scale: 2 * b.frac_bits }))
}

/// ONNX `Sigmoid`.
pub fn sigmoid(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	smooth(b, node, values, sigmoid_table)
}

/// ONNX `Tanh`.
pub fn tanh(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	smooth(b, node, values, tanh_table)
}

/// The flat indices of each group a Softmax normalises over: one axis
/// (opset 13 on, default -1) or, before opset 13, every axis from `axis`
/// on (the input coerced to 2-D, default 1).
fn softmax_groups(node: &Node, shape: &[usize]) -> Result<Vec<Vec<usize>>, ZkError> {
	let rank = shape.len() as i64;
	let modern = node.opset >= 13;
	let axis = node.int("axis", if modern { -1 } else { 1 });
	let axis = if axis < 0 { axis + rank } else { axis };
	if axis < 0 || axis >= rank.max(1) {
		return Err(node.error(format!("axis {axis} out of range for {shape:?}")));
	}
	let axis = axis as usize;
	let outer = numel(&shape[..axis]);
	let (len, inner) =
		if modern { (shape[axis], numel(&shape[axis + 1..])) } else { (numel(&shape[axis..]), 1) };
	Ok((0..outer)
		.flat_map(|o| (0..inner).map(move |i| (0..len).map(move |k| (o * len + k) * inner + i).collect()))
		.collect())
}

/// `x - max(x)` over each group, at the model's scale: every value `<= 0`,
/// the maximum exactly 0.
fn shifted_groups(
	b: &mut Builder,
	node: &Node,
	values: &HashMap<String, Value>,
) -> Result<(Tensor, Vec<Vec<usize>>, Vec<Affine>), ZkError> {
	let x = var_input(node, values, 0)?.requantized(b, false)?;
	let groups = softmax_groups(node, &x.shape)?;
	let mut shifted = vec![Affine::default(); x.data.len()];
	for group in &groups {
		let mut top = x.data[group[0]].clone();
		for &i in &group[1..] {
			top = gadgets::max(b, &x.data[i], &top)?;
		}
		for &i in group {
			shifted[i] = x.data[i].minus(&top)?;
		}
	}
	Ok((x, groups, shifted))
}

/// `1 + value - 1` proven at least 1: the sum of a group's exponentials (at
/// least `e^0 = 1` by construction) in a form the interval analysis knows is
/// positive, so it can divide.
fn at_least_one(b: &mut Builder, value: &Affine) -> Result<Affine, ZkError> {
	let hi = b.bounds(value)?.hi;
	gadgets::unsigned(b, &value.offset(-1)?, gadgets::bits_for(hi - 1))?.offset(1)
}

/// The exponentials of a group's shifted values (`x - max`, at scale `2^frac`),
/// at scale `2^(2·frac)`.
fn group_exps(b: &mut Builder, group: &[usize], shifted: &[Affine]) -> Result<Vec<Affine>, ZkError> {
	let table = exp_table(b.frac_bits);
	group.iter().map(|&i| table.constrain(b, &shifted[i].offset(-1)?)).collect()
}

/// ONNX `Softmax`: `exp(x - max) / Σ exp(x - max)`, each exponential
/// piecewise-linear, each quotient exact (rounded down at `2^(2·frac)`).
/// Maximum error per probability (tested): below 0.005 at 8 fractional bits.
pub fn softmax(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let (x, groups, shifted) = shifted_groups(b, node, values)?;
	let frac = b.frac_bits;
	let mut data = vec![Affine::default(); x.data.len()];
	for group in &groups {
		let exps = group_exps(b, group, &shifted)?;
		let sum = at_least_one(b, &Affine::combine(exps.iter().map(|e| (1, e)), 0)?)?;
		for (&i, e) in group.iter().zip(&exps) {
			data[i] = gadgets::divide(b, &e.scaled(1i128 << (2 * frac))?, &sum)?;
		}
	}
	Ok(Value::Var(Tensor { shape: x.shape, data, scale: 2 * frac }))
}

/// ONNX `LogSoftmax`: `(x - max) - ln Σ exp(x - max)`, with the sum rescaled
/// to the model's scale and its logarithm piecewise-linear on `[1, k]`.
/// Maximum error (tested): below 0.05 at 8 fractional bits for a group of 10
/// (0.028 measured); the ln table's segments widen with the group.
pub fn log_softmax(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let (x, groups, shifted) = shifted_groups(b, node, values)?;
	let frac = b.frac_bits;
	let mut data = vec![Affine::default(); x.data.len()];
	for group in &groups {
		let ln = ln_table(frac, group.len());
		let exps = group_exps(b, group, &shifted)?;
		let sum = Affine::combine(exps.iter().map(|e| (1, e)), 0)?;
		let sum = gadgets::rescale(b, &sum, frac, false)?;
		let log_sum = ln.constrain(b, &sum)?;
		for &i in group {
			data[i] = shifted[i].scaled(1i128 << frac)?.minus(&log_sum)?;
		}
	}
	Ok(Value::Var(Tensor { shape: x.shape, data, scale: 2 * frac }))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_smooth_activations_stay_within_their_stated_error() {
		let sigmoid = sigmoid_table(8).max_error(sigmoid_f64);
		let tanh = tanh_table(8).max_error(f64::tanh);
		println!("max error: sigmoid {sigmoid:.5}, tanh {tanh:.5}");
		assert!(sigmoid < 0.005, "sigmoid error {sigmoid}");
		assert!(tanh < 0.01, "tanh error {tanh}");
		// exp on [-8, 0]: the table is exp shifted by one unit.
		let exp = exp_table(8).max_error(|x| (x.clamp(-8.0, -1.0 / 256.0) + 1.0 / 256.0).exp());
		println!("max error: exp {exp:.5}");
		assert!(exp < 0.003, "exp error {exp}");
	}
}
