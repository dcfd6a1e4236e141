//! Average pooling (free: a sum and a constant factor) and max pooling
//! (a `max` gadget per comparison).

use std::collections::HashMap;

use super::{conv::{chw, Window}, var_input, Tensor, Value};
use crate::{circuit::{affine::Affine, gadgets, program::Builder}, onnx::Node, ZkError};

/// `sum / n` as affine forms, free: exact when `n` is a power of two (the
/// scale grows by `log2 n`), else the sum times `round(2^k / n)` at `k` more
/// bits, `k = frac_bits + bits(n) + 8`, so that the factor has at least
/// `frac_bits + 8` significant bits and the mean's relative error is below
/// `2^-(frac_bits + 8)` for any window (784 elements of a global pool over
/// 28x28 included).
fn mean(sum: Affine, n: usize, scale: u32, frac_bits: u32) -> Result<(Affine, u32), ZkError> {
	if n.is_power_of_two() {
		Ok((sum, scale + n.trailing_zeros()))
	} else {
		let k = frac_bits + (usize::BITS - n.leading_zeros()) + 8;
		let factor = ((1u64 << k) as f64 / n as f64).round() as i128;
		Ok((sum.scaled(factor)?, scale + k))
	}
}

fn pool(
	b: &mut Builder,
	node: &Node,
	values: &HashMap<String, Value>,
	global: bool,
	max: bool,
) -> Result<Value, ZkError> {
	let x = var_input(node, values, 0)?;
	let [c, h, w] = chw(node, x)?;
	let window = if global {
		Window { kernel: [h, w], strides: [1, 1], pads: [0; 4] }
	} else {
		Window::of(node, None)?
	};
	let [oh, ow] = window.output(node, h, w)?;
	let include_pad = node.int("count_include_pad", 0) != 0;
	let mut data = Vec::with_capacity(c * oh * ow);
	let mut scales = Vec::new();
	for ci in 0..c {
		for oy in 0..oh {
			for ox in 0..ow {
				let taps = window.taps(oy, ox, h, w);
				let elements: Vec<&Affine> =
					taps.iter().map(|&(y, xx, _, _)| &x.data[(ci * h + y) * w + xx]).collect();
				let Some((first, rest)) = elements.split_first() else {
					return Err(node.error("a pooling window covers only padding"));
				};
				if max {
					let mut best = (*first).clone();
					for e in rest {
						best = gadgets::max(b, e, &best)?;
					}
					data.push(best);
				} else {
					let n = if include_pad { window.kernel[0] * window.kernel[1] } else { elements.len() };
					let sum = Affine::combine(elements.iter().map(|e| (1, *e)), 0)?;
					let (value, scale) = mean(sum, n, x.scale, b.frac_bits)?;
					data.push(value);
					scales.push(scale);
				}
			}
		}
	}
	// Windows of different sizes (padding) can give different scales: align them.
	let scale = scales.iter().copied().max().unwrap_or(x.scale);
	let data = if scales.is_empty() {
		data
	} else {
		data.iter().zip(&scales).map(|(a, &s)| a.scaled(1i128 << (scale - s))).collect::<Result<_, _>>()?
	};
	Ok(Value::Var(Tensor { shape: vec![1, c, oh, ow], data, scale }))
}

/// ONNX `AveragePool`.
pub fn average_pool(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	pool(b, node, values, false, false)
}

/// ONNX `GlobalAveragePool`.
pub fn global_average_pool(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	pool(b, node, values, true, false)
}

/// ONNX `GlobalMaxPool`.
pub fn global_max_pool(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	pool(b, node, values, true, true)
}

/// ONNX `MaxPool`.
pub fn max_pool(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	if node.outputs.len() > 1 && !node.outputs[1].is_empty() {
		return Err(node.error("the Indices output of MaxPool is not supported"));
	}
	pool(b, node, values, false, true)
}

