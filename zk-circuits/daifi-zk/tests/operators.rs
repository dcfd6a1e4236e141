//! Every supported operator on a small graph, against tract's float
//! inference of the same file: the circuit's output within a stated bound,
//! and the honest witness satisfies the constraints. Layout operators are
//! exact (the bound is quantization only); the cost of each is checked.

mod common;

use daifi_zk::{compile, groth16::{is_satisfied, witness}, onnx::FloatModel, ZkError};
use prost::Message;
use rand::{Rng, SeedableRng};
use tract_onnx::pb;

const F32: i32 = 1;
const I64: i32 = 7;

/// An initializer stored as `raw_data`, as PyTorch writes them.
fn raw(name: &str, dims: &[i64], values: &[f32]) -> pb::TensorProto {
	pb::TensorProto {
		name: name.into(),
		dims: dims.to_vec(),
		data_type: F32,
		raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
		..Default::default()
	}
}

fn ints(name: &str, values: &[i64]) -> pb::TensorProto {
	pb::TensorProto {
		name: name.into(),
		dims: vec![values.len() as i64],
		data_type: I64,
		raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
		..Default::default()
	}
}

fn attr_int(name: &str, v: i64) -> pb::AttributeProto {
	pb::AttributeProto { name: name.into(), i: v, r#type: 2, ..Default::default() }
}

fn attr_float(name: &str, v: f32) -> pb::AttributeProto {
	pb::AttributeProto { name: name.into(), f: v, r#type: 1, ..Default::default() }
}

fn attr_ints(name: &str, v: &[i64]) -> pb::AttributeProto {
	pb::AttributeProto { name: name.into(), ints: v.to_vec(), r#type: 7, ..Default::default() }
}

fn attr_string(name: &str, v: &str) -> pb::AttributeProto {
	pb::AttributeProto { name: name.into(), s: v.as_bytes().to_vec(), r#type: 3, ..Default::default() }
}

fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<pb::AttributeProto>) -> pb::NodeProto {
	pb::NodeProto {
		name: format!("{op}_{output}"),
		op_type: op.into(),
		input: inputs.iter().map(|s| s.to_string()).collect(),
		output: vec![output.into()],
		attribute,
		..Default::default()
	}
}

fn value_info(name: &str, shape: &[i64]) -> pb::ValueInfoProto {
	use pb::{tensor_shape_proto::{dimension, Dimension}, type_proto, TensorShapeProto, TypeProto};
	let dim = shape.iter().map(|&d| Dimension { value: Some(dimension::Value::DimValue(d)), ..Default::default() }).collect();
	pb::ValueInfoProto {
		name: name.into(),
		r#type: Some(TypeProto {
			value: Some(type_proto::Value::TensorType(type_proto::Tensor {
				elem_type: F32,
				shape: Some(TensorShapeProto { dim }),
			})),
			..Default::default()
		}),
		..Default::default()
	}
}

/// A model with input `x` of `shape`, the nodes, initializers, output `y`.
fn model(opset: i64, shape: &[i64], nodes: Vec<pb::NodeProto>, init: Vec<pb::TensorProto>) -> Vec<u8> {
	pb::ModelProto {
		ir_version: 8,
		opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: opset }],
		graph: Some(pb::GraphProto {
			name: "g".into(),
			node: nodes,
			initializer: init,
			input: vec![value_info("x", shape)],
			output: vec![pb::ValueInfoProto { name: "y".into(), ..Default::default() }],
			..Default::default()
		}),
		..Default::default()
	}
	.encode_to_vec()
}

/// Compiles, runs 8 random inputs in [-2, 2] (quantized) through the circuit and tract,
/// checks the honest witness, returns the largest difference and the
/// constraint count.
fn check(bytes: &[u8], bound: f64) -> (f64, usize) {
	let circuit = compile(bytes).expect("compiles");
	let float = FloatModel::load(bytes, &circuit.input_shape).expect("tract loads it");
	let mut rng = rand::rngs::StdRng::seed_from_u64(5);
	let mut worst = 0f64;
	for round in 0..8 {
		let input: Vec<f32> = (0..circuit.program.num_inputs).map(|_| rng.gen_range(-2.0..2.0)).collect();
		let q = circuit.quantize_input(&input).unwrap();
		// tract gets the quantized input: the bound is about the circuit's
		// arithmetic, not the input's rounding (which a steep layer amplifies).
		let unit = (1u64 << circuit.input_scale) as f32;
		let input: Vec<f32> = q.iter().map(|&v| v as f32 / unit).collect();
		let (output, _) = circuit.evaluate(&q).unwrap();
		let expected = float.run(&input).unwrap();
		let real = circuit.dequantize_output(&output);
		assert_eq!(real.len(), expected.len(), "output length");
		for (a, b) in real.iter().zip(&expected) {
			worst = worst.max((a - *b as f64).abs());
		}
		if round == 0 {
			let (_, assignment) = witness(&circuit, &[1; 32], &q).unwrap();
			assert!(is_satisfied(&circuit, assignment).unwrap(), "the honest witness satisfies the circuit");
		}
	}
	assert!(worst <= bound, "max error {worst} above {bound}");
	(worst, circuit.num_constraints())
}

fn seq(n: usize, scale: f32) -> Vec<f32> {
	(0..n).map(|i| ((i * 37 % 17) as f32 - 8.0) * scale).collect()
}

#[test]
fn layout_operators_are_exact_and_free() {
	// Transpose (channels-last to channels-first), Slice with a negative
	// step, Concat with a constant, Squeeze, Unsqueeze, Gather, Pad in all
	// three modes: every output is an input value or a constant.
	let nodes = vec![
		node("Transpose", &["x"], "t", vec![attr_ints("perm", &[0, 3, 1, 2])]),
		node("Slice", &["t", "starts", "ends", "axes", "steps"], "s", vec![]),
		node("Pad", &["s", "pads"], "p1", vec![attr_string("mode", "reflect")]),
		node("Pad", &["p1", "pads", "fill"], "p2", vec![]),
		node("Pad", &["p2", "pads"], "p3", vec![attr_string("mode", "edge")]),
		node("Squeeze", &["p3", "axis0"], "q", vec![]),
		node("Unsqueeze", &["q", "axis0"], "u", vec![]),
		node("Gather", &["u", "picks"], "g", vec![attr_int("axis", 1)]),
		node("Concat", &["g", "extra"], "y", vec![attr_int("axis", 1)]),
	];
	let init = vec![
		ints("starts", &[-1, 1]),
		ints("ends", &[i64::MIN, 4]),
		ints("axes", &[3, 2]),
		ints("steps", &[-2, 1]),
		ints("pads", &[0, 0, 1, 2, 0, 0, 1, 0]),
		raw("fill", &[], &[0.5]),
		ints("axis0", &[0]),
		ints("picks", &[2, 0, -1]),
		raw("extra", &[1, 1, 9, 9], &seq(81, 0.25)),
	];
	let bytes = model(13, &[1, 4, 5, 3], nodes, init);
	let (error, constraints) = check(&bytes, 1.0 / 512.0);
	println!("layout: error {error}, {constraints} constraints");
	// 324 outputs are packed: a range check each and one constraint per
	// packed public input; the layout operators themselves cost nothing.
	let lanes = compile(&bytes).unwrap().program.output_lanes;
	assert!(lanes.packed());
	assert_eq!(constraints, 324 * (lanes.bits as usize + 1) + lanes.elements(324), "only the public outputs cost anything");
}

#[test]
fn shape_arithmetic_from_exports_folds_to_a_constant() {
	// x.view(x.size(0), -1) as the TorchScript exporter writes it.
	let nodes = vec![
		node("Shape", &["x"], "shape", vec![]),
		node("Gather", &["shape", "zero"], "batch", vec![attr_int("axis", 0)]),
		node("Unsqueeze", &["batch", "axis0"], "b1", vec![]),
		node("Concat", &["b1", "minus_one"], "target", vec![attr_int("axis", 0)]),
		node("Cast", &["target"], "target64", vec![attr_int("to", 7)]),
		node("Reshape", &["x", "target64"], "flat", vec![]),
		node("Div", &["flat", "by"], "y", vec![]),
	];
	let init = vec![
		pb::TensorProto { name: "zero".into(), data_type: I64, int64_data: vec![0], ..Default::default() },
		ints("axis0", &[0]),
		ints("minus_one", &[-1]),
		raw("by", &[], &[255.0]),
	];
	let (error, _) = check(&model(13, &[1, 2, 3, 3], nodes, init), 1e-4);
	println!("shape arithmetic and Div by 255: error {error}");
}

#[test]
fn batch_normalization_folds_and_mul_keeps_small_factors() {
	let nodes = vec![
		node("BatchNormalization", &["x", "gamma", "beta", "mean", "var"], "bn", vec![attr_float("epsilon", 1e-3)]),
		node("Mul", &["bn", "tiny"], "y", vec![]),
	];
	let init = vec![
		raw("gamma", &[3], &[0.5, 2.0, -1.5]),
		raw("beta", &[3], &[0.1, -0.2, 0.3]),
		raw("mean", &[3], &[0.05, -0.4, 1.0]),
		raw("var", &[3], &[0.8, 0.02, 3.0]),
		// 2^-12: zero at 8 fractional bits, kept here.
		raw("tiny", &[1, 3, 1, 1], &[1.0 / 4096.0, 3.0, 1e-3]),
	];
	let (error, constraints) = check(&model(13, &[1, 3, 2, 2], nodes, init), 0.005);
	println!("BatchNormalization then Mul: error {error}, {constraints} constraints");
	assert_eq!(constraints, 12, "free but for the outputs");
}

#[test]
fn clip_leaky_relu_and_pools_of_any_window() {
	let nodes = vec![
		node("Clip", &["x", "zero", "six"], "r6", vec![]),
		node("LeakyRelu", &["x"], "lr", vec![attr_float("alpha", 0.1)]),
		node("Add", &["r6", "lr"], "sum", vec![]),
		node("AveragePool", &["sum"], "avg", vec![attr_ints("kernel_shape", &[3, 3]), attr_ints("strides", &[3, 3]), attr_ints("pads", &[1, 1, 1, 1]), attr_int("count_include_pad", 1)]),
		node("MaxPool", &["sum"], "mx", vec![attr_ints("kernel_shape", &[3, 3]), attr_ints("strides", &[2, 2])]),
		node("GlobalAveragePool", &["mx"], "gap", vec![]),
		node("Flatten", &["avg"], "fa", vec![]),
		node("Flatten", &["gap"], "fg", vec![]),
		node("Concat", &["fa", "fg"], "y", vec![attr_int("axis", 1)]),
	];
	let init = vec![raw("zero", &[], &[0.0]), raw("six", &[], &[1.5])];
	let (error, constraints) = check(&model(13, &[1, 2, 7, 7], nodes, init), 0.01);
	println!("Clip, LeakyRelu, AveragePool 3x3, MaxPool 3x3: error {error}, {constraints} constraints");
}

#[test]
fn a_global_average_pool_over_28x28_is_not_zero() {
	// 784 elements: the old fixed 2^-8 factor rounded 1/784 to zero.
	let nodes = vec![node("GlobalAveragePool", &["x"], "g", vec![]), node("Flatten", &["g"], "y", vec![])];
	let (error, _) = check(&model(13, &[1, 2, 28, 28], nodes, vec![]), 1e-3);
	println!("GlobalAveragePool 28x28: error {error}");
}

#[test]
fn softmax_and_log_softmax_stay_within_their_bounds() {
	for (opset, axis) in [(13, -1), (11, 1)] {
		let nodes = vec![
			node("Gemm", &["x", "w"], "logits", vec![attr_int("transB", 1)]),
			node("Softmax", &["logits"], "y", vec![attr_int("axis", axis)]),
		];
		let init = vec![raw("w", &[10, 16], &seq(160, 0.2))];
		let (error, constraints) = check(&model(opset, &[1, 16], nodes, init), 0.01);
		println!("Softmax (opset {opset}): error {error}, {constraints} constraints");
	}
	let nodes = vec![
		node("Gemm", &["x", "w"], "logits", vec![attr_int("transB", 1)]),
		node("LogSoftmax", &["logits"], "y", vec![]),
	];
	let init = vec![raw("w", &[10, 16], &seq(160, 0.2))];
	let (error, constraints) = check(&model(13, &[1, 16], nodes, init), 0.05);
	println!("LogSoftmax: error {error}, {constraints} constraints");
}

#[test]
fn constants_in_every_encoding_and_non_finite_weights() {
	// A Constant node with raw data, one with value_floats, typed float_data.
	let raw_constant = pb::NodeProto {
		op_type: "Constant".into(),
		output: vec!["c1".into()],
		attribute: vec![pb::AttributeProto { name: "value".into(), r#type: 4, t: Some(raw("", &[4], &[0.5, -1.0, 2.0, 0.25])), ..Default::default() }],
		..Default::default()
	};
	let list_constant = pb::NodeProto {
		op_type: "Constant".into(),
		output: vec!["c2".into()],
		attribute: vec![pb::AttributeProto { name: "value_floats".into(), r#type: 6, floats: vec![1.0, 2.0, 3.0, 4.0], ..Default::default() }],
		..Default::default()
	};
	let typed = pb::TensorProto { name: "c3".into(), dims: vec![4], data_type: F32, float_data: vec![0.1, 0.2, 0.3, 0.4], ..Default::default() };
	let nodes = vec![
		raw_constant,
		list_constant,
		node("Mul", &["x", "c1"], "a", vec![]),
		node("Add", &["a", "c2"], "b", vec![]),
		node("Sub", &["b", "c3"], "y", vec![]),
	];
	check(&model(18, &[1, 4], nodes.clone(), vec![typed.clone()]), 0.01);

	for bad in [f32::NAN, f32::INFINITY] {
		let mut values = vec![0.1, 0.2, 0.3, 0.4];
		values[2] = bad;
		let err = compile(&model(18, &[1, 4], nodes.clone(), vec![raw("c3", &[4], &values)])).unwrap_err();
		assert!(
			matches!(&err, ZkError::NonFiniteConstant { name, index: 2, .. } if name == "c3"),
			"{bad}: {err}"
		);
		println!("{err}");
	}
	let err = compile(&model(9, &[1, 4], nodes, vec![typed])).unwrap_err();
	assert!(err.to_string().contains("operator set 9 is not supported"), "{err}");
}
