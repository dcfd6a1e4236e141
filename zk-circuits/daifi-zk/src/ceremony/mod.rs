//! The trusted setup: how a model's Groth16 key is made so that nobody can
//! forge proofs for it.
//!
//! Whoever knows a Groth16 key's secrets (`tau`, `alpha`, `beta`, `delta`)
//! can prove anything. So no single party makes a key:
//!
//! 1. **Phase 1** ([`phase1`]), once for the network: the powers of a secret
//!    `tau` (and `alpha`, `beta`), built up by contributors in turn, each
//!    multiplying in secrets of its own with a proof of knowledge, then
//!    closed by a [`Beacon`] (a block hash fixed in advance). Nobody knows
//!    the final `tau`, `alpha`, `beta` if **one** contributor destroyed its
//!    secrets.
//! 2. **Derivation** ([`derive`]), per model, by anyone, deterministically:
//!    the circuit's key is computed from the phase-1 powers by FFTs in the
//!    exponent, with `delta = gamma = 1`.
//! 3. **Phase 2** ([`phase2`]), per model: contributors re-randomize `delta`,
//!    then a beacon. Nobody knows `delta` if **one** phase-2 contributor
//!    destroyed its secret.
//!
//! A key is sound if one phase-1 contributor **and** one phase-2 contributor
//! of its model were honest (BGM17): whoever knows `delta` can forge (with
//! `gamma = 1`, `C = -IC(x)/delta` completes `A = alpha`, `B = beta`), and so
//! can whoever knows `tau`, `alpha` and `beta`, so each phase needs its own
//! honest contributor. Phase 2 contributions are not tied to identities yet:
//! whoever whitelists a model must see in its transcript a contribution it
//! trusts (or add one). [`trace`] checks a key all the way back: that it was
//! derived from this phase-1 file for this circuit and carries exactly the
//! transcript's contributions. What no check can show is that a
//! contributor destroyed its secret; that is why anyone may contribute.
//!
//! Everything is named by [`file_hash`] (blake2b-256 of canonical bytes),
//! the hashes the chain records.

pub mod beacon;
pub mod derive;
pub mod knowledge;
pub mod phase1;
pub mod phase2;

pub use beacon::Beacon;

use blake2::{digest::consts::U32, Blake2b, Digest};
use rand::RngCore;

use crate::{groth16::ProvingKey, progress::Reporter, Circuit, ZkError};

/// A 32-byte hash naming a ceremony file.
pub type Hash = [u8; 32];

/// blake2b-256 of `bytes`: the name of a ceremony file (and of a model: its
/// ONNX file).
pub fn file_hash(bytes: &[u8]) -> Hash {
	Blake2b::<U32>::digest(bytes).into()
}

/// Checks that `key` is a ceremony-made key for `circuit`: derived from the
/// closing phase-1 file `phase1` (whose hash the transcript must name), then
/// exactly `transcript`'s phase-2 contributions and beacon.
pub fn trace<R: RngCore>(
	circuit: &Circuit,
	phase1: &phase1::Phase1File,
	transcript: &phase2::Transcript,
	key: &ProvingKey,
	rng: &mut R,
	reporter: Reporter,
) -> Result<(), ZkError> {
	if phase1.beacon.is_none() {
		return Err(ZkError::Ceremony("the phase-1 file is not the closing (beacon) step".into()));
	}
	if transcript.phase1 != phase1.hash() {
		return Err(ZkError::Ceremony("the transcript names another phase 1".into()));
	}
	let initial = derive::initial_key(&phase1.accumulator, circuit, reporter)?;
	phase2::verify(&initial, transcript, key, rng, reporter)
}
