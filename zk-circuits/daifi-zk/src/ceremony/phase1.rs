//! Phase 1: powers of tau over BN254, run once by the network.
//!
//! The [`Accumulator`] holds, for secrets `tau`, `alpha` and `beta` nobody
//! knows, `tau^i · G1` for `i < 2n - 1`, `tau^i · G2`, `alpha · tau^i · G1`
//! and `beta · tau^i · G1` for `i < n`, and `beta · G2`, with `n = 2^power`.
//! It starts from the generators (all secrets 1). A contribution multiplies
//! in fresh secrets `(t, a, b)` and publishes a [`PublicKey`]: each secret
//! in G1 and G2 with a Schnorr proof of knowledge bound to the hash of the
//! file it builds on, so nobody can copy or cancel another contribution.
//! Anyone checks a step with [`verify_step`]: the first powers moved by the
//! published secrets (pairings), and the new accumulator is well formed
//! (consecutive powers, checked with one random linear combination per
//! sequence, so verification costs a few multi-scalar multiplications and
//! pairings, not one pairing per point). A [`Beacon`] closes the phase.
//!
//! Every step is a [`Phase1File`]; the hash of a file's canonical bytes
//! names it, and the next file records that hash as `previous`. The chain
//! stores these hashes (`modelRegistry.phase1Results`).

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::{file_hash, knowledge::Knowledge, Beacon, Hash};
use crate::{
	groth16::to_bytes,
	progress::{Progress, Reporter},
	ZkError,
};

/// Largest phase 1: 2^28 powers, the largest FFT domain of BN254's scalar field.
pub const MAX_POWER: u8 = 28;

const DOMAIN: &[u8] = b"daifi-phase1";
/// Points per unit of progress (and per parallel batch).
const CHUNK: usize = 1 << 12;

/// The powers of tau after some contributions.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Accumulator {
	/// `n = 2^power` powers (twice as many in G1).
	pub power: u8,
	/// `tau^i · G1` for `i < 2n - 1`.
	pub tau_g1: Vec<G1Affine>,
	/// `tau^i · G2` for `i < n`.
	pub tau_g2: Vec<G2Affine>,
	/// `alpha · tau^i · G1` for `i < n`.
	pub alpha_tau_g1: Vec<G1Affine>,
	/// `beta · tau^i · G1` for `i < n`.
	pub beta_tau_g1: Vec<G1Affine>,
	/// `beta · G2`.
	pub beta_g2: G2Affine,
}

impl Accumulator {
	/// The starting accumulator for `2^power` powers: every secret is 1.
	pub fn new(power: u8) -> Result<Self, ZkError> {
		if power == 0 || power > MAX_POWER {
			return Err(ZkError::Ceremony(format!("phase 1 power must be 1..={MAX_POWER}, not {power}")));
		}
		let n = 1usize << power;
		Ok(Accumulator {
			power,
			tau_g1: vec![G1Affine::generator(); 2 * n - 1],
			tau_g2: vec![G2Affine::generator(); n],
			alpha_tau_g1: vec![G1Affine::generator(); n],
			beta_tau_g1: vec![G1Affine::generator(); n],
			beta_g2: G2Affine::generator(),
		})
	}

	/// The number of powers, `2^power`.
	pub fn size(&self) -> usize {
		1usize << self.power
	}

	fn has_its_size(&self) -> bool {
		let n = self.size();
		self.power > 0 &&
			self.power <= MAX_POWER &&
			self.tau_g1.len() == 2 * n - 1 &&
			self.tau_g2.len() == n &&
			self.alpha_tau_g1.len() == n &&
			self.beta_tau_g1.len() == n
	}
}

/// One secret of a contribution, published in both groups with a proof of
/// knowledge.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct SecretShare {
	/// `x · G1`.
	pub g1: G1Affine,
	/// `x · G2`.
	pub g2: G2Affine,
	/// Knowledge of `x`, bound to the file the contribution builds on.
	pub proof: Knowledge,
}

impl SecretShare {
	fn new<R: RngCore + CryptoRng>(x: &Fr, label: &[u8], previous: &Hash, rng: &mut R) -> Self {
		SecretShare {
			g1: (G1Affine::generator() * x).into_affine(),
			g2: (G2Affine::generator() * x).into_affine(),
			proof: Knowledge::prove(DOMAIN, &context(previous, label), &G1Affine::generator(), x, rng),
		}
	}
}

fn context(previous: &Hash, label: &[u8]) -> Vec<u8> {
	[previous.as_slice(), label].concat()
}

/// What a contribution publishes about its secrets.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct PublicKey {
	/// The contribution's `t`.
	pub tau: SecretShare,
	/// Its `a`.
	pub alpha: SecretShare,
	/// Its `b`.
	pub beta: SecretShare,
}

/// One step of the phase-1 transcript: the initial accumulator, a
/// contribution, or the closing beacon.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Phase1File {
	/// The hash of the file this one builds on (zero for the initial one).
	pub previous: Hash,
	/// The contribution's public key (`None` for the initial accumulator).
	pub key: Option<PublicKey>,
	/// For the closing step: the beacon whose public secrets were applied.
	pub beacon: Option<Beacon>,
	/// The accumulator after this step.
	pub accumulator: Accumulator,
}

impl Phase1File {
	/// The initial accumulator of `2^power` powers.
	pub fn initial(power: u8) -> Result<Self, ZkError> {
		Ok(Phase1File { previous: [0; 32], key: None, beacon: None, accumulator: Accumulator::new(power)? })
	}

	/// The canonical bytes.
	pub fn to_bytes(&self) -> Vec<u8> {
		to_bytes(self)
	}

	/// Decodes a file, checking that every point is on the curve and in the
	/// prime-order subgroup.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkError> {
		let file: Self = crate::from_bytes(bytes)?;
		if !file.accumulator.has_its_size() {
			return Err(ZkError::Ceremony("the accumulator does not have the size its power says".into()));
		}
		Ok(file)
	}

	/// Decodes a file from `reader` as [`Phase1File::from_bytes`] does,
	/// without holding its bytes in memory (a large phase 1 is gigabytes);
	/// bytes left over are refused.
	pub fn read_from<R: std::io::Read>(mut reader: R) -> Result<Self, ZkError> {
		let file = Self::deserialize_compressed(&mut reader).map_err(|e| ZkError::Encoding(format!("{e}")))?;
		let mut rest = [0u8; 1];
		match reader.read(&mut rest) {
			Ok(0) => {},
			Ok(_) => return Err(ZkError::Encoding("bytes left over".into())),
			Err(e) => return Err(ZkError::Encoding(format!("{e}"))),
		}
		if !file.accumulator.has_its_size() {
			return Err(ZkError::Ceremony("the accumulator does not have the size its power says".into()));
		}
		Ok(file)
	}

	/// The hash that names this file: blake2b-256 of its canonical bytes.
	pub fn hash(&self) -> Hash {
		file_hash(&self.to_bytes())
	}
}

/// The secrets of one contribution.
struct Secrets {
	tau: Fr,
	alpha: Fr,
	beta: Fr,
}

fn nonzero<R: RngCore>(rng: &mut R) -> Fr {
	loop {
		let x = Fr::rand(rng);
		if !x.is_zero() {
			return x;
		}
	}
}

/// Adds a contribution with fresh secrets from `rng` on top of `previous`;
/// the secrets are dropped when this returns.
pub fn contribute<R: RngCore + CryptoRng>(previous: &Phase1File, rng: &mut R, reporter: Reporter) -> Phase1File {
	let secrets = Secrets { tau: nonzero(rng), alpha: nonzero(rng), beta: nonzero(rng) };
	apply(previous, &secrets, None, rng, reporter)
}

/// Closes the phase: applies the beacon's public secrets to `previous`.
pub fn apply_beacon(previous: &Phase1File, beacon: &Beacon, reporter: Reporter) -> Phase1File {
	let [tau, alpha, beta] = beacon.secrets([b"tau", b"alpha", b"beta"]);
	// The proofs' nonces come from the beacon too: the step is reproducible.
	let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_seed(beacon.seed());
	apply(previous, &Secrets { tau, alpha, beta }, Some(beacon.clone()), &mut rng, reporter)
}

fn apply<R: RngCore + CryptoRng>(
	previous_file: &Phase1File,
	secrets: &Secrets,
	beacon: Option<Beacon>,
	rng: &mut R,
	reporter: Reporter,
) -> Phase1File {
	let previous = previous_file.hash();
	let before = &previous_file.accumulator;
	let n = before.size();
	let key = PublicKey {
		tau: SecretShare::new(&secrets.tau, b"tau", &previous, rng),
		alpha: SecretShare::new(&secrets.alpha, b"alpha", &previous, rng),
		beta: SecretShare::new(&secrets.beta, b"beta", &previous, rng),
	};
	let mut powers = Vec::with_capacity(2 * n - 1);
	let mut power = Fr::from(1u64);
	for _ in 0..2 * n - 1 {
		powers.push(power);
		power *= secrets.tau;
	}
	let progress = reporter.step("phase 1: contributing", (4 * n - 1) as u64);
	let alpha_powers: Vec<Fr> = powers[..n].iter().map(|p| *p * secrets.alpha).collect();
	let beta_powers: Vec<Fr> = powers[..n].iter().map(|p| *p * secrets.beta).collect();
	let accumulator = Accumulator {
		power: before.power,
		tau_g1: scale(&before.tau_g1, &powers, &progress),
		tau_g2: scale(&before.tau_g2, &powers[..n], &progress),
		alpha_tau_g1: scale(&before.alpha_tau_g1, &alpha_powers, &progress),
		beta_tau_g1: scale(&before.beta_tau_g1, &beta_powers, &progress),
		beta_g2: (before.beta_g2 * secrets.beta).into_affine(),
	};
	Phase1File { previous, key: Some(key), beacon, accumulator }
}

/// `points[i] · scalars[i]`, in parallel batches.
fn scale<P: AffineRepr<ScalarField = Fr>>(points: &[P], scalars: &[Fr], progress: &Progress) -> Vec<P> {
	points
		.par_chunks(CHUNK)
		.zip(scalars.par_chunks(CHUNK))
		.flat_map_iter(|(points, scalars)| {
			let scaled: Vec<P::Group> = points.iter().zip(scalars).map(|(p, s)| *p * s).collect();
			progress.advance(points.len() as u64);
			P::Group::normalize_batch(&scaled)
		})
		.collect()
}

/// `e(a1, a2) == e(b1, b2)`.
fn same_ratio(a1: G1Affine, a2: G2Affine, b1: G1Affine, b2: G2Affine) -> bool {
	Bn254::pairing(a1, a2) == Bn254::pairing(b1, b2)
}

/// For random `rho`: `(Σ rho_i · s[i], Σ rho_i · s[i + 1])`. If the two are
/// in ratio `x`, every consecutive pair of `s` is (but with probability
/// about `len / r`).
fn shifted_combinations<P: AffineRepr<ScalarField = Fr>, R: RngCore>(points: &[P], rng: &mut R) -> (P, P)
where
	P::Group: VariableBaseMSM<MulBase = P>,
{
	let rho: Vec<Fr> = (0..points.len() - 1).map(|_| Fr::rand(rng)).collect();
	let low = P::Group::msm_unchecked(&points[..points.len() - 1], &rho);
	let high = P::Group::msm_unchecked(&points[1..], &rho);
	(low.into_affine(), high.into_affine())
}

/// Checks that `next` is a valid step after `previous` (a contribution or,
/// with `next.beacon`, the beacon). The error says what is wrong.
pub fn verify_step<R: RngCore>(
	previous: &Phase1File,
	next: &Phase1File,
	rng: &mut R,
	reporter: Reporter,
) -> Result<(), String> {
	verify_step_after(previous, &previous.hash(), next, rng, reporter)
}

/// [`verify_step`] with the hash of `previous` already known (a transcript
/// hashes each file once).
fn verify_step_after<R: RngCore>(
	previous: &Phase1File,
	previous_hash: &Hash,
	next: &Phase1File,
	rng: &mut R,
	reporter: Reporter,
) -> Result<(), String> {
	let progress = reporter.step("phase 1: verifying a step", 8);
	if &next.previous != previous_hash {
		return Err("it does not build on the previous step (its `previous` is another file's hash)".into());
	}
	let (before, after) = (&previous.accumulator, &next.accumulator);
	if after.power != before.power || !after.has_its_size() {
		return Err("its accumulator is not the size of the previous one".into());
	}
	let key = next.key.as_ref().ok_or("it has no public key")?;
	let (g1, g2) = (G1Affine::generator(), G2Affine::generator());

	// 1. The published secrets: the same in both groups, not zero, known to the contributor.
	for (label, share) in [("tau", &key.tau), ("alpha", &key.alpha), ("beta", &key.beta)] {
		if share.g1.is_zero() {
			return Err(format!("its {label} is zero"));
		}
		if !same_ratio(share.g1, g2, g1, share.g2) {
			return Err(format!("its {label} in G1 and in G2 differ"));
		}
		if !share.proof.verify(DOMAIN, &context(&next.previous, label.as_bytes()), &g1, &share.g1) {
			return Err(format!("the proof of knowledge of its {label} does not verify"));
		}
	}
	if let Some(beacon) = &next.beacon {
		if beacon.iterations_log2 > super::beacon::MAX_ITERATIONS_LOG2 {
			return Err("its beacon asks for more iterations than allowed".into());
		}
		let secrets = beacon.secrets([b"tau", b"alpha", b"beta"]);
		let published = [key.tau.g1, key.alpha.g1, key.beta.g1];
		if secrets.iter().zip(published).any(|(x, p)| (g1 * x).into_affine() != p) {
			return Err("its secrets are not the beacon's".into());
		}
	}
	progress.advance(1);

	// 2. The first powers moved by exactly the published secrets.
	if after.tau_g1[0] != g1 || after.tau_g2[0] != g2 {
		return Err("its first powers are not the generators".into());
	}
	if !same_ratio(after.tau_g1[1], g2, before.tau_g1[1], key.tau.g2) {
		return Err("tau in G1 did not move by its tau".into());
	}
	if !same_ratio(g1, after.tau_g2[1], key.tau.g1, before.tau_g2[1]) {
		return Err("tau in G2 did not move by its tau".into());
	}
	if !same_ratio(after.alpha_tau_g1[0], g2, before.alpha_tau_g1[0], key.alpha.g2) {
		return Err("alpha did not move by its alpha".into());
	}
	if !same_ratio(after.beta_tau_g1[0], g2, before.beta_tau_g1[0], key.beta.g2) {
		return Err("beta in G1 did not move by its beta".into());
	}
	if !same_ratio(g1, after.beta_g2, key.beta.g1, before.beta_g2) {
		return Err("beta in G2 did not move by its beta".into());
	}
	progress.advance(1);

	// 3. The new accumulator is well formed.
	well_formed(after, rng, &progress)
}

/// Checks that every sequence of `acc` holds consecutive powers of the same
/// `tau` (one random linear combination per sequence).
fn well_formed<R: RngCore>(acc: &Accumulator, rng: &mut R, progress: &Progress) -> Result<(), String> {
	let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
	let (tau_g1, tau_g2) = (acc.tau_g1[1], acc.tau_g2[1]);
	if tau_g1.is_zero() || acc.alpha_tau_g1[0].is_zero() || acc.beta_g2.is_zero() {
		return Err("a secret of the accumulator is zero".into());
	}
	let (low, high) = shifted_combinations(&acc.tau_g1, rng);
	if !same_ratio(high, g2, low, tau_g2) {
		return Err("the powers of tau in G1 are not consecutive".into());
	}
	progress.advance(2);
	let (low, high) = shifted_combinations(&acc.tau_g2, rng);
	if !same_ratio(g1, high, tau_g1, low) {
		return Err("the powers of tau in G2 are not consecutive".into());
	}
	progress.advance(2);
	for (label, points) in [("alpha", &acc.alpha_tau_g1), ("beta", &acc.beta_tau_g1)] {
		let (low, high) = shifted_combinations(points, rng);
		if !same_ratio(high, g2, low, tau_g2) {
			return Err(format!("the powers of tau times {label} are not consecutive"));
		}
	}
	progress.advance(1);
	if !same_ratio(acc.beta_tau_g1[0], g2, g1, acc.beta_g2) {
		return Err("beta in G1 and beta in G2 differ".into());
	}
	progress.advance(1);
	Ok(())
}

/// Verifies a whole phase-1 transcript: the initial accumulator, then each
/// contribution, then the beacon. `steps` yields the files in order (read
/// lazily, so only two accumulators are in memory at once). Returns the
/// hashes of every step (the last one names the final accumulator) and the
/// final file. The error names the step (0 is the initial accumulator).
pub fn verify_transcript<R: RngCore>(
	mut steps: impl Iterator<Item = Result<Phase1File, ZkError>>,
	rng: &mut R,
	reporter: Reporter,
) -> Result<(Vec<Hash>, Phase1File), ZkError> {
	let at = |step: usize, why: String| ZkError::Ceremony(format!("phase 1, step {step}: {why}"));
	let mut current = steps.next().ok_or_else(|| at(0, "the transcript is empty".into()))??;
	let initial = Phase1File::initial(current.accumulator.power).map_err(|e| at(0, e.to_string()))?;
	if current != initial {
		return Err(at(0, "it is not the initial accumulator of its size".into()));
	}
	let mut hashes = vec![current.hash()];
	for (i, next) in steps.enumerate() {
		let step = i + 1;
		let next = next.map_err(|e| at(step, e.to_string()))?;
		if current.beacon.is_some() {
			return Err(at(step, "it follows the beacon, which closed the phase".into()));
		}
		let current_hash = hashes.last().copied().unwrap_or_default();
		verify_step_after(&current, &current_hash, &next, rng, reporter).map_err(|why| at(step, why))?;
		hashes.push(next.hash());
		current = next;
	}
	if hashes.len() < 3 {
		return Err(at(hashes.len(), "a transcript needs at least one contribution and the beacon".into()));
	}
	if current.beacon.is_none() {
		return Err(at(hashes.len() - 1, "the transcript is not closed by a beacon".into()));
	}
	Ok((hashes, current))
}

#[cfg(test)]
mod tests {
	use super::*;
	use rand::{rngs::StdRng, SeedableRng};

	#[test]
	fn contributions_and_the_beacon_verify() {
		let rng = &mut StdRng::seed_from_u64(1);
		let initial = Phase1File::initial(3).unwrap();
		let one = contribute(&initial, rng, Reporter::Silent);
		verify_step(&initial, &one, rng, Reporter::Silent).expect("a contribution");
		let beacon = Beacon { value: [7; 32], iterations_log2: 2 };
		let last = apply_beacon(&one, &beacon, Reporter::Silent);
		verify_step(&one, &last, rng, Reporter::Silent).expect("the beacon");
		assert_eq!(apply_beacon(&one, &beacon, Reporter::Silent), last, "the beacon step is reproducible");
		let (hashes, _) =
			verify_transcript([initial, one, last].into_iter().map(Ok), rng, Reporter::Silent).unwrap();
		assert_eq!(hashes.len(), 3);
	}

	#[test]
	fn a_contribution_claiming_to_be_the_beacon_is_refused() {
		let rng = &mut StdRng::seed_from_u64(2);
		let initial = Phase1File::initial(2).unwrap();
		let mut fake = contribute(&initial, rng, Reporter::Silent);
		fake.beacon = Some(Beacon { value: [1; 32], iterations_log2: 0 });
		assert_eq!(
			verify_step(&initial, &fake, rng, Reporter::Silent),
			Err("its secrets are not the beacon's".into())
		);
	}
}
