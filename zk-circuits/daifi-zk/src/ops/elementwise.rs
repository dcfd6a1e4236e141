//! Add, Sub and Mul with broadcasting: of two computed tensors (Add, Sub) or
//! of a computed tensor and a constant. All free.

use std::collections::HashMap;

use super::{input, numel, quantize, Tensor, Value, FRAC_BITS};
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
}

fn apply(node: &Node, kind: Kind, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let (lhs, rhs) = (input(node, values, 0)?, input(node, values, 1)?);
	let shape_of = |v: &Value| match v {
		Value::Const(c) => c.shape.clone(),
		Value::Var(t) => t.shape.clone(),
	};
	let out = broadcast(&shape_of(lhs), &shape_of(rhs))
		.ok_or_else(|| node.error(format!("shapes {:?} and {:?} do not broadcast", shape_of(lhs), shape_of(rhs))))?;
	let n = numel(&out);
	let data_scale = |t: &Tensor, c: &Constant, swapped: bool| -> Result<Tensor, ZkError> {
		let data = (0..n)
			.map(|i| {
				let x = &t.data[source_index(&t.shape, &out, i)];
				let k = c.values[source_index(&c.shape, &out, i)];
				match kind {
					Kind::Mul => x.scaled(quantize(k, FRAC_BITS)),
					Kind::Add => x.offset(quantize(k, t.scale)),
					Kind::Sub if swapped => x.scaled(-1)?.offset(quantize(k, t.scale)),
					Kind::Sub => x.offset(-quantize(k, t.scale)),
				}
			})
			.collect::<Result<_, _>>()?;
		let scale = if kind == Kind::Mul { t.scale + FRAC_BITS } else { t.scale };
		Ok(Tensor { shape: out.clone(), data, scale })
	};
	let result = match (lhs, rhs) {
		(Value::Var(t), Value::Const(c)) => data_scale(t, c, false)?,
		(Value::Const(c), Value::Var(t)) => data_scale(t, c, true)?,
		(Value::Var(x), Value::Var(y)) => {
			if kind == Kind::Mul {
				return Err(node.error("the product of two computed tensors is not supported"));
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
		(Value::Const(_), Value::Const(_)) => return Err(node.error("constant folding is not supported")),
	};
	Ok(Value::Var(result))
}

/// ONNX `Add`.
pub fn add(_: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(node, Kind::Add, values)
}

/// ONNX `Sub`.
pub fn sub(_: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(node, Kind::Sub, values)
}

/// ONNX `Mul` by a constant.
pub fn mul(_: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	apply(node, Kind::Mul, values)
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
