//! The native engine: models found by content hash in a directory, or
//! fetched from their registered URL into it, and cached; tract for the float
//! reference; `daifi-zk` for the proof.
//!
//! The model directory holds ONNX files under any name, and for each model a
//! proving key named `<content hash in hex>.pk` (the key its ceremony's
//! `daifi-zk phase2 beacon` wrote). A model missing there is fetched from its URL, and its
//! proving key from the URL with `.pk` appended; both are kept in the
//! directory (`<hash>.onnx`, `<hash>.pk`) once they pass their checks: the
//! ONNX bytes must have the model's content hash, and the proving key must
//! contain the registered verifying key and trace back to the ceremony the
//! chain recorded ([`crate::provenance`]). A node serves compute once
//! [`serve`] was called with the directory (`daifi-node --compute-models <DIR>`).

use crate::{
	fetch::{Fetcher, LIMITS},
	provenance::Phase1Cache,
	results::RecentResults,
	ComputeError, Job, ModelSource, Proven, Readiness,
};
use daifi_zk::{onnx::FloatModel, Circuit, ProvingKey};
use rand::{rngs::StdRng, SeedableRng};
use rayon::prelude::*;
use std::{
	collections::HashMap,
	panic::{catch_unwind, AssertUnwindSafe},
	path::{Path, PathBuf},
	sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError},
	time::{Duration, Instant},
};

/// Largest proving key fetched, in bytes.
pub const MAX_PROVING_KEY_BYTES: u64 = 1 << 30;

/// Difference between the circuit's dequantized output and tract's float
/// output above which the engine logs a warning (the zk tests measure at
/// most 0.07 on the reference models). Only a warning: the proof, checked
/// against the registered key, is the truth, and withholding a valid proof
/// would cost the provider its deadline.
pub const TOLERANCE: f64 = 0.1;

/// How long a failed preparation is remembered before [`Engine::prepare`]
/// tries the model again (a URL that was down may be back).
pub const RETRY_AFTER: Duration = Duration::from_secs(60);

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
	/// The registry record it was loaded and checked for.
	source: ModelSource,
}

/// Locks `mutex` even if a thread panicked while holding it: every value
/// guarded here stays consistent at each step (a cache entry is inserted
/// whole), so a panic elsewhere must not disable the engine.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A preparation [`Engine::prepare`] started and that has not succeeded.
enum Preparation {
	/// Fetching, compiling and tracing, on a thread of its own.
	Running,
	/// It failed at `at`, for this reason.
	Failed { error: ComputeError, at: Instant },
}

/// Models of one directory, loaded when [`Engine::prepare`]d or on first use.
///
/// Loading one model never blocks another: each model has its own loading
/// lock (so concurrent workers fetch it once), and no lock is held across
/// another model's download. A panic while loading or proving one model
/// (a malformed file tract or the compiler did not expect) is caught and
/// reported as [`ComputeError::Failed`] for that call only.
pub struct Engine {
	dir: PathBuf,
	fetcher: Fetcher,
	loaded: Mutex<HashMap<[u8; 32], Arc<Loaded>>>,
	/// One lock per model, held while that model loads.
	loading: Mutex<HashMap<[u8; 32], Arc<Mutex<()>>>>,
	/// Background preparations running or failed (a ready model is in `loaded`).
	preparing: Mutex<HashMap<[u8; 32], Preparation>>,
	/// Phase-1 files keys are traced to.
	phase1: Phase1Cache,
	/// What this node proved recently, for the fast path.
	results: RecentResults,
}

fn failed(context: &str, e: impl std::fmt::Display) -> ComputeError {
	ComputeError::Failed(format!("{context}: {e}").into_bytes())
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
	panic
		.downcast_ref::<&str>()
		.map(|s| s.to_string())
		.or_else(|| panic.downcast_ref::<String>().cloned())
		.unwrap_or_else(|| "a panic".into())
}

impl Engine {
	/// An engine over the models in `dir`, fetching with the node's
	/// [`LIMITS`].
	pub fn new(dir: PathBuf) -> Self {
		Self::with_fetcher(Fetcher::new(dir.clone(), LIMITS), dir)
	}

	/// An engine over the models in `dir` that fetches with `fetcher`.
	pub fn with_fetcher(fetcher: Fetcher, dir: PathBuf) -> Self {
		Engine {
			dir,
			fetcher,
			loaded: Mutex::new(HashMap::new()),
			loading: Mutex::new(HashMap::new()),
			preparing: Mutex::new(HashMap::new()),
			phase1: Phase1Cache::default(),
			results: RecentResults::default(),
		}
	}

	/// The ONNX bytes in the directory whose blake2-256 is `hash`.
	fn find_model(&self, hash: &[u8; 32]) -> Result<Vec<u8>, ComputeError> {
		let entries = std::fs::read_dir(&self.dir).map_err(|e| failed("model directory", e))?;
		for entry in entries.flatten() {
			let path = entry.path();
			if path.extension().and_then(|e| e.to_str()) != Some("onnx") {
				continue;
			}
			if crate::fetch::hash_file(&path).is_ok_and(|h| &h == hash) {
				return std::fs::read(&path).map_err(|e| failed("reading a model", e));
			}
		}
		Err(ComputeError::UnknownModel)
	}

	/// Where the proving key of model `hash` lives.
	pub fn proving_key_path(dir: &Path, hash: &[u8; 32]) -> PathBuf {
		dir.join(format!("{}.pk", hex(hash)))
	}

	/// The ONNX bytes of model `hash`: from the directory, or fetched from
	/// `source` (hash checked) and kept in the directory.
	fn model_bytes(&self, hash: &[u8; 32], source: &ModelSource) -> Result<Vec<u8>, ComputeError> {
		match self.find_model(hash) {
			Err(ComputeError::UnknownModel) => {},
			found => return found,
		}
		let url = String::from_utf8_lossy(&source.url);
		let download = self.fetcher.fetch(&url, source.size).map_err(|e| {
			log::warn!(target: "daifi-compute", "model 0x{} from {url}: {e}", hex(hash));
			ComputeError::UnknownModel
		})?;
		if download.hash() != hash {
			return Err(ComputeError::HashMismatch);
		}
		let bytes = download.read().map_err(|e| failed("reading the download", e))?;
		let path = self.dir.join(format!("{}.onnx", hex(hash)));
		if let Err(e) = download.keep(&path) {
			// Only costs a fetch next time.
			log::warn!(target: "daifi-compute", "keeping model 0x{}: {e}", hex(hash));
		}
		Ok(bytes)
	}

	/// The proving key of model `hash`: from the directory, or fetched from
	/// `source`'s URL with `.pk` appended and kept. Either way it must contain
	/// the registered verifying key. Returns the key and the hash of its bytes.
	fn proving_key(&self, hash: &[u8; 32], source: &ModelSource) -> Result<(ProvingKey, [u8; 32]), ComputeError> {
		let path = Self::proving_key_path(&self.dir, hash);
		let (bytes, download) = match std::fs::read(&path) {
			Ok(bytes) => (bytes, None),
			Err(_) => {
				let url = format!("{}.pk", String::from_utf8_lossy(&source.url));
				let download = self.fetcher.fetch(&url, MAX_PROVING_KEY_BYTES).map_err(|e| {
					log::warn!(target: "daifi-compute", "proving key of 0x{} from {url}: {e}", hex(hash));
					ComputeError::MissingProvingKey
				})?;
				(download.read().map_err(|e| failed("reading the download", e))?, Some(download))
			},
		};
		let pk: ProvingKey = daifi_zk::from_bytes(&bytes).map_err(|e| failed("proving key", e))?;
		if daifi_zk::to_bytes(&pk.vk) != source.verifying_key {
			log::warn!(target: "daifi-compute", "proving key of 0x{} is not for its registered verifying key", hex(hash));
			return Err(ComputeError::KeyMismatch);
		}
		if let Some(download) = download {
			if let Err(e) = download.keep(&path) {
				log::warn!(target: "daifi-compute", "keeping the proving key of 0x{}: {e}", hex(hash));
			}
		}
		Ok((pk, daifi_zk::ceremony::file_hash(&bytes)))
	}

	fn load(&self, hash: &[u8; 32], source: &ModelSource) -> Result<Arc<Loaded>, ComputeError> {
		let cached = |engine: &Self| lock(&engine.loaded).get(hash).cloned();
		if let Some(loaded) = cached(self) {
			return Ok(loaded);
		}
		let model_lock = lock(&self.loading).entry(*hash).or_default().clone();
		let _loading = lock(&model_lock);
		if let Some(loaded) = cached(self) {
			return Ok(loaded);
		}
		let bytes = self.model_bytes(hash, source)?;
		let circuit = daifi_zk::compile(&bytes).map_err(|e| failed("compiling", e))?;
		let (pk, pk_hash) = self.proving_key(hash, source)?;
		self.phase1.check(&self.fetcher, &self.dir, hash, &circuit, &pk, &pk_hash, source)?;
		let reference = FloatModel::load(&bytes, &circuit.input_shape).map_err(|e| failed("tract", e))?;
		let loaded = Arc::new(Loaded { circuit, pk, reference, source: source.clone() });
		lock(&self.loaded).insert(*hash, loaded.clone());
		log::info!(target: "daifi-compute", "loaded model 0x{}", hex(hash));
		Ok(loaded)
	}

	/// Gets model `hash` ready in the background: fetched, compiled, its
	/// proving key checked and traced to the ceremony (for a large circuit
	/// the trace takes a minute), so that its first task is proven at once.
	/// Returns at once with how far the model is; a failed preparation is
	/// reported until [`RETRY_AFTER`] has passed, then tried again.
	pub fn prepare(&'static self, hash: [u8; 32], source: ModelSource) -> Readiness {
		if lock(&self.loaded).contains_key(&hash) {
			return Readiness::Ready;
		}
		let mut preparing = lock(&self.preparing);
		match preparing.get(&hash) {
			Some(Preparation::Running) => return Readiness::Preparing,
			Some(Preparation::Failed { error, at }) if at.elapsed() < RETRY_AFTER =>
				return Readiness::Failed(error.clone()),
			_ => {},
		}
		preparing.insert(hash, Preparation::Running);
		drop(preparing);
		let spawned = std::thread::Builder::new().name("daifi-prepare".into()).spawn(move || {
			let result = self.guarded(&hash, || self.load(&hash, &source));
			let mut preparing = lock(&self.preparing);
			match result {
				Ok(_) => preparing.remove(&hash),
				Err(error) => preparing.insert(hash, Preparation::Failed { error, at: Instant::now() }),
			};
		});
		match spawned {
			Ok(_) => Readiness::Preparing,
			Err(e) => {
				lock(&self.preparing).remove(&hash);
				Readiness::Failed(failed("starting a preparation", e))
			},
		}
	}

	/// Every model this engine has loaded or is preparing, with how far it
	/// is (what the node's `daifi_computeModels` RPC method shows).
	pub fn models(&self) -> Vec<([u8; 32], Readiness)> {
		let mut models: Vec<_> = lock(&self.loaded).keys().map(|hash| (*hash, Readiness::Ready)).collect();
		models.extend(lock(&self.preparing).iter().map(|(hash, preparation)| {
			let readiness = match preparation {
				Preparation::Running => Readiness::Preparing,
				Preparation::Failed { error, .. } => Readiness::Failed(error.clone()),
			};
			(*hash, readiness)
		}));
		models.sort_by_key(|(hash, _)| *hash);
		models
	}

	/// Runs model `hash` on the fixed-point `input`, proves the result bound
	/// to `binding`, and checks the proof against the registered verifying
	/// key before returning it: a proof the chain would reject (and slash
	/// for) is never returned ([`ComputeError::SelfCheckFailed`]). A panic
	/// anywhere in loading or proving is caught and returned as
	/// [`ComputeError::Failed`].
	pub fn infer_and_prove(
		&self,
		hash: &[u8; 32],
		binding: &[u8; 32],
		input: &[i64],
		source: &ModelSource,
	) -> Result<Proven, ComputeError> {
		let proven = self.guarded(hash, || self.prove(hash, &*self.load(hash, source)?, binding, input, source))?;
		self.results.remember(*binding, input.to_vec(), proven.clone());
		Ok(proven)
	}

	/// [`Engine::infer_and_prove`] on a model already loaded (one this node
	/// serves, which its off-chain worker prepares), for the record it was
	/// loaded for: how a request that comes to the node directly (the batch
	/// lane's) is proven. [`ComputeError::UnknownModel`] if it is not loaded.
	/// Not kept for the fast path (whoever asked has the result).
	pub fn infer_and_prove_ready(&self, hash: &[u8; 32], binding: &[u8; 32], input: &[i64]) -> Result<Proven, ComputeError> {
		let model = lock(&self.loaded).get(hash).cloned().ok_or(ComputeError::UnknownModel)?;
		self.guarded(hash, || self.prove(hash, &model, binding, input, &model.source))
	}

	/// [`Engine::infer_and_prove`] for several jobs, proven in parallel; the
	/// results in the jobs' order. The models are loaded first, one after
	/// another on the calling thread: a job waiting for a model must not
	/// hold one of rayon's threads, which that model's preparation (or
	/// another proof) may need.
	pub fn infer_and_prove_all(&self, jobs: &[Job]) -> Vec<Result<Proven, ComputeError>> {
		let models: Vec<_> =
			jobs.iter().map(|job| self.guarded(&job.model, || self.load(&job.model, &job.source))).collect();
		jobs.par_iter()
			.zip(models)
			.map(|(job, model)| {
				let model = model?;
				let proven =
					self.guarded(&job.model, || self.prove(&job.model, &model, &job.binding, &job.input, &job.source))?;
				self.results.remember(job.binding, job.input.clone(), proven.clone());
				Ok(proven)
			})
			.collect()
	}

	/// Runs each job's model on its input without proving (redundant
	/// execution): the circuit's fixed-point output, the same integers on
	/// every machine, so honest executors agree exactly. The models are
	/// loaded (and their keys traced) as for proving. In the jobs' order.
	pub fn infer_all(&self, jobs: &[Job]) -> Vec<Result<Vec<i64>, ComputeError>> {
		jobs.iter()
			.map(|job| {
				self.guarded(&job.model, || {
					let model = self.load(&job.model, &job.source)?;
					let (output, _) = model.circuit.evaluate(&job.input).map_err(|e| failed("running", e))?;
					Ok(output)
				})
			})
			.collect()
	}

	/// `work`, with a panic in it caught and returned as [`ComputeError::Failed`].
	fn guarded<T>(&self, hash: &[u8; 32], work: impl FnOnce() -> Result<T, ComputeError>) -> Result<T, ComputeError> {
		catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
			let message = panic_message(panic.as_ref());
			log::error!(target: "daifi-compute", "model 0x{} panicked: {message}", hex(hash));
			Err(failed("panic", message))
		})
	}

	fn prove(
		&self,
		hash: &[u8; 32],
		model: &Loaded,
		binding: &[u8; 32],
		input: &[i64],
		source: &ModelSource,
	) -> Result<Proven, ComputeError> {
		let circuit = &model.circuit;
		let (output, proof) = daifi_zk::prove(circuit, &model.pk, binding, input, &mut StdRng::from_entropy())
			.map_err(|e| failed("proving", e))?;
		let proof_bytes = daifi_zk::to_bytes(&proof);
		// The chain's check, on the key it registered and the bytes it will receive.
		let check = || -> Result<(), String> {
			let vk: daifi_zk::VerifyingKey = daifi_zk::from_bytes(&source.verifying_key).map_err(|e| e.to_string())?;
			let proof: daifi_zk::Proof = daifi_zk::from_bytes(&proof_bytes).map_err(|e| e.to_string())?;
			let layout = daifi_zk::Layout::of(
				input.len(),
				source.input_min,
				source.input_max,
				output.len(),
				source.output_bits as u32,
			);
			daifi_zk::verify(&vk, &layout, binding, input, &output, &proof).map_err(|e| e.to_string())
		};
		check().map_err(|e| {
			log::error!(target: "daifi-compute", "proof for model 0x{} does not verify: {e}", hex(hash));
			ComputeError::SelfCheckFailed
		})?;
		self.compare_with_tract(hash, model, input, &output);
		Ok(Proven { output, proof: proof_bytes })
	}

	/// The input and result this node proved recently for `binding` (the
	/// fast path: see [`crate::results`]).
	pub fn proven(&self, binding: &[u8; 32]) -> Option<crate::results::KeptResult> {
		self.results.get(binding)
	}

	/// Logs where the circuit's output strays from tract's float output by
	/// more than [`TOLERANCE`]: a sign of a compiler change worth looking
	/// at, never a reason to withhold a verified proof.
	fn compare_with_tract(&self, hash: &[u8; 32], model: &Loaded, input: &[i64], output: &[i64]) {
		let scale = (1u64 << model.circuit.input_scale) as f32;
		let float_input: Vec<f32> = input.iter().map(|&x| x as f32 / scale).collect();
		match model.reference.run(&float_input) {
			Ok(expected) => {
				let got = model.circuit.dequantize_output(output);
				let worst = got.iter().zip(&expected).map(|(g, w)| (g - f64::from(*w)).abs()).fold(0.0, f64::max);
				if worst > TOLERANCE || expected.len() != got.len() {
					log::warn!(target: "daifi-compute", "model 0x{}: circuit and tract differ by {worst}", hex(hash));
				}
			},
			Err(e) => log::warn!(target: "daifi-compute", "model 0x{}: tract failed: {e}", hex(hash)),
		}
	}
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The binding the tests prove for.
	const B: [u8; 32] = [5; 32];

	/// The digits MLP's layout (64 inputs, 10 outputs: unpacked).
	fn layout() -> daifi_zk::Layout {
		daifi_zk::Layout::of(64, 0, 256, 10, 63)
	}

	fn models() -> PathBuf {
		PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../zk-circuits/models")
	}

	/// A ceremony for the 64-32-10 MLP: phase 1 (2^10 powers, one
	/// contribution, the beacon), then phase 2 (one contribution, the beacon).
	struct Ceremony {
		phase1: Vec<u8>,
		transcript: Vec<u8>,
		pk: ProvingKey,
	}

	fn ceremony() -> &'static Ceremony {
		use daifi_zk::{
			ceremony::{derive, phase1, phase1::Phase1File, phase2, Beacon},
			progress::Reporter::Silent,
		};
		static CEREMONY: OnceLock<Ceremony> = OnceLock::new();
		CEREMONY.get_or_init(|| {
			let rng = &mut StdRng::seed_from_u64(5);
			let beacon = Beacon { value: [3; 32], iterations_log2: 2 };
			let one = phase1::contribute(&Phase1File::initial(10).unwrap(), rng, Silent);
			let closed = phase1::apply_beacon(&one, &beacon, Silent);
			let initial = derive::initial_key(&closed.accumulator, &ceremony_circuit(), Silent).unwrap();
			let mut transcript = phase2::Transcript::start(closed.hash(), &initial);
			let key = phase2::contribute(&initial, &mut transcript, rng, Silent).unwrap();
			let pk = phase2::apply_beacon(&key, &mut transcript, beacon, Silent).unwrap();
			Ceremony { phase1: closed.to_bytes(), transcript: transcript.to_bytes(), pk }
		})
	}

	/// The 64-32-10 MLP's circuit.
	fn ceremony_circuit() -> Circuit {
		daifi_zk::compile(&std::fs::read(models().join("mlp_64_32_10.onnx")).unwrap()).unwrap()
	}

	/// A model directory with the 64-32-10 MLP, its ceremony-made proving key,
	/// its transcript and the phase-1 file.
	fn directory(name: &str) -> (PathBuf, [u8; 32], daifi_zk::VerifyingKey) {
		let dir = std::env::temp_dir().join(format!("daifi-compute-{name}-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let bytes = std::fs::read(models().join("mlp_64_32_10.onnx")).unwrap();
		std::fs::write(dir.join("digits.onnx"), &bytes).unwrap();
		let hash = daifi_zk::model_hash(&bytes);
		let c = ceremony();
		std::fs::write(Engine::proving_key_path(&dir, &hash), daifi_zk::to_bytes(&c.pk)).unwrap();
		std::fs::write(dir.join(format!("{}.transcript", hex(&hash))), &c.transcript).unwrap();
		std::fs::write(dir.join(phase1_name()), &c.phase1).unwrap();
		(dir, hash, c.pk.vk.clone())
	}

	fn phase1_name() -> String {
		format!("phase1-{}.bin", hex(&daifi_zk::ceremony::file_hash(&ceremony().phase1)))
	}

	/// A source that names nothing to fetch, with the key the model's
	/// proving key must contain and the ceremony it must trace to.
	fn local(vk: &daifi_zk::VerifyingKey) -> ModelSource {
		ModelSource {
			url: b"file:///nonexistent/model.onnx".to_vec(),
			size: 1 << 20,
			verifying_key: daifi_zk::to_bytes(vk),
			transcript: daifi_zk::ceremony::file_hash(&ceremony().transcript),
			phase1: daifi_zk::ceremony::file_hash(&ceremony().phase1),
			phase1_url: b"file:///nonexistent/phase1.bin".to_vec(),
			input_min: 0,
			input_max: 256,
			output_bits: 63,
		}
	}

	#[test]
	fn a_key_that_does_not_trace_to_the_ceremony_is_not_served() {
		let input = [0i64; 64];
		// A key made in one go (its maker knows the secrets), registered as is.
		let (dir, hash, _) = directory("one-party-key");
		let forgeable = daifi_zk::setup(&ceremony_circuit(), &mut StdRng::seed_from_u64(6)).unwrap();
		std::fs::write(Engine::proving_key_path(&dir, &hash), daifi_zk::to_bytes(&forgeable)).unwrap();
		let engine = Engine::new(dir.clone());
		assert_eq!(engine.infer_and_prove(&hash, &B, &input, &local(&forgeable.vk)), Err(ComputeError::Untraceable));
		assert!(!dir.join(format!("{}.traced", hex(&hash))).exists());
		std::fs::remove_dir_all(dir).unwrap();

		// The transcript is not the one the chain recorded.
		let (dir, hash, vk) = directory("other-transcript");
		let engine = Engine::new(dir.clone());
		let source = ModelSource { transcript: [1; 32], ..local(&vk) };
		assert_eq!(engine.infer_and_prove(&hash, &B, &input, &source), Err(ComputeError::Untraceable));
		// The phase-1 file is missing and cannot be fetched.
		std::fs::remove_file(dir.join(phase1_name())).unwrap();
		assert_eq!(engine.infer_and_prove(&hash, &B, &input, &local(&vk)), Err(ComputeError::Untraceable));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_traced_key_is_remembered() {
		let (dir, hash, vk) = directory("traced");
		let input: Vec<i64> = (0..64).map(|i| (i * 5) % 256).collect();
		Engine::new(dir.clone()).infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap();
		let marker = dir.join(format!("{}.traced", hex(&hash)));
		assert!(marker.exists());
		// A new engine does not need the ceremony files again ...
		std::fs::remove_file(dir.join(phase1_name())).unwrap();
		Engine::new(dir.clone()).infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap();
		// ... unless the key or the recorded transcript changed.
		let source = ModelSource { transcript: [2; 32], ..local(&vk) };
		assert_eq!(Engine::new(dir.clone()).infer_and_prove(&hash, &B, &input, &source), Err(ComputeError::Untraceable));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn finds_the_model_by_hash_runs_and_proves_it() {
		let (dir, hash, vk) = directory("serves");
		let engine = Engine::new(dir.clone());
		let input: Vec<i64> = (0..64).map(|i| (i * 13) % 257).collect();
		// A request that comes to the node directly is proven only on a
		// model the node has loaded.
		assert_eq!(engine.infer_and_prove_ready(&hash, &B, &input), Err(ComputeError::UnknownModel));
		let proven = engine.infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap();
		assert_eq!(proven.output.len(), 10);
		let proof = daifi_zk::from_bytes(&proven.proof).unwrap();
		daifi_zk::verify(&vk, &layout(), &B, &input, &proven.output, &proof).unwrap();
		// A second call uses the cache and gives the same output.
		assert_eq!(engine.infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap().output, proven.output);
		let ready = engine.infer_and_prove_ready(&hash, &B, &input).unwrap();
		assert_eq!(ready.output, proven.output);
		daifi_zk::verify(&vk, &layout(), &B, &input, &ready.output, &daifi_zk::from_bytes(&ready.proof).unwrap()).unwrap();

		assert_eq!(engine.infer_and_prove(&[9u8; 32], &B, &input, &local(&vk)), Err(ComputeError::UnknownModel));
		assert!(matches!(engine.infer_and_prove(&hash, &B, &input[..10], &local(&vk)), Err(ComputeError::Failed(_))));
		std::fs::remove_dir_all(dir).unwrap();
	}

	/// Polls `engine` until model `hash` is no longer being prepared (at most two minutes).
	fn prepared(engine: &'static Engine, hash: [u8; 32], source: &ModelSource) -> Readiness {
		for _ in 0..1200 {
			match engine.prepare(hash, source.clone()) {
				Readiness::Preparing => std::thread::sleep(Duration::from_millis(100)),
				done => return done,
			}
		}
		Readiness::Preparing
	}

	#[test]
	fn a_prepared_model_is_loaded_and_traced_in_the_background() {
		let (dir, hash, vk) = directory("prepare");
		let engine: &'static Engine = Box::leak(Box::new(Engine::new(dir.clone())));
		assert_eq!(engine.models(), vec![]);
		assert_eq!(engine.prepare(hash, local(&vk)), Readiness::Preparing, "returns before the work is done");
		assert_eq!(prepared(engine, hash, &local(&vk)), Readiness::Ready);
		assert!(dir.join(format!("{}.traced", hex(&hash))).exists(), "the key was traced");
		assert_eq!(engine.models(), vec![(hash, Readiness::Ready)]);

		// A model that cannot be had fails with its reason, and the failure
		// is remembered: asking again does not start another attempt.
		let unknown = [9u8; 32];
		assert_eq!(engine.prepare(unknown, local(&vk)), Readiness::Preparing);
		assert_eq!(prepared(engine, unknown, &local(&vk)), Readiness::Failed(ComputeError::UnknownModel));
		assert_eq!(engine.prepare(unknown, local(&vk)), Readiness::Failed(ComputeError::UnknownModel));
		let mut expected = vec![(hash, Readiness::Ready), (unknown, Readiness::Failed(ComputeError::UnknownModel))];
		expected.sort_by_key(|(hash, _)| *hash);
		assert_eq!(engine.models(), expected, "by hash");
		// A proving key that is not the registered one fails by name.
		let (other, other_hash, _) = directory("prepare-other");
		let wrong = Box::leak(Box::new(Engine::new(other.clone())));
		let forged = daifi_zk::setup(&ceremony_circuit(), &mut StdRng::seed_from_u64(6)).unwrap().vk;
		assert_eq!(prepared(wrong, other_hash, &local(&forged)), Readiness::Failed(ComputeError::KeyMismatch));
		std::fs::remove_dir_all(dir).unwrap();
		std::fs::remove_dir_all(other).unwrap();
	}

	#[test]
	fn several_jobs_are_proven_together_each_with_its_own_result() {
		let (dir, hash, vk) = directory("batch");
		let engine = Engine::new(dir.clone());
		let mut jobs: Vec<Job> = (0..4u8)
			.map(|n| Job {
				model: hash,
				binding: [n; 32],
				input: (0..64).map(|i| (i * (i64::from(n) + 3)) % 256).collect(),
				source: local(&vk),
			})
			.collect();
		jobs.insert(2, Job { model: [9; 32], ..jobs[0].clone() });
		jobs.push(Job { input: vec![0; 10], ..jobs[0].clone() });
		let results = engine.infer_and_prove_all(&jobs);
		assert_eq!(results.len(), jobs.len());
		assert_eq!(results[2], Err(ComputeError::UnknownModel));
		assert!(matches!(results[5], Err(ComputeError::Failed(_))), "a wrong input fails only its own job");
		assert_eq!(engine.proven(&[7; 32]), None, "nothing proven for this binding");
		for (job, result) in jobs.iter().zip(&results).filter(|(job, _)| job.model == hash && job.input.len() == 64) {
			let proven = result.as_ref().unwrap();
			let proof = daifi_zk::from_bytes(&proven.proof).unwrap();
			daifi_zk::verify(&vk, &layout(), &job.binding, &job.input, &proven.output, &proof).unwrap();
			assert_eq!(engine.proven(&job.binding), Some((job.input.clone(), proven.clone())), "kept for the fast path");
			let alone = engine.infer_and_prove(&hash, &job.binding, &job.input, &job.source).unwrap();
			assert_eq!(proven.output, alone.output, "each job's own output");
		}
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_model_without_a_proving_key_is_not_served() {
		let (dir, hash, vk) = directory("no-key");
		std::fs::remove_file(Engine::proving_key_path(&dir, &hash)).unwrap();
		let engine = Engine::new(dir.clone());
		assert_eq!(engine.infer_and_prove(&hash, &B, &[0; 64], &local(&vk)), Err(ComputeError::MissingProvingKey));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_proving_key_for_another_verifying_key_is_not_used() {
		let (dir, hash, _) = directory("other-key");
		let other_vk = daifi_zk::setup(&ceremony_circuit(), &mut StdRng::seed_from_u64(6)).unwrap().vk;
		let engine = Engine::new(dir.clone());
		assert_eq!(engine.infer_and_prove(&hash, &B, &[0; 64], &local(&other_vk)), Err(ComputeError::KeyMismatch));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_missing_model_is_fetched_from_its_url_checked_and_kept() {
		// The "server" is a subdirectory of the model directory, reached by a
		// relative file:// URL (file:// reads nothing outside the directory).
		let (published, hash, vk) = directory("published");
		let empty = std::env::temp_dir().join(format!("daifi-compute-empty-{}", std::process::id()));
		std::fs::create_dir_all(&empty).unwrap();
		std::fs::rename(&published, empty.join("published")).unwrap();
		let published = empty.join("published");
		std::fs::rename(Engine::proving_key_path(&published, &hash), published.join("digits.onnx.pk")).unwrap();
		std::fs::rename(published.join(format!("{}.transcript", hex(&hash))), published.join("digits.onnx.transcript"))
			.unwrap();
		std::fs::copy(models().join("mlp_64_128_10.onnx"), published.join("other.onnx")).unwrap();
		let phase1_url = format!("file://published/{}", phase1_name()).into_bytes();
		let url = "file://published/digits.onnx".to_string();
		let size = std::fs::metadata(published.join("digits.onnx")).unwrap().len();
		let top_level = || std::fs::read_dir(&empty).unwrap().count();

		// Too small a registered size, another model's bytes, or a file
		// outside the model directory are refused.
		let engine = Engine::new(empty.clone());
		let source = ModelSource { url: url.clone().into_bytes(), size, phase1_url, ..local(&vk) };
		let small = ModelSource { size: size - 1, ..source.clone() };
		assert_eq!(engine.infer_and_prove(&hash, &B, &[0; 64], &small), Err(ComputeError::UnknownModel));
		let other = ModelSource { url: b"file://published/other.onnx".to_vec(), size: 1 << 20, ..source.clone() };
		assert_eq!(engine.infer_and_prove(&hash, &B, &[0; 64], &other), Err(ComputeError::HashMismatch));
		let outside = ModelSource {
			url: format!("file://{}", models().join("mlp_64_32_10.onnx").display()).into_bytes(),
			..source.clone()
		};
		assert_eq!(engine.infer_and_prove(&hash, &B, &[0; 64], &outside), Err(ComputeError::UnknownModel));
		assert_eq!(top_level(), 1, "nothing kept");

		let input: Vec<i64> = (0..64).map(|i| (i * 7) % 200).collect();
		let proven = engine.infer_and_prove(&hash, &B, &input, &source).unwrap();
		let proof = daifi_zk::from_bytes(&proven.proof).unwrap();
		daifi_zk::verify(&vk, &layout(), &B, &input, &proven.output, &proof).unwrap();
		// Every file is kept: a new engine serves the model without the URLs.
		let hex = hex(&hash);
		for kept in [format!("{hex}.onnx"), format!("{hex}.pk"), format!("{hex}.transcript"), phase1_name()] {
			assert!(empty.join(&kept).exists(), "{kept} kept");
		}
		std::fs::remove_dir_all(&published).unwrap();
		let offline = Engine::new(empty.clone());
		assert_eq!(offline.infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap().output, proven.output);
		std::fs::remove_dir_all(empty).unwrap();
	}

	#[test]
	fn a_proof_is_bound_to_its_binding() {
		let (dir, hash, vk) = directory("bound");
		let input: Vec<i64> = (0..64).map(|i| (i * 3) % 256).collect();
		let proven = Engine::new(dir.clone()).infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap();
		let proof = daifi_zk::from_bytes(&proven.proof).unwrap();
		assert!(daifi_zk::verify(&vk, &layout(), &[6; 32], &input, &proven.output, &proof).is_err());
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_hanging_download_does_not_block_other_models() {
		use crate::fetch::tests::{endless_body, paced_body, server, FAST};
		use std::sync::mpsc;
		let (dir, hash, vk) = directory("hanging");
		// Stalls are not what this test is about: a long stall limit.
		let limits = crate::fetch::Limits { stall: std::time::Duration::from_secs(60), ..FAST };
		let engine = Arc::new(Engine::with_fetcher(Fetcher::new(dir.clone(), limits), dir.clone()));
		// A warm-up loads the local model.
		let input = vec![1i64; 64];
		engine.infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap();

		// One model's URL trickles a byte now and then (never stalling long
		// enough to be dropped), another's never ends.
		let (started, slow_started) = mpsc::channel();
		let (pace, paced) = mpsc::channel();
		let slow = server(paced_body(vec![1], started, paced));
		let (started, endless_started) = mpsc::channel();
		let endless = server(endless_body(started));
		let fetch_in_background = |url: String, model: [u8; 32]| {
			let (engine, vk) = (engine.clone(), vk.clone());
			std::thread::spawn(move || {
				let source = ModelSource { url: url.into_bytes(), size: 1 << 20, ..local(&vk) };
				engine.infer_and_prove(&model, &B, &[0; 64], &source)
			})
		};
		let slow_load = fetch_in_background(format!("{slow}/m.onnx"), [7; 32]);
		let endless_load = fetch_in_background(format!("{endless}/m.onnx"), [8; 32]);
		slow_started.recv().unwrap();
		endless_started.recv().unwrap();

		// Meanwhile the local model keeps proving.
		for _ in 0..2 {
			pace.send(()).unwrap();
			assert_eq!(engine.infer_and_prove(&hash, &B, &input, &local(&vk)).unwrap().output.len(), 10);
		}
		assert!(!slow_load.is_finished(), "the slow download is still running");
		drop(pace);
		assert_eq!(slow_load.join().unwrap(), Err(ComputeError::UnknownModel));
		assert_eq!(endless_load.join().unwrap(), Err(ComputeError::UnknownModel), "stopped at the size limit");
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_panic_while_loading_one_model_leaves_the_engine_serving() {
		let (dir, hash, vk) = directory("panic");
		let engine = Engine::new(dir.clone());
		// A panic inside a lock the engine shares: the engine recovers.
		let poisoned = std::panic::catch_unwind(AssertUnwindSafe(|| {
			let _guard = engine.loaded.lock().unwrap();
			panic!("boom");
		}));
		assert!(poisoned.is_err());
		assert_eq!(engine.infer_and_prove(&hash, &B, &[3; 64], &local(&vk)).unwrap().output.len(), 10);
		std::fs::remove_dir_all(dir).unwrap();
	}
}
