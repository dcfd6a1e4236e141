//! Hostile model files: mutated versions of the reference models, at the
//! byte level and in the ONNX structure (tensor dimensions, data types, raw
//! data, attributes, node wiring), fed to the compiler and to tract's float
//! reference for a bounded time. None may panic: a model URL comes from the
//! chain, and a provider's node loads whatever it names. Each mutant either
//! compiles or is refused with an error.
//!
//! The mutations follow a fixed seed, so a failure names a reproducible case;
//! the run stops after `BUDGET` (more mutants on a faster machine).

mod common;

use common::model_bytes;
use daifi_zk::{compile, onnx::FloatModel};
use prost::Message;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	time::{Duration, Instant},
};
use tract_onnx::pb;

/// Wall-clock budget per mutation strategy.
const BUDGET: Duration = Duration::from_secs(8);

/// The reference models small enough to mutate many times a second.
const MODELS: [&str; 3] = ["ops_zoo", "cnn_digits", "mlp_64_32_10"];

/// Dimensions a mutation may write: small, empty, negative, and large but
/// still allocatable (the compiler must refuse or bound what it allocates,
/// not trust a declared shape).
const DIMS: [i64; 8] = [0, 1, -1, 3, 7, 1 << 10, 1 << 16, i64::MIN];

/// Compiles `bytes` and loads it into tract, catching panics. Returns a
/// description of the first panic.
fn check(bytes: &[u8]) -> Result<(), String> {
	let outcome = catch_unwind(AssertUnwindSafe(|| {
		if let Ok(circuit) = compile(bytes) {
			let _ = FloatModel::load(bytes, &circuit.input_shape);
		}
	}));
	outcome.map_err(|panic| {
		panic
			.downcast_ref::<&str>()
			.map(|s| s.to_string())
			.or_else(|| panic.downcast_ref::<String>().cloned())
			.unwrap_or_else(|| "a panic".into())
	})
}

/// Flips, inserts, deletes or truncates a few bytes.
fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut StdRng) {
	for _ in 0..rng.gen_range(1..=4) {
		if bytes.is_empty() {
			return;
		}
		let at = rng.gen_range(0..bytes.len());
		match rng.gen_range(0..4) {
			0 => bytes[at] ^= 1 << rng.gen_range(0..8),
			1 => bytes[at] = rng.gen(),
			2 => bytes.insert(at, rng.gen()),
			_ => bytes.truncate(at.max(1)),
		}
	}
}

/// Changes one structural field of the model: an initializer's dimensions,
/// data type or raw data, a node's attribute or wiring, or an input's shape.
fn mutate_structure(model: &mut pb::ModelProto, rng: &mut StdRng) {
	let Some(graph) = model.graph.as_mut() else { return };
	match rng.gen_range(0..6) {
		0 if !graph.initializer.is_empty() => {
			let i = rng.gen_range(0..graph.initializer.len());
			let tensor = &mut graph.initializer[i];
			if tensor.dims.is_empty() {
				tensor.dims.push(DIMS[rng.gen_range(0..DIMS.len())]);
			} else {
				let d = rng.gen_range(0..tensor.dims.len());
				tensor.dims[d] = DIMS[rng.gen_range(0..DIMS.len())];
			}
		},
		1 if !graph.initializer.is_empty() => {
			let i = rng.gen_range(0..graph.initializer.len());
			graph.initializer[i].data_type = rng.gen_range(-1..20);
		},
		2 if !graph.initializer.is_empty() => {
			let i = rng.gen_range(0..graph.initializer.len());
			let tensor = &mut graph.initializer[i];
			let raw = &mut tensor.raw_data;
			if raw.is_empty() {
				// Move typed data to raw bytes of the wrong length.
				tensor.float_data.clear();
				raw.extend((0..rng.gen_range(0..17)).map(|_| rng.gen::<u8>()));
			} else {
				let keep = rng.gen_range(0..raw.len());
				raw.truncate(keep);
			}
		},
		3 if !graph.node.is_empty() => {
			let n = rng.gen_range(0..graph.node.len());
			let node = &mut graph.node[n];
			if let Some(attribute) = node.attribute.first_mut() {
				attribute.i = DIMS[rng.gen_range(0..DIMS.len())];
				attribute.ints.iter_mut().for_each(|v| *v = DIMS[rng.gen_range(0..DIMS.len())]);
				attribute.f = [f32::NAN, f32::INFINITY, -1.0, 0.0][rng.gen_range(0..4)];
			} else if !node.input.is_empty() {
				let k = rng.gen_range(0..node.input.len());
				node.input[k] = ["", "nonexistent", "input"][rng.gen_range(0..3)].into();
			}
		},
		4 if !graph.node.is_empty() => {
			// Drop or duplicate a node.
			let n = rng.gen_range(0..graph.node.len());
			if rng.gen() {
				graph.node.remove(n);
			} else {
				let copy = graph.node[n].clone();
				graph.node.insert(n, copy);
			}
		},
		_ => {
			for input in graph.input.iter_mut() {
				let dims = input
					.r#type
					.as_mut()
					.and_then(|t| t.value.as_mut())
					.and_then(|pb::type_proto::Value::TensorType(t)| t.shape.as_mut())
					.map(|s| &mut s.dim);
				if let Some(dim) = dims.and_then(|d| d.first_mut()) {
					dim.value = Some(pb::tensor_shape_proto::dimension::Value::DimValue(
						DIMS[rng.gen_range(0..DIMS.len())],
					));
				}
			}
		},
	}
}

/// Runs `mutant` on every model until the budget is spent; returns how many
/// mutants were checked and the panics found.
fn fuzz(seed: u64, mutant: impl Fn(&[u8], &mut StdRng) -> Vec<u8>) -> (usize, Vec<String>) {
	let rng = &mut StdRng::seed_from_u64(seed);
	let originals: Vec<Vec<u8>> = MODELS.iter().map(|m| model_bytes(m)).collect();
	let start = Instant::now();
	let (mut checked, mut panics) = (0, Vec::new());
	while start.elapsed() < BUDGET {
		for original in &originals {
			let bytes = mutant(original, rng);
			if let Err(message) = check(&bytes) {
				panics.push(format!("mutant {checked} (seed {seed}): {message}"));
			}
			checked += 1;
		}
	}
	(checked, panics)
}

#[test]
fn byte_mutations_never_panic() {
	let (checked, panics) = fuzz(1, |original, rng| {
		let mut bytes = original.to_vec();
		mutate_bytes(&mut bytes, rng);
		bytes
	});
	println!("{checked} byte-mutated models checked");
	assert!(checked >= 30, "the budget checks a meaningful number of mutants");
	assert!(panics.is_empty(), "{panics:#?}");
}

#[test]
fn structural_mutations_never_panic() {
	let (checked, panics) = fuzz(2, |original, rng| {
		let mut model = pb::ModelProto::decode(original).expect("a reference model decodes");
		for _ in 0..rng.gen_range(1..=3) {
			mutate_structure(&mut model, rng);
		}
		model.encode_to_vec()
	});
	println!("{checked} structurally mutated models checked");
	assert!(checked >= 30, "the budget checks a meaningful number of mutants");
	assert!(panics.is_empty(), "{panics:#?}");
}
