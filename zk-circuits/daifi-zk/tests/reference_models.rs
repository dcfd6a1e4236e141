//! The reference models compile, prove and verify; the circuit's de-quantized
//! output agrees with tract's float output on the test set.

mod common;

use common::{argmax, keyed, model_bytes, rng, test_set, BINDING};
use daifi_zk::{compile, from_bytes, onnx::FloatModel, prove, to_bytes, verify, Proof, VerifyingKey};

const MODELS: [&str; 3] = ["mlp_64_32_10", "mlp_64_128_10", "cnn_digits"];

/// Largest allowed |circuit output - tract output| on a logit. The error
/// comes from rounding weights and activations to 2^-8 and flooring each
/// rescale: measured at most 0.07 on the test images of the three models.
const MAX_ABS_ERROR: f64 = 0.1;

#[test]
fn circuit_agrees_with_tract_on_the_test_set() {
	let (inputs, labels) = test_set();
	assert!(inputs.len() >= 300, "a real test set");
	for name in MODELS {
		let bytes = model_bytes(name);
		let circuit = compile(&bytes).expect("compiles");
		let float = FloatModel::load(&bytes, &circuit.input_shape).expect("tract loads");
		let (mut same_argmax, mut float_right, mut circuit_right, mut worst) = (0, 0, 0, 0f64);
		for (x, &label) in inputs.iter().zip(&labels) {
			let expected = float.run(x).expect("tract runs");
			let (q_out, _) = circuit.evaluate(&circuit.quantize_input(x).unwrap()).unwrap();
			let got = circuit.dequantize_output(&q_out);
			for (a, b) in got.iter().zip(&expected) {
				worst = worst.max((a - *b as f64).abs());
			}
			same_argmax += usize::from(argmax(&got) == argmax(&expected));
			float_right += usize::from(argmax(&expected) == label);
			circuit_right += usize::from(argmax(&got) == label);
		}
		let n = inputs.len() as f64;
		println!(
			"{name}: {} constraints; argmax agreement {:.4}; float accuracy {:.4}; quantized accuracy {:.4}; max |error| {worst:.4}",
			circuit.num_constraints(),
			same_argmax as f64 / n,
			float_right as f64 / n,
			circuit_right as f64 / n,
		);
		assert!(same_argmax as f64 >= 0.99 * n, "{name}: argmax agreement {same_argmax}/{n}");
		assert!(worst <= MAX_ABS_ERROR, "{name}: max abs error {worst}");
	}
}

#[test]
fn reference_models_prove_and_verify_through_bytes() {
	let (inputs, _) = test_set();
	for name in MODELS {
		let (circuit, pk) = keyed(name);
		let input = circuit.quantize_input(&inputs[0]).unwrap();
		let (output, proof) = prove(&circuit, &pk, &BINDING, &input, &mut rng()).expect("proves");
		assert_eq!(output, circuit.evaluate(&input).unwrap().0);

		// Through the canonical encodings, as the chain stores and carries them.
		let (vk_bytes, proof_bytes) = (to_bytes(&pk.vk), to_bytes(&proof));
		assert_eq!(proof_bytes.len(), 128, "compressed proof: 2 G1 + 1 G2 points");
		let vk: VerifyingKey = from_bytes(&vk_bytes).unwrap();
		let proof: Proof = from_bytes(&proof_bytes).unwrap();
		verify(&vk, &circuit.layout(), &BINDING, &input, &output, &proof).expect("verifies");
		daifi_zk_verifier::verify::<ark_bn254::Bn254>(&vk_bytes, &BINDING, &input, &output, &circuit.layout(), &proof_bytes)
			.expect("the no_std verifier agrees");
	}
}

/// A model no one trained, using the operators the digits models do not:
/// strided Conv, MaxPool, Tanh, Reshape, MatMul, broadcast Add, Sigmoid, Sub,
/// Gemm with transB and alpha. Its circuit matches tract within the stated
/// error of the piecewise-linear activations plus rounding.
#[test]
fn a_model_with_every_other_operator_matches_tract_and_proves() {
	let bytes = model_bytes("ops_zoo");
	let circuit = compile(&bytes).expect("compiles");
	let float = FloatModel::load(&bytes, &circuit.input_shape).expect("tract loads");
	let (inputs, _) = test_set();
	let mut worst = 0f64;
	for x in &inputs {
		let expected = float.run(x).unwrap();
		let (q, _) = circuit.evaluate(&circuit.quantize_input(x).unwrap()).unwrap();
		for (a, b) in circuit.dequantize_output(&q).iter().zip(&expected) {
			worst = worst.max((a - *b as f64).abs());
		}
	}
	println!("ops_zoo: {} constraints; max |error| {worst:.4}", circuit.num_constraints());
	assert!(worst <= 0.05, "ops_zoo max abs error {worst}");

	let pk = daifi_zk::setup(&circuit, &mut rng()).unwrap();
	let input = circuit.quantize_input(&inputs[5]).unwrap();
	let (output, proof) = prove(&circuit, &pk, &BINDING, &input, &mut rng()).unwrap();
	verify(&pk.vk, &circuit.layout(), &BINDING, &input, &output, &proof).expect("verifies");
}
