//! # daifi-zk-verifier
//!
//! Verifies a Groth16 proof that a whitelisted model produced `output` from
//! `input`. This is all the runtime links: `no_std`, no panics, every bad input
//! refused with a named [`VerifyError`].
//!
//! The public inputs of a DAiFi inference circuit are, in order:
//!
//! 1. the *binding*: 32 bytes the chain computes for one task and one
//!    provider (`pallet_tasks::task_binding`), mapped into the field by
//!    [`binding_element`]. The circuit does not constrain it, but Groth16
//!    binds every public input: a proof made for one binding does not verify
//!    for another, so a proof cannot be replayed for another task or copied
//!    by another provider;
//! 2. the quantized model input, then the quantized model output, each an
//!    integer (`i64`).
//!
//! They are mapped into the scalar field here, so a caller can never pass an
//! arbitrary field element where the circuit expects a small integer.
//!
//! Everything is generic over the pairing engine `E`: the runtime can plug in
//! an engine whose pairing and MSM run as host functions (the design of
//! `sp-crypto-ec-utils`) without touching this crate.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use ark_ec::{pairing::Pairing, AffineRepr, VariableBaseMSM};
use ark_ff::PrimeField;
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Valid, Validate};

/// Why a proof was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
	/// The verifying key is not a canonical compressed encoding of valid points
	/// (bad length, a point off the curve or outside the prime-order subgroup).
	MalformedVerifyingKey,
	/// The proof is not a canonical compressed encoding of three valid points.
	MalformedProof,
	/// The number of public inputs (the binding, input and output values) is
	/// not the one the key expects.
	WrongPublicInputCount {
		/// What the verifying key expects.
		expected: u32,
		/// What was given.
		got: u32,
	},
	/// The proof does not verify for this key, input and output: a forged or
	/// altered proof, a proof for another model, or an altered input or output.
	InvalidProof,
}

impl core::fmt::Display for VerifyError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::MalformedVerifyingKey => f.write_str("malformed verifying key"),
			Self::MalformedProof => f.write_str("malformed proof"),
			Self::WrongPublicInputCount { expected, got } =>
				write!(f, "wrong number of public inputs: expected {expected}, got {got}"),
			Self::InvalidProof => f.write_str("invalid proof"),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for VerifyError {}

/// Decodes a compressed verifying key, checking every point is on the curve
/// and in the prime-order subgroup.
pub fn decode_verifying_key<E: Pairing>(bytes: &[u8]) -> Result<VerifyingKey<E>, VerifyError> {
	decode_exact(bytes).ok_or(VerifyError::MalformedVerifyingKey)
}

/// Decodes a compressed proof, checking its points are valid.
pub fn decode_proof<E: Pairing>(bytes: &[u8]) -> Result<Proof<E>, VerifyError> {
	decode_exact(bytes).ok_or(VerifyError::MalformedProof)
}

/// Decodes a compressed proof, checking its G1 points as [`decode_proof`]
/// does and its `B` with `g2_in_subgroup` instead: an engine may check G2
/// faster than arkworks' generic test (on BN254 the G1 check is free, its
/// cofactor being one).
pub fn decode_proof_with<E: Pairing>(
	mut bytes: &[u8],
	g2_in_subgroup: impl Fn(&E::G2Affine) -> bool,
) -> Result<Proof<E>, VerifyError> {
	let proof = Proof::<E>::deserialize_with_mode(&mut bytes, Compress::Yes, Validate::No)
		.map_err(|_| VerifyError::MalformedProof)?;
	let g1_ok = |p: &E::G1Affine| p.check().is_ok();
	if !bytes.is_empty() || !g1_ok(&proof.a) || !g1_ok(&proof.c) || !g2_in_subgroup(&proof.b) {
		return Err(VerifyError::MalformedProof);
	}
	Ok(proof)
}

/// Decodes `T` from the whole of `bytes` (trailing bytes are refused, so each
/// key and proof has exactly one encoding).
fn decode_exact<T: CanonicalDeserialize>(mut bytes: &[u8]) -> Option<T> {
	let value = T::deserialize_with_mode(&mut bytes, Compress::Yes, Validate::Yes).ok()?;
	bytes.is_empty().then_some(value)
}

/// Maps a signed integer into the scalar field (`-x` becomes `p - x`).
pub fn field_element<F: PrimeField>(value: i64) -> F {
	let magnitude = F::from(value.unsigned_abs());
	if value < 0 {
		-magnitude
	} else {
		magnitude
	}
}

/// The binding as a field element: its first 31 bytes, little-endian. 248
/// bits are below BN254's scalar modulus, so distinct prefixes never wrap to
/// the same element (the 32nd byte is dropped; a 248-bit hash is still far
/// beyond any collision search). The prover and the verifier both use this.
pub fn binding_element<F: PrimeField>(binding: &[u8; 32]) -> F {
	F::from_le_bytes_mod_order(&binding[..31])
}

/// The number of public inputs a verifying key expects: the binding, the
/// input values and the output values.
pub fn public_input_count<E: Pairing>(vk: &VerifyingKey<E>) -> usize {
	vk.gamma_abc_g1.len().saturating_sub(1)
}

/// Verifies `proof` for a decoded key: the model whose circuit made `vk`
/// maps `input` to `output`, in a proof bound to `binding`.
pub fn verify_decoded<E: Pairing>(
	pvk: &PreparedVerifyingKey<E>,
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	proof: &Proof<E>,
) -> Result<(), VerifyError> {
	let expected = public_input_count(&pvk.vk);
	let got = input.len().saturating_add(output.len()).saturating_add(1);
	if got != expected {
		return Err(VerifyError::WrongPublicInputCount {
			expected: u32::try_from(expected).unwrap_or(u32::MAX),
			got: u32::try_from(got).unwrap_or(u32::MAX),
		});
	}
	let public: Vec<E::ScalarField> = core::iter::once(binding_element(binding))
		.chain(input.iter().chain(output).map(|&v| field_element(v)))
		.collect();
	// One multi-scalar multiplication (a single host call where the engine
	// has host functions) instead of a scalar multiplication per input.
	let (first, rest) = pvk.vk.gamma_abc_g1.split_first().ok_or(VerifyError::MalformedVerifyingKey)?;
	let prepared = E::G1::msm(rest, &public).map_err(|_| VerifyError::MalformedVerifyingKey)? + first.into_group();
	match Groth16::<E>::verify_proof_with_prepared_inputs(pvk, proof, &prepared) {
		Ok(true) => Ok(()),
		_ => Err(VerifyError::InvalidProof),
	}
}

/// Encodes a prepared verifying key, made from a key that was decoded (and
/// so validated) by [`decode_verifying_key`], in the form
/// [`decode_checked_key`] reads without validating again: uncompressed
/// points, with the pairing `e(alpha, beta)` and the negated `gamma` and
/// `delta` already computed. About twice the compressed key's size; decoding
/// it costs almost nothing and verifying with it saves a pairing.
pub fn encode_checked_key<E: Pairing>(pvk: &PreparedVerifyingKey<E>) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(pvk.uncompressed_size());
	// Writing into a `Vec` cannot fail.
	let _ = pvk.serialize_uncompressed(&mut bytes);
	bytes
}

/// Decodes a key made by [`encode_checked_key`] without checking its points
/// again. Only for bytes the caller made itself from a validated key (a
/// runtime that validated the key when it was registered): anything else must
/// go through [`decode_verifying_key`].
pub fn decode_checked_key<E: Pairing>(mut bytes: &[u8]) -> Result<PreparedVerifyingKey<E>, VerifyError> {
	let pvk = PreparedVerifyingKey::deserialize_with_mode(&mut bytes, Compress::No, Validate::No)
		.map_err(|_| VerifyError::MalformedVerifyingKey)?;
	if !bytes.is_empty() || pvk.vk.gamma_abc_g1.is_empty() {
		return Err(VerifyError::MalformedVerifyingKey);
	}
	Ok(pvk)
}

/// Verifies a proof given as bytes, bound to `binding`, against a verifying
/// key given as bytes.
pub fn verify<E: Pairing>(
	vk_bytes: &[u8],
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	proof_bytes: &[u8],
) -> Result<(), VerifyError> {
	let vk = decode_verifying_key::<E>(vk_bytes)?;
	let proof = decode_proof::<E>(proof_bytes)?;
	let pvk = ark_groth16::prepare_verifying_key(&vk);
	verify_decoded(&pvk, binding, input, output, &proof)
}

/// Verifies a proof given as bytes, bound to `binding`, against a key made by
/// [`encode_checked_key`] (what a runtime stores when it registers a key),
/// checking the proof's `B` with `g2_in_subgroup` (see [`decode_proof_with`]).
pub fn verify_checked<E: Pairing>(
	checked_key: &[u8],
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	proof_bytes: &[u8],
	g2_in_subgroup: impl Fn(&E::G2Affine) -> bool,
) -> Result<(), VerifyError> {
	let pvk = decode_checked_key::<E>(checked_key)?;
	let proof = decode_proof_with::<E>(proof_bytes, g2_in_subgroup)?;
	verify_decoded(&pvk, binding, input, output, &proof)
}

#[cfg(test)]
mod tests {
	use super::*;
	use ark_bn254::Fr;
	use ark_ff::{BigInteger, Zero};

	#[test]
	fn a_binding_enters_the_field_as_its_first_31_bytes_without_wrapping() {
		let ones = [0xffu8; 32];
		let element: Fr = binding_element(&ones);
		// 2^248 - 1: below the modulus, so nothing was reduced.
		let bytes = element.into_bigint().to_bytes_le();
		assert_eq!(&bytes[..31], &[0xff; 31]);
		assert_eq!(bytes[31], 0);
		// The last byte does not count; every earlier one does.
		let mut last = [0u8; 32];
		last[31] = 1;
		assert!(binding_element::<Fr>(&last).is_zero());
		let mut first = [0u8; 32];
		first[0] = 1;
		assert_eq!(binding_element::<Fr>(&first), Fr::from(1u64));
	}
}
