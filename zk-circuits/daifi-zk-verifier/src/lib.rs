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
//!    integer (`i64`), laid out by the model's [`Layout`]: up to
//!    [`PACK_ABOVE`] values one per field element; more are *packed*, each
//!    value minus an offset in `bits` bits, `252 / bits` of them per field
//!    element (a 28x28 image of 9-bit pixels: 28 public inputs, not 784). The
//!    circuit range-checks every packed value, so a packed element has exactly
//!    one unpacking.
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
	/// A packed value lies outside its lane (`value - offset` not in
	/// `[0, 2^bits)`): no circuit of this layout can have it as input or output.
	ValueOutOfRange,
}

impl core::fmt::Display for VerifyError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::MalformedVerifyingKey => f.write_str("malformed verifying key"),
			Self::MalformedProof => f.write_str("malformed proof"),
			Self::WrongPublicInputCount { expected, got } =>
				write!(f, "wrong number of public inputs: expected {expected}, got {got}"),
			Self::InvalidProof => f.write_str("invalid proof"),
			Self::ValueOutOfRange => f.write_str("a packed value is outside its range"),
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

/// Sequences longer than this are packed; shorter ones take one public input
/// per value, which costs the circuit nothing (packing costs a range check
/// per value: `bits + 1` constraints).
pub const PACK_ABOVE: usize = 128;

/// Bits of a field element a packing may use: below BN254's 254-bit scalar
/// modulus, so a packed element never wraps.
pub const PACKED_BITS: u32 = 252;

/// How one sequence of values (the input or the output) becomes public inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lanes {
	/// Values per field element: 1 (the value itself, signed) or more (packed).
	pub per_element: u32,
	/// Bits of each packed value.
	pub bits: u32,
	/// Subtracted from each value before packing: `value - offset` lies in `[0, 2^bits)`.
	pub offset: i64,
}

impl Lanes {
	/// The lanes of `count` values whose `value - offset` fits in `bits`
	/// bits: packed when there are more than [`PACK_ABOVE`].
	pub fn of(count: usize, bits: u32, offset: i64) -> Lanes {
		let bits = bits.clamp(1, 64);
		let per_element = if count > PACK_ABOVE { PACKED_BITS / bits } else { 1 };
		Lanes { per_element, bits, offset }
	}

	/// Whether values are packed.
	pub fn packed(&self) -> bool {
		self.per_element > 1
	}

	/// The number of public inputs `count` values take.
	pub fn elements(&self, count: usize) -> usize {
		count.div_ceil(self.per_element.max(1) as usize)
	}

	/// The public inputs of `values`: each value (unpacked), or
	/// `Σ_k 2^(bits·k) · (value_k - offset)` per group of `per_element`.
	pub fn pack<F: PrimeField>(&self, values: &[i64]) -> Result<Vec<F>, VerifyError> {
		if !self.packed() {
			return Ok(values.iter().map(|&v| field_element(v)).collect());
		}
		let shift = F::from(2u64).pow([self.bits as u64]);
		values
			.chunks(self.per_element as usize)
			.map(|group| {
				group.iter().rev().try_fold(F::zero(), |acc, &v| {
					let lane = (v as i128) - (self.offset as i128);
					if lane < 0 || lane >= 1i128 << self.bits {
						return Err(VerifyError::ValueOutOfRange);
					}
					Ok(acc * shift + F::from(lane as u128))
				})
			})
			.collect()
	}
}

/// Where a model's input and output go among the public inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
	/// The input's lanes.
	pub input: Lanes,
	/// The output's lanes.
	pub output: Lanes,
}

impl Layout {
	/// The layout of a model with `input_len` inputs in
	/// `[input_min, input_max]` and `output_len` outputs of `output_bits`
	/// signed bits (in `[-2^(output_bits-1), 2^(output_bits-1))`). The
	/// circuit compiler and the runtime both call this.
	pub fn of(input_len: usize, input_min: i64, input_max: i64, output_len: usize, output_bits: u32) -> Layout {
		let span = (input_max as i128 - input_min as i128).max(0) as u128;
		let input_bits = 128 - span.leading_zeros();
		let output_bits = output_bits.clamp(1, 63);
		Layout {
			input: Lanes::of(input_len, input_bits, input_min),
			output: Lanes::of(output_len, output_bits, -(1i64 << (output_bits - 1))),
		}
	}

	/// The number of public inputs: the binding, then the input's and the output's elements.
	pub fn public_inputs(&self, input_len: usize, output_len: usize) -> usize {
		1 + self.input.elements(input_len) + self.output.elements(output_len)
	}
}

/// The number of public inputs a verifying key expects: the binding, the
/// input values and the output values.
pub fn public_input_count<E: Pairing>(vk: &VerifyingKey<E>) -> usize {
	vk.gamma_abc_g1.len().saturating_sub(1)
}

/// Verifies `proof` for a decoded key: the model whose circuit made `vk`
/// maps `input` to `output` (laid out by `layout`), in a proof bound to `binding`.
pub fn verify_decoded<E: Pairing>(
	pvk: &PreparedVerifyingKey<E>,
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	layout: &Layout,
	proof: &Proof<E>,
) -> Result<(), VerifyError> {
	let expected = public_input_count(&pvk.vk);
	let got = layout.public_inputs(input.len(), output.len());
	if got != expected {
		return Err(VerifyError::WrongPublicInputCount {
			expected: u32::try_from(expected).unwrap_or(u32::MAX),
			got: u32::try_from(got).unwrap_or(u32::MAX),
		});
	}
	let mut public: Vec<E::ScalarField> = Vec::with_capacity(got);
	public.push(binding_element(binding));
	public.extend(layout.input.pack::<E::ScalarField>(input)?);
	public.extend(layout.output.pack::<E::ScalarField>(output)?);
	// One multi-scalar multiplication (a single host call where the engine
	// has host functions) instead of a scalar multiplication per input.
	let (first, rest) = pvk.vk.gamma_abc_g1.split_first().ok_or(VerifyError::MalformedVerifyingKey)?;
	let prepared = E::G1::msm(rest, &public).map_err(|_| VerifyError::MalformedVerifyingKey)? + first.into_group();
	match Groth16::<E>::verify_proof_with_prepared_inputs(pvk, proof, &prepared) {
		Ok(true) => Ok(()),
		_ => Err(VerifyError::InvalidProof),
	}
}

/// One proof of a batch ([`verify_batch`]): the binding, input and output it
/// claims, and the proof.
pub struct Claim<'a, E: Pairing> {
	/// What the proof is bound to.
	pub binding: &'a [u8; 32],
	/// The quantized input.
	pub input: &'a [i64],
	/// The quantized output.
	pub output: &'a [i64],
	/// The proof.
	pub proof: &'a Proof<E>,
}

/// Verifies many proofs for one key at once, with one weight `r_i` per proof
/// that no prover can choose (the caller derives them from all the proofs,
/// e.g. by hashing them): accepts only if
/// `Π e(r_i·A_i, B_i) · e(Σ r_i·P_i, -γ) · e(Σ r_i·C_i, -δ) = e(α, β)^(Σ r_i)`,
/// where `P_i` is proof `i`'s public inputs on the key. That is `n + 2`
/// Miller loops, one final exponentiation and one multi-scalar
/// multiplication over the key's points for the whole batch, against three
/// Miller loops, a final exponentiation and a multi-scalar multiplication per
/// proof one by one. An invalid proof makes the batch fail except with
/// probability about `1 / 2^128` for 128-bit weights; the caller then
/// verifies each proof alone to find which. An empty batch verifies.
pub fn verify_batch<E: Pairing>(
	pvk: &PreparedVerifyingKey<E>,
	layout: &Layout,
	claims: &[Claim<'_, E>],
	weights: &[E::ScalarField],
) -> Result<(), VerifyError> {
	use ark_ec::CurveGroup;
	use ark_ff::{Field, Zero};
	if claims.is_empty() {
		return Ok(());
	}
	if weights.len() != claims.len() {
		return Err(VerifyError::InvalidProof);
	}
	let expected = public_input_count(&pvk.vk);
	let (first, rest) = pvk.vk.gamma_abc_g1.split_first().ok_or(VerifyError::MalformedVerifyingKey)?;
	// Σ r_i·P_i = (Σ r_i)·γ_0 + Σ_j (Σ_i r_i·x_ij)·γ_j: one MSM for the batch.
	let mut coefficients = alloc::vec![E::ScalarField::zero(); expected];
	let mut weight_sum = E::ScalarField::zero();
	for (claim, r) in claims.iter().zip(weights) {
		let got = layout.public_inputs(claim.input.len(), claim.output.len());
		if got != expected {
			return Err(VerifyError::WrongPublicInputCount {
				expected: u32::try_from(expected).unwrap_or(u32::MAX),
				got: u32::try_from(got).unwrap_or(u32::MAX),
			});
		}
		let mut public: Vec<E::ScalarField> = Vec::with_capacity(got);
		public.push(binding_element(claim.binding));
		public.extend(layout.input.pack::<E::ScalarField>(claim.input)?);
		public.extend(layout.output.pack::<E::ScalarField>(claim.output)?);
		for (c, x) in coefficients.iter_mut().zip(public) {
			*c += *r * x;
		}
		weight_sum += *r;
	}
	let inputs = E::G1::msm(rest, &coefficients).map_err(|_| VerifyError::MalformedVerifyingKey)? + *first * weight_sum;
	let c_points: Vec<E::G1Affine> = claims.iter().map(|c| c.proof.c).collect();
	let c_sum = E::G1::msm(&c_points, weights).map_err(|_| VerifyError::InvalidProof)?;
	let mut g1: Vec<E::G1Prepared> = claims
		.iter()
		.zip(weights)
		.map(|(c, r)| (c.proof.a * *r).into_affine().into())
		.collect();
	let mut g2: Vec<E::G2Prepared> = claims.iter().map(|c| c.proof.b.into()).collect();
	g1.push(inputs.into_affine().into());
	g2.push(pvk.gamma_g2_neg_pc.clone());
	g1.push(c_sum.into_affine().into());
	g2.push(pvk.delta_g2_neg_pc.clone());
	let product = E::final_exponentiation(E::multi_miller_loop(g1, g2)).ok_or(VerifyError::InvalidProof)?;
	if product.0 == pvk.alpha_g1_beta_g2.pow(weight_sum.into_bigint()) {
		Ok(())
	} else {
		Err(VerifyError::InvalidProof)
	}
}

/// A batch weight from 16 bytes (128 bits, below any pairing curve's scalar
/// field order, so never reduced): what a caller derives per proof from a
/// hash of the whole batch for [`verify_batch`].
pub fn batch_weight<F: PrimeField>(bytes: &[u8; 16]) -> F {
	F::from_le_bytes_mod_order(bytes)
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
	layout: &Layout,
	proof_bytes: &[u8],
) -> Result<(), VerifyError> {
	let vk = decode_verifying_key::<E>(vk_bytes)?;
	let proof = decode_proof::<E>(proof_bytes)?;
	let pvk = ark_groth16::prepare_verifying_key(&vk);
	verify_decoded(&pvk, binding, input, output, layout, &proof)
}

/// Verifies a proof given as bytes, bound to `binding`, against a key made by
/// [`encode_checked_key`] (what a runtime stores when it registers a key),
/// checking the proof's `B` with `g2_in_subgroup` (see [`decode_proof_with`]).
pub fn verify_checked<E: Pairing>(
	checked_key: &[u8],
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	layout: &Layout,
	proof_bytes: &[u8],
	g2_in_subgroup: impl Fn(&E::G2Affine) -> bool,
) -> Result<(), VerifyError> {
	let pvk = decode_checked_key::<E>(checked_key)?;
	let proof = decode_proof_with::<E>(proof_bytes, g2_in_subgroup)?;
	verify_decoded(&pvk, binding, input, output, layout, &proof)
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

	#[test]
	fn short_sequences_stay_unpacked_and_long_ones_pack_without_ambiguity() {
		// 64 pixels in [0, 256]: one public input each, signed embedding.
		let small = Layout::of(64, 0, 256, 10, 30);
		assert!(!small.input.packed() && !small.output.packed());
		assert_eq!(small.public_inputs(64, 10), 75);
		assert_eq!(small.output.pack::<Fr>(&[-3]).unwrap(), vec![-Fr::from(3u64)]);
		// 784 pixels: 9 bits, 28 per element, 28 elements.
		let mnist = Layout::of(784, 0, 256, 10, 30);
		assert_eq!((mnist.input.bits, mnist.input.per_element), (9, 28));
		assert_eq!(mnist.public_inputs(784, 10), 1 + 28 + 10);
		let pixels: Vec<i64> = (0..784).map(|i| (i * 7 % 257) as i64).collect();
		let packed = mnist.input.pack::<Fr>(&pixels).unwrap();
		assert_eq!(packed.len(), 28);
		let expected = pixels[..28].iter().rev().fold(Fr::zero(), |acc, &v| acc * Fr::from(512u64) + Fr::from(v as u64));
		assert_eq!(packed[0], expected);
		// Changing one value changes its element; a value outside its lane is refused.
		let mut other = pixels.clone();
		other[30] += 1;
		assert_ne!(mnist.input.pack::<Fr>(&other).unwrap()[1], packed[1]);
		other[30] = 512;
		assert_eq!(mnist.input.pack::<Fr>(&other), Err(VerifyError::ValueOutOfRange));
		other[30] = -1;
		assert_eq!(mnist.input.pack::<Fr>(&other), Err(VerifyError::ValueOutOfRange));
		// Outputs pack with a signed offset.
		let wide = Layout::of(64, 0, 256, 200, 20);
		assert_eq!((wide.output.per_element, wide.output.offset), (12, -(1 << 19)));
		assert_eq!(wide.output.pack::<Fr>(&[-(1 << 19)]).unwrap(), vec![Fr::zero()]);
		assert_eq!(wide.output.pack::<Fr>(&[1 << 19]), Err(VerifyError::ValueOutOfRange));
	}
}
