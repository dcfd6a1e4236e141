//! Reading an ONNX model with `tract-onnx`, the library the off-chain worker
//! runs inference with: the graph, its weights and the input's shape.

use std::collections::HashMap;

use tract_onnx::{
	pb::{self, type_proto, tensor_shape_proto::dimension},
	prelude::*,
};

use crate::ZkError;

/// A constant tensor (weights, biases, shapes) as `f32`.
#[derive(Clone, Debug)]
pub struct Constant {
	/// Dimensions.
	pub shape: Vec<usize>,
	/// Row-major values.
	pub values: Vec<f32>,
}

/// An ONNX node.
#[derive(Clone, Debug)]
pub struct Node {
	/// Its name (or `op_type#index` if unnamed), for error messages.
	pub name: String,
	/// The ONNX operator, e.g. `Gemm`.
	pub op_type: String,
	/// Input value names (may be empty strings for omitted optional inputs).
	pub inputs: Vec<String>,
	/// Output value names.
	pub outputs: Vec<String>,
	/// Its attributes.
	pub attributes: Vec<pb::AttributeProto>,
	/// The model's version of the default ONNX operator set: some operators
	/// changed their defaults (Softmax's axis) or moved attributes to inputs.
	pub opset: i64,
}

impl Node {
	fn attribute(&self, name: &str) -> Option<&pb::AttributeProto> {
		self.attributes.iter().find(|a| a.name == name)
	}

	/// Whether the attribute is present.
	pub fn has(&self, name: &str) -> bool {
		self.attribute(name).is_some()
	}

	/// An integer attribute, or `default`.
	pub fn int(&self, name: &str, default: i64) -> i64 {
		self.attribute(name).map(|a| a.i).unwrap_or(default)
	}

	/// A float attribute, or `default`.
	pub fn float(&self, name: &str, default: f32) -> f32 {
		self.attribute(name).map(|a| a.f).unwrap_or(default)
	}

	/// An integer-list attribute, or `None`.
	pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
		self.attribute(name).map(|a| a.ints.clone())
	}

	/// A string attribute, or `None`.
	pub fn string(&self, name: &str) -> Option<String> {
		self.attribute(name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
	}

	/// `Building node <name> (<op>): <reason>`.
	pub fn error(&self, reason: impl std::fmt::Display) -> ZkError {
		ZkError::Node { node: self.name.clone(), op: self.op_type.clone(), reason: reason.to_string() }
	}
}

/// A parsed model: nodes in topological order, constants, the one input and output.
#[derive(Clone, Debug)]
pub struct OnnxModel {
	/// The nodes, in the order ONNX requires (topological), `Constant`
	/// nodes left out (their values are in `constants`).
	pub nodes: Vec<Node>,
	/// Initializers and `Constant` outputs by value name.
	pub constants: HashMap<String, Constant>,
	/// The model input's name.
	pub input_name: String,
	/// The model input's shape (a symbolic batch dimension counts as 1).
	pub input_shape: Vec<usize>,
	/// The model output's name.
	pub output_name: String,
	/// `metadata_props` of the model (e.g. `daifi.input_range`).
	pub metadata: HashMap<String, String>,
}

/// The oldest and newest version of the default operator set the compiler
/// reads: the operators it supports have the semantics it implements in all
/// of them (attributes that became inputs are read in either form).
pub const OPSETS: std::ops::RangeInclusive<i64> = 11..=21;

/// Decodes a tensor in any encoding ONNX allows inside the file (typed
/// fields or `raw_data`, any numeric type), as `f32`; refuses external data,
/// NaN and infinities, naming the tensor.
fn load_constant(name: &str, tensor: &pb::TensorProto) -> Result<Constant, ZkError> {
	let error = |e: String| ZkError::InvalidOnnx(format!("constant {name}: {e}"));
	let resolver = tract_onnx::data_resolver::FopenDataResolver;
	// tract panics on a few malformed tensor encodings: turn that into an error.
	// With no model path it refuses data stored outside the file.
	let loaded = std::panic::catch_unwind(|| tract_onnx::tensor::load_tensor(&resolver, tensor, None))
		.map_err(|_| error("undecodable tensor data".into()))?
		.map_err(|e| error(format!("{e}")))?;
	let floats = loaded.cast_to::<f32>().map_err(|e| error(format!("{e}")))?;
	let values: Vec<f32> =
		floats.to_plain_array_view::<f32>().map_err(|e| error(format!("{e}")))?.iter().copied().collect();
	if let Some(index) = values.iter().position(|v| !v.is_finite()) {
		return Err(ZkError::NonFiniteConstant { name: name.into(), index, value: values[index].to_string() });
	}
	Ok(Constant { shape: loaded.shape().to_vec(), values })
}

/// The value of a `Constant` node: `value` (a tensor) or one of the scalar
/// and list forms of opset 12 on.
fn constant_node(node: &pb::NodeProto, name: &str) -> Result<Constant, ZkError> {
	let [attribute] = node.attribute.as_slice() else {
		return Err(ZkError::InvalidOnnx(format!("Constant {name} must have exactly one attribute")));
	};
	let scalar = |v: f32| Constant { shape: vec![], values: vec![v] };
	let list = |v: Vec<f32>| Constant { shape: vec![v.len()], values: v };
	let constant = match attribute.name.as_str() {
		"value" => {
			let t = attribute.t.as_ref().ok_or_else(|| ZkError::InvalidOnnx(format!("Constant {name} has no tensor")))?;
			return load_constant(name, t);
		},
		"value_float" => scalar(attribute.f),
		"value_int" => scalar(attribute.i as f32),
		"value_floats" => list(attribute.floats.clone()),
		"value_ints" => list(attribute.ints.iter().map(|&i| i as f32).collect()),
		other => return Err(ZkError::InvalidOnnx(format!("Constant {name}: attribute {other} is not supported"))),
	};
	if let Some(index) = constant.values.iter().position(|v| !v.is_finite()) {
		return Err(ZkError::NonFiniteConstant { name: name.into(), index, value: constant.values[index].to_string() });
	}
	Ok(constant)
}

fn shape_of(info: &pb::ValueInfoProto) -> Option<Vec<usize>> {
	let Some(type_proto::Value::TensorType(t)) = info.r#type.as_ref()?.value.as_ref() else {
		return None;
	};
	t.shape
		.as_ref()?
		.dim
		.iter()
		.map(|d| match &d.value {
			Some(dimension::Value::DimValue(v)) if *v > 0 => Some(*v as usize),
			// A symbolic dimension (batch size) counts as one inference.
			_ => Some(1),
		})
		.collect()
}

/// Parses ONNX bytes. Anything that is not a valid ONNX model with one input
/// of known shape and one output is refused with [`ZkError::InvalidOnnx`].
pub fn parse(bytes: &[u8]) -> Result<OnnxModel, ZkError> {
	let proto = tract_onnx::onnx()
		.proto_model_for_read(&mut &*bytes)
		.map_err(|e| ZkError::InvalidOnnx(format!("{e}")))?;
	let graph = proto.graph.as_ref().ok_or_else(|| ZkError::InvalidOnnx("no graph".into()))?;
	if graph.node.is_empty() {
		return Err(ZkError::InvalidOnnx("the graph has no nodes".into()));
	}

	let opset = proto
		.opset_import
		.iter()
		.find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
		.map(|o| o.version)
		.ok_or_else(|| ZkError::InvalidOnnx("the model imports no default operator set".into()))?;
	if !OPSETS.contains(&opset) {
		return Err(ZkError::InvalidOnnx(format!(
			"operator set {opset} is not supported (versions {} to {})",
			OPSETS.start(),
			OPSETS.end()
		)));
	}
	let mut constants = HashMap::new();
	for init in &graph.initializer {
		constants.insert(init.name.clone(), load_constant(&init.name, init)?);
	}
	let inputs: Vec<&pb::ValueInfoProto> =
		graph.input.iter().filter(|i| !constants.contains_key(&i.name)).collect();
	let [input] = inputs.as_slice() else {
		return Err(ZkError::InvalidOnnx(format!("expected one model input, found {}", inputs.len())));
	};
	let input_shape = shape_of(input)
		.ok_or_else(|| ZkError::InvalidOnnx(format!("input {} has no tensor shape", input.name)))?;
	let [output] = graph.output.as_slice() else {
		return Err(ZkError::InvalidOnnx(format!("expected one model output, found {}", graph.output.len())));
	};

	let mut nodes = Vec::with_capacity(graph.node.len());
	for (i, n) in graph.node.iter().enumerate() {
		if !n.domain.is_empty() && n.domain != "ai.onnx" {
			return Err(ZkError::UnsupportedOp { node: n.name.clone(), op: format!("{}:{}", n.domain, n.op_type) });
		}
		let name = if n.name.is_empty() { format!("{}#{i}", n.op_type) } else { n.name.clone() };
		if n.op_type == "Constant" {
			let [output] = n.output.as_slice() else {
				return Err(ZkError::InvalidOnnx(format!("Constant {name} must have one output")));
			};
			constants.insert(output.clone(), constant_node(n, &name)?);
			continue;
		}
		nodes.push(Node {
			name,
			op_type: n.op_type.clone(),
			inputs: n.input.clone(),
			outputs: n.output.clone(),
			attributes: n.attribute.clone(),
			opset,
		});
	}
	let metadata = proto.metadata_props.iter().map(|p| (p.key.clone(), p.value.clone())).collect();
	Ok(OnnxModel {
		nodes,
		constants,
		input_name: input.name.clone(),
		input_shape,
		output_name: output.name.clone(),
		metadata,
	})
}

/// Float inference with tract: the reference the circuit is measured against.
pub struct FloatModel {
	plan: std::sync::Arc<TypedRunnableModel>,
	shape: Vec<usize>,
}

impl FloatModel {
	/// Loads and optimizes the model for the given input shape.
	pub fn load(bytes: &[u8], input_shape: &[usize]) -> Result<Self, ZkError> {
		let err = |e: TractError| ZkError::InvalidOnnx(format!("{e}"));
		let plan = tract_onnx::onnx()
			.model_for_read(&mut &*bytes)
			.map_err(err)?
			.with_input_fact(0, f32::fact(input_shape).into())
			.map_err(err)?
			.into_optimized()
			.map_err(err)?
			.into_runnable()
			.map_err(err)?;
		Ok(FloatModel { plan, shape: input_shape.to_vec() })
	}

	/// Runs one input, returning the (flattened) first output.
	pub fn run(&self, input: &[f32]) -> Result<Vec<f32>, ZkError> {
		let err = |e: TractError| ZkError::InvalidInput(format!("{e}"));
		let tensor = tract_ndarray::ArrayD::from_shape_vec(self.shape.clone(), input.to_vec())
			.map_err(|e| ZkError::InvalidInput(format!("{e}")))?;
		let out = self.plan.run(tvec!(Tensor::from(tensor).into())).map_err(err)?;
		Ok(out[0].to_plain_array_view::<f32>().map_err(err)?.iter().copied().collect())
	}
}
