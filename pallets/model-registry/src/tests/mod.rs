//! Registering, retiring, and verifying proofs against registered keys; the
//! phase-1 ceremony in [`ceremony`].

mod ceremony;

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;
use rand::{rngs::StdRng, SeedableRng};
use sp_core::H256;
use std::sync::OnceLock;

fn mlp() -> &'static Reference {
	static MLP: OnceLock<Reference> = OnceLock::new();
	MLP.get_or_init(|| Reference::load("mlp_64_32_10", 1))
}

fn register(model: Model<u64, u128>) -> sp_runtime::DispatchResult {
	register_as(mlp().hash, model)
}

fn register_as(hash: ModelHash, model: Model<u64, u128>) -> sp_runtime::DispatchResult {
	ModelRegistry::register_model(RuntimeOrigin::root(), hash, Box::new(model))
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
		// The key is also stored checked: prepared, uncompressed.
		let key = daifi_zk_verifier::decode_verifying_key::<daifi_bn254_host::Bn254>(&mlp().model(5, 1).verifying_key)
			.unwrap();
		let checked = CheckedKeys::<Test>::get(mlp().hash).expect("stored with the model");
		assert_eq!(checked.to_vec(), daifi_zk_verifier::encode_checked_key(&ark_groth16::prepare_verifying_key(&key)));
		assert!(checked.len() > 2 * mlp().model(5, 1).verifying_key.len());
	});
}

/// A point on the G2 curve outside the prime-order subgroup.
fn g2_outside_the_subgroup() -> ark_bn254::G2Affine {
	use ark_ff::UniformRand;
	let rng = &mut ark_std::test_rng();
	loop {
		if let Some(p) = ark_bn254::G2Affine::get_point_from_x_unchecked(ark_bn254::Fq2::rand(rng), true) {
			if !p.is_in_correct_subgroup_assuming_on_curve() {
				return p;
			}
		}
	}
}

fn compressed<T: ark_serialize::CanonicalSerialize>(value: &T) -> Vec<u8> {
	let mut bytes = Vec::new();
	value.serialize_compressed(&mut bytes).unwrap();
	bytes
}

/// A key whose `beta` point is outside the G2 subgroup.
fn key_with_point_outside_the_subgroup() -> Vec<u8> {
	use ark_serialize::CanonicalDeserialize;
	let mut vk =
		ark_groth16::VerifyingKey::<ark_bn254::Bn254>::deserialize_compressed(&mlp().model(5, 1).verifying_key[..])
			.unwrap();
	vk.beta_g2 = g2_outside_the_subgroup();
	compressed(&vk)
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
		let mut outside_subgroup = mlp().model(5, 1);
		outside_subgroup.verifying_key = key_with_point_outside_the_subgroup().try_into().unwrap();
		assert_noop!(register(outside_subgroup), Error::<Test>::MalformedVerifyingKey);
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

/// A 28x28 model: 784 inputs packed into 48 public inputs, so its key fits
/// the registry; its proofs verify with the input packed by the runtime, and
/// a record whose input range would pack differently is refused.
#[test]
fn a_28x28_model_registers_with_packed_inputs_and_verifies() {
	let mnist = Reference::load("torch_mlp_784", 9);
	new_test_ext().execute_with(|| {
		let record = mnist.model(5, 1);
		let layout = record.layout();
		assert!(layout.input.packed() && !layout.output.packed());
		assert_eq!(layout.public_inputs(784, 10), 1 + 38 + 10);
		let mut wider = record.clone();
		wider.input_max += 4096;
		assert_noop!(register_as(mnist.hash, wider), Error::<Test>::ShapeMismatch);
		assert_ok!(register_as(mnist.hash, record));
		let verify = |input: &[i64], output: &[i64], proof: &[u8]| {
			<ModelRegistry as ModelCatalog<u64, u128>>::verify(&mnist.hash, &BINDING, input, output, proof)
		};
		let (input, output, proof) = mnist.proven(1);
		assert_eq!(verify(&input, &output, &proof), Ok(()));
		let mut other = input.clone();
		other[400] = if other[400] == mnist.circuit.input_range.0 { other[400] + 1 } else { other[400] - 1 };
		assert_eq!(verify(&other, &output, &proof), Err(VerificationError::InvalidProof));
		let mut altered = output.clone();
		altered[9] += 1;
		assert_eq!(verify(&input, &altered, &proof), Err(VerificationError::InvalidProof));
		assert_eq!(
			<ModelRegistry as ModelCatalog<u64, u128>>::model(&mnist.hash).unwrap().public_inputs,
			49,
			"the weight of a verification counts public inputs, not values"
		);
	});
}

#[test]
fn proofs_verify_against_the_registered_key_and_nothing_else() {
	new_test_ext().execute_with(|| {
		let verify = |input: &[i64], output: &[i64], proof: &[u8]| {
			<ModelRegistry as ModelCatalog<u64, u128>>::verify(&mlp().hash, &BINDING, input, output, proof)
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
		// A proof whose B is outside the G2 subgroup (the host function's check).
		use ark_serialize::CanonicalDeserialize;
		let mut outside = ark_groth16::Proof::<ark_bn254::Bn254>::deserialize_compressed(&proof[..]).unwrap();
		outside.b = g2_outside_the_subgroup();
		assert_eq!(verify(&input, &output, &compressed(&outside)), Err(VerificationError::MalformedProof));

		// A proof made with another setup's key (a forger's) does not verify.
		let forger = Reference::load("mlp_64_32_10", 2);
		let (input, output, forged) = forger.proven(1);
		assert_eq!(verify(&input, &output, &forged), Err(VerificationError::InvalidProof));

		// A proof made for another task (or another provider) does not verify for this one.
		let (input, output, proof) = mlp().proven(1);
		let other_task = [0x43; 32];
		assert_eq!(
			<ModelRegistry as ModelCatalog<u64, u128>>::verify(&mlp().hash, &other_task, &input, &output, &proof),
			Err(VerificationError::InvalidProof)
		);
	});
}

#[test]
fn the_committed_fixture_is_a_valid_proof_of_the_reference_model() {
	let fixture = crate::fixtures::mlp_64_32_10();
	let vk = daifi_zk_verifier::decode_verifying_key::<ark_bn254::Bn254>(fixture.verifying_key)
		.expect("a valid key");
	assert_eq!(daifi_zk_verifier::public_input_count(&vk), 75);
	assert_eq!(daifi_zk_verifier::public_input_count(&vk) as u32, crate::fixtures::MLP_64_32_10_PUBLIC_INPUTS);
	assert_eq!(fixture.binding, crate::fixtures::fixture_binding(), "the documented binding");
	assert_eq!(
		daifi_zk_verifier::verify::<ark_bn254::Bn254>(
			fixture.verifying_key,
			&fixture.binding,
			&fixture.input,
			&fixture.output,
			&crate::fixtures::mlp_64_32_10_layout(),
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

fn dev_ceremony_file(name: &str) -> Vec<u8> {
	let root = std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo");
	std::fs::read(format!("{root}/../../chain-spec/dev-ceremony/{name}")).expect("committed by scripts/dev-ceremony.sh")
}

/// The development chain's key (the fixture) is the one its ceremony made:
/// derived from the recorded phase 1, then exactly the recorded transcript.
#[test]
fn the_development_key_traces_to_the_development_ceremony() {
	use daifi_zk::ceremony::{file_hash, phase1::Phase1File, trace};
	let phase1 = dev_ceremony_file("phase1.bin");
	let transcript = dev_ceremony_file("mlp_64_32_10.transcript");
	let pk: daifi_zk::ProvingKey = daifi_zk::from_bytes(&dev_ceremony_file("mlp_64_32_10.pk")).unwrap();
	assert_eq!(H256(file_hash(&phase1)), crate::fixtures::dev_phase1_hash(), "the genesis names this phase 1");
	let model = crate::fixtures::mlp_64_32_10_model(1u64, 1u128);
	assert_eq!(H256(file_hash(&transcript)), model.transcript, "the genesis names this transcript");
	assert_eq!(daifi_zk::to_bytes(&pk.vk), model.verifying_key.to_vec(), "the genesis whitelists this key");
	let phase1 = Phase1File::from_bytes(&phase1).unwrap();
	let record = crate::fixtures::dev_phase1_result([1u64, 2, 3]);
	assert_eq!((record.power, record.beacon.0), (phase1.accumulator.power, phase1.beacon.as_ref().unwrap().value));
	let transcript = daifi_zk::from_bytes(&transcript).unwrap();
	trace(&mlp().circuit, &phase1, &transcript, &pk, &mut StdRng::seed_from_u64(1), daifi_zk::progress::Reporter::Silent)
		.expect("the development key traces to its ceremony");
}

/// Writes `src/fixtures/mlp_64_32_10.{proof,io,hash,binding}`: a proof with
/// the development ceremony's proving key (`scripts/dev-ceremony.sh` wrote the
/// verifying key), bound to [`crate::fixtures::fixture_binding`].
#[test]
#[ignore]
fn write_fixtures() {
	let pk: daifi_zk::ProvingKey = daifi_zk::from_bytes(&dev_ceremony_file("mlp_64_32_10.pk")).unwrap();
	let input: Vec<i64> = (0..64).map(|i| (i * 37 + 33) % 257).collect();
	let binding = crate::fixtures::fixture_binding();
	let (output, proof) =
		daifi_zk::prove(&mlp().circuit, &pk, &binding, &input, &mut StdRng::seed_from_u64(7)).unwrap();
	let dir = format!("{}/src/fixtures", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
	std::fs::write(format!("{dir}/mlp_64_32_10.binding"), binding).unwrap();
	std::fs::write(format!("{dir}/mlp_64_32_10.proof"), daifi_zk::to_bytes(&proof)).unwrap();
	let io: Vec<u8> = input.iter().chain(&output).flat_map(|v| v.to_le_bytes()).collect();
	std::fs::write(format!("{dir}/mlp_64_32_10.io"), io).unwrap();
	std::fs::write(format!("{dir}/mlp_64_32_10.hash"), mlp().hash.as_bytes()).unwrap();
}

/// The benchmarks' synthetic proof verifies for its own binding, input and
/// output only: the benchmark measures a real, successful verification.
#[test]
fn the_synthetic_proof_verifies_for_its_statement_only() {
	let key = crate::fixtures::synthetic_key(1 + 3 + 2);
	let (binding, input, output) = ([7u8; 32], [1i64, -2, 300], [5i64, 6]);
	let layout = daifi_zk_verifier::Layout::of(3, -2, 300, 2, 8);
	let proof = crate::fixtures::synthetic_proof_for(&binding, &input, &output, &layout);
	let verify = |binding: &[u8; 32], output: &[i64]| {
		daifi_zk_verifier::verify::<ark_bn254::Bn254>(&key, binding, &input, output, &layout, &proof)
	};
	assert_eq!(verify(&binding, &output), Ok(()));
	assert!(verify(&[8u8; 32], &output).is_err());
	assert!(verify(&binding, &[5, 7]).is_err());
}

#[test]
fn proofs_verify_together_and_one_bad_proof_fails_the_batch() {
	new_test_ext().execute_with(|| {
		let claim = |i: i64| {
			let (input, output, proof) = mlp().proven(i);
			crate::ProofClaim { binding: BINDING, input, output, proof }
		};
		let mut claims: Vec<_> = (1..=3).map(claim).collect();
		assert_eq!(ModelRegistry::verify_batch(&mlp().hash, &claims), Err(VerificationError::UnknownModel));
		assert_ok!(register(mlp().model(5, 1)));
		assert_eq!(ModelRegistry::verify_batch(&mlp().hash, &claims), Ok(()));
		assert_eq!(ModelRegistry::verify_batch(&mlp().hash, &[]), Ok(()));
		// One altered output among three.
		claims[1].output[3] += 1;
		assert_eq!(ModelRegistry::verify_batch(&mlp().hash, &claims), Err(VerificationError::InvalidProof));
		claims[1] = claim(2);
		claims[2].proof.truncate(10);
		assert_eq!(ModelRegistry::verify_batch(&mlp().hash, &claims), Err(VerificationError::MalformedProof));
		claims[2] = claim(3);
		claims[0].output.pop();
		assert_eq!(ModelRegistry::verify_batch(&mlp().hash, &claims), Err(VerificationError::WrongShape));
	});
}

#[test]
fn batch_weights_depend_on_every_part_of_every_claim() {
	// A prover who could fix the weights and then choose outputs could make
	// small output shifts cancel in the batch's weighted sums: every weight
	// must change with any claim's binding, input, output or proof.
	let claims: Vec<_> = (1..=3)
		.map(|i| crate::ProofClaim { binding: [i; 32], input: vec![i as i64; 4], output: vec![2; 2], proof: vec![i; 8] })
		.collect();
	let weights = crate::batch_weights(&mlp().hash, &claims);
	assert_eq!(weights.len(), 3);
	assert!(weights[0] != weights[1] && weights[1] != weights[2]);
	let changes: [fn(&mut crate::ProofClaim); 4] = [
		|c| c.binding[0] ^= 1,
		|c| c.input[0] += 1,
		|c| c.output[1] -= 1,
		|c| c.proof[7] ^= 1,
	];
	for change in changes {
		let mut changed = claims.clone();
		change(&mut changed[2]);
		let reweighted = crate::batch_weights(&mlp().hash, &changed);
		assert!(weights.iter().zip(&reweighted).all(|(a, b)| a != b), "every weight changes");
	}
	assert_ne!(crate::batch_weights(&H256::repeat_byte(9), &claims), weights, "and with the model");
}
