//! Bad models are refused before any proving work, with errors that name what
//! is wrong: not ONNX, an unsupported operator (with its node), bad inputs.

mod common;

use common::model_bytes;
use daifi_zk::{compile, ZkError};
use prost::Message;
use tract_onnx::pb;

fn model_with(nodes: Vec<pb::NodeProto>) -> Vec<u8> {
	let mut model = pb::ModelProto::decode(&*model_bytes("mlp_64_32_10")).unwrap();
	model.graph.as_mut().unwrap().node = nodes;
	model.encode_to_vec()
}

fn node(name: &str, op: &str, inputs: &[&str], output: &str) -> pb::NodeProto {
	pb::NodeProto {
		name: name.into(),
		op_type: op.into(),
		input: inputs.iter().map(|s| s.to_string()).collect(),
		output: vec![output.into()],
		..Default::default()
	}
}

#[test]
fn bytes_that_are_not_onnx_are_refused() {
	for bytes in [&b""[..], b"not an onnx file", &[0xff; 64]] {
		assert!(matches!(compile(bytes), Err(ZkError::InvalidOnnx(_))), "{bytes:?}");
	}
	let mut truncated = model_bytes("mlp_64_32_10");
	truncated.truncate(truncated.len() / 2);
	assert!(matches!(compile(&truncated), Err(ZkError::InvalidOnnx(_))));
}

#[test]
fn an_unsupported_operator_is_named_with_its_node() {
	let bytes = model_with(vec![
		node("dense_1", "Gemm", &["input", "w1", "b1"], "h"),
		node("gelu_erf_7", "Erf", &["h"], "logits"),
	]);
	let err = compile(&bytes).unwrap_err();
	assert_eq!(err, ZkError::UnsupportedOp { node: "gelu_erf_7".into(), op: "Erf".into() });
	assert_eq!(err.to_string(), "Building node gelu_erf_7 (Erf): unsupported operator Erf");
}

#[test]
fn a_supported_operator_used_wrongly_names_the_node() {
	// w2 is 32x10, the input has 64 values.
	let bytes = model_with(vec![node("dense_x", "Gemm", &["input", "w2", "b2"], "logits")]);
	match compile(&bytes).unwrap_err() {
		ZkError::Node { node, op, .. } => assert_eq!((node.as_str(), op.as_str()), ("dense_x", "Gemm")),
		other => panic!("unexpected {other:?}"),
	}
}

#[test]
fn inputs_of_the_wrong_size_or_range_are_refused() {
	let circuit = compile(&model_bytes("mlp_64_32_10")).unwrap();
	assert!(matches!(circuit.quantize_input(&[0.5; 63]), Err(ZkError::InvalidInput(_))));
	assert!(matches!(circuit.quantize_input(&[2.0; 64]), Err(ZkError::InvalidInput(_))));
	assert!(matches!(circuit.quantize_input(&[f32::NAN; 64]), Err(ZkError::InvalidInput(_))));
	assert!(matches!(circuit.evaluate(&[1000; 64]), Err(ZkError::InvalidInput(_))));
	assert!(circuit.quantize_input(&[0.5; 64]).is_ok());
}
