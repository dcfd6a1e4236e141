//! Lying witnesses leave the constraint system unsatisfied and give no valid
//! proof; altered public values, another model's key and malformed bytes are
//! refused with named errors.

mod common;

use ark_bn254::{Bn254, Fr};
use ark_ff::One;
use common::{keyed, rng, test_set};
use daifi_zk::{
	circuit::program::Step,
	groth16::{is_satisfied, prove_assignment, witness},
	prove, to_bytes, verify, Circuit, ProvingKey, ZkError,
};
use daifi_zk_verifier::VerifyError;

fn honest(circuit: &Circuit) -> (Vec<i64>, Vec<i64>, Vec<Fr>, Vec<Fr>) {
	let (inputs, _) = test_set();
	let input = circuit.quantize_input(&inputs[3]).unwrap();
	let (output, (wires, outs)) = witness(circuit, &input).unwrap();
	(input, output, wires, outs)
}

/// The lie is caught by the constraints, and a proof made from it does not verify.
fn assert_lie_rejected(circuit: &Circuit, pk: &ProvingKey, wires: Vec<Fr>, outs: Vec<Fr>, what: &str) {
	assert!(!is_satisfied(circuit, wires.clone(), outs.clone()).unwrap(), "{what}: constraints satisfied");
	let (input, output, _, _) = honest(circuit);
	let proof = prove_assignment(circuit, pk, wires, outs, &mut rng()).unwrap();
	assert_eq!(
		verify(&pk.vk, &input, &output, &proof),
		Err(ZkError::Verify(VerifyError::InvalidProof)),
		"{what}: the cheating proof verified"
	);
}

/// The first ReLU of the circuit: `out = sign_bit · quotient`.
fn first_relu(circuit: &Circuit) -> (u32, u32) {
	circuit
		.program
		.steps
		.iter()
		.find_map(|s| match s {
			Step::Product { a, out, .. } if a.terms.len() == 1 && a.constant == 0 => Some((a.terms[0].0, *out)),
			_ => None,
		})
		.expect("the MLP has a ReLU")
}

#[test]
fn the_honest_witness_satisfies_the_circuit() {
	let (circuit, _) = keyed("mlp_64_32_10");
	let (_, _, wires, outs) = honest(&circuit);
	assert!(is_satisfied(&circuit, wires, outs).unwrap());
}

#[test]
fn a_wrong_relu_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut wires, outs) = honest(&circuit);
	let (_, relu_out) = first_relu(&circuit);
	// Claim the ReLU let through one more (or, for a negative input, a non-zero value).
	wires[relu_out as usize] += Fr::one();
	assert_lie_rejected(&circuit, &pk, wires, outs, "wrong ReLU");
}

#[test]
fn a_relu_with_a_flipped_sign_bit_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut wires, outs) = honest(&circuit);
	let (sign_bit, _) = first_relu(&circuit);
	wires[sign_bit as usize] = Fr::one() - wires[sign_bit as usize];
	assert_lie_rejected(&circuit, &pk, wires, outs, "flipped sign");
}

/// The first rescale: a decomposition with dropped low bits.
fn first_rescale(circuit: &Circuit) -> u32 {
	circuit
		.program
		.steps
		.iter()
		.find_map(|s| match s {
			Step::Decompose { first, bits, .. } if *bits > 9 => Some(*first),
			_ => None,
		})
		.expect("the MLP rescales")
}

#[test]
fn a_wrong_rescale_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut wires, outs) = honest(&circuit);
	// Quotient one higher (bit 8 is the lowest quotient bit after an 8-bit shift).
	let bit = (first_rescale(&circuit) + 8) as usize;
	wires[bit] += Fr::one();
	assert_lie_rejected(&circuit, &pk, wires, outs, "wrong rescale");
}

#[test]
fn an_out_of_range_remainder_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut wires, outs) = honest(&circuit);
	// remainder + 2^8 and quotient - 1: the same sum, but bit 7 becomes 2 or 3.
	let first = first_rescale(&circuit) as usize;
	wires[first + 7] += Fr::from(2u64);
	wires[first + 8] -= Fr::one();
	assert_lie_rejected(&circuit, &pk, wires, outs, "remainder out of range");
}

#[test]
fn a_wrong_output_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, wires, mut outs) = honest(&circuit);
	outs[0] += Fr::one();
	assert!(!is_satisfied(&circuit, wires.clone(), outs.clone()).unwrap());
	let lying_proof = prove_assignment(&circuit, &pk, wires, outs, &mut rng()).unwrap();
	let mut claimed = output.clone();
	claimed[0] += 1;
	assert_eq!(
		verify(&pk.vk, &input, &claimed, &lying_proof),
		Err(ZkError::Verify(VerifyError::InvalidProof))
	);
}

#[test]
fn altered_public_values_and_another_models_key_are_refused() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, _, _) = honest(&circuit);
	let (_, proof) = prove(&circuit, &pk, &input, &mut rng()).unwrap();
	verify(&pk.vk, &input, &output, &proof).unwrap();

	let mut altered = output.clone();
	altered[3] -= 1;
	assert_eq!(verify(&pk.vk, &input, &altered, &proof), Err(ZkError::Verify(VerifyError::InvalidProof)));
	let mut altered_input = input.clone();
	altered_input[10] += 1;
	assert_eq!(verify(&pk.vk, &altered_input, &output, &proof), Err(ZkError::Verify(VerifyError::InvalidProof)));
	assert_eq!(
		verify(&pk.vk, &input, &output[..9], &proof),
		Err(ZkError::Verify(VerifyError::WrongPublicInputCount { expected: 74, got: 73 }))
	);

	// The 64-128-10 model's key has the same public-input count but is another circuit.
	let (_, other_pk) = keyed("mlp_64_128_10");
	assert_eq!(verify(&other_pk.vk, &input, &output, &proof), Err(ZkError::Verify(VerifyError::InvalidProof)));
}

#[test]
fn malformed_keys_and_proofs_are_refused_by_name() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, _, _) = honest(&circuit);
	let (_, proof) = prove(&circuit, &pk, &input, &mut rng()).unwrap();
	let (vk, proof) = (to_bytes(&pk.vk), to_bytes(&proof));
	let check = |vk: &[u8], proof: &[u8]| daifi_zk_verifier::verify::<Bn254>(vk, &input, &output, proof);
	assert_eq!(check(&vk, &proof), Ok(()));

	assert_eq!(check(&vk[..vk.len() - 1], &proof), Err(VerifyError::MalformedVerifyingKey));
	assert_eq!(check(&[vk.clone(), vec![0]].concat(), &proof), Err(VerifyError::MalformedVerifyingKey));
	assert_eq!(check(&vk, &proof[..100]), Err(VerifyError::MalformedProof));
	assert_eq!(check(&vk, &[0xffu8; 128]), Err(VerifyError::MalformedProof));
	assert_eq!(check(&[], &proof), Err(VerifyError::MalformedVerifyingKey));
	// A byte flipped inside the proof: either not a point or a wrong proof, never accepted.
	for i in [0usize, 40, 70, 127] {
		let mut bad = proof.clone();
		bad[i] ^= 0x5a;
		assert!(check(&vk, &bad).is_err(), "flipped byte {i} accepted");
	}
}
