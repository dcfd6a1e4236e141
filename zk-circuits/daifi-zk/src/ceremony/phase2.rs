//! Phase 2 (Bowe–Gabizon–Miers 2017), per model: contributors in turn
//! re-randomize `delta` of the key [`super::derive::initial_key`] derived
//! from phase 1, then a [`Beacon`] closes it.
//!
//! A contribution with secret `d` multiplies `delta` (in G1 and G2) by `d`
//! and divides the `h` and `l` queries by `d`; nothing else changes. It
//! appends a [`Receipt`] to the model's [`Transcript`]: the new `delta` in G1
//! and a Schnorr proof of knowledge of `d` (base: the previous `delta`),
//! bound to the initial key's hash and the contribution's position.
//!
//! [`verify`] checks a final key against the initial key and the transcript
//! in one pass, whatever the number of contributions: the chain of `delta`s
//! (each proven known to its contributor, the beacon's recomputed), `delta`
//! equal in both groups, every other part of the key unchanged, and `h` and
//! `l` divided by the final `delta` (one random linear combination each).
//! Anyone who wants to check the key after contribution `i` runs the same
//! check on the transcript's first `i` receipts.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::{file_hash, knowledge::Knowledge, Beacon, Hash};
use crate::{
	groth16::{to_bytes, ProvingKey},
	progress::Reporter,
	ZkError,
};

const DOMAIN: &[u8] = b"daifi-phase2";

/// The public record of one contribution.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Receipt {
	/// `delta` in G1 after the contribution (`d` times the one before).
	pub delta_after: G1Affine,
	/// Knowledge of `d`.
	pub proof: Knowledge,
}

/// A model's phase-2 transcript: what the chain names by its hash.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Transcript {
	/// The hash of the phase-1 file (the closing beacon step) the key was derived from.
	pub phase1: Hash,
	/// The hash of the initial key: it binds the circuit (and phase 1).
	pub initial: Hash,
	/// The contributions, in order.
	pub contributions: Vec<Receipt>,
	/// The beacon that closed the phase, once closed.
	pub beacon: Option<Beacon>,
}

impl Transcript {
	/// A transcript with no contribution yet, for `initial` derived from the
	/// phase-1 file hashed `phase1`.
	pub fn start(phase1: Hash, initial: &ProvingKey) -> Self {
		Transcript { phase1, initial: key_hash(initial), contributions: Vec::new(), beacon: None }
	}

	/// The canonical bytes.
	pub fn to_bytes(&self) -> Vec<u8> {
		to_bytes(self)
	}

	/// The hash the chain records: blake2b-256 of the canonical bytes.
	pub fn hash(&self) -> Hash {
		file_hash(&self.to_bytes())
	}

	fn context(&self, index: usize, delta_before: &G1Affine) -> Vec<u8> {
		[&self.initial[..], &(index as u64).to_le_bytes(), &to_bytes(delta_before)].concat()
	}
}

/// The hash of a proving key's canonical bytes.
pub fn key_hash(key: &ProvingKey) -> Hash {
	file_hash(&to_bytes(key))
}

/// Multiplies delta by `d`: the key after a contribution with secret `d`.
fn rerandomize(key: &ProvingKey, d: &Fr, reporter: Reporter) -> ProvingKey {
	let d_inv = d.inverse().unwrap_or_default();
	let progress = reporter.step("phase 2: contributing", (key.h_query.len() + key.l_query.len()) as u64);
	let scale = |points: &[G1Affine]| -> Vec<G1Affine> {
		let scaled: Vec<G1Projective> = points
			.par_chunks(1 << 10)
			.flat_map_iter(|chunk| {
				progress.advance(chunk.len() as u64);
				chunk.iter().map(|p| *p * d_inv).collect::<Vec<_>>()
			})
			.collect();
		G1Projective::normalize_batch(&scaled)
	};
	let mut next = key.clone();
	next.delta_g1 = (key.delta_g1 * d).into_affine();
	next.vk.delta_g2 = (key.vk.delta_g2 * d).into_affine();
	next.h_query = scale(&key.h_query);
	next.l_query = scale(&key.l_query);
	next
}

/// Adds a contribution with a fresh secret from `rng` (dropped when this
/// returns) to `key`, whose transcript so far is `transcript`; appends the
/// receipt and returns the new key.
pub fn contribute<R: RngCore + CryptoRng>(
	key: &ProvingKey,
	transcript: &mut Transcript,
	rng: &mut R,
	reporter: Reporter,
) -> Result<ProvingKey, ZkError> {
	if transcript.beacon.is_some() {
		return Err(ZkError::Ceremony("phase 2 is closed: the beacon was applied".into()));
	}
	let mut d = Fr::rand(rng);
	while d.is_zero() {
		d = Fr::rand(rng);
	}
	let next = rerandomize(key, &d, reporter);
	let context = transcript.context(transcript.contributions.len(), &key.delta_g1);
	let proof = Knowledge::prove(DOMAIN, &context, &key.delta_g1, &d, rng);
	transcript.contributions.push(Receipt { delta_after: next.delta_g1, proof });
	Ok(next)
}

/// Closes phase 2 with `beacon`: its public secret re-randomizes delta once more.
pub fn apply_beacon(
	key: &ProvingKey,
	transcript: &mut Transcript,
	beacon: Beacon,
	reporter: Reporter,
) -> Result<ProvingKey, ZkError> {
	if transcript.beacon.is_some() {
		return Err(ZkError::Ceremony("phase 2 is already closed by a beacon".into()));
	}
	let [d] = beacon.secrets([b"delta"]);
	transcript.beacon = Some(beacon);
	Ok(rerandomize(key, &d, reporter))
}

/// Checks that `key` is `initial` after exactly the contributions and the
/// beacon of `transcript`. The error names the contribution or the part of
/// the key that is wrong.
pub fn verify<R: RngCore>(
	initial: &ProvingKey,
	transcript: &Transcript,
	key: &ProvingKey,
	rng: &mut R,
	reporter: Reporter,
) -> Result<(), ZkError> {
	let refuse = |why: String| Err(ZkError::Ceremony(format!("phase 2: {why}")));
	if transcript.initial != key_hash(initial) {
		return refuse("the transcript starts from another key (another circuit or another phase 1)".into());
	}
	if transcript.contributions.is_empty() {
		return refuse("no contribution: the key's delta would be public".into());
	}
	let progress = reporter.step("phase 2: verifying", 4);
	// 1. The chain of deltas, each step proven by its contributor.
	let mut delta = initial.delta_g1;
	for (i, receipt) in transcript.contributions.iter().enumerate() {
		if receipt.delta_after.is_zero() {
			return refuse(format!("contribution {}: delta is the identity", i + 1));
		}
		let context = transcript.context(i, &delta);
		if !receipt.proof.verify(DOMAIN, &context, &delta, &receipt.delta_after) {
			return refuse(format!("contribution {}: the proof of knowledge does not verify", i + 1));
		}
		delta = receipt.delta_after;
	}
	match &transcript.beacon {
		Some(beacon) if beacon.iterations_log2 > super::beacon::MAX_ITERATIONS_LOG2 =>
			return refuse("the beacon asks for more iterations than allowed".into()),
		Some(beacon) => {
			let [d] = beacon.secrets([b"delta"]);
			delta = (delta * d).into_affine();
		},
		None => return refuse("the transcript is not closed by a beacon".into()),
	}
	progress.advance(1);
	// 2. The key's delta is the transcript's, the same in both groups.
	if key.delta_g1 != delta {
		return refuse("the key's delta is not the one the transcript ends with".into());
	}
	if Bn254::pairing(key.delta_g1, G2Affine::generator()) != Bn254::pairing(G1Affine::generator(), key.vk.delta_g2)
	{
		return refuse("delta in G1 and delta in G2 differ".into());
	}
	// 3. Nothing but delta, h and l changed.
	let same = initial.vk.alpha_g1 == key.vk.alpha_g1 &&
		initial.vk.beta_g2 == key.vk.beta_g2 &&
		initial.vk.gamma_g2 == key.vk.gamma_g2 &&
		initial.vk.gamma_abc_g1 == key.vk.gamma_abc_g1 &&
		initial.beta_g1 == key.beta_g1 &&
		initial.a_query == key.a_query &&
		initial.b_g1_query == key.b_g1_query &&
		initial.b_g2_query == key.b_g2_query;
	if !same {
		return refuse("the key differs from the initial key in more than delta, h and l".into());
	}
	if initial.h_query.len() != key.h_query.len() || initial.l_query.len() != key.l_query.len() {
		return refuse("the h or l query changed length".into());
	}
	progress.advance(1);
	// 4. h and l were divided by delta: e(Σ rho·new, delta) = e(Σ rho·old, delta_initial).
	for (name, old, new) in [("h", &initial.h_query, &key.h_query), ("l", &initial.l_query, &key.l_query)] {
		let rho: Vec<Fr> = (0..old.len()).map(|_| Fr::rand(rng)).collect();
		let combine = |points: &[G1Affine]| G1Projective::msm_unchecked(points, &rho).into_affine();
		if Bn254::pairing(combine(new), key.vk.delta_g2) != Bn254::pairing(combine(old), initial.vk.delta_g2) {
			return refuse(format!("the {name} query was not divided by delta"));
		}
		progress.advance(1);
	}
	Ok(())
}
