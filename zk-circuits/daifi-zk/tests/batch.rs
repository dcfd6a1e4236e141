//! Batch verification: many proofs of one model checked with one final
//! exponentiation; a single bad proof, a swapped claim or reused weights
//! fail the batch, and each proof alone then shows which.

mod common;

use ark_bn254::{Bn254, Fr};
use common::{keyed, rng, test_set};
use daifi_zk::{prove, Proof};
use daifi_zk_verifier::{batch_weight, verify_batch, Claim, VerifyError};

/// Eight proofs of the digits MLP, each on its own input and binding.
fn proofs() -> (daifi_zk::Circuit, daifi_zk::ProvingKey, Vec<([u8; 32], Vec<i64>, Vec<i64>, Proof)>) {
	let (circuit, pk) = keyed("mlp_64_32_10");
	let (inputs, _) = test_set();
	let mut rng = rng();
	let proofs = (0..8u8)
		.map(|i| {
			let binding = [i; 32];
			let input = circuit.quantize_input(&inputs[usize::from(i)]).unwrap();
			let (output, proof) = prove(&circuit, &pk, &binding, &input, &mut rng).unwrap();
			(binding, input, output, proof)
		})
		.collect();
	(circuit, pk, proofs)
}

fn weights(n: usize, seed: u8) -> Vec<Fr> {
	(0..n).map(|i| batch_weight::<Fr>(&[seed.wrapping_add(i as u8).wrapping_mul(31) | 1; 16])).collect()
}

fn claims(all: &[([u8; 32], Vec<i64>, Vec<i64>, Proof)]) -> Vec<Claim<'_, Bn254>> {
	all.iter().map(|(binding, input, output, proof)| Claim { binding, input, output, proof }).collect()
}

#[test]
fn a_batch_of_valid_proofs_verifies_and_one_bad_proof_fails_it() {
	let (circuit, pk, mut all) = proofs();
	let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
	let layout = circuit.layout();
	assert_eq!(verify_batch(&pvk, &layout, &claims(&all), &weights(all.len(), 1)), Ok(()));
	assert_eq!(verify_batch::<Bn254>(&pvk, &layout, &[], &[]), Ok(()), "nothing to check");

	// One altered output among eight.
	all[5].2[0] += 1;
	assert_eq!(verify_batch(&pvk, &layout, &claims(&all), &weights(all.len(), 1)), Err(VerifyError::InvalidProof));
	// Each alone shows which.
	let bad: Vec<usize> = (0..all.len())
		.filter(|i| daifi_zk::verify(&pk.vk, &layout, &all[*i].0, &all[*i].1, &all[*i].2, &all[*i].3).is_err())
		.collect();
	assert_eq!(bad, vec![5]);
}

#[test]
fn swapped_proofs_or_bindings_fail_the_batch() {
	let (circuit, pk, mut all) = proofs();
	let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
	let layout = circuit.layout();
	// Two valid proofs exchanged between their claims.
	let (a, b) = (all[1].3.clone(), all[2].3.clone());
	all[1].3 = b;
	all[2].3 = a;
	assert!(verify_batch(&pvk, &layout, &claims(&all), &weights(all.len(), 2)).is_err());
	// Claims in line with their proofs, but one bound to another task.
	let (_, _, mut fixed) = proofs();
	fixed[3].0 = [0xff; 32];
	assert!(verify_batch(&pvk, &layout, &claims(&fixed), &weights(fixed.len(), 2)).is_err());
}

#[test]
fn errors_that_cancel_under_equal_weights_do_not_cancel_under_random_ones() {
	// With all weights 1 the check is a plain product, so two errors that
	// are inverse to each other cancel: proof 0's C moved by +G and proof
	// 1's C by -G. Weights the provers cannot know keep them apart.
	use ark_ec::{AffineRepr, CurveGroup};
	let (circuit, pk, mut all) = proofs();
	let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
	let layout = circuit.layout();
	let shift = ark_bn254::G1Affine::generator();
	all[0].3.c = (all[0].3.c + shift).into_affine();
	all[1].3.c = (all[1].3.c - shift).into_affine();
	let ones = vec![Fr::from(1u64); all.len()];
	assert_eq!(verify_batch(&pvk, &layout, &claims(&all), &ones), Ok(()), "equal weights are fooled");
	assert_eq!(verify_batch(&pvk, &layout, &claims(&all), &weights(all.len(), 3)), Err(VerifyError::InvalidProof));
}

#[test]
fn a_batch_with_the_wrong_number_of_weights_or_inputs_is_refused() {
	let (circuit, pk, mut all) = proofs();
	let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
	let layout = circuit.layout();
	assert!(verify_batch(&pvk, &layout, &claims(&all), &weights(all.len() - 1, 4)).is_err());
	all[0].1.pop();
	assert!(matches!(
		verify_batch(&pvk, &layout, &claims(&all), &weights(all.len(), 4)),
		Err(VerifyError::WrongPublicInputCount { .. })
	));
}
