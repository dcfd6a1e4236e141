//! Phase-2 contributions verify, keep proofs working, and tampering is refused.

mod common;

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use common::{keyed, rng, test_set};
use daifi_zk::{
	ceremony::{contribute, verify_contribution},
	prove, verify, ZkError,
};

#[test]
fn contributions_chain_and_the_final_key_proves() {
	let (circuit, pk0) = keyed("mlp_64_32_10");
	let (pk1, r1) = contribute(&pk0, &mut rng());
	let (pk2, r2) = contribute(&pk1, &mut common::rng_with(7));
	verify_contribution(&pk0, &pk1, &r1, &mut rng()).expect("first contribution");
	verify_contribution(&pk1, &pk2, &r2, &mut rng()).expect("second contribution");
	assert_ne!(pk2.vk.delta_g2, pk0.vk.delta_g2, "delta moved");

	let (inputs, _) = test_set();
	let input = circuit.quantize_input(&inputs[0]).unwrap();
	let (output, proof) = prove(&circuit, &pk2, &input, &mut rng()).unwrap();
	verify(&pk2.vk, &input, &output, &proof).expect("a proof under the final key verifies");
	assert!(verify(&pk0.vk, &input, &output, &proof).is_err(), "the old key no longer applies");
}

#[test]
fn tampered_contributions_are_refused() {
	let (_, pk0) = keyed("mlp_64_32_10");
	let (pk1, receipt) = contribute(&pk0, &mut rng());
	let refused = |after: &daifi_zk::ProvingKey, r: &daifi_zk::ceremony::Receipt| {
		matches!(verify_contribution(&pk0, after, r, &mut rng()), Err(ZkError::Ceremony(_)))
	};

	// delta in G2 not moved with delta in G1
	let mut bad = pk1.clone();
	bad.vk.delta_g2 = pk0.vk.delta_g2;
	assert!(refused(&bad, &receipt), "delta_g2 left behind");

	// one h point altered
	let mut bad = pk1.clone();
	bad.h_query[3] = (bad.h_query[3] + bad.h_query[4]).into_affine();
	assert!(refused(&bad, &receipt), "h altered");

	// one l point altered
	let mut bad = pk1.clone();
	bad.l_query[0] = (bad.l_query[0].into_group() + bad.l_query[0]).into_affine();
	assert!(refused(&bad, &receipt), "l altered");

	// a query that must not change changed
	let mut bad = pk1.clone();
	bad.a_query[1] = bad.a_query[2];
	assert!(refused(&bad, &receipt), "a altered");

	// a forged proof of knowledge
	let mut forged = receipt.clone();
	forged.response += Fr::one();
	assert!(refused(&pk1, &forged), "forged response");

	// a receipt for other keys
	let (pk_other, receipt_other) = contribute(&pk0, &mut common::rng_with(9));
	assert!(refused(&pk1, &receipt_other), "receipt of another contribution");
	verify_contribution(&pk0, &pk_other, &receipt_other, &mut rng()).expect("that one is fine on its own");
	verify_contribution(&pk0, &pk1, &receipt, &mut rng()).expect("the honest one still verifies");
}
