//! Moving elements without computing anything: every layout operator
//! (Transpose, Slice, Pad, Gather, Concat, Squeeze, ...) is an index map from
//! output positions to input positions (or to a fill value), applied the same
//! way to constants and to computed tensors. Free: no constraint.

use super::{quantize, Tensor, Value};
use crate::{circuit::affine::Affine, onnx::Constant};

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
	let mut strides = vec![1; shape.len()];
	for i in (0..shape.len().saturating_sub(1)).rev() {
		strides[i] = strides[i + 1] * shape[i + 1];
	}
	strides
}

/// The multi-index of flat position `i` in `shape`.
pub fn coords(shape: &[usize], mut i: usize) -> Vec<usize> {
	let mut c = vec![0; shape.len()];
	for k in (0..shape.len()).rev() {
		c[k] = i % shape[k].max(1);
		i /= shape[k].max(1);
	}
	c
}

/// The shape of a value.
pub fn shape_of(v: &Value) -> &[usize] {
	match v {
		Value::Const(c) => &c.shape,
		Value::Var(t) => &t.shape,
	}
}

/// A value of `shape` whose element `i` is input element `sources[i]`, or
/// `fill` where that is `None`.
pub fn remap(value: &Value, shape: Vec<usize>, sources: &[Option<usize>], fill: f32) -> Value {
	match value {
		Value::Const(c) => Value::Const(Constant {
			shape,
			values: sources.iter().map(|s| s.map_or(fill, |j| c.values[j])).collect(),
		}),
		Value::Var(t) => Value::Var(Tensor {
			shape,
			data: sources
				.iter()
				.map(|s| s.map_or_else(|| Affine::constant(quantize(fill, t.scale)), |j| t.data[j].clone()))
				.collect(),
			scale: t.scale,
		}),
	}
}

/// Values laid side by side: constants stay constants; if any is computed,
/// all become computed tensors at the finest scale among them (constants
/// quantized at it). Returns each value's elements in that common form.
pub enum Parts {
	/// All constant.
	Const(Vec<Vec<f32>>),
	/// At least one computed: the elements and their common scale.
	Var(Vec<Vec<Affine>>, u32),
}

/// The elements of `values` in one common form (see [`Parts`]).
pub fn common_form(values: &[&Value]) -> Result<Parts, crate::ZkError> {
	let scale = values.iter().filter_map(|v| if let Value::Var(t) = v { Some(t.scale) } else { None }).max();
	let Some(scale) = scale else {
		return Ok(Parts::Const(
			values.iter().map(|v| if let Value::Const(c) = v { c.values.clone() } else { Vec::new() }).collect(),
		));
	};
	let parts = values
		.iter()
		.map(|v| match v {
			Value::Const(c) => Ok(c.values.iter().map(|&x| Affine::constant(quantize(x, scale))).collect()),
			Value::Var(t) => Ok(t.upscaled(scale)?.data),
		})
		.collect::<Result<_, crate::ZkError>>()?;
	Ok(Parts::Var(parts, scale))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn strides_and_coordinates_agree() {
		let shape = [2, 3, 4];
		assert_eq!(strides(&shape), vec![12, 4, 1]);
		for i in 0..24 {
			let c = coords(&shape, i);
			assert_eq!(c.iter().zip(strides(&shape)).map(|(a, s)| a * s).sum::<usize>(), i);
		}
	}
}
