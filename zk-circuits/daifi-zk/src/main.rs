//! `daifi-zk`: the model developer's tool. Compile an ONNX model, run the
//! trusted-setup ceremony (phase 1 for the network, phase 2 per model),
//! prove and verify one inference.

use std::{collections::BTreeMap, path::PathBuf, process::ExitCode, time::Instant};

use clap::{Parser, Subcommand};
use daifi_zk::{compile, from_bytes, onnx, to_bytes, Circuit, ProvingKey, ZkError};

mod ceremony_cli;
use rand::{rngs::StdRng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Compile ONNX models to Groth16 circuits, set up, prove and verify.
#[derive(Parser)]
#[command(name = "daifi-zk", version)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Compile a model: print its content hash, constraint count and operators.
	Compile {
		/// The ONNX file.
		model: PathBuf,
	},
	/// Choose the model's fixed point: the fewest fractional bits whose outputs
	/// stay within `--max-error` of the float model on a test set
	/// (`{"inputs": [[floats], ...]}`); writes the model with `daifi.frac_bits` set.
	Calibrate {
		/// The ONNX file.
		model: PathBuf,
		/// The test set.
		#[arg(long)]
		test_set: PathBuf,
		/// The largest distance from the float outputs allowed.
		#[arg(long)]
		max_error: f64,
		/// Where to write the calibrated model.
		#[arg(long)]
		out: PathBuf,
	},
	/// Phase 1 of the trusted setup (powers of tau, once for the network).
	#[command(subcommand)]
	Phase1(ceremony_cli::Phase1),
	/// Phase 2 of the trusted setup (per model): derive, contribute, close, verify.
	#[command(subcommand)]
	Phase2(ceremony_cli::Phase2),
	/// Prove one inference: input from a JSON file `{"input": [floats]}`.
	Prove {
		/// The ONNX file.
		model: PathBuf,
		/// The proving key.
		#[arg(long)]
		key: PathBuf,
		/// The input JSON file.
		#[arg(long)]
		input: PathBuf,
		/// Where to write the proof JSON.
		#[arg(long)]
		out: PathBuf,
		/// The 32 bytes (64 hex digits) the proof is bound to: on chain,
		/// `task_binding(task, provider)`.
		#[arg(long, value_parser = parse_binding, default_value = ZERO_BINDING)]
		binding: [u8; 32],
	},
	/// Run a model with tract (floats) on fixed-point inputs, one JSON array
	/// of integers per line on stdin; prints tract's output for each, one JSON
	/// array per line. The reference a proven output is compared with.
	Infer {
		/// The ONNX file.
		model: PathBuf,
	},
	/// Verify a proof JSON written by `prove`. Prints only what the proof
	/// establishes: the binding, input and output integers, for this key.
	/// Other fields of the file (model hash, real outputs) are not read.
	Verify {
		/// The verifying key.
		#[arg(long)]
		key: PathBuf,
		/// The model the key belongs to: its layout places input and output
		/// among the public inputs, its output scale turns the verified
		/// integers into reals (that the key is this model's is what
		/// `daifi-zk phase2 verify` checks).
		#[arg(long)]
		model: PathBuf,
		/// The proof JSON.
		#[arg(long)]
		proof: PathBuf,
		/// The 32 bytes (64 hex digits) the proof must be bound to.
		#[arg(long, value_parser = parse_binding, default_value = ZERO_BINDING)]
		binding: [u8; 32],
	},
	/// Verify many proofs of one model at once, as a committee member checks
	/// a batch's results: one JSON object per line on stdin, `{"binding":
	/// "<64 hex digits>", "input": [..], "output": [..], "proof": "<hex>"}`;
	/// all are checked together (`daifi_zk_verifier::verify_batch`, random
	/// 128-bit weights: n + 2 Miller loops, one final exponentiation). Prints
	/// `{"proofs": n, "ms": t}` (t the verification alone); if the batch
	/// fails, checks each proof alone and names the first that fails.
	VerifyBatch {
		/// The verifying key (compressed, as registered).
		#[arg(long)]
		key: PathBuf,
		/// The model the key belongs to (its layout places input and output).
		#[arg(long)]
		model: PathBuf,
	},
}

/// One line of `verify-batch`'s input.
#[derive(Deserialize)]
struct BatchClaim {
	binding: String,
	input: Vec<i64>,
	output: Vec<i64>,
	proof: String,
}

/// The default `--binding`: 32 zero bytes.
const ZERO_BINDING: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Parses `--binding`: exactly 64 hex digits (an optional `0x` first).
fn parse_binding(text: &str) -> Result<[u8; 32], String> {
	unhex(text)?.try_into().map_err(|_| "a binding is 32 bytes (64 hex digits)".to_string())
}

#[derive(Deserialize)]
struct InputFile {
	input: Vec<f32>,
}

/// A proved inference, as `prove` writes it. `model_hash` and
/// `output_real` are for people reading the file: `verify` reads only
/// [`VerifiedFields`].
#[derive(Serialize)]
struct ProofFile {
	model_hash: String,
	input: Vec<i64>,
	output: Vec<i64>,
	output_real: Vec<f64>,
	proof: String,
}

/// The fields of a proof file that a verification checks.
#[derive(Deserialize)]
struct VerifiedFields {
	input: Vec<i64>,
	output: Vec<i64>,
	proof: String,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unhex(text: &str) -> Result<Vec<u8>, String> {
	let text = text.trim_start_matches("0x");
	if text.len() % 2 != 0 {
		return Err("odd-length hex".into());
	}
	(0..text.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
		.collect()
}

pub(crate) fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
	std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), String> {
	std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn load_circuit(model: &PathBuf) -> Result<(Circuit, Vec<u8>), String> {
	let bytes = read(model)?;
	let circuit = compile(&bytes).map_err(|e| e.to_string())?;
	Ok((circuit, bytes))
}

fn run(cli: Cli) -> Result<(), String> {
	let zk = |e: ZkError| e.to_string();
	match cli.command {
		Command::Compile { model } => {
			let bytes = read(&model)?;
			let parsed = onnx::parse(&bytes).map_err(zk)?;
			let mut ops: BTreeMap<String, usize> = BTreeMap::new();
			for node in &parsed.nodes {
				*ops.entry(node.op_type.clone()).or_default() += 1;
			}
			println!("model hash (blake2-256): 0x{}", hex(&daifi_zk::model_hash(&bytes)));
			for (op, count) in &ops {
				let status = if op == "Constant" || daifi_zk::SUPPORTED_OPS.contains(&op.as_str()) {
					"supported"
				} else {
					"UNSUPPORTED"
				};
				println!("  {op:<18} x{count:<4} {status}");
			}
			let circuit = compile(&bytes).map_err(zk)?;
			println!("input shape {:?}, output shape {:?}", circuit.input_shape, circuit.output_shape);
			let layout = circuit.layout();
			println!(
				"register with: inputFracBits {}, outputFracBits {}, inputMin {}, inputMax {}, outputBits {}",
				circuit.input_scale,
				circuit.output_scale,
				circuit.input_range.0,
				circuit.input_range.1,
				circuit.output_bits(),
			);
			println!(
				"public inputs: {}{}",
				layout.public_inputs(circuit.program.num_inputs, circuit.program.outputs.len()),
				if layout.input.packed() || layout.output.packed() { " (packed)" } else { "" }
			);
			println!("constraints: {}", circuit.num_constraints());
			println!("wires: {}", circuit.program.num_wires);
		},
		Command::Calibrate { model, test_set, max_error, out } => {
			#[derive(Deserialize)]
			struct TestSet {
				inputs: Vec<Vec<f32>>,
			}
			let set: TestSet = serde_json::from_slice(&read(&test_set)?).map_err(|e| e.to_string())?;
			let c = daifi_zk::calibrate::calibrate(&read(&model)?, &set.inputs, max_error).map_err(zk)?;
			write(&out, &c.model)?;
			println!(
				"{} fractional bits: max error {:.5} on {} inputs, {} constraints; wrote {}",
				c.frac_bits,
				c.max_error,
				set.inputs.len(),
				c.constraints,
				out.display()
			);
		},
		Command::Phase1(command) => ceremony_cli::phase1(command)?,
		Command::Phase2(command) => ceremony_cli::phase2(command)?,
		Command::Prove { model, key, input, out, binding } => {
			let (circuit, bytes) = load_circuit(&model)?;
			let pk: ProvingKey = from_bytes(&read(&key)?).map_err(zk)?;
			let input: InputFile = serde_json::from_slice(&read(&input)?).map_err(|e| e.to_string())?;
			let quantized = circuit.quantize_input(&input.input).map_err(zk)?;
			daifi_zk::groth16::check_key_shape(&circuit, &pk).map_err(zk)?;
			let start = Instant::now();
			let (output, proof) =
				daifi_zk::prove(&circuit, &pk, &binding, &quantized, &mut StdRng::from_entropy()).map_err(zk)?;
			println!("proved in {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
			// A key of the same shape made for another circuit proves nothing:
			// its own verifying key rejects the proof.
			daifi_zk::verify(&pk.vk, &circuit.layout(), &binding, &quantized, &output, &proof).map_err(|_| {
				"the proving key is not this model's key: a proof made with it does not verify against it".to_string()
			})?;
			let file = ProofFile {
				model_hash: hex(&daifi_zk::model_hash(&bytes)),
				output_real: circuit.dequantize_output(&output),
				input: quantized,
				output,
				proof: hex(&to_bytes(&proof)),
			};
			println!("output: {:?}", file.output_real);
			write(&out, &serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?)?;
		},
		Command::Infer { model } => {
			let (circuit, bytes) = load_circuit(&model)?;
			let reference = daifi_zk::onnx::FloatModel::load(&bytes, &circuit.input_shape).map_err(zk)?;
			let scale = (1u64 << circuit.input_scale) as f32;
			for line in std::io::stdin().lines() {
				let line = line.map_err(|e| e.to_string())?;
				let fixed: Vec<i64> = serde_json::from_str(&line).map_err(|e| e.to_string())?;
				let input: Vec<f32> = fixed.iter().map(|&x| x as f32 / scale).collect();
				let output = reference.run(&input).map_err(zk)?;
				println!("{}", serde_json::to_string(&output).map_err(|e| e.to_string())?);
			}
		},
		Command::VerifyBatch { key, model } => verify_batch(&read(&key)?, &model)?,
		Command::Verify { key, model, proof, binding } => {
			let vk_bytes = read(&key)?;
			let (circuit, bytes) = load_circuit(&model)?;
			let file: VerifiedFields = serde_json::from_slice(&read(&proof)?).map_err(|e| e.to_string())?;
			let proof_bytes = unhex(&file.proof)?;
			let layout = circuit.layout();
			daifi_zk_verifier::verify::<ark_bn254::Bn254>(&vk_bytes, &binding, &file.input, &file.output, &layout, &proof_bytes)
				.map_err(|e| format!("verification failed: {e}"))?;
			println!("proof verified against key 0x{} (blake2-256 of the key file)", hex(&daifi_zk::model_hash(&vk_bytes)));
			println!("binding 0x{}", hex(&binding));
			println!("input ({} fixed-point values): {:?}", file.input.len(), file.input);
			println!("output (fixed point): {:?}", file.output);
			println!(
				"output as reals (2^-{} of model 0x{}): {:?}",
				circuit.output_scale,
				hex(&daifi_zk::model_hash(&bytes)),
				circuit.dequantize_output(&file.output)
			);
		},
	}
	Ok(())
}

/// `daifi-zk verify-batch`: see [`Command::VerifyBatch`].
fn verify_batch(vk_bytes: &[u8], model: &PathBuf) -> Result<(), String> {
	let (circuit, _) = load_circuit(model)?;
	let layout = circuit.layout();
	let vk: daifi_zk::VerifyingKey = from_bytes(vk_bytes).map_err(|e| format!("key: {e}"))?;
	let mut claims = Vec::new();
	let mut lines = Vec::new();
	for (number, line) in std::io::stdin().lines().enumerate().map(|(i, l)| (i + 1, l)) {
		let line = line.map_err(|e| e.to_string())?;
		if line.trim().is_empty() {
			continue;
		}
		let at = |e: String| format!("line {number}: {e}");
		let claim: BatchClaim = serde_json::from_str(&line).map_err(|e| at(e.to_string()))?;
		let binding = parse_binding(&claim.binding).map_err(at)?;
		let proof: daifi_zk::Proof =
			from_bytes(&unhex(&claim.proof).map_err(at)?).map_err(|e| at(format!("proof: {e}")))?;
		claims.push((binding, claim.input, claim.output, proof));
		lines.push(number);
	}
	if claims.is_empty() {
		return Err("no proofs on stdin: nothing verified".into());
	}
	let batch: Vec<_> = claims.iter().map(|(b, i, o, p)| (b, &i[..], &o[..], p)).collect();
	let started = Instant::now();
	let verified = daifi_zk::verify_many(&vk, &layout, &batch, true, &mut StdRng::from_entropy());
	let ms = started.elapsed().as_secs_f64() * 1000.0;
	match verified {
		Ok(()) => {},
		Err(Some((i, e))) => return Err(format!("proof {i} (line {}) does not verify: {e}", lines[i])),
		Err(None) => return Err("the batch does not verify".into()),
	}
	println!("{}", serde_json::json!({ "proofs": claims.len(), "ms": ms }));
	Ok(())
}

fn main() -> ExitCode {
	match run(Cli::parse()) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		},
	}
}
