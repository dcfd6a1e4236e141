//! Lying witnesses, gadget by gadget. For every step of a program, a
//! cheating prover changes what the step produced (flips a bit, shifts a
//! carry into a bit, moves a product by one, moves a quotient by one with
//! its remainder compensating) and re-derives every later wire honestly. The
//! claim tested: whenever such a witness satisfies every constraint, the
//! public outputs are the honest ones. The constraint system is the real
//! one (`is_satisfied` synthesizes it), so this holds in release builds too.

mod common;

use ark_bn254::Fr;
use common::model_bytes;
use daifi_zk::{
	circuit::{
		affine::{Affine, Interval},
		gadgets::{self, PiecewiseLinear},
		program::{Builder, Program, Step},
		synth::{field, Assignment},
	},
	compile,
	groth16::is_satisfied,
	ops::activation::{exp_table, sigmoid_f64},
	Circuit,
};

/// The lies for step `s`: each a function changing the wires the step made.
fn lies(program: &Program, values: &[i128], s: usize) -> Vec<Vec<(u32, i128)>> {
	match &program.steps[s] {
		Step::Decompose { bits, first, .. } => {
			let mut out = Vec::new();
			for i in 0..*bits {
				let w = first + i;
				out.push(vec![(w, 1 - values[w as usize])]);
				if i + 1 < *bits && values[(w + 1) as usize] == 1 {
					// Carry down: bit i + 2, bit i+1 - 1, the same sum.
					out.push(vec![(w, values[w as usize] + 2), (w + 1, 0)]);
				}
			}
			out
		},
		Step::Product { out, .. } => {
			let v = values[*out as usize];
			vec![vec![(*out, v + 1)], vec![(*out, v - 1)]]
		},
		Step::Divide { den, quotient, remainder, .. } => {
			let (q, r, d) = (values[*quotient as usize], values[*remainder as usize], den.eval(values));
			vec![
				vec![(*quotient, q + 1), (*remainder, r - d)],
				vec![(*quotient, q - 1), (*remainder, r + d)],
				vec![(*quotient, q + 1)],
			]
		},
		Step::Check { .. } => Vec::new(),
	}
}

fn assignment(program: &Program, values: &[i128]) -> Assignment<Fr> {
	Assignment {
		binding: Fr::from(1u64),
		wires: values.iter().map(|&v| field::<Fr>(v)).collect(),
		outputs: program.outputs_of(values).into_iter().map(field::<Fr>).collect(),
	}
}

/// Tries every lie at every step (or at `sample` of them) for each input;
/// returns how many lies changed the outputs (all of which must be refused).
fn no_lie_changes_the_outputs(circuit: &Circuit, inputs: &[Vec<i128>], sample: Option<usize>) -> usize {
	let program = &circuit.program;
	let mut output_changing = 0;
	for input in inputs {
		let honest = program.evaluate(input);
		let expected = program.outputs_of(&honest);
		assert!(is_satisfied(circuit, assignment(program, &honest)).unwrap(), "honest witness at {input:?}");
		let steps: Vec<usize> = match sample {
			Some(n) => (0..n).map(|k| k * program.steps.len() / n).collect(),
			None => (0..program.steps.len()).collect(),
		};
		for s in steps {
			for lie in lies(program, &honest, s) {
				let mut values = honest.clone();
				for &(w, v) in &lie {
					values[w as usize] = v;
				}
				program.evaluate_steps(&mut values, s + 1);
				if program.outputs_of(&values) == expected {
					continue;
				}
				output_changing += 1;
				assert!(
					!is_satisfied(circuit, assignment(program, &values)).unwrap(),
					"step {s} ({:?}): lie {lie:?} changes the outputs and satisfies the circuit",
					std::mem::discriminant(&program.steps[s])
				);
			}
		}
	}
	output_changing
}

/// A circuit of one gadget over `n` input wires in `range`.
fn gadget(n: usize, range: (i128, i128), f: impl Fn(&mut Builder, &[Affine]) -> Vec<Affine>) -> Circuit {
	let mut b = Builder::new(n, Interval { lo: range.0, hi: range.1 }, 8).unwrap();
	let inputs: Vec<Affine> = (0..n as u32).map(Affine::wire).collect();
	let outputs = f(&mut b, &inputs);
	Circuit {
		program: b.finish(outputs).unwrap(),
		model_hash: [0; 32],
		input_shape: vec![n],
		output_shape: vec![],
		input_scale: 8,
		output_scale: 8,
		input_range: (range.0 as i64, range.1 as i64),
		r1cs: Default::default(),
	}
}

fn check(name: &str, circuit: &Circuit, inputs: &[Vec<i128>]) {
	let changed = no_lie_changes_the_outputs(circuit, inputs, None);
	println!("{name}: {changed} output-changing lies refused");
	assert!(changed > 0, "{name}: the lies must be able to change the outputs");
}

const SAMPLES: [i128; 9] = [-3000, -1000, -129, -1, 0, 1, 200, 2047, 3000];

#[test]
fn rescale_and_relu() {
	let c = gadget(1, (-3000, 3000), |b, x| {
		vec![gadgets::rescale(b, &x[0], 4, false).unwrap(), gadgets::rescale(b, &x[0], 4, true).unwrap()]
	});
	check("rescale, ReLU", &c, &SAMPLES.map(|v| vec![v]));
}

#[test]
fn max_min_and_clip() {
	let c = gadget(2, (-3000, 3000), |b, x| {
		let m = gadgets::max(b, &x[0], &x[1]).unwrap();
		let n = gadgets::min(b, &x[0], &x[1]).unwrap();
		let low = gadgets::max(b, &x[0], &Affine::constant(0)).unwrap();
		let clip = gadgets::min(b, &low, &Affine::constant(6 * 256)).unwrap();
		vec![m, n, clip]
	});
	let inputs: Vec<Vec<i128>> = SAMPLES.iter().map(|&v| vec![v, 17 - v / 2]).collect();
	check("max, min, clip", &c, &inputs);
}

#[test]
fn piecewise_linear_clamp_and_segment_selection() {
	let sigmoid = PiecewiseLinear::new(sigmoid_f64, 5, 8, -8.0, 4);
	let exp = exp_table(8);
	let c = gadget(1, (-3000, 3000), |b, x| {
		vec![sigmoid.constrain(b, &x[0]).unwrap(), exp.constrain(b, &x[0]).unwrap()]
	});
	check("Sigmoid and exp segments", &c, &SAMPLES.map(|v| vec![v]));
}

#[test]
fn division_by_a_constant_and_by_a_computed_value() {
	let c = gadget(2, (-3000, 3000), |b, x| {
		let by_seven = gadgets::divide(b, &x[0], &Affine::constant(7)).unwrap();
		// A denominator in [1, 3001]: x1 + 3001 halved... any positive form.
		let den = x[1].offset(3001).unwrap();
		let q = gadgets::divide(b, &x[0].scaled(256).unwrap(), &den).unwrap();
		vec![by_seven, q]
	});
	let inputs: Vec<Vec<i128>> = SAMPLES.iter().map(|&v| vec![v, (v * 7) % 3000]).collect();
	check("divide", &c, &inputs);
}

#[test]
fn a_divisor_that_may_be_zero_is_refused_at_compile_time() {
	let mut b = Builder::new(1, Interval { lo: -5, hi: 5 }, 8).unwrap();
	let err = gadgets::divide(&mut b, &Affine::constant(10), &Affine::wire(0)).unwrap_err();
	assert!(err.to_string().contains("a divisor may be -5"), "{err}");
}

#[test]
fn whole_models_the_reference_mlp_and_an_exported_softmax_mlp() {
	// Every kind of step of a compiled Softmax model and of the digits MLP,
	// sampled: 100 steps each, for one input.
	for (name, bytes) in [("mlp_64_32_10", model_bytes("mlp_64_32_10")), ("torch_mlp_784", model_bytes("torch_mlp_784"))] {
		let circuit = compile(&bytes).unwrap();
		let n = circuit.program.num_inputs;
		let (lo, hi) = (circuit.input_range.0 as i128, circuit.input_range.1 as i128);
		let inputs: Vec<Vec<i128>> = (0..1).map(|k| (0..n).map(|i| lo + ((i * 31 + k * 17) as i128 % (hi - lo + 1))).collect()).collect();
		let changed = no_lie_changes_the_outputs(&circuit, &inputs, Some(100));
		println!("{name}: {changed} output-changing lies refused");
		assert!(changed > 0);
	}
}

#[test]
fn a_lying_prover_cannot_exploit_the_packing() {
	// 784 inputs in [-4, 4] at 8 bits (the default range): packed 21 per
	// public input, 12 bits each. Moving 2^12 from one pixel's lane into its
	// neighbour's keeps the packed public input the same; the range checks
	// refuse it.
	let circuit = compile(&model_bytes("torch_mlp_784")).unwrap();
	let program = &circuit.program;
	let lanes = program.input_lanes;
	assert_eq!((lanes.packed(), lanes.bits, lanes.per_element), (true, 12, 21));
	let input: Vec<i128> = (0..784).map(|i| circuit.input_range.0 as i128 + (i % 200) as i128).collect();
	let honest = program.evaluate(&input);
	let field = |v: &[i128]| v.iter().map(|&x| field::<Fr>(x)).collect::<Vec<_>>();
	let mut lie = honest.clone();
	lie[0] += 1 << lanes.bits;
	lie[1] -= 1;
	program.evaluate_steps(&mut lie, 0);
	assert_eq!(program.input_elements(&field(&lie)), program.input_elements(&field(&honest)), "same public inputs");
	assert_ne!(program.outputs_of(&lie), program.outputs_of(&honest), "different outputs");
	assert!(!is_satisfied(&circuit, assignment(program, &lie)).unwrap(), "the lie satisfies the circuit");
	assert!(is_satisfied(&circuit, assignment(program, &honest)).unwrap());
}
