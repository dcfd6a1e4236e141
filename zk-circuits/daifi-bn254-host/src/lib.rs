//! # daifi-bn254-host
//!
//! BN254 whose expensive operations run as native code: the curve the
//! runtime verifies Groth16 proofs with.
//!
//! [`Bn254`] is `ark-bn254-ext`'s BN254 with [`HostHooks`]: arithmetic on
//! field elements and points stays in the runtime, while the pairing's Miller
//! loop and final exponentiation and multi-scalar multiplication on G1 call
//! the [`host_calls`] runtime interface, and [`g2_in_subgroup`] checks a
//! proof's `B` point natively. In wasm that is a host call into the
//! node, which does the work with `ark-bn254` natively; in native builds
//! (tests, benchmarks in std) the same functions are called directly, so both
//! paths run the same code.
//!
//! ## What this means for validators
//!
//! A runtime that uses [`Bn254`] imports these host functions: every node
//! that executes it must register [`HostFunctions`] in its executor (as
//! `daifi-node` does), or it cannot instantiate the runtime. Their results
//! are part of consensus: a node whose host functions computed anything else
//! would reject blocks the others accept. They are pure integer arithmetic
//! from `ark-bn254`, deterministic on every platform, and they never panic.
//! Changing what one returns is a hard fork and needs a new version of the
//! function (`#[version]` on the interface), with the old one kept for old
//! blocks.
//!
//! ## Encoding
//!
//! Arguments and results are `ark-serialize` encodings, uncompressed and not
//! validated when decoded on the host: the runtime validates what it decodes
//! from untrusted bytes before it reaches a hook. A host function fails only
//! on bytes the runtime did not encode; the hooks then return a value that
//! makes every check they feed fail (see [`HostHooks`]).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndRead},
	runtime_interface,
};

/// BN254 with its pairing and multi-scalar multiplication done by the host.
pub type Bn254 = ark_bn254_ext::Bn254<HostHooks>;
/// A G1 point of [`Bn254`] (affine).
pub type G1Affine = ark_bn254_ext::g1::G1Affine<HostHooks>;
/// A G1 point of [`Bn254`] (projective).
pub type G1Projective = ark_bn254_ext::g1::G1Projective<HostHooks>;
/// A G2 point of [`Bn254`] (affine).
pub type G2Affine = ark_bn254_ext::g2::G2Affine<HostHooks>;
/// A G2 point of [`Bn254`] (projective).
pub type G2Projective = ark_bn254_ext::g2::G2Projective<HostHooks>;
/// The scalar field of BN254.
pub type ScalarField = <Bn254 as Pairing>::ScalarField;
/// The pairing's target field.
pub type TargetField = <Bn254 as Pairing>::TargetField;

/// Curve hooks that call the [`host_calls`] host functions.
///
/// If a host function fails (only on an encoding the runtime did not make),
/// the hook fails closed: the Miller loop and the final exponentiation return
/// zero, which no pairing equals; a multi-scalar multiplication returns the
/// identity, so the public inputs do not match.
#[derive(Clone, Copy)]
pub struct HostHooks;

impl ark_bn254_ext::CurveHooks for HostHooks {
	fn multi_miller_loop(
		g1: impl Iterator<Item = <Bn254 as Pairing>::G1Prepared>,
		g2: impl Iterator<Item = <Bn254 as Pairing>::G2Prepared>,
	) -> TargetField {
		let g1: Vec<G1Affine> = g1.map(|p| p.0).collect();
		let g2: Vec<G2Affine> = g2.map(|p| p.0).collect();
		host_calls::bn254_multi_miller_loop(&encode(&g1), &encode(&g2))
			.ok()
			.and_then(|bytes| decode(&bytes[..]))
			.unwrap_or_default()
	}

	fn final_exponentiation(target: TargetField) -> TargetField {
		host_calls::bn254_final_exponentiation(&encode(&target))
			.ok()
			.and_then(|bytes| decode(&bytes[..]))
			.unwrap_or_default()
	}

	fn msm_g1(bases: &[G1Affine], scalars: &[ScalarField]) -> G1Projective {
		host_calls::bn254_msm_g1(&encode(&bases), &encode(&scalars))
			.ok()
			.and_then(|bytes| decode::<G1Affine>(&bytes[..]))
			.unwrap_or_default()
			.into_group()
	}
}

/// Whether `point` (on the curve) is in G2's prime-order subgroup, checked
/// natively with `ark-bn254`'s endomorphism test. arkworks' generic check,
/// which a hooked curve falls back to, multiplies by the group order in wasm:
/// several times slower. A point that does not encode is refused.
pub fn g2_in_subgroup(point: &G2Affine) -> bool {
	host_calls::bn254_g2_in_subgroup(&encode(point))
}

/// Uncompressed encoding (what crosses the runtime/host boundary).
fn encode<T: CanonicalSerialize>(value: &T) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(value.uncompressed_size());
	// Writing into a `Vec` cannot fail.
	let _ = value.serialize_uncompressed(&mut bytes);
	bytes
}

/// Decodes an uncompressed encoding without validating it.
fn decode<T: CanonicalDeserialize>(mut bytes: &[u8]) -> Option<T> {
	T::deserialize_with_mode(&mut bytes, Compress::No, Validate::No).ok()
}

/// The host functions behind [`HostHooks`].
///
/// Each takes and returns uncompressed `ark-serialize` encodings and returns
/// `Err(())` only if its arguments do not decode (or have different lengths).
#[runtime_interface]
pub trait HostCalls {
	/// The multi Miller loop of `g1: Vec<G1Affine>` and `g2: Vec<G2Affine>`,
	/// pair by pair. Returns a target-field element.
	fn bn254_multi_miller_loop(
		g1: PassFatPointerAndRead<&[u8]>,
		g2: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<Vec<u8>, ()>> {
		native::multi_miller_loop(g1, g2).ok_or(())
	}

	/// The final exponentiation of a target-field element. Fails on zero
	/// (which no Miller loop returns).
	fn bn254_final_exponentiation(target: PassFatPointerAndRead<&[u8]>) -> AllocateAndReturnByCodec<Result<Vec<u8>, ()>> {
		native::final_exponentiation(target).ok_or(())
	}

	/// `sum(scalars[i] * bases[i])` for `bases: Vec<G1Affine>` and
	/// `scalars: Vec<ScalarField>` of the same length. Returns a `G1Affine`.
	fn bn254_msm_g1(
		bases: PassFatPointerAndRead<&[u8]>,
		scalars: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<Vec<u8>, ()>> {
		native::msm_g1(bases, scalars).ok_or(())
	}

	/// Whether `point: G2Affine` is in the prime-order subgroup (`false` if
	/// it does not decode).
	fn bn254_g2_in_subgroup(point: PassFatPointerAndRead<&[u8]>) -> bool {
		native::g2_in_subgroup(point)
	}
}

/// The native side of the host functions, on upstream `ark-bn254` types.
#[cfg(feature = "std")]
mod native {
	use super::{decode, encode};
	use ark_bn254::{Fq12, Fr, G1Affine, G1Projective, G2Affine};
	use ark_ec::{
		pairing::{MillerLoopOutput, Pairing},
		CurveGroup, VariableBaseMSM,
	};

	pub fn multi_miller_loop(g1: &[u8], g2: &[u8]) -> Option<Vec<u8>> {
		let g1: Vec<G1Affine> = decode(g1)?;
		let g2: Vec<G2Affine> = decode(g2)?;
		(g1.len() == g2.len()).then(|| encode(&ark_bn254::Bn254::multi_miller_loop(g1, g2).0))
	}

	pub fn final_exponentiation(target: &[u8]) -> Option<Vec<u8>> {
		let target: Fq12 = decode(target)?;
		ark_bn254::Bn254::final_exponentiation(MillerLoopOutput(target)).map(|out| encode(&out.0))
	}

	pub fn msm_g1(bases: &[u8], scalars: &[u8]) -> Option<Vec<u8>> {
		let bases: Vec<G1Affine> = decode(bases)?;
		let scalars: Vec<Fr> = decode(scalars)?;
		(bases.len() == scalars.len())
			.then(|| encode(&G1Projective::msm_unchecked(&bases, &scalars).into_affine()))
	}

	pub fn g2_in_subgroup(point: &[u8]) -> bool {
		decode::<G2Affine>(point).is_some_and(|p| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
	}
}

/// The host functions a node registers so that the runtime can call them.
#[cfg(feature = "std")]
pub type HostFunctions = host_calls::HostFunctions;

#[cfg(test)]
mod tests;
