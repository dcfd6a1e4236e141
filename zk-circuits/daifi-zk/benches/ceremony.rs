//! The trusted setup's costs (criterion): a phase-1 contribution and the
//! verification of one step at 2^12 powers, and per reference model the key
//! derivation from phase 1, a phase-2 contribution and the verification of
//! a phase-2 transcript. `cargo bench -p daifi-zk --bench ceremony`;
//! `scripts/bench_ceremony.sh` adds 2^16 and 2^18 powers through the CLI.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use daifi_zk::{
	ceremony::{derive::initial_key, phase1, phase1::Phase1File, phase2, Beacon},
	compile,
	progress::Reporter::Silent,
};
use rand::{rngs::StdRng, SeedableRng};

const MODELS: &[&str] = &["mlp_64_32_10", "mlp_64_128_10", "cnn_digits"];
const BEACON: Beacon = Beacon { value: [1; 32], iterations_log2: 10 };

fn bench(c: &mut Criterion) {
	let rng = &mut StdRng::seed_from_u64(7);
	let mut group = c.benchmark_group("phase1_2^12");
	group.sample_size(10);
	let initial = Phase1File::initial(12).expect("a valid power");
	let one = phase1::contribute(&initial, rng, Silent);
	group.bench_function("contribute", |b| b.iter(|| phase1::contribute(&one, rng, Silent)));
	let two = phase1::contribute(&one, rng, Silent);
	group.bench_function("verify_step", |b| {
		b.iter(|| phase1::verify_step(&one, &two, rng, Silent).expect("an honest step"))
	});
	group.finish();

	// The CNN needs 2^13 powers.
	let closed = phase1::apply_beacon(&phase1::contribute(&Phase1File::initial(13).expect("valid"), rng, Silent), &BEACON, Silent);
	let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../models");
	for name in MODELS {
		let circuit = compile(&std::fs::read(dir.join(format!("{name}.onnx"))).expect("model")).expect("compiles");
		let mut group = c.benchmark_group(format!("ceremony_{name}"));
		group.sample_size(10);
		group.bench_function("derive", |b| b.iter(|| initial_key(&closed.accumulator, &circuit, Silent).expect("fits")));
		let initial = initial_key(&closed.accumulator, &circuit, Silent).expect("fits");
		let mut transcript = phase2::Transcript::start(closed.hash(), &initial);
		group.bench_function("phase2_contribute", |b| {
			b.iter(|| phase2::contribute(&initial, &mut transcript.clone(), rng, Silent).expect("open"))
		});
		let key = phase2::contribute(&initial, &mut transcript, rng, Silent).expect("open");
		let key = phase2::apply_beacon(&key, &mut transcript, BEACON, Silent).expect("open");
		group.bench_function("phase2_verify", |b| {
			b.iter(|| phase2::verify(&initial, &transcript, &key, rng, Silent).expect("honest"))
		});
		group.finish();
	}
}

criterion_group!(benches, bench);
criterion_main!(benches);
