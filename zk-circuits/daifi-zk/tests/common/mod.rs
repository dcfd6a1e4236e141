//! Shared test helpers: the reference models and their test set.

#![allow(dead_code)]

use std::path::PathBuf;

use daifi_zk::{compile, setup, Circuit, ProvingKey};
use rand::{rngs::StdRng, SeedableRng};

pub fn models_dir() -> PathBuf {
	PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../models")
}

pub fn model_bytes(name: &str) -> Vec<u8> {
	std::fs::read(models_dir().join(format!("{name}.onnx"))).expect("reference model exists")
}

/// The binding the tests prove with (any 32 bytes do; the chain's are
/// `task_binding(task, provider)`).
pub const BINDING: [u8; 32] = [0x42; 32];

pub fn rng() -> StdRng {
	StdRng::seed_from_u64(42)
}

/// The 8x8 digits test set: inputs in [0, 1] and labels.
pub fn test_set() -> (Vec<Vec<f32>>, Vec<usize>) {
	let text = std::fs::read_to_string(models_dir().join("digits_test.json")).expect("test set");
	let json: serde_json::Value = serde_json::from_str(&text).expect("json");
	let inputs = json["inputs"]
		.as_array()
		.unwrap()
		.iter()
		.map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect())
		.collect();
	let labels = json["labels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
	(inputs, labels)
}

/// A compiled reference model with keys.
pub fn keyed(name: &str) -> (Circuit, ProvingKey) {
	let circuit = compile(&model_bytes(name)).expect("compiles");
	let pk = setup(&circuit, &mut rng()).expect("setup");
	(circuit, pk)
}

pub fn argmax<T: PartialOrd + Copy>(v: &[T]) -> usize {
	(0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

pub fn rng_with(seed: u64) -> StdRng {
	StdRng::seed_from_u64(seed)
}
