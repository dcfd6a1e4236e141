//! Where a proving key came from: a provider serves a model only if its key
//! traces back to the ceremony the chain recorded (the model's phase-2
//! transcript hash and the network's closing phase-1 file hash). A key made
//! by anyone who kept its secrets would let that party forge proofs in the
//! provider's name; a key that is not the registered one only earns
//! slashes. The check ([`daifi_zk::ceremony::trace`]: derive the initial key
//! from phase 1 for this circuit, then verify the transcript to the key)
//! runs once per key; its success is remembered in the model directory
//! (`<hash>.traced`: the transcript, key and phase-1 hashes it covered).
//!
//! Files, from the model directory or else fetched (and kept once checked):
//! - `<model hash>.transcript`, from the model's URL with `.transcript` appended;
//! - `phase1-<phase-1 hash>.bin`, from the phase-1 URL the chain recorded.

use crate::{
	engine::hex,
	fetch::{self, Fetcher},
	ComputeError, ModelSource,
};
use daifi_zk::{
	ceremony::{phase1::Phase1File, phase2::Transcript, trace, Hash},
	progress::Reporter,
	Circuit, ProvingKey,
};
use rand::{rngs::StdRng, SeedableRng};
use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::{Arc, Mutex, PoisonError},
};

/// Largest transcript fetched, in bytes (a receipt is 104 bytes).
pub const MAX_TRANSCRIPT_BYTES: u64 = 1 << 20;
/// Largest phase-1 file fetched, in bytes (2^28 powers compressed are about 40 GiB;
/// the largest network phase 1 we plan, 2^20, is about 160 MiB).
pub const MAX_PHASE1_BYTES: u64 = 1 << 32;

/// Phase-1 files by hash, read once per process.
#[derive(Default)]
pub struct Phase1Cache(Mutex<HashMap<Hash, Arc<Phase1File>>>);

fn untraceable(model: &Hash, why: impl std::fmt::Display) -> ComputeError {
	log::warn!(target: "daifi-compute", "model 0x{}: its proving key is not traced to the ceremony: {why}", hex(model));
	ComputeError::Untraceable
}

/// The path of `name` in `dir` if its bytes hash to `expected`, or else of
/// the file fetched from `url` (at most `limit` bytes, streamed to disk and
/// hashed on the way) and renamed to `name` once it has that hash (a local
/// copy that does not, e.g. a truncated download, is replaced). No file is
/// held in memory here.
fn local_or_fetched(
	fetcher: &Fetcher,
	dir: &Path,
	name: &str,
	url: &str,
	limit: u64,
	expected: &Hash,
) -> Result<PathBuf, String> {
	let path = dir.join(name);
	if fetch::hash_file(&path).is_ok_and(|hash| &hash == expected) {
		return Ok(path);
	}
	let download = fetcher.fetch(url, limit).map_err(|e| format!("{name} from {url}: {e}"))?;
	if download.hash() != expected {
		return Err(format!("{name} from {url} does not have the hash the chain recorded"));
	}
	download.keep(&path).map_err(|e| format!("keeping {name} in the model directory: {e}"))?;
	Ok(path)
}

fn marker(dir: &Path, model: &Hash) -> PathBuf {
	dir.join(format!("{}.traced", hex(model)))
}

impl Phase1Cache {
	fn get(&self, fetcher: &Fetcher, dir: &Path, model: &Hash, source: &ModelSource) -> Result<Arc<Phase1File>, ComputeError> {
		let cached = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&source.phase1).cloned();
		if let Some(file) = cached {
			return Ok(file);
		}
		let name = format!("phase1-{}.bin", hex(&source.phase1));
		let url = String::from_utf8_lossy(&source.phase1_url);
		let path = local_or_fetched(fetcher, dir, &name, &url, MAX_PHASE1_BYTES, &source.phase1)
			.map_err(|e| untraceable(model, e))?;
		let reader = std::fs::File::open(&path).map_err(|e| untraceable(model, e))?;
		let file = Phase1File::read_from(std::io::BufReader::new(reader)).map_err(|e| untraceable(model, e))?;
		let file = Arc::new(file);
		self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(source.phase1, file.clone());
		Ok(file)
	}

	/// Checks that `key` (whose canonical bytes hash to `key_hash`) is the
	/// ceremony-made key of model `model`, whose circuit is `circuit`.
	#[allow(clippy::too_many_arguments)]
	pub fn check(
		&self,
		fetcher: &Fetcher,
		dir: &Path,
		model: &Hash,
		circuit: &Circuit,
		key: &ProvingKey,
		key_hash: &Hash,
		source: &ModelSource,
	) -> Result<(), ComputeError> {
		let covered = [source.transcript, *key_hash, source.phase1].concat();
		if std::fs::read(marker(dir, model)).is_ok_and(|m| m == covered) {
			return Ok(());
		}
		let url = format!("{}.transcript", String::from_utf8_lossy(&source.url));
		let name = format!("{}.transcript", hex(model));
		let path = local_or_fetched(fetcher, dir, &name, &url, MAX_TRANSCRIPT_BYTES, &source.transcript)
			.map_err(|e| untraceable(model, e))?;
		let bytes = std::fs::read(path).map_err(|e| untraceable(model, e))?;
		let transcript: Transcript = daifi_zk::from_bytes(&bytes).map_err(|e| untraceable(model, e))?;
		let phase1 = self.get(fetcher, dir, model, source)?;
		trace(circuit, &phase1, &transcript, key, &mut StdRng::from_entropy(), Reporter::Silent)
			.map_err(|e| untraceable(model, e))?;
		if let Err(e) = std::fs::write(marker(dir, model), covered) {
			log::warn!(target: "daifi-compute", "remembering the trace of 0x{}: {e}", hex(model));
		}
		log::info!(
			target: "daifi-compute",
			"model 0x{}: proving key traced to phase 1 0x{} and transcript 0x{}",
			hex(model),
			hex(&source.phase1),
			hex(&source.transcript)
		);
		Ok(())
	}
}
