//! The hooked curve computes what upstream `ark-bn254` computes, and the host
//! functions refuse what they cannot decode.

use super::*;
use ark_ec::{pairing::Pairing, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, Field, UniformRand};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, SerializationError};
use ark_std::test_rng;

/// Re-reads a value of one curve model as the other (same encoding).
fn convert<A: CanonicalSerialize, B: CanonicalDeserialize>(value: &A) -> B {
	B::deserialize_uncompressed_unchecked(&encode(value)[..]).expect("the models share their encoding")
}

#[test]
fn pairing_matches_upstream() {
	let rng = &mut test_rng();
	let g1: Vec<ark_bn254::G1Affine> = (0..3).map(|_| ark_bn254::G1Projective::rand(rng).into_affine()).collect();
	let g2: Vec<ark_bn254::G2Affine> = (0..3).map(|_| ark_bn254::G2Projective::rand(rng).into_affine()).collect();
	let expected = ark_bn254::Bn254::multi_pairing(g1.clone(), g2.clone()).0;

	let hooked_g1: Vec<G1Affine> = g1.iter().map(convert).collect();
	let hooked_g2: Vec<G2Affine> = g2.iter().map(convert).collect();
	let got = Bn254::multi_pairing(hooked_g1, hooked_g2).0;
	assert_eq!(got, expected);
	assert_ne!(got, TargetField::ONE, "random points do not pair to one");
}

#[test]
fn msm_matches_upstream_for_small_negative_and_large_scalars() {
	let rng = &mut test_rng();
	let bases: Vec<ark_bn254::G1Affine> =
		(0..6).map(|_| ark_bn254::G1Projective::rand(rng).into_affine()).collect();
	let scalars = vec![
		ark_bn254::Fr::from(3u64),
		-ark_bn254::Fr::from(70_000u64),
		ark_bn254::Fr::from(u64::MAX),
		ark_bn254::Fr::rand(rng),
		ark_bn254::Fr::from(0u64),
		-ark_bn254::Fr::from(1u64),
	];
	let expected = ark_bn254::G1Projective::msm(&bases, &scalars).expect("same lengths").into_affine();

	let hooked: Vec<G1Affine> = bases.iter().map(convert).collect();
	let got = G1Projective::msm(&hooked, &scalars).expect("same lengths").into_affine();
	assert_eq!(encode(&got), encode(&expected));
}

#[test]
fn the_host_g2_subgroup_check_refuses_points_outside_the_subgroup() {
	// A point of the G2 curve's full group (cofactor not cleared): on the
	// curve, almost surely outside the prime-order subgroup.
	let rng = &mut test_rng();
	let outside = loop {
		let x = ark_bn254::Fq2::rand(rng);
		if let Some(p) = ark_bn254::G2Affine::get_point_from_x_unchecked(x, false) {
			break p;
		}
	};
	assert!(outside.is_on_curve() && !outside.is_in_correct_subgroup_assuming_on_curve());
	assert!(!g2_in_subgroup(&convert(&outside)));
	// arkworks' own (slower) check on the hooked curve agrees.
	assert!(matches!(
		G2Affine::deserialize_uncompressed(&encode(&outside)[..]),
		Err(SerializationError::InvalidData)
	));

	let inside = (ark_bn254::G2Projective::generator() * ark_bn254::Fr::rand(rng)).into_affine();
	assert!(g2_in_subgroup(&convert(&inside)));
}

#[test]
fn the_reference_proof_verifies_on_the_hooked_curve_and_an_altered_output_does_not() {
	let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
		.join("../../pallets/model-registry/src/fixtures");
	let read = |ext: &str| std::fs::read(dir.join(format!("mlp_64_32_10.{ext}"))).expect("committed fixture");
	let (vk, proof) = (read("vk"), read("proof"));
	let binding: [u8; 32] = read("binding").try_into().expect("32 bytes");
	let io: Vec<i64> = read("io").chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
	let (input, output) = io.split_at(64);
	// The 64-32-10 MLP: 64 and 10 values, one public input each.
	let layout = daifi_zk_verifier::Layout::of(64, 0, 256, 10, 26);

	assert_eq!(daifi_zk_verifier::verify::<Bn254>(&vk, &binding, input, output, &layout, &proof), Ok(()));
	let mut altered = output.to_vec();
	altered[0] += 1;
	assert_eq!(
		daifi_zk_verifier::verify::<Bn254>(&vk, &binding, input, &altered, &layout, &proof),
		Err(daifi_zk_verifier::VerifyError::InvalidProof)
	);
}

#[test]
fn host_functions_refuse_what_does_not_decode() {
	let rng = &mut test_rng();
	let point = encode(&vec![ark_bn254::G1Projective::rand(rng).into_affine()]);
	let two_scalars = encode(&vec![ark_bn254::Fr::from(1u64), ark_bn254::Fr::from(2u64)]);
	assert_eq!(host_calls::bn254_msm_g1(&point, &two_scalars), Err(()), "lengths differ");
	assert_eq!(host_calls::bn254_msm_g1(&point[..10], &two_scalars), Err(()), "truncated");
	assert_eq!(host_calls::bn254_multi_miller_loop(&point, &[]), Err(()));
	assert!(!host_calls::bn254_g2_in_subgroup(&[0u8; 3]));
	assert_eq!(host_calls::bn254_final_exponentiation(&encode(&TargetField::ZERO)), Err(()), "zero has no final exponentiation");
}

#[test]
fn a_failing_host_call_fails_closed() {
	// Zero is what the Miller loop hook returns on failure: its final
	// exponentiation is zero too, which no pairing check accepts.
	assert_eq!(<HostHooks as ark_bn254_ext::CurveHooks>::final_exponentiation(TargetField::ZERO), TargetField::ZERO);
}

