//! BLS signatures over BLS12-381 for committees: the scheme the runtime
//! verifies and a committee member's node signs with.
//!
//! - Public keys are points of G2 (96 bytes compressed), signatures points of
//!   G1 (48 bytes): an attestation carries one G1 point whatever the
//!   committee's size, and hashing a message to G1 is the cheaper hash in
//!   wasm. The runtime adds the signers' keys (G2 additions in wasm, cheap
//!   next to the pairing) and checks `e(σ, g₂) = e(H(m), Σ pk)` with one
//!   multi-pairing through polkadot-sdk's BLS12-381 host functions
//!   (`sp-crypto-ec-utils`), so the pairing runs at native speed.
//! - Messages are hashed to G1 with the IETF hash-to-curve suite
//!   `BLS12381G1_XMD:SHA-256_SSWU_RO_` (arkworks' implementation), under one
//!   domain separation tag for attestations and another for proofs of
//!   possession.
//! - **Rogue keys**: adding keys is only sound if each key's owner knows its
//!   secret. A key is accepted only with a proof of possession (the key's
//!   signature over its own bytes, under the possession tag), so a key built
//!   as `pk_rogue = x·g₂ − Σ pk_others` cannot be registered: its maker knows
//!   no secret for it.
//! - Keys are checked once, at registration (on the curve, in the subgroup,
//!   not the identity), then stored uncompressed so that adding a
//!   committee's keys needs no square roots. Signatures are checked on every
//!   use (on the curve, in the subgroup).

use ark_ec::{
	hashing::{curve_maps::wb::WBMap, map_to_curve_hasher::MapToCurveBasedHasher, HashToCurve},
	pairing::Pairing,
	AffineRepr, CurveGroup, PrimeGroup,
};
use ark_ff::{field_hashers::DefaultFieldHasher, PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use alloc::vec::Vec;
use scale_info::TypeInfo;
use sp_crypto_ec_utils::bls12_381::{Bls12_381, G1Affine, G1Projective, G2Affine, G2Projective, ScalarField};

/// Domain separation tag of attestations.
pub const SIGNATURE_DST: &[u8] = b"DAIFI-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_ATTEST_";
/// Domain separation tag of proofs of possession.
pub const POSSESSION_DST: &[u8] = b"DAIFI-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

/// A public key: a G2 point, compressed.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct PublicKey(pub [u8; 96]);

/// A checked public key, uncompressed (x and y of the G2 point): what the
/// runtime stores and adds.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct StoredKey(pub [u8; 192]);

/// A signature (or an aggregate of signatures over one message): a G1
/// point, compressed.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct Signature(pub [u8; 48]);

macro_rules! debug_as_hex {
	($($t:ty),*) => {$(
		impl core::fmt::Debug for $t {
			fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
				write!(f, "0x")?;
				self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
			}
		}
	)*};
}
debug_as_hex!(PublicKey, StoredKey, Signature);

/// Why a key, a signature or a verification was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlsError {
	/// Not the encoding of a point of the right group (off the curve, outside
	/// the prime-order subgroup, or the identity).
	BadPoint,
	/// The proof of possession does not verify for the key.
	BadPossession,
	/// The signature does not verify for the message and the keys.
	BadSignature,
	/// No keys to verify against.
	NoSigners,
}

impl PublicKey {
	/// The key's point, checked: on the curve, in the subgroup, not the
	/// identity.
	pub fn point(&self) -> Result<G2Affine, BlsError> {
		let p = G2Affine::deserialize_with_mode(&self.0[..], Compress::Yes, Validate::Yes)
			.map_err(|_| BlsError::BadPoint)?;
		if p.is_zero() {
			return Err(BlsError::BadPoint);
		}
		Ok(p)
	}

	/// Checks the proof of possession of this key by `owner` (the encoded
	/// account that registers it) and returns the key to store.
	pub fn check_possession(&self, proof: &Signature, owner: &[u8]) -> Result<StoredKey, BlsError> {
		let key = self.point()?;
		let proof = proof.point().map_err(|_| BlsError::BadPossession)?;
		if !pairing_check(proof, hash_to_g1(POSSESSION_DST, &possession_message(self, owner)), key) {
			return Err(BlsError::BadPossession);
		}
		Ok(StoredKey::of(&key))
	}
}

impl StoredKey {
	fn of(point: &G2Affine) -> Self {
		let mut bytes = [0u8; 192];
		point
			.serialize_with_mode(&mut bytes[..], Compress::No)
			.expect("an affine G2 point is 192 bytes uncompressed; qed");
		Self(bytes)
	}

	/// The key's point. Stored keys were checked when registered, so only
	/// the coordinates are read (no square root, no subgroup check).
	pub fn point(&self) -> Result<G2Affine, BlsError> {
		G2Affine::deserialize_with_mode(&self.0[..], Compress::No, Validate::No)
			.map_err(|_| BlsError::BadPoint)
	}
}

impl Signature {
	/// The signature's point, checked: on the curve, in the subgroup, not
	/// the identity (which only keys that cancel out could verify).
	pub fn point(&self) -> Result<G1Affine, BlsError> {
		let p = G1Affine::deserialize_with_mode(&self.0[..], Compress::Yes, Validate::Yes)
			.map_err(|_| BlsError::BadPoint)?;
		if p.is_zero() {
			return Err(BlsError::BadPoint);
		}
		Ok(p)
	}

	fn of(point: G1Affine) -> Self {
		let mut bytes = [0u8; 48];
		point
			.serialize_with_mode(&mut bytes[..], Compress::Yes)
			.expect("an affine G1 point is 48 bytes compressed; qed");
		Self(bytes)
	}

	/// The aggregate of signatures over one message (the sum of their
	/// points). `None` if one of them is not a valid point.
	pub fn aggregate<'a>(signatures: impl IntoIterator<Item = &'a Signature>) -> Option<Signature> {
		let mut sum = G1Projective::zero();
		for s in signatures {
			sum += s.point().ok()?;
		}
		Some(Self::of(sum.into_affine()))
	}
}

/// What a proof of possession signs: the key and its owner's account, so a
/// proof seen in a transaction pool cannot register the key for another
/// account first (and block its owner with `KeyInUse`).
fn possession_message(key: &PublicKey, owner: &[u8]) -> Vec<u8> {
	[key.0.as_slice(), owner].concat()
}

/// Verifies `signature` as the aggregate of the signatures over `message` by
/// the holders of `keys` (each key counted once per occurrence).
pub fn verify_aggregate<'a>(
	keys: impl IntoIterator<Item = &'a StoredKey>,
	message: &[u8],
	signature: &Signature,
) -> Result<(), BlsError> {
	let mut sum = G2Projective::zero();
	let mut any = false;
	for key in keys {
		sum += key.point()?;
		any = true;
	}
	if !any {
		return Err(BlsError::NoSigners);
	}
	let signature = signature.point()?;
	if pairing_check(signature, hash_to_g1(SIGNATURE_DST, message), sum.into_affine()) {
		Ok(())
	} else {
		Err(BlsError::BadSignature)
	}
}

/// Verifies one key's signature over `message`.
pub fn verify(key: &StoredKey, message: &[u8], signature: &Signature) -> Result<(), BlsError> {
	verify_aggregate(core::iter::once(key), message, signature)
}

/// `e(σ, g₂) = e(h, pk)`, as `e(σ, -g₂)·e(h, pk) = 1` with one multi-pairing.
fn pairing_check(signature: G1Affine, hashed: G1Affine, key: G2Affine) -> bool {
	if key.is_zero() {
		return false;
	}
	let minus_g2 = -G2Affine::generator();
	Bls12_381::multi_pairing([signature, hashed], [minus_g2, key]).is_zero()
}

/// `message` hashed to G1 under `dst` (IETF hash-to-curve, SSWU, random
/// oracle variant), with arkworks' plain BLS12-381 field arithmetic; the
/// point is then the same point of the host-function curve.
pub fn hash_to_g1(dst: &[u8], message: &[u8]) -> G1Affine {
	type Hasher = MapToCurveBasedHasher<
		ark_bls12_381::G1Projective,
		DefaultFieldHasher<sha2::Sha256, 128>,
		WBMap<ark_bls12_381::g1::Config>,
	>;
	let point = Hasher::new(dst)
		.and_then(|h| h.hash(message))
		.expect("the tags are short constants and hashing to G1 cannot fail; qed");
	match point.xy() {
		Some((x, y)) => G1Affine::new_unchecked(x, y),
		None => G1Affine::identity(),
	}
}

/// A committee member's secret key. Native code only keeps it (the node's
/// key file); the runtime never sees one.
#[derive(Clone)]
pub struct SecretKey(ScalarField);

impl SecretKey {
	/// The key derived from 32 bytes of secret seed (hashed to a scalar:
	/// 512 bits reduced modulo the group order, no bias worth naming).
	/// `None` for the (practically impossible) zero scalar.
	pub fn from_seed(seed: &[u8; 32]) -> Option<Self> {
		let wide = sp_crypto_hashing::blake2_512(&[b"daifi/bls-secret".as_slice(), seed].concat());
		let scalar = ScalarField::from_le_bytes_mod_order(&wide);
		(!scalar.is_zero()).then_some(Self(scalar))
	}

	/// The public key.
	pub fn public(&self) -> PublicKey {
		let point = (G2Projective::generator() * self.0).into_affine();
		let mut bytes = [0u8; 96];
		point
			.serialize_with_mode(&mut bytes[..], Compress::Yes)
			.expect("an affine G2 point is 96 bytes compressed; qed");
		PublicKey(bytes)
	}

	/// The proof of possession of this key, for `owner` (the encoded account
	/// that registers it).
	pub fn prove_possession(&self, owner: &[u8]) -> Signature {
		self.sign_with(POSSESSION_DST, &possession_message(&self.public(), owner))
	}

	/// Signs `message` (an attestation).
	pub fn sign(&self, message: &[u8]) -> Signature {
		self.sign_with(SIGNATURE_DST, message)
	}

	/// The key, checked, as the runtime stores it (no proof needed: the
	/// secret is at hand). For tests and benchmarks.
	#[cfg(any(test, feature = "runtime-benchmarks"))]
	pub fn stored(&self) -> StoredKey {
		StoredKey::of(&(G2Projective::generator() * self.0).into_affine())
	}

	/// The key whose signatures are the sum of both keys' signatures: what
	/// an aggregate of their signatures verifies as. For tests and
	/// benchmarks.
	#[cfg(any(test, feature = "runtime-benchmarks"))]
	pub fn add(&self, other: &SecretKey) -> SecretKey {
		SecretKey(self.0 + other.0)
	}

	fn sign_with(&self, dst: &[u8], message: &[u8]) -> Signature {
		Signature::of((hash_to_g1(dst, message) * self.0).into_affine())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn key(n: u8) -> SecretKey {
		SecretKey::from_seed(&[n; 32]).unwrap()
	}

	#[test]
	fn a_signature_verifies_for_its_message_and_key_only() {
		let (a, b) = (key(1), key(2));
		let stored = a.public().check_possession(&a.prove_possession(b"a"), b"a").unwrap();
		let sig = a.sign(b"task 7: output 0xab");
		assert_eq!(verify(&stored, b"task 7: output 0xab", &sig), Ok(()));
		assert_eq!(verify(&stored, b"task 7: output 0xac", &sig), Err(BlsError::BadSignature));
		assert_eq!(verify(&stored, b"task 7: output 0xab", &b.sign(b"task 7: output 0xab")), Err(BlsError::BadSignature));
	}

	#[test]
	fn an_aggregate_verifies_for_exactly_its_signers() {
		let keys: Vec<_> = (1..=4).map(key).collect();
		let stored: Vec<_> =
			keys.iter().map(|k| k.public().check_possession(&k.prove_possession(b"k"), b"k").unwrap()).collect();
		let message = b"root 0x01";
		let sigs: Vec<_> = keys[..3].iter().map(|k| k.sign(message)).collect();
		let aggregate = Signature::aggregate(&sigs).unwrap();
		assert_eq!(verify_aggregate(&stored[..3], message, &aggregate), Ok(()));
		// One signer more or less, or another message, fails.
		assert_eq!(verify_aggregate(&stored, message, &aggregate), Err(BlsError::BadSignature));
		assert_eq!(verify_aggregate(&stored[..2], message, &aggregate), Err(BlsError::BadSignature));
		assert_eq!(verify_aggregate(&stored[..3], b"root 0x02", &aggregate), Err(BlsError::BadSignature));
		assert_eq!(verify_aggregate(&[], message, &aggregate), Err(BlsError::NoSigners));
	}

	#[test]
	fn a_possession_proof_is_not_an_attestation_and_belongs_to_one_key() {
		let (a, b) = (key(1), key(2));
		// Another key's proof, or a signature of the key's bytes under the
		// attestation tag, proves nothing.
		assert_eq!(a.public().check_possession(&b.prove_possession(b"a"), b"a"), Err(BlsError::BadPossession));
		assert_eq!(a.public().check_possession(&a.sign(&possession_message(&a.public(), b"a")), b"a"), Err(BlsError::BadPossession));
		// A proof for one owner does not register the key for another.
		assert_eq!(a.public().check_possession(&a.prove_possession(b"a"), b"m"), Err(BlsError::BadPossession));
	}

	#[test]
	fn a_rogue_key_verifies_an_aggregate_but_cannot_prove_possession() {
		// Honest Alice has a key. Mallory publishes pk_m = x·g₂ − pk_alice:
		// the sum pk_alice + pk_m = x·g₂, so Mallory alone (knowing x) makes
		// an "aggregate" that claims Alice signed too.
		let alice = key(1);
		let x = key(9);
		let alice_point = alice.public().point().unwrap();
		let rogue_point = (x.public().point().unwrap().into_group() - alice_point).into_affine();
		let mut rogue = [0u8; 96];
		rogue_point.serialize_with_mode(&mut rogue[..], Compress::Yes).unwrap();
		let rogue = PublicKey(rogue);
		let stored_alice = alice.public().check_possession(&alice.prove_possession(b"alice"), b"alice").unwrap();
		let stored_rogue = StoredKey::of(&rogue.point().unwrap());
		let forged = x.sign(b"root 0xbad");
		assert_eq!(verify_aggregate(&[stored_alice, stored_rogue], b"root 0xbad", &forged), Ok(()));
		// So the key is never stored: whatever Mallory offers as its proof
		// of possession (it knows x and its own secrets, not the rogue key's),
		// the check fails.
		assert_eq!(rogue.check_possession(&x.prove_possession(b"m"), b"m"), Err(BlsError::BadPossession));
		assert_eq!(
			rogue.check_possession(&x.sign_with(POSSESSION_DST, &possession_message(&rogue, b"m")), b"m"),
			Err(BlsError::BadPossession)
		);
	}

	#[test]
	fn points_off_the_curve_or_the_identity_are_refused() {
		let a = key(1);
		let mut bad = a.public();
		bad.0[40] ^= 1;
		assert_eq!(bad.point().err(), Some(BlsError::BadPoint));
		let mut identity = [0u8; 96];
		G2Affine::identity().serialize_with_mode(&mut identity[..], Compress::Yes).unwrap();
		assert_eq!(PublicKey(identity).check_possession(&a.prove_possession(b"a"), b"a"), Err(BlsError::BadPoint));
		let mut sig = a.sign(b"m");
		sig.0[20] ^= 1;
		assert_eq!(verify(&a.public().check_possession(&a.prove_possession(b"a"), b"a").unwrap(), b"m", &sig), Err(BlsError::BadPoint));
	}

	#[test]
	fn hashing_to_g1_follows_the_ietf_test_vectors() {
		// RFC 9380, appendix J.9.1 (BLS12381G1_XMD:SHA-256_SSWU_RO_).
		let dst = b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";
		let hex = |f: ark_bls12_381::Fq| {
			let mut bytes = [0u8; 48];
			f.serialize_with_mode(&mut bytes[..], Compress::No).unwrap();
			bytes.iter().rev().map(|b| format!("{b:02x}")).collect::<String>()
		};
		let vectors: [(&[u8], &str, &str); 2] = [
			(
				b"",
				"052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
				"08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265",
			),
			(
				b"abc",
				"03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
				"0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885d",
			),
		];
		for (message, x, y) in vectors {
			let (px, py) = hash_to_g1(dst, message).xy().unwrap();
			assert_eq!((hex(px), hex(py)), (x.to_string(), y.to_string()));
		}
	}
}
