//! Add, Sub, Mul and Div with broadcasting: of two computed tensors (Add,
//! Sub) or of a computed tensor and a constant; BatchNormalization folded
//! into a per-channel affine map. All free. Constants fold at compile time.

use std::collections::HashMap;

use super::{const_input, factor_bits, input, layout::shape_of, numel, quantize, var_input, Tensor, Value};
use crate::{circuit::{affine::Affine, program::Builder}, onnx::{Constant, Node}, ZkError};

/// The broadcast shape of two shapes (numpy rules), or `None`.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
	let rank = a.len().max(b.len());
	let dim = |s: &[usize], i: usize| if i + s.len() >= rank { s[i + s.len() - rank] } else { 1 };
	(0..rank)
		.map(|i| match (dim(a, i), dim(b, i)) {
			(x, y) if x == y => Some(x),
			(1, y) => Some(y),
			(x, 1) => Some(x),
			_ => None,
		})
		.collect()
}

/// The flat index into a tensor of `shape` for the flat index `i` of `out`.
fn source_index(shape: &[usize], out: &[usize], mut i: usize) -> usize {
	let (mut index, mut stride) = (0, 1);
	for k in (0..out.len()).rev() {
		let coord = i % out[k];
		i /= out[k];
		if let Some(pos) = (k + shape.len()).checked_sub(out.len()) {
			if shape[pos] != 1 {
				index += coord * stride;
			}
			stride *= shape[pos];
		}
	}
	index
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
	Add,
	Sub,
	Mul,
	Div,
}

impl Kind {
	fn apply(self, a: f32, b: f32) -> f32 {
		match self {
			Kind::Add => a + b,
			Kind::Sub => a - b,
			Kind::Mul => a * b,
			Kind::Div => a / b,
		}
	}
}

fn apply(b: &mut Builder, node: &Node, kind: Kind, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let (lhs, rhs) = (input(node, values, 0)?, input(node, values, 1)?);
	let out = broadcast(shape_of(lhs), shape_of(rhs)).ok_or_else(|| {
		node.error(format!("shapes {:?} and {:?} do not broadcast", shape_of(lhs), shape_of(rhs)))
	})?;
	let n = numel(&out);
	let frac = b.frac_bits;
	let with_constant = |t: &Tensor, c: &Constant, swapped: bool| -> Result<Tensor, ZkError> {
		if kind == Kind::Div && (swapped || c.values.iter().any(|&k| k == 0.0)) {
			return Err(node.error("only division of a computed tensor by a non-zero constant is supported"));
		}
		// Mul and Div multiply by constant factors with enough fractional
		// bits that small factors (1/255, weights below 2^-frac) keep their
		// precision; Add and Sub add constants at the tensor's own scale.
		let factor = |k: f32| if kind == Kind::Div { 1.0 / k as f64 } else { k as f64 };
		let bits = factor_bits(c.values.iter().map(|&k| factor(k)), frac);
		let data = (0..n)
			.map(|i| {
				let x = &t.data[source_index(&t.shape, &out, i)];
				let k = c.values[source_index(&c.shape, &out, i)];
				match kind {
					Kind::Mul | Kind::Div => x.scaled(quantize(factor(k) as f32, bits)),
					Kind::Add => x.offset(quantize(k, t.scale)),
					Kind::Sub if swapped => x.scaled(-1)?.offset(quantize(k, t.scale)),
					Kind::Sub => x.offset(-quantize(k, t.scale)),
				}
			})
			.collect::<Result<_, _>>()?;
		let scale = if matches!(kind, Kind::Mul | Kind::Div) { t.scale + bits } else { t.scale };
		Ok(Tensor { shape: out.clone(), data, scale })
	};
	let result = match (lhs, rhs) {
		(Value::Var(t), Value::Const(c)) => with_constant(t, c, false)?,
		(Value::Const(c), Value::Var(t)) => with_constant(t, c, true)?,
		(Value::Var(x), Value::Var(y)) => {
			if matches!(kind, Kind::Mul | Kind::Div) {
				return Err(node.error("the product or quotient of two computed tensors is not supported"));
			}
			let scale = x.scale.max(y.scale);
			let (x, y) = (x.upscaled(scale)?, y.upscaled(scale)?);
			let sign = if kind == Kind::Sub { -1 } else { 1 };
			let data = (0..n)
				.map(|i| {
					Affine::combine(
						[(1, &x.data[source_index(&x.shape, &out, i)]), (sign, &y.data[source_index(&y.shape, &out, i)])],
						0,
					)
				})
				.collect::<Result<_, _>>()?;
			Tensor { shape: out, data, scale }
		},
		// Shape arithmetic and constant subgraphs fold at compile time.
		(Value::Const(x), Value::Const(y)) => {
			let values = (0..n)
				.map(|i| kind.apply(x.values[source_index(&x.shape, &out, i)], y.values[source_index(&y.shape, &out, i)]))
				.collect();
			return Ok(Value::Const(Constant { shape: out, values }));
		},
	};
	Ok(Value::Var(result))
}

/// ONNX `Add`.
pub fn add(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(b, node, Kind::Add, values)
}

/// ONNX `Sub`.
pub fn sub(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(b, node, Kind::Sub, values)
}

/// ONNX `Mul` by a constant.
pub fn mul(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(b, node, Kind::Mul, values)
}

/// ONNX `Div` by a non-zero constant (a multiplication by its inverse).
pub fn div(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(b, node, Kind::Div, values)
}

/// ONNX `BatchNormalization` at inference, folded into one affine map per
/// channel: `x · k + (bias - mean · k)` with `k = scale / sqrt(var + eps)`.
pub fn batch_normalization(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	if node.int("training_mode", 0) != 0 || node.outputs.iter().skip(1).any(|o| !o.is_empty()) {
		return Err(node.error("only inference (one output, training_mode 0) is supported"));
	}
	let x = var_input(node, values, 0)?;
	let [scale, bias, mean, var] = [1, 2, 3, 4].map(|i| const_input(node, values, i));
	let (scale, bias, mean, var) = (scale?, bias?, mean?, var?);
	let channels = *x.shape.get(1).ok_or_else(|| node.error(format!("input {:?} has no channel axis", x.shape)))?;
	if [scale, bias, mean, var].iter().any(|c| c.values.len() != channels) {
		return Err(node.error(format!("parameters do not have {channels} values")));
	}
	let eps = node.float("epsilon", 1e-5) as f64;
	let factors: Vec<f64> = (0..channels).map(|c| scale.values[c] as f64 / (var.values[c] as f64 + eps).sqrt()).collect();
	if let Some(c) = factors.iter().position(|k| !k.is_finite()) {
		return Err(node.error(format!("channel {c} has a non-finite factor (variance {})", var.values[c])));
	}
	let bits = factor_bits(factors.iter().copied(), b.frac_bits);
	let out_scale = x.scale + bits;
	let inner = numel(&x.shape[2..]);
	let data = x
		.data
		.iter()
		.enumerate()
		.map(|(i, v)| {
			let c = (i / inner) % channels;
			let k = factors[c];
			let shift = bias.values[c] as f64 - mean.values[c] as f64 * k;
			v.scaled(quantize(k as f32, bits))?.offset(quantize(shift as f32, out_scale))
		})
		.collect::<Result<_, _>>()?;
	Ok(Value::Var(Tensor { shape: x.shape.clone(), data, scale: out_scale }))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn broadcasting_follows_numpy() {
		assert_eq!(broadcast(&[1, 4], &[4]), Some(vec![1, 4]));
		assert_eq!(broadcast(&[1, 3, 2, 2], &[3, 1, 1]), Some(vec![1, 3, 2, 2]));
		assert_eq!(broadcast(&[2, 3], &[4]), None);
		// element (0, 2, 1, 0) of a [1,3,2,2] output reads channel 2 of a [3,1,1] bias
		assert_eq!(source_index(&[3, 1, 1], &[1, 3, 2, 2], 2 * 4 + 1 * 2), 2);
	}
}
