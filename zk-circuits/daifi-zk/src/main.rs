//! `daifi-zk`: the model developer's tool. Compile an ONNX model, run the
//! Groth16 setup and the phase-2 ceremony, prove and verify one inference.

use std::{collections::BTreeMap, path::PathBuf, process::ExitCode, time::Instant};

use clap::{Parser, Subcommand};
use daifi_zk::{ceremony, compile, from_bytes, groth16, onnx, to_bytes, Circuit, ProvingKey, ZkError};
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
	/// Generate a proving key (which embeds the verifying key) and the verifying key.
	Setup {
		/// The ONNX file.
		model: PathBuf,
		/// Where to write `proving.key` and `verifying.key`.
		#[arg(long, default_value = ".")]
		out: PathBuf,
		/// Derive the setup randomness from this public seed instead of the
		/// operating system. Anyone who knows the seed can forge proofs:
		/// development chains only.
		#[arg(long)]
		insecure_dev_seed: Option<u64>,
	},
	/// Add a phase-2 contribution to a proving key.
	Contribute {
		/// The current proving key.
		#[arg(long)]
		params: PathBuf,
		/// Where to write the new proving key.
		#[arg(long)]
		out: PathBuf,
		/// Where to write the contribution's receipt.
		#[arg(long)]
		receipt: PathBuf,
		/// Where to write the new verifying key (delta changed, so it changed too).
		#[arg(long)]
		verifying_key: PathBuf,
	},
	/// Check a phase-2 contribution publicly.
	VerifyContribution {
		/// The proving key before.
		#[arg(long)]
		before: PathBuf,
		/// The proving key after.
		#[arg(long)]
		after: PathBuf,
		/// The contribution's receipt.
		#[arg(long)]
		receipt: PathBuf,
	},
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
	},
	/// Run a model with tract (floats) on fixed-point inputs, one JSON array
	/// of integers per line on stdin; prints tract's output for each, one JSON
	/// array per line. The reference a proven output is compared with.
	Infer {
		/// The ONNX file.
		model: PathBuf,
	},
	/// Verify a proof JSON written by `prove`.
	Verify {
		/// The verifying key.
		#[arg(long)]
		key: PathBuf,
		/// The proof JSON.
		#[arg(long)]
		proof: PathBuf,
	},
}

#[derive(Deserialize)]
struct InputFile {
	input: Vec<f32>,
}

/// A proved inference, as `prove` writes it and `verify` reads it.
#[derive(Serialize, Deserialize)]
struct ProofFile {
	model_hash: String,
	input: Vec<i64>,
	output: Vec<i64>,
	output_real: Vec<f64>,
	proof: String,
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, String> {
	let text = text.trim_start_matches("0x");
	if text.len() % 2 != 0 {
		return Err("odd-length hex".into());
	}
	(0..text.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
		.collect()
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
	std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), String> {
	std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_circuit(model: &PathBuf) -> Result<(Circuit, Vec<u8>), String> {
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
			println!("constraints: {}", circuit.num_constraints());
			println!("wires: {}", circuit.program.num_wires);
		},
		Command::Setup { model, out, insecure_dev_seed } => {
			let (circuit, _) = load_circuit(&model)?;
			println!("setup: {} constraints ...", circuit.num_constraints());
			let start = Instant::now();
			let mut rng = match insecure_dev_seed {
				Some(seed) => {
					println!("setup: public seed {seed}: these keys are for development only");
					StdRng::seed_from_u64(seed)
				},
				None => StdRng::from_entropy(),
			};
			let pk = groth16::setup(&circuit, &mut rng).map_err(zk)?;
			println!("setup: done in {:.2} s", start.elapsed().as_secs_f64());
			std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
			write(&out.join("proving.key"), &to_bytes(&pk))?;
			write(&out.join("verifying.key"), &to_bytes(&pk.vk))?;
			println!("wrote {}/proving.key and verifying.key ({} bytes)", out.display(), to_bytes(&pk.vk).len());
		},
		Command::Contribute { params, out, receipt, verifying_key } => {
			let pk: ProvingKey = from_bytes(&read(&params)?).map_err(zk)?;
			let (next, r) = ceremony::contribute(&pk, &mut StdRng::from_entropy());
			write(&out, &to_bytes(&next))?;
			write(&receipt, &to_bytes(&r))?;
			write(&verifying_key, &to_bytes(&next.vk))?;
			println!(
				"contribution written to {} (receipt {}, verifying key {})",
				out.display(),
				receipt.display(),
				verifying_key.display()
			);
		},
		Command::VerifyContribution { before, after, receipt } => {
			let before: ProvingKey = from_bytes(&read(&before)?).map_err(zk)?;
			let after: ProvingKey = from_bytes(&read(&after)?).map_err(zk)?;
			let receipt: ceremony::Receipt = from_bytes(&read(&receipt)?).map_err(zk)?;
			ceremony::verify_contribution(&before, &after, &receipt, &mut StdRng::from_entropy())
				.map_err(zk)?;
			println!("contribution verified");
		},
		Command::Prove { model, key, input, out } => {
			let (circuit, bytes) = load_circuit(&model)?;
			let pk: ProvingKey = from_bytes(&read(&key)?).map_err(zk)?;
			let input: InputFile = serde_json::from_slice(&read(&input)?).map_err(|e| e.to_string())?;
			let quantized = circuit.quantize_input(&input.input).map_err(zk)?;
			let start = Instant::now();
			let (output, proof) =
				daifi_zk::prove(&circuit, &pk, &quantized, &mut StdRng::from_entropy()).map_err(zk)?;
			println!("proved in {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
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
		Command::Verify { key, proof } => {
			let vk_bytes = read(&key)?;
			let file: ProofFile = serde_json::from_slice(&read(&proof)?).map_err(|e| e.to_string())?;
			let proof_bytes = unhex(&file.proof)?;
			daifi_zk_verifier::verify::<ark_bn254::Bn254>(&vk_bytes, &file.input, &file.output, &proof_bytes)
				.map_err(|e| format!("verification failed: {e}"))?;
			println!("proof verified: model 0x{} output {:?}", file.model_hash, file.output_real);
		},
	}
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
