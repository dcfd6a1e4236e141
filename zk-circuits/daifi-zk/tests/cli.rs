//! The tool tells the truth: `verify` prints only what the proof
//! establishes (edited fields of the proof file are never shown), and
//! `prove` refuses another model's proving key; `compile` says what to
//! register.

mod common;

use std::{path::Path, process::Command};

use common::{keyed, models_dir};
use daifi_zk::to_bytes;

fn tool(args: &[&str]) -> (bool, String) {
	let out = Command::new(env!("CARGO_BIN_EXE_daifi-zk")).args(args).output().expect("runs");
	(out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn path(dir: &Path, name: &str) -> String {
	dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn verify_prints_only_what_it_checked_and_prove_refuses_a_foreign_key() {
	let dir = std::env::temp_dir().join(format!("daifi-zk-cli-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let (_, pk) = keyed("mlp_64_32_10");
	let (_, other) = keyed("mlp_64_128_10");
	std::fs::write(dir.join("pk"), to_bytes(&pk)).unwrap();
	std::fs::write(dir.join("vk"), to_bytes(&pk.vk)).unwrap();
	std::fs::write(dir.join("other.pk"), to_bytes(&other)).unwrap();
	let input: Vec<f32> = (0..64).map(|i| (i % 17) as f32 / 16.0).collect();
	std::fs::write(dir.join("input.json"), serde_json::json!({ "input": input }).to_string()).unwrap();
	let model = models_dir().join("mlp_64_32_10.onnx").to_string_lossy().into_owned();

	let (ok, out) = tool(&["prove", &model, "--key", &path(&dir, "pk"), "--input", &path(&dir, "input.json"), "--out", &path(&dir, "proof.json")]);
	assert!(ok, "{out}");

	// Edit the fields verify does not check: it must neither print nor trust them.
	let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("proof.json")).unwrap()).unwrap();
	file["output_real"][0] = serde_json::json!(12345.678);
	file["model_hash"] = serde_json::json!("ab".repeat(32));
	std::fs::write(dir.join("edited.json"), file.to_string()).unwrap();
	let (ok, out) = tool(&["verify", "--key", &path(&dir, "vk"), "--proof", &path(&dir, "edited.json"), "--model", &model]);
	assert!(ok, "{out}");
	assert!(!out.contains("12345.678") && !out.contains(&"ab".repeat(32)), "printed an unchecked field:\n{out}");
	let output: Vec<i64> = serde_json::from_value(file["output"].clone()).unwrap();
	assert!(out.contains(&format!("output (fixed point): {output:?}")), "{out}");
	assert!(out.contains(&format!("0x{}", daifi_zk::model_hash(&std::fs::read(&model).unwrap()).iter().map(|b| format!("{b:02x}")).collect::<String>())));

	// An edited output is refused.
	file["output"][0] = serde_json::json!(output[0] + 1);
	std::fs::write(dir.join("lie.json"), file.to_string()).unwrap();
	let (ok, out) = tool(&["verify", "--key", &path(&dir, "vk"), "--proof", &path(&dir, "lie.json"), "--model", &model]);
	assert!(!ok && out.contains("verification failed"), "{out}");

	// Another model's proving key: refused, no proof written.
	let (ok, out) = tool(&["prove", &model, "--key", &path(&dir, "other.pk"), "--input", &path(&dir, "input.json"), "--out", &path(&dir, "bad.json")]);
	assert!(!ok && out.contains("not this model's key"), "{out}");
	assert!(!dir.join("bad.json").exists());
	std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn calibrate_writes_the_chosen_fixed_point_into_the_model() {
	let dir = std::env::temp_dir().join(format!("daifi-zk-calibrate-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let model = models_dir().join("mlp_64_32_10.onnx").to_string_lossy().into_owned();
	let test_set = models_dir().join("digits_test.json").to_string_lossy().into_owned();
	let out = path(&dir, "calibrated.onnx");
	let (ok, text) = tool(&["calibrate", &model, "--test-set", &test_set, "--max-error", "0.02", "--out", &out]);
	assert!(ok, "{text}");
	let circuit = daifi_zk::compile(&std::fs::read(&out).unwrap()).unwrap();
	assert!(text.starts_with(&format!("{} fractional bits", circuit.input_scale)), "{text}");
	// A bound no fixed point reaches is refused by name.
	let (ok, text) = tool(&["calibrate", &model, "--test-set", &test_set, "--max-error", "0", "--out", &out]);
	assert!(!ok && text.contains("no fixed point reaches 0"), "{text}");
	std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn compile_prints_what_the_model_is_registered_with() {
	let model = models_dir().join("torch_mlp_784.onnx");
	let circuit = daifi_zk::compile(&std::fs::read(&model).unwrap()).unwrap();
	let (ok, out) = tool(&["compile", &model.to_string_lossy()]);
	assert!(ok, "{out}");
	let expected = format!(
		"register with: inputFracBits {}, outputFracBits {}, inputMin {}, inputMax {}, outputBits {}",
		circuit.input_scale,
		circuit.output_scale,
		circuit.input_range.0,
		circuit.input_range.1,
		circuit.output_bits()
	);
	assert!(out.contains(&expected), "{out}");
	// 784 inputs and 10 outputs do not fit unpacked in a 16 KiB key.
	assert!(out.contains("(packed)"), "{out}");
}

#[test]
fn verify_batch_accepts_honest_proofs_and_names_a_lying_one() {
	use std::io::Write;
	let dir = std::env::temp_dir().join(format!("daifi-zk-batch-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let (circuit, pk) = keyed("mlp_64_32_10");
	std::fs::write(dir.join("vk"), to_bytes(&pk.vk)).unwrap();
	let model = models_dir().join("mlp_64_32_10.onnx").to_string_lossy().into_owned();
	let rng = &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
	let mut claims: Vec<serde_json::Value> = (0..3u8)
		.map(|i| {
			let binding = [i; 32];
			let input: Vec<i64> = (0..64).map(|j| (j * 7 + i64::from(i)) % 200).collect();
			let (output, proof) = daifi_zk::prove(&circuit, &pk, &binding, &input, rng).unwrap();
			let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
			serde_json::json!({ "binding": hex(&binding), "input": input, "output": output, "proof": hex(&to_bytes(&proof)) })
		})
		.collect();
	let run = |claims: &[serde_json::Value]| {
		let mut child = Command::new(env!("CARGO_BIN_EXE_daifi-zk"))
			.args(["verify-batch", "--key", &path(&dir, "vk"), "--model", &model])
			.stdin(std::process::Stdio::piped())
			.stdout(std::process::Stdio::piped())
			.stderr(std::process::Stdio::piped())
			.spawn()
			.unwrap();
		let lines: String = claims.iter().map(|c| format!("{c}\n")).collect();
		child.stdin.take().unwrap().write_all(lines.as_bytes()).unwrap();
		let out = child.wait_with_output().unwrap();
		(out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
	};
	let (ok, out) = run(&claims);
	assert!(ok && out.contains("\"proofs\":3"), "{out}");
	// The second proof's output altered: the batch fails and names it.
	claims[1]["output"][0] = serde_json::json!(claims[1]["output"][0].as_i64().unwrap() + 1);
	let (ok, out) = run(&claims);
	assert!(!ok && out.contains("proof 1 (line 2) does not verify"), "{out}");
	// No proofs at all is not a pass.
	let (ok, out) = run(&[]);
	assert!(!ok && out.contains("no proofs"), "{out}");
	std::fs::remove_dir_all(&dir).ok();
}
