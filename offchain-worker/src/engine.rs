//! The native engine: models from a directory, found by content hash and
//! cached; tract for the float reference; `daifi-zk` for the proof.
//!
//! The model directory holds ONNX files under any name, and for each model a
//! proving key named `<content hash in hex>.pk` (as `daifi-zk setup` writes
//! `proving.key`). A node serves compute once [`serve`] was called with it
//! (`daifi-node --compute-models <DIR>`).

use crate::{ComputeError, Proven};
use daifi_zk::{onnx::FloatModel, Circuit, ProvingKey};
use rand::{rngs::StdRng, SeedableRng};
use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::{Arc, Mutex, OnceLock},
};

/// Largest difference allowed between the circuit's dequantized output and
/// tract's float output (the zk tests measure at most 0.07 on the reference
/// models).
pub const TOLERANCE: f64 = 0.1;

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// Makes this process serve compute from `dir`. Returns `false` if it already
/// serves (the first directory stays).
pub fn serve(dir: PathBuf) -> bool {
	ENGINE.set(Engine::new(dir)).is_ok()
}

/// The engine, if this process serves compute.
pub fn global() -> Option<&'static Engine> {
	ENGINE.get()
}

/// A model ready to run: its circuit, proving key and tract plan.
struct Loaded {
	circuit: Circuit,
	pk: ProvingKey,
	reference: FloatModel,
}

/// Models of one directory, loaded on first use.
pub struct Engine {
	dir: PathBuf,
	loaded: Mutex<HashMap<[u8; 32], Arc<Loaded>>>,
}

fn failed(context: &str, e: impl std::fmt::Display) -> ComputeError {
	ComputeError::Failed(format!("{context}: {e}").into_bytes())
}

impl Engine {
	/// An engine over the models in `dir`.
	pub fn new(dir: PathBuf) -> Self {
		Engine { dir, loaded: Mutex::new(HashMap::new()) }
	}

	/// The ONNX bytes in the directory whose blake2-256 is `hash`.
	fn find_model(&self, hash: &[u8; 32]) -> Result<Vec<u8>, ComputeError> {
		let entries = std::fs::read_dir(&self.dir).map_err(|e| failed("model directory", e))?;
		for entry in entries.flatten() {
			let path = entry.path();
			if path.extension().and_then(|e| e.to_str()) != Some("onnx") {
				continue;
			}
			let bytes = std::fs::read(&path).map_err(|e| failed("reading a model", e))?;
			if &daifi_zk::model_hash(&bytes) == hash {
				return Ok(bytes);
			}
		}
		Err(ComputeError::UnknownModel)
	}

	/// Where the proving key of model `hash` lives.
	pub fn proving_key_path(dir: &Path, hash: &[u8; 32]) -> PathBuf {
		let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
		dir.join(format!("{hex}.pk"))
	}

	fn load(&self, hash: &[u8; 32]) -> Result<Arc<Loaded>, ComputeError> {
		if let Some(loaded) = self.loaded.lock().expect("not poisoned").get(hash) {
			return Ok(loaded.clone());
		}
		let bytes = self.find_model(hash)?;
		let circuit = daifi_zk::compile(&bytes).map_err(|e| failed("compiling", e))?;
		let key = std::fs::read(Self::proving_key_path(&self.dir, hash))
			.map_err(|_| ComputeError::MissingProvingKey)?;
		let pk: ProvingKey = daifi_zk::from_bytes(&key).map_err(|e| failed("proving key", e))?;
		let reference =
			FloatModel::load(&bytes, &circuit.input_shape).map_err(|e| failed("tract", e))?;
		let loaded = Arc::new(Loaded { circuit, pk, reference });
		self.loaded.lock().expect("not poisoned").insert(*hash, loaded.clone());
		log::info!(target: "daifi-compute", "loaded model 0x{}", hex(hash));
		Ok(loaded)
	}

	/// Runs model `hash` on the fixed-point `input`, checks the circuit's
	/// output against tract's within [`TOLERANCE`], and proves it.
	pub fn infer_and_prove(&self, hash: &[u8], input: &[i64]) -> Result<Proven, ComputeError> {
		let hash: [u8; 32] = hash.try_into().map_err(|_| ComputeError::UnknownModel)?;
		let model = self.load(&hash)?;
		let circuit = &model.circuit;
		let scale = (1u64 << circuit.input_scale) as f32;
		let float_input: Vec<f32> = input.iter().map(|&x| x as f32 / scale).collect();
		let expected = model.reference.run(&float_input).map_err(|e| failed("tract", e))?;
		let (output, proof) = daifi_zk::prove(circuit, &model.pk, input, &mut StdRng::from_entropy())
			.map_err(|e| failed("proving", e))?;
		let agrees = circuit
			.dequantize_output(&output)
			.iter()
			.zip(&expected)
			.all(|(got, want)| (got - f64::from(*want)).abs() <= TOLERANCE);
		if !agrees || expected.len() != output.len() {
			return Err(ComputeError::Disagreement);
		}
		Ok(Proven { output, proof: daifi_zk::to_bytes(&proof) })
	}
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn models() -> PathBuf {
		PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../zk-circuits/models")
	}

	/// A model directory with the 64-32-10 MLP and a proving key for it.
	fn directory(name: &str) -> (PathBuf, [u8; 32], daifi_zk::VerifyingKey) {
		let dir = std::env::temp_dir().join(format!("daifi-compute-{name}-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let bytes = std::fs::read(models().join("mlp_64_32_10.onnx")).unwrap();
		std::fs::write(dir.join("digits.onnx"), &bytes).unwrap();
		let hash = daifi_zk::model_hash(&bytes);
		let circuit = daifi_zk::compile(&bytes).unwrap();
		let pk = daifi_zk::setup(&circuit, &mut StdRng::seed_from_u64(5)).unwrap();
		std::fs::write(Engine::proving_key_path(&dir, &hash), daifi_zk::to_bytes(&pk)).unwrap();
		(dir, hash, pk.vk)
	}

	#[test]
	fn finds_the_model_by_hash_runs_and_proves_it() {
		let (dir, hash, vk) = directory("serves");
		let engine = Engine::new(dir.clone());
		let input: Vec<i64> = (0..64).map(|i| (i * 13) % 257).collect();
		let proven = engine.infer_and_prove(&hash, &input).unwrap();
		assert_eq!(proven.output.len(), 10);
		let proof = daifi_zk::from_bytes(&proven.proof).unwrap();
		daifi_zk::verify(&vk, &input, &proven.output, &proof).unwrap();
		// A second call uses the cache and gives the same output.
		assert_eq!(engine.infer_and_prove(&hash, &input).unwrap().output, proven.output);

		assert_eq!(engine.infer_and_prove(&[9u8; 32], &input), Err(ComputeError::UnknownModel));
		assert!(matches!(engine.infer_and_prove(&hash, &input[..10]), Err(ComputeError::Failed(_))));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_model_without_a_proving_key_is_not_served() {
		let (dir, hash, _) = directory("no-key");
		std::fs::remove_file(Engine::proving_key_path(&dir, &hash)).unwrap();
		let engine = Engine::new(dir.clone());
		assert_eq!(engine.infer_and_prove(&hash, &[0; 64]), Err(ComputeError::MissingProvingKey));
		std::fs::remove_dir_all(dir).unwrap();
	}
}
