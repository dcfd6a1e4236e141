//! Setup, prove and verify time per reference model (criterion):
//! `cargo bench -p daifi-zk --bench prove`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use daifi_zk::{compile, prove, setup, verify};
use rand::{rngs::StdRng, SeedableRng};

/// The reference models, then models as developers export them (28x28 inputs).
const MODELS: &[&str] = &["mlp_64_32_10", "mlp_64_128_10", "cnn_digits", "torch_mlp_784", "tf_cnn_28", "torch_lenet"];
/// Key generation is benchmarked on the small ones only (it is not on any
/// provider's path: keys come from the ceremony).
const SETUP_BENCHED: usize = 3;

fn models_dir() -> std::path::PathBuf {
	Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../models")
}

fn bench(c: &mut Criterion) {
	let mut rng = StdRng::seed_from_u64(7);
	for (index, name) in MODELS.iter().enumerate() {
		let bytes = std::fs::read(models_dir().join(format!("{name}.onnx"))).expect("reference model");
		let circuit = compile(&bytes).expect("compiles");
		println!("{name}: {} constraints, {} wires", circuit.num_constraints(), circuit.program.num_wires);
		let input = vec![circuit.input_range.0.max(0); circuit.program.num_inputs];
		let mut group = c.benchmark_group(*name);
		group.sample_size(10);
		if index < SETUP_BENCHED {
			group.bench_function("setup", |b| b.iter(|| setup(&circuit, &mut rng).expect("setup")));
		}
		let pk = setup(&circuit, &mut rng).expect("setup");
		group.bench_function("prove", |b| b.iter(|| prove(&circuit, &pk, &[7; 32], &input, &mut rng).expect("prove")));
		let (output, proof) = prove(&circuit, &pk, &[7; 32], &input, &mut rng).expect("prove");
		group.bench_function("verify", |b| b.iter(|| verify(&pk.vk, &circuit.layout(), &[7; 32], &input, &output, &proof).expect("verify")));
		if index == 0 {
			bench_batch(&mut group, &circuit, &pk, &input, &mut rng);
		}
		group.finish();
	}
}

/// Batch verification of 64 proofs (one final exponentiation): divide the
/// time by 64 for the cost per proof, next to `verify` (one proof alone).
fn bench_batch(
	group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
	circuit: &daifi_zk::Circuit,
	pk: &daifi_zk::ProvingKey,
	input: &[i64],
	rng: &mut StdRng,
) {
	use daifi_zk_verifier::{batch_weight, verify_batch, Claim};
	const BATCH: usize = 64;
	let bindings: Vec<[u8; 32]> = (0..BATCH).map(|i| [i as u8; 32]).collect();
	let proven: Vec<_> = bindings.iter().map(|b| prove(circuit, pk, b, input, rng).expect("prove")).collect();
	let claims: Vec<Claim<'_, ark_bn254::Bn254>> = bindings
		.iter()
		.zip(&proven)
		.map(|(binding, (output, proof))| Claim { binding, input, output, proof })
		.collect();
	let weights: Vec<ark_bn254::Fr> = (0..BATCH).map(|i| batch_weight(&[i as u8 | 0x80; 16])).collect();
	let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
	let layout = circuit.layout();
	group.bench_function("verify_batch_64", |b| {
		b.iter(|| verify_batch(&pvk, &layout, &claims, &weights).expect("a valid batch"))
	});
}

criterion_group!(benches, bench);
criterion_main!(benches);
