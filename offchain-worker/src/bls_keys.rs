//! A provider's committee key: a BLS12-381 secret derived from its compute
//! key in the node's keystore, never stored anywhere else.
//!
//! The seed is the compute key's sr25519 VRF output on a fixed input
//! (`daifi/bls-seed`): deterministic (the same key gives the same BLS key
//! after a restart or on a new machine with the same keystore), known only
//! to whoever holds the compute key's secret, and never published (the node
//! signs no VRF over that input). Backing up the keystore backs up the BLS
//! key; rotating the compute key rotates it.

use pallet_attestation::bls::{PublicKey, SecretKey, Signature};
use sp_core::{crypto::KeyTypeId, sr25519};
use sp_externalities::ExternalitiesExt;
use sp_keystore::KeystoreExt;

/// The VRF input the seed is the output on.
fn seed_input() -> sr25519::vrf::VrfInput {
	sr25519::vrf::VrfInput::new(b"daifi/bls-seed", &[])
}

/// The committee key of the VRF pre-output `pre_output` of compute key `public`.
fn from_pre_output(pre_output: &sr25519::vrf::VrfPreOutput, public: &sr25519::Public) -> Option<SecretKey> {
	let seed: [u8; 32] = pre_output.make_bytes(b"daifi/bls-seed", &seed_input(), public).ok()?;
	SecretKey::from_seed(&seed)
}

/// The secret key of compute key `public` (of key type `key_type`), if the
/// keystore of the current externalities holds it.
fn secret(key_type: [u8; 4], public: [u8; 32]) -> Option<SecretKey> {
	let keystore = sp_externalities::with_externalities(|mut ext| ext.extension::<KeystoreExt>().map(|k| k.0.clone()))
		.flatten()?;
	from_keystore(&*keystore, key_type, public)
}

/// The committee key of compute key `public` (of key type `key_type`), if
/// `keystore` holds it: for the node's own services outside the off-chain
/// worker (a member signing a batch on request).
pub fn from_keystore(keystore: &dyn sp_keystore::Keystore, key_type: [u8; 4], public: [u8; 32]) -> Option<SecretKey> {
	let public = sr25519::Public::from_raw(public);
	let pre_output = keystore.sr25519_vrf_pre_output(KeyTypeId(key_type), &public, &seed_input()).ok()??;
	from_pre_output(&pre_output, &public)
}

/// The committee key of compute key `pair`: what a node whose keystore
/// holds it derives (for tools that sign as a member, given its secret).
pub fn from_pair(pair: &sr25519::Pair) -> Option<SecretKey> {
	use sp_core::crypto::{Pair as _, VrfSecret};
	from_pre_output(&pair.vrf_pre_output(&seed_input()), &pair.public())
}

/// The BLS public key of compute key `public` and its proof of possession
/// for `owner` (the encoded provider account).
pub fn public_key(key_type: [u8; 4], public: [u8; 32], owner: &[u8]) -> Option<(PublicKey, Signature)> {
	let secret = secret(key_type, public)?;
	Some((secret.public(), secret.prove_possession(owner)))
}

/// `message` signed with the BLS key of compute key `public`.
pub fn sign(key_type: [u8; 4], public: [u8; 32], message: &[u8]) -> Option<Signature> {
	Some(secret(key_type, public)?.sign(message))
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::Pair;
	use sp_keystore::{testing::MemoryKeystore, Keystore};

	const TYPE: [u8; 4] = *b"dcmp";

	fn with_keystore<R>(test: impl FnOnce(&MemoryKeystore) -> R) -> R {
		let keystore = MemoryKeystore::new();
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(KeystoreExt::new(keystore.clone()));
		ext.execute_with(|| test(&keystore))
	}

	#[test]
	fn the_key_is_the_compute_keys_and_only_its_holder_has_it() {
		with_keystore(|keystore| {
			let alice = keystore.sr25519_generate_new(KeyTypeId(TYPE), Some("//Alice//compute")).unwrap();
			let bob = sr25519::Pair::from_string("//Bob//compute", None).unwrap().public();
			let (key, proof) = public_key(TYPE, alice.0, b"owner").expect("the keystore holds Alice's key");
			// Deterministic, with a valid proof for its owner only.
			assert_eq!(public_key(TYPE, alice.0, b"owner").unwrap().0, key);
			assert!(key.check_possession(&proof, b"owner").is_ok());
			assert!(key.check_possession(&proof, b"other").is_err());
			// Signatures verify with it.
			let stored = key.check_possession(&proof, b"owner").unwrap();
			let signature = sign(TYPE, alice.0, b"attest").unwrap();
			assert!(pallet_attestation::bls::verify(&stored, b"attest", &signature).is_ok());
			// Whoever holds the compute key's secret derives the same key.
			let pair = sr25519::Pair::from_string("//Alice//compute", None).unwrap();
			assert_eq!(from_pair(&pair).unwrap().public(), key);
			// A key the keystore does not hold, or another key type: nothing.
			assert!(public_key(TYPE, bob.0, b"owner").is_none());
			assert!(public_key(*b"babe", alice.0, b"owner").is_none());
		});
	}

	#[test]
	fn without_a_keystore_there_is_no_key() {
		let mut ext = sp_io::TestExternalities::default();
		ext.execute_with(|| assert!(public_key(TYPE, [1; 32], b"owner").is_none()));
	}
}
