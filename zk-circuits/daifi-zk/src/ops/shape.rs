//! Flatten, Reshape, Identity and Dropout (inference): they move no value.

use std::collections::HashMap;

use super::{const_input, input, numel, Value};
use crate::{circuit::program::Builder, onnx::{Constant, Node}, ZkError};

fn with_shape(node: &Node, value: &Value, shape: Vec<usize>) -> Result<Value, ZkError> {
	let n = match value {
		Value::Const(c) => numel(&c.shape),
		Value::Var(t) => numel(&t.shape),
	};
	if numel(&shape) != n {
		return Err(node.error(format!("cannot reshape {n} elements to {shape:?}")));
	}
	Ok(match value {
		Value::Const(c) => Value::Const(Constant { shape, values: c.values.clone() }),
		Value::Var(t) => {
			let mut t = t.clone();
			t.shape = shape;
			Value::Var(t)
		},
	})
}

fn shape_of(v: &Value) -> &[usize] {
	match v {
		Value::Const(c) => &c.shape,
		Value::Var(t) => &t.shape,
	}
}

/// ONNX `Flatten`: `[d0..d(axis-1)] x [d(axis)..]`.
pub fn flatten(_: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x);
	let axis = node.int("axis", 1);
	let axis = if axis < 0 { axis + shape.len() as i64 } else { axis };
	if axis < 0 || axis as usize > shape.len() {
		return Err(node.error(format!("axis {axis} out of range for {shape:?}")));
	}
	let (outer, inner) = shape.split_at(axis as usize);
	with_shape(node, x, vec![numel(outer), numel(inner)])
}

/// ONNX `Reshape` with a constant target shape (`0` copies, `-1` infers).
pub fn reshape(_: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let target = const_input(node, values, 1)?;
	let current = shape_of(x);
	let mut shape = Vec::with_capacity(target.values.len());
	let mut infer = None;
	for (i, &d) in target.values.iter().enumerate() {
		match d as i64 {
			0 => shape.push(*current.get(i).ok_or_else(|| node.error("0 in shape past the input's rank"))?),
			-1 if infer.is_none() => {
				infer = Some(i);
				shape.push(1);
			},
			d if d > 0 => shape.push(d as usize),
			d => return Err(node.error(format!("invalid dimension {d} in target shape"))),
		}
	}
	if let Some(i) = infer {
		let known = numel(&shape);
		let total = numel(current);
		if known == 0 || total % known != 0 {
			return Err(node.error(format!("cannot infer -1 reshaping {current:?} to {shape:?}")));
		}
		shape[i] = total / known;
	}
	with_shape(node, x, shape)
}

/// ONNX `Identity` and `Dropout` (at inference, dropout is the identity).
pub fn identity(_: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	Ok(input(node, values, 0)?.clone())
}
