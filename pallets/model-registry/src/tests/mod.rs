//! Registering, retiring, and verifying proofs against registered keys.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;
use std::sync::OnceLock;

fn mlp() -> &'static Reference {
	static MLP: OnceLock<Reference> = OnceLock::new();
	MLP.get_or_init(|| Reference::load("mlp_64_32_10", 1))
}

fn register(model: Model<u64, u128>) -> sp_runtime::DispatchResult {
	ModelRegistry::register_model(RuntimeOrigin::root(), mlp().hash, Box::new(model))
}

#[test]
fn root_registers_a_model_with_its_key() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(mlp().model(5, 1_000)));
		assert_eq!(Models::<Test>::get(mlp().hash), Some(mlp().model(5, 1_000)));
		System::assert_last_event(
			Event::ModelRegistered { model: mlp().hash, developer: 5, price: 1_000 }.into(),
		);
		let view = <ModelRegistry as ModelCatalog<_, _>>::model(&mlp().hash).unwrap();
		assert_eq!((view.input_len, view.output_len, view.developer, view.retired), (64, 10, 5, false));
	});
}

#[test]
fn registration_refuses_bad_models() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ModelRegistry::register_model(
				RuntimeOrigin::signed(1),
				mlp().hash,
				Box::new(mlp().model(5, 1))
			),
			DispatchError::BadOrigin
		);
		let mut bad_key = mlp().model(5, 1);
		bad_key.verifying_key[40] ^= 0xff;
		assert_noop!(register(bad_key), Error::<Test>::MalformedVerifyingKey);
		let mut truncated = mlp().model(5, 1);
		truncated.verifying_key.truncate(100);
		assert_noop!(register(truncated), Error::<Test>::MalformedVerifyingKey);
		let mut wrong_shape = mlp().model(5, 1);
		wrong_shape.output_shape = vec![1, 11].try_into().unwrap();
		assert_noop!(register(wrong_shape), Error::<Test>::ShapeMismatch);
		let mut zero_dim = mlp().model(5, 1);
		zero_dim.input_shape = vec![0, 64].try_into().unwrap();
		assert_noop!(register(zero_dim), Error::<Test>::InvalidShape);
		let mut empty = mlp().model(5, 1);
		empty.input_shape = Default::default();
		assert_noop!(register(empty), Error::<Test>::InvalidShape);
		let mut no_flops = mlp().model(5, 1);
		no_flops.flops = 0;
		assert_noop!(register(no_flops), Error::<Test>::InvalidModel);

		assert_ok!(register(mlp().model(5, 1)));
		assert_noop!(register(mlp().model(6, 2)), Error::<Test>::ModelExists);
	});
}

#[test]
fn retiring_keeps_the_model_readable() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ModelRegistry::retire_model(RuntimeOrigin::root(), mlp().hash),
			Error::<Test>::UnknownModel
		);
		assert_ok!(register(mlp().model(5, 1)));
		assert_noop!(
			ModelRegistry::retire_model(RuntimeOrigin::signed(5), mlp().hash),
			DispatchError::BadOrigin
		);
		assert_ok!(ModelRegistry::retire_model(RuntimeOrigin::root(), mlp().hash));
		System::assert_last_event(Event::ModelRetired { model: mlp().hash }.into());
		assert!(<ModelRegistry as ModelCatalog<_, _>>::model(&mlp().hash).unwrap().retired);
		assert_noop!(
			ModelRegistry::retire_model(RuntimeOrigin::root(), mlp().hash),
			Error::<Test>::AlreadyRetired
		);
	});
}

#[test]
fn proofs_verify_against_the_registered_key_and_nothing_else() {
	new_test_ext().execute_with(|| {
		let verify = |input: &[i64], output: &[i64], proof: &[u8]| {
			<ModelRegistry as ModelCatalog<u64, u128>>::verify(&mlp().hash, input, output, proof)
		};
		let (input, output, proof) = mlp().proven(1);
		assert_eq!(verify(&input, &output, &proof), Err(VerificationError::UnknownModel));
		assert_ok!(register(mlp().model(5, 1)));
		assert_eq!(verify(&input, &output, &proof), Ok(()));

		let mut altered = output.clone();
		altered[3] += 1;
		assert_eq!(verify(&input, &altered, &proof), Err(VerificationError::InvalidProof));
		let (other_input, _, other_proof) = mlp().proven(2);
		assert_eq!(verify(&other_input, &output, &proof), Err(VerificationError::InvalidProof));
		assert_eq!(verify(&input, &output, &other_proof), Err(VerificationError::InvalidProof));
		assert_eq!(verify(&input, &output[..9], &proof), Err(VerificationError::WrongShape));
		assert_eq!(verify(&input, &output, &proof[..64]), Err(VerificationError::MalformedProof));

		// A proof made with another setup's key (a forger's) does not verify.
		let forger = Reference::load("mlp_64_32_10", 2);
		let (input, output, forged) = forger.proven(1);
		assert_eq!(verify(&input, &output, &forged), Err(VerificationError::InvalidProof));
	});
}

#[test]
fn the_committed_fixture_is_a_valid_proof_of_the_reference_model() {
	let fixture = crate::fixtures::mlp_64_32_10();
	let vk = daifi_zk_verifier::decode_verifying_key::<ark_bn254::Bn254>(fixture.verifying_key)
		.expect("a valid key");
	assert_eq!(daifi_zk_verifier::public_input_count(&vk), 74);
	assert_eq!(
		daifi_zk_verifier::verify::<ark_bn254::Bn254>(
			fixture.verifying_key,
			&fixture.input,
			&fixture.output,
			fixture.proof
		),
		Ok(())
	);
	assert_eq!(fixture.model_hash, mlp().hash, "the fixture names the committed model");
	let model = crate::fixtures::mlp_64_32_10_model(1u64, 1u128);
	assert_eq!(
		(model.input_frac_bits as u32, model.output_frac_bits as u32),
		(mlp().circuit.input_scale, mlp().circuit.output_scale),
		"the fixture's record states the circuit's scales"
	);
	// The output is the circuit's output for that input.
	let (output, _) = mlp().circuit.evaluate(&fixture.input).unwrap();
	assert_eq!(output, fixture.output);
}

/// Writes `src/fixtures/mlp_64_32_10.{vk,proof,io}` from a fresh setup.
#[test]
#[ignore]
fn write_fixtures() {
	let (input, output, proof) = mlp().proven(3);
	let dir = format!("{}/src/fixtures", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
	std::fs::write(format!("{dir}/mlp_64_32_10.vk"), daifi_zk::to_bytes(&mlp().pk.vk)).unwrap();
	std::fs::write(format!("{dir}/mlp_64_32_10.proof"), proof).unwrap();
	let io: Vec<u8> = input.iter().chain(&output).flat_map(|v| v.to_le_bytes()).collect();
	std::fs::write(format!("{dir}/mlp_64_32_10.io"), io).unwrap();
	std::fs::write(format!("{dir}/mlp_64_32_10.hash"), mlp().hash.as_bytes()).unwrap();
}
