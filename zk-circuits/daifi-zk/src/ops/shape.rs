//! Operators that move values and compute nothing: Flatten, Reshape,
//! Identity, Dropout, Transpose, Squeeze, Unsqueeze, Concat, Slice, Pad,
//! Gather, Shape, Cast. All free (no constraint); on constants they fold at
//! compile time, which is how exported shape arithmetic (`Shape` → `Gather`
//! → `Concat` → `Reshape`) becomes a constant target shape.

use std::collections::HashMap;

use super::{
	const_input, input,
	layout::{common_form, coords, remap, shape_of, strides, Parts},
	numel, Tensor, Value,
};
use crate::{circuit::program::Builder, onnx::{Constant, Node}, ZkError};

type Values = HashMap<String, Value>;

fn with_shape(node: &Node, value: &Value, shape: Vec<usize>) -> Result<Value, ZkError> {
	let n = numel(shape_of(value));
	if numel(&shape) != n {
		return Err(node.error(format!("cannot reshape {n} elements to {shape:?}")));
	}
	Ok(match value {
		Value::Const(c) => Value::Const(Constant { shape, values: c.values.clone() }),
		Value::Var(t) => Value::Var(Tensor { shape, ..t.clone() }),
	})
}

/// An axis attribute or value, negative ones counted from the end, checked
/// against `rank`.
fn axis(node: &Node, axis: i64, rank: usize) -> Result<usize, ZkError> {
	let a = if axis < 0 { axis + rank as i64 } else { axis };
	if a < 0 || a as usize >= rank.max(1) {
		return Err(node.error(format!("axis {axis} out of range for rank {rank}")));
	}
	Ok(a as usize)
}

/// Integers from a constant input (`i`) or, for older operator sets, from
/// an attribute; `None` when neither is given.
fn ints(node: &Node, values: &Values, i: usize, attribute: &str) -> Result<Option<Vec<i64>>, ZkError> {
	if node.inputs.get(i).is_some_and(|n| !n.is_empty()) {
		return Ok(Some(const_input(node, values, i)?.values.iter().map(|&v| v as i64).collect()));
	}
	Ok(node.ints(attribute))
}

/// ONNX `Flatten`: `[d0..d(axis-1)] x [d(axis)..]`.
pub fn flatten(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x);
	let a = node.int("axis", 1);
	let a = if a < 0 { a + shape.len() as i64 } else { a };
	if a < 0 || a as usize > shape.len() {
		return Err(node.error(format!("axis {a} out of range for {shape:?}")));
	}
	let (outer, inner) = shape.split_at(a as usize);
	with_shape(node, x, vec![numel(outer), numel(inner)])
}

/// ONNX `Reshape` with a constant target shape (`0` copies, `-1` infers).
pub fn reshape(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let target = const_input(node, values, 1)?;
	let current = shape_of(x);
	let allow_zero = node.int("allowzero", 0) != 0;
	let mut shape = Vec::with_capacity(target.values.len());
	let mut infer = None;
	for (i, &d) in target.values.iter().enumerate() {
		match d as i64 {
			0 if !allow_zero =>
				shape.push(*current.get(i).ok_or_else(|| node.error("0 in shape past the input's rank"))?),
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
pub fn identity(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	if node.outputs.get(1).is_some_and(|m| !m.is_empty()) {
		return Err(node.error("the mask output of Dropout is not supported"));
	}
	Ok(input(node, values, 0)?.clone())
}

/// ONNX `Transpose` (default: reverse the axes). tf2onnx wraps each
/// channels-last convolution in two of these: they cost nothing.
pub fn transpose(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x).to_vec();
	let rank = shape.len();
	let perm: Vec<usize> = match node.ints("perm") {
		Some(p) => p.iter().map(|&a| axis(node, a, rank)).collect::<Result<_, _>>()?,
		None => (0..rank).rev().collect(),
	};
	let mut seen = vec![false; rank];
	if perm.len() != rank || perm.iter().any(|&a| std::mem::replace(&mut seen[a], true)) {
		return Err(node.error(format!("perm {perm:?} is not a permutation of {rank} axes")));
	}
	let out: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
	let in_strides = strides(&shape);
	let sources: Vec<Option<usize>> = (0..numel(&out))
		.map(|i| Some(coords(&out, i).iter().zip(&perm).map(|(c, &a)| c * in_strides[a]).sum()))
		.collect();
	Ok(remap(x, out, &sources, 0.0))
}

/// ONNX `Squeeze`: drops the given axes of size 1 (all of them if none given).
pub fn squeeze(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x).to_vec();
	let drop: Vec<usize> = match ints(node, values, 1, "axes")? {
		Some(axes) => axes.iter().map(|&a| axis(node, a, shape.len())).collect::<Result<_, _>>()?,
		None => (0..shape.len()).filter(|&a| shape[a] == 1).collect(),
	};
	if let Some(&a) = drop.iter().find(|&&a| shape[a] != 1) {
		return Err(node.error(format!("axis {a} has size {}, not 1", shape[a])));
	}
	let out = shape.iter().enumerate().filter(|(a, _)| !drop.contains(a)).map(|(_, &d)| d).collect();
	with_shape(node, x, out)
}

/// ONNX `Unsqueeze`: inserts axes of size 1 at the given output positions.
pub fn unsqueeze(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x).to_vec();
	let axes = ints(node, values, 1, "axes")?.ok_or_else(|| node.error("axes are missing"))?;
	let rank = shape.len() + axes.len();
	let mut inserted: Vec<usize> = axes.iter().map(|&a| axis(node, a, rank)).collect::<Result<_, _>>()?;
	inserted.sort_unstable();
	if inserted.windows(2).any(|w| w[0] == w[1]) {
		return Err(node.error(format!("axes {axes:?} repeat")));
	}
	let mut dims = shape.into_iter();
	let out = (0..rank).map(|a| if inserted.contains(&a) { 1 } else { dims.next().unwrap_or(1) }).collect();
	with_shape(node, x, out)
}

/// ONNX `Concat` along `axis`, of computed tensors and constants alike.
pub fn concat(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let parts: Vec<&Value> = (0..node.inputs.len()).map(|i| input(node, values, i)).collect::<Result<_, _>>()?;
	let first = shape_of(parts.first().ok_or_else(|| node.error("no inputs"))?).to_vec();
	let a = axis(node, node.int("axis", 0), first.len())?;
	let mut out = first.clone();
	out[a] = 0;
	for p in &parts {
		let s = shape_of(p);
		if s.len() != first.len() || (0..s.len()).any(|k| k != a && s[k] != first[k]) {
			return Err(node.error(format!("shapes {first:?} and {s:?} do not concatenate on axis {a}")));
		}
		out[a] += s[a];
	}
	// Output position -> (part, flat index in that part).
	let outer = numel(&first[..a]);
	let inner = numel(&first[a + 1..]);
	let mut order = Vec::with_capacity(numel(&out));
	for o in 0..outer {
		for (k, p) in parts.iter().enumerate() {
			let len = shape_of(p)[a] * inner;
			order.extend((0..len).map(|j| (k, o * len + j)));
		}
	}
	Ok(match common_form(&parts)? {
		Parts::Const(v) => Value::Const(Constant { shape: out, values: order.iter().map(|&(k, j)| v[k][j]).collect() }),
		Parts::Var(v, scale) =>
			Value::Var(Tensor { shape: out, data: order.iter().map(|&(k, j)| v[k][j].clone()).collect(), scale }),
	})
}

/// One axis of a `Slice`: the input positions it keeps, per ONNX's clamping
/// rules for `start`, `end` and a non-zero `step` of either sign.
fn slice_axis(dim: usize, start: i64, end: i64, step: i64) -> Vec<usize> {
	let d = dim as i64;
	let norm = |v: i64| if v < 0 { v.saturating_add(d) } else { v };
	let (start, end) = if step > 0 {
		(norm(start).clamp(0, d), norm(end).clamp(0, d))
	} else {
		(norm(start).clamp(-1, d - 1), norm(end).clamp(-1, d - 1))
	};
	let mut kept = Vec::new();
	let mut i = start;
	while (step > 0 && i < end) || (step < 0 && i > end) {
		kept.push(i as usize);
		i += step;
	}
	kept
}

/// ONNX `Slice` with constant `starts`, `ends`, `axes` and `steps`.
pub fn slice(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x).to_vec();
	let starts = ints(node, values, 1, "starts")?.ok_or_else(|| node.error("starts are missing"))?;
	let ends = ints(node, values, 2, "ends")?.ok_or_else(|| node.error("ends are missing"))?;
	let axes = ints(node, values, 3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
	let steps = ints(node, values, 4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
	if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
		return Err(node.error("starts, ends, axes and steps differ in length"));
	}
	let mut kept: Vec<Vec<usize>> = shape.iter().map(|&d| (0..d).collect()).collect();
	for k in 0..starts.len() {
		let a = axis(node, axes[k], shape.len())?;
		if steps[k] == 0 {
			return Err(node.error("a step of 0"));
		}
		kept[a] = slice_axis(shape[a], starts[k], ends[k], steps[k]);
	}
	let out: Vec<usize> = kept.iter().map(Vec::len).collect();
	let in_strides = strides(&shape);
	let sources: Vec<Option<usize>> = (0..numel(&out))
		.map(|i| Some(coords(&out, i).iter().enumerate().map(|(a, &c)| kept[a][c] * in_strides[a]).sum()))
		.collect();
	Ok(remap(x, out, &sources, 0.0))
}

/// ONNX `Pad`: modes `constant` (with `constant_value`), `edge` and
/// `reflect`; negative pads crop. Pads and value are constants.
pub fn pad(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let shape = shape_of(x).to_vec();
	let rank = shape.len();
	let given = ints(node, values, 1, "pads")?.ok_or_else(|| node.error("pads are missing"))?;
	let axes: Vec<usize> = match ints(node, values, 3, "")? {
		Some(axes) => axes.iter().map(|&a| axis(node, a, rank)).collect::<Result<_, _>>()?,
		None => (0..rank).collect(),
	};
	if given.len() != 2 * axes.len() {
		return Err(node.error(format!("{} pads for {} axes", given.len(), axes.len())));
	}
	let mut pads = vec![(0i64, 0i64); rank];
	for (k, &a) in axes.iter().enumerate() {
		pads[a] = (given[k], given[k + axes.len()]);
	}
	let fill = match node.inputs.get(2).filter(|n| !n.is_empty()) {
		Some(_) => *const_input(node, values, 2)?.values.first().ok_or_else(|| node.error("empty constant_value"))?,
		None => node.float("value", 0.0),
	};
	let mode = node.string("mode").unwrap_or_else(|| "constant".into());
	let mut out = Vec::with_capacity(rank);
	for (a, &(begin, end)) in pads.iter().enumerate() {
		let d = shape[a] as i64 + begin + end;
		if d < 0 || (mode != "constant" && shape[a] == 0) {
			return Err(node.error(format!("pads {:?} leave axis {a} empty", (begin, end))));
		}
		out.push(d as usize);
	}
	let source = |a: usize, o: usize| -> Option<usize> {
		let (d, i) = (shape[a] as i64, o as i64 - pads[a].0);
		match mode.as_str() {
			_ if (0..d).contains(&i) => Some(i as usize),
			"edge" => Some(i.clamp(0, d - 1) as usize),
			"reflect" if d > 1 => {
				let period = 2 * (d - 1);
				let r = i.rem_euclid(period);
				Some((if r < d { r } else { period - r }) as usize)
			},
			"reflect" => Some(0),
			_ => None,
		}
	};
	if !["constant", "edge", "reflect"].contains(&mode.as_str()) {
		return Err(node.error(format!("pad mode {mode} is not supported")));
	}
	let in_strides = strides(&shape);
	let sources: Vec<Option<usize>> = (0..numel(&out))
		.map(|i| {
			coords(&out, i).iter().enumerate().try_fold(0, |acc, (a, &c)| Some(acc + source(a, c)? * in_strides[a]))
		})
		.collect();
	Ok(remap(x, out, &sources, fill))
}

/// ONNX `Gather` with constant indices (negative ones count from the end).
pub fn gather(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let x = input(node, values, 0)?;
	let indices = const_input(node, values, 1)?;
	let shape = shape_of(x).to_vec();
	let a = axis(node, node.int("axis", 0), shape.len())?;
	let dim = shape[a] as i64;
	let picked: Vec<usize> = indices
		.values
		.iter()
		.map(|&v| {
			let i = v as i64;
			let i = if i < 0 { i + dim } else { i };
			(0..dim).contains(&i).then_some(i as usize).ok_or_else(|| node.error(format!("index {v} out of range")))
		})
		.collect::<Result<_, _>>()?;
	let out: Vec<usize> = shape[..a].iter().chain(&indices.shape).chain(&shape[a + 1..]).copied().collect();
	let in_strides = strides(&shape);
	let k = indices.shape.len();
	let sources: Vec<Option<usize>> = (0..numel(&out))
		.map(|i| {
			let c = coords(&out, i);
			let index = picked[if k == 0 { 0 } else { c[a..a + k].iter().zip(strides(&indices.shape)).map(|(x, s)| x * s).sum() }];
			let outer: usize = c[..a].iter().zip(&in_strides).map(|(x, s)| x * s).sum();
			let inner: usize = c[a + k..].iter().zip(&in_strides[a + 1..]).map(|(x, s)| x * s).sum();
			Some(outer + index * in_strides[a] + inner)
		})
		.collect();
	Ok(remap(x, out, &sources, 0.0))
}

/// ONNX `Shape`: the (static) shape of any value, a constant.
pub fn shape(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	let dims = shape_of(input(node, values, 0)?);
	let rank = dims.len() as i64;
	let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
	let (start, end) = (clamp(node.int("start", 0)), clamp(node.int("end", rank)));
	let picked: Vec<f32> = dims[start..end.max(start)].iter().map(|&d| d as f32).collect();
	Ok(Value::Const(Constant { shape: vec![picked.len()], values: picked }))
}

/// ONNX `Cast`: to a float type it changes nothing; to an integer type it
/// truncates constants and is refused on computed values (it would round
/// them outside the circuit's fixed point).
pub fn cast(_: &mut Builder, node: &Node, values: &Values) -> Result<Value, ZkError> {
	const FLOATS: [i64; 4] = [1, 10, 11, 16]; // FLOAT, FLOAT16, DOUBLE, BFLOAT16
	let x = input(node, values, 0)?;
	let to = node.int("to", 1);
	if FLOATS.contains(&to) {
		return Ok(x.clone());
	}
	match x {
		Value::Const(c) => Ok(Value::Const(Constant {
			shape: c.shape.clone(),
			values: c.values.iter().map(|v| if to == 9 { (*v != 0.0) as u8 as f32 } else { v.trunc() }).collect(),
		})),
		Value::Var(_) => Err(node.error(format!("a cast of a computed tensor to type {to} is not supported"))),
	}
}

#[cfg(test)]
mod tests {
	use super::slice_axis;

	#[test]
	fn slices_clamp_as_onnx_says() {
		assert_eq!(slice_axis(5, 1, 3, 1), vec![1, 2]);
		assert_eq!(slice_axis(5, 0, i64::MAX, 1), vec![0, 1, 2, 3, 4]);
		assert_eq!(slice_axis(5, -2, 100, 1), vec![3, 4]);
		assert_eq!(slice_axis(5, -1, i64::MIN, -1), vec![4, 3, 2, 1, 0]);
		assert_eq!(slice_axis(5, 4, 0, -2), vec![4, 2]);
		assert_eq!(slice_axis(5, 0, 5, 2), vec![0, 2, 4]);
		assert_eq!(slice_axis(5, 3, 1, 1), Vec::<usize>::new());
	}
}
