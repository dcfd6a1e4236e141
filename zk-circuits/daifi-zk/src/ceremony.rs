//! Phase 2 of the Groth16 setup (Bowe–Gabizon–Miers 2017): contributors in
//! turn re-randomize `delta`, each publicly verifiable, so the final key is
//! sound if any one contributor was honest and destroyed their secret.
//!
//! A contribution with secret `d` multiplies `delta` (in G1 and G2) by `d` and
//! divides the `h` and `l` queries by `d`. Everything else in the key is left
//! as it was. The receipt proves knowledge of `d` with a Schnorr proof
//! (Fiat–Shamir over blake2b), which stands in for the paper's pairing-based
//! proof of knowledge: a contributor cannot choose its new `delta` as a
//! function of the previous one without knowing the ratio.
//!
//! **What phase 2 still trusts.** The `a`, `b`, `h` and `l` queries are built
//! from the powers of a secret `tau` (and `alpha`, `beta`): phase 1. Here the
//! phase-1 values come from [`crate::groth16::setup`], so the party that ran
//! it knows `tau`, `alpha` and `beta`. A network runs phase 1 as a
//! powers-of-tau ceremony: each participant multiplies the published powers
//! of `tau` by powers of a secret of its own and publishes a proof (same
//! ratio checks as here, in both groups); the circuit-specific key is then
//! derived from the final powers by FFTs (as in `snarkjs`/`phase2-bn254`),
//! independent of any one party. Until that derivation lands here, the
//! chambers should treat `setup` as the phase-1 trust assumption.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, PrimeField, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{digest::consts::U32, Blake2b, Digest};
use rand::{CryptoRng, RngCore};

use crate::{groth16::ProvingKey, ZkError};

/// The public record of one contribution.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Receipt {
	/// `delta` in G1 before the contribution.
	pub delta_before: G1Affine,
	/// `delta` in G1 after it (`d · delta_before`).
	pub delta_after: G1Affine,
	/// Schnorr commitment `k · delta_before`.
	pub commitment: G1Affine,
	/// Schnorr response `k + c · d`.
	pub response: Fr,
}

/// Fiat–Shamir challenge binding the whole key before, delta after and the commitment.
fn challenge(before: &ProvingKey, delta_after: &G1Affine, commitment: &G1Affine) -> Fr {
	let mut hasher = Blake2b::<U32>::new();
	hasher.update(b"daifi-groth16-phase2");
	hasher.update(crate::groth16::to_bytes(before));
	hasher.update(crate::groth16::to_bytes(delta_after));
	hasher.update(crate::groth16::to_bytes(commitment));
	Fr::from_le_bytes_mod_order(&hasher.finalize())
}

/// Adds a contribution with fresh randomness from `rng`; the secret is dropped
/// when this returns.
pub fn contribute<R: RngCore + CryptoRng>(params: &ProvingKey, rng: &mut R) -> (ProvingKey, Receipt) {
	let mut d = Fr::rand(rng);
	while d.is_zero() {
		d = Fr::rand(rng);
	}
	let d_inv = d.inverse().unwrap_or_default();
	let mut next = params.clone();
	next.delta_g1 = (params.delta_g1 * d).into_affine();
	next.vk.delta_g2 = (params.vk.delta_g2 * d).into_affine();
	let scale = |points: &[G1Affine]| -> Vec<G1Affine> {
		G1Projective::normalize_batch(&points.iter().map(|p| *p * d_inv).collect::<Vec<_>>())
	};
	next.h_query = scale(&params.h_query);
	next.l_query = scale(&params.l_query);

	let k = Fr::rand(rng);
	let commitment = (params.delta_g1 * k).into_affine();
	let c = challenge(params, &next.delta_g1, &commitment);
	let receipt = Receipt {
		delta_before: params.delta_g1,
		delta_after: next.delta_g1,
		commitment,
		response: k + c * d,
	};
	(next, receipt)
}

fn refuse(what: &str) -> ZkError {
	ZkError::Ceremony(what.to_string())
}

/// `Σ ρ_i · points_i` for verifier-chosen `ρ`.
fn combine(points: &[G1Affine], rho: &[Fr]) -> G1Affine {
	G1Projective::msm_unchecked(points, rho).into_affine()
}

/// Checks publicly that `after` is `before` with one honest-form contribution
/// described by `receipt`. Refuses anything else with [`ZkError::Ceremony`].
pub fn verify_contribution<R: RngCore>(
	before: &ProvingKey,
	after: &ProvingKey,
	receipt: &Receipt,
	rng: &mut R,
) -> Result<(), ZkError> {
	// 1. Only delta, h and l may change.
	let same = before.vk.alpha_g1 == after.vk.alpha_g1 &&
		before.vk.beta_g2 == after.vk.beta_g2 &&
		before.vk.gamma_g2 == after.vk.gamma_g2 &&
		before.vk.gamma_abc_g1 == after.vk.gamma_abc_g1 &&
		before.beta_g1 == after.beta_g1 &&
		before.a_query == after.a_query &&
		before.b_g1_query == after.b_g1_query &&
		before.b_g2_query == after.b_g2_query;
	if !same {
		return Err(refuse("the contribution changed more than delta, h and l"));
	}
	if before.h_query.len() != after.h_query.len() || before.l_query.len() != after.l_query.len() {
		return Err(refuse("the h or l query changed length"));
	}
	// 2. The receipt is about these two keys.
	if receipt.delta_before != before.delta_g1 || receipt.delta_after != after.delta_g1 {
		return Err(refuse("the receipt does not match the keys"));
	}
	if after.delta_g1.is_zero() || after.vk.delta_g2.is_zero() {
		return Err(refuse("delta is the identity"));
	}
	// 3. The contributor knows d with delta_after = d · delta_before.
	let c = challenge(before, &receipt.delta_after, &receipt.commitment);
	let lhs = before.delta_g1 * receipt.response;
	let rhs = receipt.commitment.into_group() + after.delta_g1 * c;
	if lhs != rhs {
		return Err(refuse("the proof of knowledge of the contribution does not verify"));
	}
	// 4. delta moved by the same factor in G1 and G2.
	if Bn254::pairing(after.delta_g1, before.vk.delta_g2) != Bn254::pairing(before.delta_g1, after.vk.delta_g2) {
		return Err(refuse("delta in G1 and delta in G2 moved by different factors"));
	}
	// 5. h and l were divided by that factor: one random combination each.
	for (name, old, new) in [
		("h", &before.h_query, &after.h_query),
		("l", &before.l_query, &after.l_query),
	] {
		let rho: Vec<Fr> = (0..old.len()).map(|_| Fr::rand(rng)).collect();
		if Bn254::pairing(combine(new, &rho), after.vk.delta_g2) !=
			Bn254::pairing(combine(old, &rho), before.vk.delta_g2)
		{
			return Err(refuse(&format!("the {name} query was not divided by the contribution")));
		}
	}
	Ok(())
}
