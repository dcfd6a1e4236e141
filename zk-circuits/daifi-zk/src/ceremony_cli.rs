//! `daifi-zk phase1 ...` and `daifi-zk phase2 ...`: the trusted-setup
//! ceremony from the command line. Every file is named by its blake2b-256
//! hash, which is what the chain records; each command prints the hashes it
//! makes and how long it took, and shows a progress bar on long steps.

use std::{path::PathBuf, time::Instant};

use clap::Subcommand;
use daifi_zk::{
	ceremony::{
		derive,
		phase1::{self, Phase1File},
		phase2::{self, Transcript},
		trace, Beacon,
	},
	from_bytes,
	progress::Reporter,
	to_bytes, ProvingKey,
};
use rand::{rngs::StdRng, SeedableRng};

use crate::{hex, load_circuit, read, unhex, write};

/// Phase 1: powers of tau for the whole network.
#[derive(Subcommand)]
pub enum Phase1 {
	/// Write the initial accumulator (every secret 1) for 2^power powers.
	New {
		/// log2 of the number of powers: a circuit with up to 2^power
		/// constraints plus public inputs can be derived from it.
		#[arg(long)]
		power: u8,
		/// Where to write it.
		#[arg(long)]
		out: PathBuf,
	},
	/// Contribute fresh secrets (from the operating system) on top of a file.
	Contribute {
		/// The last file of the transcript.
		#[arg(long)]
		previous: PathBuf,
		/// Where to write the contribution.
		#[arg(long)]
		out: PathBuf,
	},
	/// Close phase 1 with a public random beacon.
	Beacon {
		/// The last contribution.
		#[arg(long)]
		previous: PathBuf,
		/// The beacon value, 32 bytes in hex (e.g. a block hash fixed in advance).
		#[arg(long)]
		beacon: String,
		/// The beacon is hashed 2^this many times.
		#[arg(long, default_value_t = 20)]
		iterations_log2: u8,
		/// Where to write the closing step.
		#[arg(long)]
		out: PathBuf,
	},
	/// Verify a whole transcript: the initial file, every contribution, the beacon, in order.
	Verify {
		/// The files, in order.
		files: Vec<PathBuf>,
	},
}

/// Phase 2: one model's key, from the network's phase 1.
#[derive(Subcommand)]
pub enum Phase2 {
	/// Derive the model's initial key from the closing phase-1 file and start its transcript.
	Start {
		/// The ONNX file.
		model: PathBuf,
		/// The closing (beacon) file of phase 1.
		#[arg(long)]
		phase1: PathBuf,
		/// Where to write the initial proving key.
		#[arg(long)]
		key_out: PathBuf,
		/// Where to write the transcript.
		#[arg(long)]
		transcript: PathBuf,
		/// Where to write the initial verifying key, if wanted: what a
		/// whitelisting proposal carries until the ceremony closes (never a
		/// key to serve: its secrets are public).
		#[arg(long)]
		verifying_key: Option<PathBuf>,
	},
	/// Contribute a fresh secret (from the operating system): writes the new
	/// key and appends the receipt to the transcript.
	Contribute {
		/// The current proving key.
		#[arg(long)]
		key: PathBuf,
		/// The transcript (updated in place).
		#[arg(long)]
		transcript: PathBuf,
		/// Where to write the new proving key.
		#[arg(long)]
		key_out: PathBuf,
	},
	/// Close phase 2 with a public random beacon: writes the final proving
	/// and verifying keys.
	Beacon {
		/// The last contribution's proving key.
		#[arg(long)]
		key: PathBuf,
		/// The transcript (updated in place).
		#[arg(long)]
		transcript: PathBuf,
		/// The beacon value, 32 bytes in hex.
		#[arg(long)]
		beacon: String,
		/// The beacon is hashed 2^this many times.
		#[arg(long, default_value_t = 20)]
		iterations_log2: u8,
		/// Where to write the final proving key.
		#[arg(long)]
		key_out: PathBuf,
		/// Where to write the final verifying key (what the chain registers).
		#[arg(long)]
		verifying_key: PathBuf,
	},
	/// Verify a model's key from phase 1 to the final keys: derived for this
	/// ONNX file's circuit from this phase-1 file, then exactly the transcript.
	Verify {
		/// The ONNX file.
		model: PathBuf,
		/// The closing (beacon) file of phase 1.
		#[arg(long)]
		phase1: PathBuf,
		/// The transcript.
		#[arg(long)]
		transcript: PathBuf,
		/// The final proving key.
		#[arg(long)]
		key: PathBuf,
	},
}

fn zk(e: daifi_zk::ZkError) -> String {
	e.to_string()
}

fn read_phase1(path: &PathBuf) -> Result<Phase1File, String> {
	Phase1File::from_bytes(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn beacon(value: &str, iterations_log2: u8) -> Result<Beacon, String> {
	let value: [u8; 32] =
		unhex(value)?.try_into().map_err(|_| "the beacon must be 32 bytes (64 hex digits)".to_string())?;
	if iterations_log2 > daifi_zk::ceremony::beacon::MAX_ITERATIONS_LOG2 {
		return Err(format!("at most 2^{} iterations", daifi_zk::ceremony::beacon::MAX_ITERATIONS_LOG2));
	}
	Ok(Beacon { value, iterations_log2 })
}

fn write_phase1(path: &PathBuf, file: &Phase1File, start: Instant) -> Result<(), String> {
	let bytes = file.to_bytes();
	write(path, &bytes)?;
	println!(
		"wrote {} ({} bytes) in {:.2} s\nhash 0x{}",
		path.display(),
		bytes.len(),
		start.elapsed().as_secs_f64(),
		hex(&daifi_zk::ceremony::file_hash(&bytes))
	);
	Ok(())
}

/// Runs a `phase1` command.
pub fn phase1(command: Phase1) -> Result<(), String> {
	let start = Instant::now();
	match command {
		Phase1::New { power, out } => write_phase1(&out, &Phase1File::initial(power).map_err(zk)?, start)?,
		Phase1::Contribute { previous, out } => {
			let previous = read_phase1(&previous)?;
			let next = phase1::contribute(&previous, &mut StdRng::from_entropy(), Reporter::Stderr);
			write_phase1(&out, &next, start)?;
		},
		Phase1::Beacon { previous, beacon: value, iterations_log2, out } => {
			let previous = read_phase1(&previous)?;
			let next = phase1::apply_beacon(&previous, &beacon(&value, iterations_log2)?, Reporter::Stderr);
			write_phase1(&out, &next, start)?;
		},
		Phase1::Verify { files } => {
			let steps = files.iter().map(|path| {
				Phase1File::from_bytes(&std::fs::read(path).map_err(|e| {
					daifi_zk::ZkError::Ceremony(format!("{}: {e}", path.display()))
				})?)
			});
			let (hashes, last) =
				phase1::verify_transcript(steps, &mut StdRng::from_entropy(), Reporter::Stderr).map_err(zk)?;
			for (i, hash) in hashes.iter().enumerate() {
				println!("step {i}: 0x{}", hex(hash));
			}
			println!(
				"phase 1 verified: 2^{} powers, {} contributions and the beacon, in {:.2} s\nfinal 0x{}",
				last.accumulator.power,
				hashes.len() - 2,
				start.elapsed().as_secs_f64(),
				hex(&hashes[hashes.len() - 1])
			);
		},
	}
	Ok(())
}

fn read_key(path: &PathBuf) -> Result<ProvingKey, String> {
	from_bytes(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_transcript(path: &PathBuf) -> Result<Transcript, String> {
	from_bytes(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_transcript(path: &PathBuf, transcript: &Transcript) -> Result<(), String> {
	write(path, &transcript.to_bytes())?;
	println!("transcript {} hash 0x{}", path.display(), hex(&transcript.hash()));
	Ok(())
}

/// Runs a `phase2` command.
pub fn phase2(command: Phase2) -> Result<(), String> {
	let start = Instant::now();
	match command {
		Phase2::Start { model, phase1, key_out, transcript, verifying_key } => {
			let (circuit, _) = load_circuit(&model)?;
			let phase1 = read_phase1(&phase1)?;
			if phase1.beacon.is_none() {
				return Err("phase 2 starts from the closing (beacon) file of phase 1".into());
			}
			println!(
				"deriving the key of {} constraints (domain 2^{}) from 2^{} powers ...",
				circuit.num_constraints(),
				derive::domain_size(&circuit).map_err(zk)?.trailing_zeros(),
				phase1.accumulator.power
			);
			let key = derive::initial_key(&phase1.accumulator, &circuit, Reporter::Stderr).map_err(zk)?;
			write(&key_out, &to_bytes(&key))?;
			if let Some(path) = &verifying_key {
				write(path, &to_bytes(&key.vk))?;
			}
			println!("derived in {:.2} s: {}", start.elapsed().as_secs_f64(), key_out.display());
			write_transcript(&transcript, &Transcript::start(phase1.hash(), &key))?;
		},
		Phase2::Contribute { key, transcript: path, key_out } => {
			let key = read_key(&key)?;
			let mut transcript = read_transcript(&path)?;
			let next = phase2::contribute(&key, &mut transcript, &mut StdRng::from_entropy(), Reporter::Stderr)
				.map_err(zk)?;
			write(&key_out, &to_bytes(&next))?;
			println!("contribution {} in {:.2} s: {}", transcript.contributions.len(), start.elapsed().as_secs_f64(), key_out.display());
			write_transcript(&path, &transcript)?;
		},
		Phase2::Beacon { key, transcript: path, beacon: value, iterations_log2, key_out, verifying_key } => {
			let key = read_key(&key)?;
			let mut transcript = read_transcript(&path)?;
			let last = phase2::apply_beacon(&key, &mut transcript, beacon(&value, iterations_log2)?, Reporter::Stderr)
				.map_err(zk)?;
			write(&key_out, &to_bytes(&last))?;
			write(&verifying_key, &to_bytes(&last.vk))?;
			println!("closed in {:.2} s: {} and {}", start.elapsed().as_secs_f64(), key_out.display(), verifying_key.display());
			write_transcript(&path, &transcript)?;
		},
		Phase2::Verify { model, phase1, transcript, key } => {
			let (circuit, bytes) = load_circuit(&model)?;
			let phase1 = read_phase1(&phase1)?;
			let transcript = read_transcript(&transcript)?;
			let key = read_key(&key)?;
			trace(&circuit, &phase1, &transcript, &key, &mut StdRng::from_entropy(), Reporter::Stderr).map_err(zk)?;
			println!(
				"key verified in {:.2} s: model 0x{}, phase 1 0x{}, transcript 0x{} ({} contributions and the beacon)",
				start.elapsed().as_secs_f64(),
				hex(&daifi_zk::model_hash(&bytes)),
				hex(&transcript.phase1),
				hex(&transcript.hash()),
				transcript.contributions.len()
			);
		},
	}
	Ok(())
}
