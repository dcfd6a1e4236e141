//! Lying witnesses leave the constraint system unsatisfied and give no valid
//! proof; altered public values, another model's key and malformed bytes are
//! refused with named errors.

mod common;

use ark_bn254::{Bn254, Fr};
use ark_ec::AffineRepr;
use ark_ff::One;
use common::{keyed, rng, test_set, BINDING};
use daifi_zk::{
	circuit::program::Step,
	circuit::synth::Assignment,
	groth16::{is_satisfied, prove_assignment, witness},
	prove, to_bytes, verify, Circuit, ProvingKey, ZkError,
};
use daifi_zk_verifier::VerifyError;

fn honest(circuit: &Circuit) -> (Vec<i64>, Vec<i64>, Assignment<Fr>) {
	let (inputs, _) = test_set();
	let input = circuit.quantize_input(&inputs[3]).unwrap();
	let (output, assignment) = witness(circuit, &BINDING, &input).unwrap();
	(input, output, assignment)
}

/// The lie is caught by the constraints, and a proof made from it does not verify.
fn assert_lie_rejected(circuit: &Circuit, pk: &ProvingKey, lie: Assignment<Fr>, what: &str) {
	assert!(!is_satisfied(circuit, lie.clone()).unwrap(), "{what}: constraints satisfied");
	let (input, output, _) = honest(circuit);
	let proof = prove_assignment(circuit, pk, lie, &mut rng()).unwrap();
	assert_eq!(
		verify(&pk.vk, &circuit.layout(), &BINDING, &input, &output, &proof),
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
	let (_, _, assignment) = honest(&circuit);
	assert!(is_satisfied(&circuit, assignment.clone()).unwrap());
	// The binding is not constrained: any binding satisfies the circuit.
	assert!(is_satisfied(&circuit, Assignment { binding: Fr::from(99u64), ..assignment }).unwrap());
}

#[test]
fn a_wrong_relu_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut lie) = honest(&circuit);
	let (_, relu_out) = first_relu(&circuit);
	// Claim the ReLU let through one more (or, for a negative input, a non-zero value).
	lie.wires[relu_out as usize] += Fr::one();
	assert_lie_rejected(&circuit, &pk, lie, "wrong ReLU");
}

#[test]
fn a_relu_with_a_flipped_sign_bit_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut lie) = honest(&circuit);
	let (sign_bit, _) = first_relu(&circuit);
	lie.wires[sign_bit as usize] = Fr::one() - lie.wires[sign_bit as usize];
	assert_lie_rejected(&circuit, &pk, lie, "flipped sign");
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
	let (_, _, mut lie) = honest(&circuit);
	// Quotient one higher (bit 8 is the lowest quotient bit after an 8-bit shift).
	let bit = (first_rescale(&circuit) + 8) as usize;
	lie.wires[bit] += Fr::one();
	assert_lie_rejected(&circuit, &pk, lie, "wrong rescale");
}

#[test]
fn an_out_of_range_remainder_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (_, _, mut lie) = honest(&circuit);
	// remainder + 2^8 and quotient - 1: the same sum, but bit 7 becomes 2 or 3.
	let first = first_rescale(&circuit) as usize;
	lie.wires[first + 7] += Fr::from(2u64);
	lie.wires[first + 8] -= Fr::one();
	assert_lie_rejected(&circuit, &pk, lie, "remainder out of range");
}

#[test]
fn a_wrong_output_is_rejected() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, mut lie) = honest(&circuit);
	lie.outputs[0] += Fr::one();
	assert!(!is_satisfied(&circuit, lie.clone()).unwrap());
	let lying_proof = prove_assignment(&circuit, &pk, lie, &mut rng()).unwrap();
	let mut claimed = output.clone();
	claimed[0] += 1;
	assert_eq!(
		verify(&pk.vk, &circuit.layout(), &BINDING, &input, &claimed, &lying_proof),
		Err(ZkError::Verify(VerifyError::InvalidProof))
	);
}

#[test]
fn altered_public_values_and_another_models_key_are_refused() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, _) = honest(&circuit);
	let (_, proof) = prove(&circuit, &pk, &BINDING, &input, &mut rng()).unwrap();
	verify(&pk.vk, &circuit.layout(), &BINDING, &input, &output, &proof).unwrap();

	let mut altered = output.clone();
	altered[3] -= 1;
	assert_eq!(verify(&pk.vk, &circuit.layout(), &BINDING, &input, &altered, &proof), Err(ZkError::Verify(VerifyError::InvalidProof)));
	let mut altered_input = input.clone();
	altered_input[10] += 1;
	assert_eq!(verify(&pk.vk, &circuit.layout(), &BINDING, &altered_input, &output, &proof), Err(ZkError::Verify(VerifyError::InvalidProof)));
	assert_eq!(
		verify(&pk.vk, &circuit.layout(), &BINDING, &input, &output[..9], &proof),
		Err(ZkError::Verify(VerifyError::WrongPublicInputCount { expected: 75, got: 74 }))
	);

	// The 64-128-10 model's key has the same public-input count but is another circuit.
	let (_, other_pk) = keyed("mlp_64_128_10");
	assert_eq!(verify(&other_pk.vk, &circuit.layout(), &BINDING, &input, &output, &proof), Err(ZkError::Verify(VerifyError::InvalidProof)));
}

#[test]
fn malformed_keys_and_proofs_are_refused_by_name() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, _) = honest(&circuit);
	let (_, proof) = prove(&circuit, &pk, &BINDING, &input, &mut rng()).unwrap();
	let (vk, proof) = (to_bytes(&pk.vk), to_bytes(&proof));
	let check = |vk: &[u8], proof: &[u8]| daifi_zk_verifier::verify::<Bn254>(vk, &BINDING, &input, &output, &circuit.layout(), proof);
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

/// A proof is bound to the binding it was made with: the same model, key,
/// input and output with any other binding do not verify, so a proof cannot
/// be replayed for another task or submitted by another provider. This holds
/// because the binding's verifying-key point is a point of its own (the
/// libsnark reduction's extra row), checked here too.
#[test]
fn a_proof_verifies_for_its_binding_only() {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (input, output, _) = honest(&circuit);
	let (_, proof) = prove(&circuit, &pk, &BINDING, &input, &mut rng()).unwrap();
	verify(&pk.vk, &circuit.layout(), &BINDING, &input, &output, &proof).expect("verifies for its binding");

	let binding_point = pk.vk.gamma_abc_g1[1];
	assert!(!binding_point.is_zero(), "the binding has a verifying-key point");
	assert!(pk.vk.gamma_abc_g1[2..].iter().all(|p| *p != binding_point), "and one of its own");

	let mut other_task = BINDING;
	other_task[0] ^= 1;
	let mut high_byte = BINDING;
	high_byte[30] ^= 0x80;
	for other in [other_task, high_byte, [0; 32]] {
		assert_eq!(
			verify(&pk.vk, &circuit.layout(), &other, &input, &output, &proof),
			Err(ZkError::Verify(VerifyError::InvalidProof)),
			"a proof bound to {BINDING:02x?} verified for {other:02x?}"
		);
	}
	// And through bytes, as the chain verifies.
	let (vk, proof) = (to_bytes(&pk.vk), to_bytes(&proof));
	assert_eq!(daifi_zk_verifier::verify::<Bn254>(&vk, &BINDING, &input, &output, &circuit.layout(), &proof), Ok(()));
	assert_eq!(
		daifi_zk_verifier::verify::<Bn254>(&vk, &other_task, &input, &output, &circuit.layout(), &proof),
		Err(VerifyError::InvalidProof)
	);
}
