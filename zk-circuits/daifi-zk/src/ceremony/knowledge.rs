//! Schnorr proofs of knowledge of a discrete logarithm in G1, made
//! non-interactive with Fiat–Shamir over blake2b and bound to a context (the
//! hash of what the contribution builds on), so a proof cannot be replayed on
//! another transcript. Both ceremony phases prove their secrets this way.

use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, UniformRand};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{Blake2b512, Digest};
use rand::{CryptoRng, RngCore};

use crate::groth16::to_bytes;

/// A proof that the prover knows `x` with `public = x · base`.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Knowledge {
	/// `k · base` for a fresh nonce `k`.
	pub commitment: G1Affine,
	/// `k + c · x`, with `c` the Fiat–Shamir challenge.
	pub response: Fr,
}

fn challenge(domain: &[u8], context: &[u8], base: &G1Affine, public: &G1Affine, commitment: &G1Affine) -> Fr {
	let mut hasher = Blake2b512::new();
	for part in [domain, context, &to_bytes(base), &to_bytes(public), &to_bytes(commitment)] {
		hasher.update((part.len() as u64).to_le_bytes());
		hasher.update(part);
	}
	// 512 bits reduced modulo a 254-bit order: no visible bias.
	Fr::from_le_bytes_mod_order(&hasher.finalize())
}

impl Knowledge {
	/// Proves knowledge of `x` with `public = x · base`.
	pub fn prove<R: RngCore + CryptoRng>(
		domain: &[u8],
		context: &[u8],
		base: &G1Affine,
		x: &Fr,
		rng: &mut R,
	) -> Self {
		let k = Fr::rand(rng);
		let commitment = (*base * k).into_affine();
		let public = (*base * x).into_affine();
		let c = challenge(domain, context, base, &public, &commitment);
		Knowledge { commitment, response: k + c * x }
	}

	/// Whether this proves knowledge of `log_base(public)` in `context`.
	pub fn verify(&self, domain: &[u8], context: &[u8], base: &G1Affine, public: &G1Affine) -> bool {
		let c = challenge(domain, context, base, public, &self.commitment);
		*base * self.response == self.commitment.into_group() + *public * c
	}
}
