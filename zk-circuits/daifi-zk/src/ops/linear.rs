//! Gemm and MatMul with constant weights: free (affine forms).

use std::collections::HashMap;

use super::{const_input, numel, quantize, var_input, Tensor, Value};
use crate::{
	circuit::{affine::Affine, program::Builder},
	onnx::{Constant, Node},
	ZkError,
};

/// `y[j] = Σ_k x[k] · w[k][j] + bias[j]` for a `[1, K]` (or `[K]`) input.
fn dense(
	b: &mut Builder,
	node: &Node,
	x: &Tensor,
	weights: &[f32],
	(k_dim, n_dim): (usize, usize),
	transposed: bool,
	alpha: f32,
	bias: Option<(&Constant, f32)>,
) -> Result<Tensor, ZkError> {
	if numel(&x.shape) != k_dim || x.shape.iter().rev().skip(1).any(|&d| d != 1) {
		return Err(node.error(format!("input shape {:?} does not match weights {k_dim}x{n_dim}", x.shape)));
	}
	let x = x.ready_for_weights(b)?;
	let out_scale = x.scale + b.frac_bits;
	let bias_values: Vec<i128> = match bias {
		None => vec![0; n_dim],
		Some((c, beta)) => {
			let n = numel(&c.shape);
			if n != n_dim && n != 1 {
				return Err(node.error(format!("bias shape {:?} does not match {n_dim} outputs", c.shape)));
			}
			(0..n_dim).map(|j| quantize(beta * c.values[if n == 1 { 0 } else { j }], out_scale)).collect()
		},
	};
	let data = (0..n_dim)
		.map(|j| {
			let parts = (0..k_dim).map(|k| {
				let w = if transposed { weights[j * k_dim + k] } else { weights[k * n_dim + j] };
				(quantize(alpha * w, b.frac_bits), &x.data[k])
			});
			Affine::combine(parts, bias_values[j])
		})
		.collect::<Result<_, _>>()?;
	let mut shape = x.shape.clone();
	*shape.last_mut().unwrap_or(&mut 0) = n_dim;
	if shape.is_empty() {
		shape = vec![n_dim];
	}
	Ok(Tensor { shape, data, scale: out_scale })
}

/// ONNX `Gemm`: `alpha · A · B' + beta · C` with `A` the input, `B` and `C` constants.
pub fn gemm(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	if node.int("transA", 0) != 0 {
		return Err(node.error("transA = 1 is not supported"));
	}
	let x = var_input(node, values, 0)?;
	let w = const_input(node, values, 1)?;
	let [rows, cols] = w.shape[..] else {
		return Err(node.error(format!("weights must be 2-D, got {:?}", w.shape)));
	};
	let transposed = node.int("transB", 0) != 0;
	let dims = if transposed { (cols, rows) } else { (rows, cols) };
	let bias = match node.inputs.get(2).filter(|n| !n.is_empty()) {
		Some(_) => Some((const_input(node, values, 2)?, node.float("beta", 1.0))),
		None => None,
	};
	let y = dense(b, node, x, &w.values, dims, transposed, node.float("alpha", 1.0), bias)?;
	Ok(Value::Var(y))
}

/// ONNX `MatMul` of the input by a constant `[K, N]` matrix.
pub fn matmul(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	let x = var_input(node, values, 0)?;
	let w = const_input(node, values, 1)?;
	let [rows, cols] = w.shape[..] else {
		return Err(node.error(format!("weights must be 2-D, got {:?}", w.shape)));
	};
	Ok(Value::Var(dense(b, node, x, &w.values, (rows, cols), false, 1.0, None)?))
}
