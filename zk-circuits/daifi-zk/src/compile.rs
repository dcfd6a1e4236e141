//! ONNX model -> [`Circuit`]: walks the graph in order, quantizing weights
//! and emitting steps; any unsupported operator is refused before any
//! proving work, naming the operator and the node.

use std::collections::HashMap;

use blake2::{digest::consts::U32, Blake2b, Digest};

use crate::{
	circuit::{
		affine::{Affine, Interval},
		program::{Builder, Program},
	},
	onnx::{self, OnnxModel},
	ops::{self, numel, Tensor, Value, DEFAULT_FRAC_BITS, MAX_FRAC_BITS},
	ZkError,
};

type OpFn = fn(&mut Builder, &onnx::Node, &HashMap<String, Value>) -> Result<Value, ZkError>;

/// The supported ONNX operators (`Constant` too: its value is read when parsing).
pub const SUPPORTED_OPS: &[&str] = &[
	"Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout",
	"Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Identity", "LeakyRelu", "LogSoftmax",
	"MatMul", "MaxPool", "Mul", "Pad", "Relu", "Reshape", "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze",
	"Sub", "Tanh", "Transpose", "Unsqueeze",
];

fn op_fn(op: &str) -> Option<OpFn> {
	use ops::{activation, conv, elementwise, linear, pool, shape};
	Some(match op {
		"Gemm" => linear::gemm,
		"MatMul" => linear::matmul,
		"Add" => elementwise::add,
		"Sub" => elementwise::sub,
		"Mul" => elementwise::mul,
		"Div" => elementwise::div,
		"BatchNormalization" => elementwise::batch_normalization,
		"Relu" => activation::relu,
		"LeakyRelu" => activation::leaky_relu,
		"Clip" => activation::clip,
		"Sigmoid" => activation::sigmoid,
		"Tanh" => activation::tanh,
		"Softmax" => activation::softmax,
		"LogSoftmax" => activation::log_softmax,
		"Conv" => conv::conv,
		"AveragePool" => pool::average_pool,
		"GlobalAveragePool" => pool::global_average_pool,
		"MaxPool" => pool::max_pool,
		"GlobalMaxPool" => pool::global_max_pool,
		"Flatten" => shape::flatten,
		"Reshape" => shape::reshape,
		"Identity" | "Dropout" => shape::identity,
		"Transpose" => shape::transpose,
		"Squeeze" => shape::squeeze,
		"Unsqueeze" => shape::unsqueeze,
		"Concat" => shape::concat,
		"Slice" => shape::slice,
		"Pad" => shape::pad,
		"Gather" => shape::gather,
		"Shape" => shape::shape,
		"Cast" => shape::cast,
		_ => return None,
	})
}

/// The default range of each real input value, when the model does not declare
/// one in its metadata (`daifi.input_range` = `"lo,hi"`).
pub const DEFAULT_INPUT_RANGE: (f32, f32) = (-4.0, 4.0);

/// blake2-256 of the ONNX bytes: the model's content hash.
pub fn model_hash(onnx_bytes: &[u8]) -> [u8; 32] {
	Blake2b::<U32>::digest(onnx_bytes).into()
}

/// A compiled model: the circuit program and how to map real inputs and
/// outputs to its integer public values.
#[derive(Clone, Debug)]
pub struct Circuit {
	/// The step program.
	pub program: Program,
	/// blake2-256 of the ONNX bytes.
	pub model_hash: [u8; 32],
	/// The model input's shape.
	pub input_shape: Vec<usize>,
	/// The model output's shape.
	pub output_shape: Vec<usize>,
	/// Inputs are `round(x · 2^input_scale)`: the model's fixed point
	/// (`daifi.frac_bits`, default 8), which weights and activations use too.
	pub input_scale: u32,
	/// Outputs are `y · 2^output_scale`.
	pub output_scale: u32,
	/// Allowed range of each quantized input.
	pub input_range: (i64, i64),
	/// The R1CS matrices, built on the first proof and kept.
	pub r1cs: std::sync::OnceLock<std::sync::Arc<crate::groth16::Matrices>>,
}

impl Circuit {
	/// R1CS constraints.
	pub fn num_constraints(&self) -> usize {
		self.program.num_constraints()
	}

	/// Where input and output go among the public inputs: what the runtime
	/// computes from the model's record (`input_min`, `input_max`,
	/// [`Circuit::output_bits`]) with [`daifi_zk_verifier::Layout::of`].
	pub fn layout(&self) -> daifi_zk_verifier::Layout {
		daifi_zk_verifier::Layout { input: self.program.input_lanes, output: self.program.output_lanes }
	}

	/// Signed bits of the widest output (registered with the model).
	pub fn output_bits(&self) -> u32 {
		self.program.output_lanes.bits
	}

	/// The circuit's R1CS matrices, synthesized once and kept for every proof.
	pub fn matrices(&self) -> Result<std::sync::Arc<crate::groth16::Matrices>, ZkError> {
		if let Some(m) = self.r1cs.get() {
			return Ok(m.clone());
		}
		let m = std::sync::Arc::new(crate::groth16::Matrices::of(self)?);
		Ok(self.r1cs.get_or_init(|| m).clone())
	}

	/// Quantizes a real input, refusing a wrong length or a value out of range.
	pub fn quantize_input(&self, input: &[f32]) -> Result<Vec<i64>, ZkError> {
		if input.len() != numel(&self.input_shape) {
			return Err(ZkError::InvalidInput(format!(
				"expected {} input values (shape {:?}), got {}",
				numel(&self.input_shape),
				self.input_shape,
				input.len()
			)));
		}
		input
			.iter()
			.map(|&x| {
				let q = ops::quantize(x, self.input_scale);
				if !x.is_finite() || q < self.input_range.0 as i128 || q > self.input_range.1 as i128 {
					Err(ZkError::InvalidInput(format!("input value {x} outside the model's input range")))
				} else {
					Ok(q as i64)
				}
			})
			.collect()
	}

	/// Real values of quantized outputs.
	pub fn dequantize_output(&self, output: &[i64]) -> Vec<f64> {
		output.iter().map(|&y| y as f64 / (1u64 << self.output_scale) as f64).collect()
	}

	/// Runs the circuit's integer arithmetic: the outputs and every wire value.
	pub fn evaluate(&self, input: &[i64]) -> Result<(Vec<i64>, Vec<i128>), ZkError> {
		if input.len() != self.program.num_inputs {
			return Err(ZkError::InvalidInput(format!(
				"expected {} quantized inputs, got {}",
				self.program.num_inputs,
				input.len()
			)));
		}
		if let Some(x) = input.iter().find(|&&x| x < self.input_range.0 || x > self.input_range.1) {
			return Err(ZkError::InvalidInput(format!("quantized input {x} outside {:?}", self.input_range)));
		}
		let wires: Vec<i128> = input.iter().map(|&x| x as i128).collect();
		let values = self.program.evaluate(&wires);
		let outputs = self.program.outputs_of(&values).into_iter().map(|y| y as i64).collect();
		Ok((outputs, values))
	}
}

/// The model's fixed point: `daifi.frac_bits` from its metadata (part of the
/// file, so of its content hash), else [`DEFAULT_FRAC_BITS`].
fn frac_bits(model: &OnnxModel) -> Result<u32, ZkError> {
	let Some(text) = model.metadata.get("daifi.frac_bits") else {
		return Ok(DEFAULT_FRAC_BITS);
	};
	match text.trim().parse::<u32>() {
		Ok(bits) if (1..=MAX_FRAC_BITS).contains(&bits) => Ok(bits),
		_ => Err(ZkError::InvalidOnnx(format!("daifi.frac_bits '{text}' is not a number from 1 to {MAX_FRAC_BITS}"))),
	}
}

fn input_range(model: &OnnxModel) -> Result<(f32, f32), ZkError> {
	let Some(text) = model.metadata.get("daifi.input_range") else {
		return Ok(DEFAULT_INPUT_RANGE);
	};
	let parsed: Option<(f32, f32)> = text
		.split_once(',')
		.and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
	match parsed {
		Some((lo, hi)) if lo <= hi && lo.is_finite() && hi.is_finite() => Ok((lo, hi)),
		_ => Err(ZkError::InvalidOnnx(format!("daifi.input_range '{text}' is not 'lo,hi'"))),
	}
}

/// Compiles ONNX bytes into a circuit.
pub fn compile(onnx_bytes: &[u8]) -> Result<Circuit, ZkError> {
	let model = onnx::parse(onnx_bytes)?;
	// Refuse unsupported operators before doing any work.
	if let Some(node) = model.nodes.iter().find(|n| op_fn(&n.op_type).is_none()) {
		return Err(ZkError::UnsupportedOp { node: node.name.clone(), op: node.op_type.clone() });
	}
	let frac = frac_bits(&model)?;
	let (lo, hi) = input_range(&model)?;
	let q_range = (
		(lo as f64 * (1u64 << frac) as f64).floor() as i64,
		(hi as f64 * (1u64 << frac) as f64).ceil() as i64,
	);
	let num_inputs = numel(&model.input_shape);
	let mut builder = Builder::new(num_inputs, Interval { lo: q_range.0 as i128, hi: q_range.1 as i128 }, frac)?;

	let mut values: HashMap<String, Value> =
		model.constants.iter().map(|(k, v)| (k.clone(), Value::Const(v.clone()))).collect();
	values.insert(
		model.input_name.clone(),
		Value::Var(Tensor {
			shape: model.input_shape.clone(),
			data: (0..num_inputs as u32).map(Affine::wire).collect(),
			scale: frac,
		}),
	);
	for node in &model.nodes {
		let f = op_fn(&node.op_type)
			.ok_or_else(|| ZkError::UnsupportedOp { node: node.name.clone(), op: node.op_type.clone() })?;
		let value = f(&mut builder, node, &values)?;
		let out = node.outputs.first().ok_or_else(|| node.error("the node has no output"))?;
		values.insert(out.clone(), value);
	}

	let Some(Value::Var(output)) = values.get(&model.output_name) else {
		return Err(ZkError::InvalidOnnx(format!("output {} is not computed from the input", model.output_name)));
	};
	let (output_shape, output_scale, outputs) = (output.shape.clone(), output.scale, output.data.clone());
	Ok(Circuit {
		program: builder.finish(outputs)?,
		model_hash: model_hash(onnx_bytes),
		input_shape: model.input_shape,
		output_shape,
		input_scale: frac,
		output_scale,
		input_range: q_range,
		r1cs: Default::default(),
	})
}
