//! Models as developers export them (PyTorch's two exporters, TensorFlow
//! through tf2onnx; `scripts/make_exported_models.py`) compile unchanged,
//! agree with onnxruntime's float outputs within stated bounds, and prove.

mod common;

use common::{argmax, model_bytes, models_dir, rng, BINDING};
use daifi_zk::{calibrate::{calibrate, with_frac_bits}, compile, prove, setup, verify, Circuit};
struct TestSet {
	images: Vec<Vec<f32>>,
	labels: Vec<usize>,
	json: serde_json::Value,
}

fn test_set() -> TestSet {
	let text = std::fs::read_to_string(models_dir().join("mnist_like_test.json")).expect("test set");
	let json: serde_json::Value = serde_json::from_str(&text).expect("json");
	let images = json["images"]
		.as_array()
		.unwrap()
		.iter()
		.map(|hex| {
			let hex = hex.as_str().unwrap().as_bytes();
			hex.chunks(2)
				.map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap() as f32 / 255.0)
				.collect()
		})
		.collect();
	let labels = json["labels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
	TestSet { images, labels, json }
}

/// Runs the circuit on every test image against onnxruntime's outputs:
/// the largest absolute difference, argmax agreement and both accuracies.
fn compare(name: &str, circuit: &Circuit, set: &TestSet) -> (f64, f64, f64, f64) {
	let reference = set.json["outputs"][name].as_array().expect("reference outputs");
	let (mut max_error, mut agree, mut ours_right, mut theirs_right) = (0f64, 0, 0, 0);
	for ((image, label), expected) in set.images.iter().zip(&set.labels).zip(reference) {
		let expected: Vec<f64> = expected.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
		let input = circuit.quantize_input(image).expect("in range");
		let (output, _) = circuit.evaluate(&input).expect("evaluates");
		let real = circuit.dequantize_output(&output);
		assert_eq!(real.len(), expected.len(), "{name}: output length");
		for (a, b) in real.iter().zip(&expected) {
			max_error = max_error.max((a - b).abs());
		}
		agree += (argmax(&real) == argmax(&expected)) as usize;
		ours_right += (argmax(&real) == *label) as usize;
		theirs_right += (argmax(&expected) == *label) as usize;
	}
	let n = set.images.len() as f64;
	let result = (max_error, agree as f64 / n, ours_right as f64 / n, theirs_right as f64 / n);
	println!(
		"{name}: {} constraints, max |circuit - onnxruntime| {:.4}, argmax agreement {:.0}%, accuracy {:.0}% (float {:.0}%)",
		circuit.num_constraints(),
		result.0,
		result.1 * 100.0,
		result.2 * 100.0,
		result.3 * 100.0
	);
	result
}

fn proves_one(circuit: &Circuit, image: &[f32]) {
	let pk = setup(circuit, &mut rng()).expect("setup");
	let input = circuit.quantize_input(image).unwrap();
	let (output, proof) = prove(circuit, &pk, &BINDING, &input, &mut rng()).expect("proves");
	verify(&pk.vk, &circuit.layout(), &BINDING, &input, &output, &proof).expect("verifies");
}

#[test]
fn a_pytorch_mlp_with_a_final_softmax_compiles_as_exported() {
	// Opset 17, raw_data initializers, no DAiFi metadata: default range and fixed point.
	let circuit = compile(&model_bytes("torch_mlp_784")).expect("compiles unchanged");
	assert_eq!(circuit.input_shape, vec![1, 1, 28, 28]);
	let set = test_set();
	let (error, agreement, accuracy, float) = compare("torch_mlp_784", &circuit, &set);
	assert!(error < 0.03, "probabilities within 0.03 of onnxruntime at 8 bits, got {error}");
	assert!(agreement >= 0.98 && accuracy >= float - 0.02, "agreement {agreement}, accuracy {accuracy} vs {float}");
	proves_one(&circuit, &set.images[0]);
}

#[test]
fn calibration_chooses_the_fixed_point_that_meets_the_bound() {
	let set = test_set();
	let calibration = calibrate(&model_bytes("torch_mlp_784"), &set.images[..20], 0.005).expect("calibrates");
	println!("calibrated: {} bits, error {:.4}, {} constraints", calibration.frac_bits, calibration.max_error, calibration.constraints);
	assert!(calibration.frac_bits > 8, "8 bits are not enough for 0.005");
	let circuit = compile(&calibration.model).unwrap();
	assert_eq!(circuit.input_scale, calibration.frac_bits, "the choice is in the file");
	let (error, agreement, _, _) = compare("torch_mlp_784", &circuit, &set);
	assert!(error < 0.006 && agreement == 1.0, "error {error} against onnxruntime on all 100 images");
	// One fractional bit fewer misses the bound on the same images.
	let coarser = with_frac_bits(&model_bytes("torch_mlp_784"), calibration.frac_bits - 1).unwrap();
	assert!(daifi_zk::calibrate::max_error(&coarser, &set.images[..20]).unwrap().0 > 0.005);
}

#[test]
fn a_lenet_from_the_dynamo_exporter_compiles() {
	// Opset 18: Conv with folded BatchNorm, Clip (ReLU6), MaxPool, LeakyRelu,
	// AveragePool 3x3 with padding counted, Reshape, Gemm, LogSoftmax.
	let circuit = compile(&model_bytes("torch_lenet")).expect("compiles unchanged");
	let set = test_set();
	let (error, agreement, accuracy, float) = compare("torch_lenet", &circuit, &set);
	assert!(error < 0.25, "log-probabilities within 0.25 of onnxruntime at 8 bits, got {error}");
	assert!(agreement >= 0.98 && accuracy >= float - 0.02, "agreement {agreement}, accuracy {accuracy} vs {float}");
	proves_one(&circuit, &set.images[0]);
}

#[test]
fn a_channels_last_tensorflow_cnn_compiles() {
	// tf2onnx, opset 15: Reshape to channels-first, Conv, MaxPool, Transpose
	// back to channels-last before Flatten, Gemm, Softmax.
	let circuit = compile(&model_bytes("tf_cnn_28")).expect("compiles unchanged");
	assert_eq!(circuit.input_shape, vec![1, 28, 28, 1]);
	let set = test_set();
	let (error, agreement, accuracy, float) = compare("tf_cnn_28", &circuit, &set);
	assert!(error < 0.03, "probabilities within 0.03 of onnxruntime at 8 bits, got {error}");
	assert!(agreement >= 0.98 && accuracy >= float - 0.02, "agreement {agreement}, accuracy {accuracy} vs {float}");
	proves_one(&circuit, &set.images[0]);
}
