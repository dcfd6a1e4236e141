//! The trusted setup end to end: phase 1, key derivation, phase 2. Honest
//! transcripts verify and their keys prove; every kind of tampering is
//! refused at the step where it happened.

mod common;

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, UniformRand};
use ark_groth16::Groth16;
use common::{model_bytes, rng_with, test_set, BINDING};
use daifi_zk::{
	ceremony::{
		derive::initial_key,
		phase1::{self, Phase1File},
		phase2::{self, Transcript},
		trace, Beacon,
	},
	circuit::synth::Synthesis,
	compile, prove,
	progress::Reporter::Silent,
	verify, Circuit, ProvingKey, ZkError,
};
use rand::rngs::StdRng;
use std::sync::OnceLock;

const BEACON: Beacon = Beacon { value: [0x5a; 32], iterations_log2: 4 };

/// Initial file, three contributions, the beacon.
fn phase1_transcript(power: u8) -> Vec<Phase1File> {
	let mut files = vec![Phase1File::initial(power).unwrap()];
	for seed in 1..=3 {
		let next = phase1::contribute(files.last().unwrap(), &mut rng_with(seed), Silent);
		files.push(next);
	}
	let closing = phase1::apply_beacon(files.last().unwrap(), &BEACON, Silent);
	files.push(closing);
	files
}

fn verify_phase1(files: Vec<Phase1File>) -> Result<(), String> {
	phase1::verify_transcript(files.into_iter().map(Ok), &mut rng_with(99), Silent)
		.map(|_| ())
		.map_err(|e| e.to_string())
}

fn refused_at(result: Result<(), String>, step: usize, why: &str) {
	let error = result.expect_err("tampering must be refused");
	let expected = format!("ceremony contribution refused: phase 1, step {step}: {why}");
	assert_eq!(error, expected);
}

#[test]
fn an_honest_phase1_transcript_verifies() {
	let files = phase1_transcript(3);
	let hashes: Vec<_> = files.iter().map(Phase1File::hash).collect();
	let (verified, last) = phase1::verify_transcript(files.into_iter().map(Ok), &mut rng_with(1), Silent).unwrap();
	assert_eq!(verified, hashes, "every step's hash, the last naming the final accumulator");
	assert_eq!(last.beacon, Some(BEACON));
	assert_ne!(last.accumulator.tau_g1[1], G1Affine::generator(), "tau is not 1 any more");
}

#[test]
fn altered_powers_are_refused_at_their_step() {
	let mut files = phase1_transcript(3);
	let p = &mut files[2].accumulator.tau_g1;
	p[5] = (p[5] + G1Affine::generator()).into_affine();
	refused_at(verify_phase1(files), 2, "the powers of tau in G1 are not consecutive");

	let mut files = phase1_transcript(3);
	let p = &mut files[2].accumulator.beta_tau_g1;
	p[3] = p[2];
	refused_at(verify_phase1(files), 2, "the powers of tau times beta are not consecutive");
}

#[test]
fn a_swapped_g2_point_is_refused_at_its_step() {
	let mut files = phase1_transcript(3);
	files[3].accumulator.tau_g2.swap(2, 3);
	refused_at(verify_phase1(files), 3, "the powers of tau in G2 are not consecutive");

	let mut files = phase1_transcript(3);
	files[1].accumulator.beta_g2 = files[0].accumulator.beta_g2;
	refused_at(verify_phase1(files), 1, "beta in G2 did not move by its beta");
}

#[test]
fn a_wrong_proof_of_knowledge_is_refused_at_its_step() {
	let mut files = phase1_transcript(3);
	files[2].key.as_mut().unwrap().tau.proof.response += Fr::one();
	refused_at(verify_phase1(files), 2, "the proof of knowledge of its tau does not verify");

	// A contributor copying an earlier public key (it does not know the secret,
	// and the proof is bound to what the earlier one built on).
	let mut files = phase1_transcript(3);
	let copied = files[1].key.clone();
	files[2].key = copied;
	refused_at(verify_phase1(files), 2, "the proof of knowledge of its tau does not verify");

	// Secrets different in G1 and G2.
	let mut files = phase1_transcript(3);
	let other = files[1].key.as_ref().unwrap().alpha.g2;
	files[2].key.as_mut().unwrap().alpha.g2 = other;
	refused_at(verify_phase1(files), 2, "its alpha in G1 and in G2 differ");
}

#[test]
fn an_accumulator_that_does_not_match_its_public_key_is_refused() {
	// Contribution 2 made twice with different secrets: the accumulator of one
	// with the public key of the other.
	let mut files = phase1_transcript(3);
	let other = phase1::contribute(&files[1], &mut rng_with(77), Silent);
	files[2].key = other.key;
	let result = verify_phase1(files);
	// Its key is valid on its own; the powers did not move by its secrets.
	refused_at(result, 2, "tau in G1 did not move by its tau");
}

#[test]
fn a_contribution_that_skipped_the_previous_one_is_refused() {
	let mut files = phase1_transcript(3);
	files.remove(2);
	refused_at(verify_phase1(files), 2, "it does not build on the previous step (its `previous` is another file's hash)");
}

#[test]
fn a_transcript_must_start_at_the_initial_file_and_end_with_the_beacon() {
	let files = phase1_transcript(3);
	refused_at(verify_phase1(files[1..].to_vec()), 0, "it is not the initial accumulator of its size");
	refused_at(verify_phase1(files[..4].to_vec()), 3, "the transcript is not closed by a beacon");
	let mut after_beacon = files.clone();
	after_beacon.push(phase1::contribute(&files[4], &mut rng_with(8), Silent));
	refused_at(verify_phase1(after_beacon), 5, "it follows the beacon, which closed the phase");
	let mut fake_beacon = files[..4].to_vec();
	let mut fake = phase1::contribute(&files[3], &mut rng_with(9), Silent);
	fake.beacon = Some(BEACON);
	fake_beacon.push(fake);
	refused_at(verify_phase1(fake_beacon), 4, "its secrets are not the beacon's");
}

#[test]
fn files_round_trip_and_bad_bytes_are_refused() {
	let files = phase1_transcript(2);
	let bytes = files[2].to_bytes();
	assert_eq!(Phase1File::from_bytes(&bytes).unwrap(), files[2]);
	assert!(matches!(Phase1File::from_bytes(&bytes[..bytes.len() - 1]), Err(ZkError::Encoding(_))));
	let mut longer = bytes.clone();
	longer.push(0);
	assert_eq!(Phase1File::from_bytes(&longer), Err(ZkError::Encoding("1 bytes left over".into())));
	let mut flipped = bytes.clone();
	flipped[40] ^= 0x40;
	assert!(Phase1File::from_bytes(&flipped).is_err(), "a point off the curve");
	assert!(Phase1File::initial(0).is_err() && Phase1File::initial(29).is_err());
}

fn circuit(name: &str) -> Circuit {
	compile(&model_bytes(name)).unwrap()
}

/// The closing file of a 2^10 phase 1 (the 64-32-10 MLP's circuit needs
/// 2^10 powers), made once for all tests.
fn phase1_final() -> &'static Phase1File {
	static FINAL: OnceLock<Phase1File> = OnceLock::new();
	FINAL.get_or_init(|| phase1_transcript(10).pop().unwrap())
}

#[test]
fn a_derived_key_equals_arkworks_key_for_the_same_secrets() {
	// One contribution from a seeded rng: its secrets are the rng's first three
	// draws (tau, alpha, beta), and arkworks draws tau first too.
	let seed = 2024;
	let circuit = circuit("mlp_64_32_10");
	let initial = Phase1File::initial(10).unwrap();
	let accumulator = phase1::contribute(&initial, &mut rng_with(seed), Silent).accumulator;
	let mut draws = rng_with(seed);
	let (_tau, alpha, beta) = (Fr::rand(&mut draws), Fr::rand(&mut draws), Fr::rand(&mut draws));

	let derived = initial_key(&accumulator, &circuit, Silent).unwrap();
	let expected = Groth16::<Bn254>::generate_parameters_with_qap(
		Synthesis::<Fr> { program: &circuit.program, assignment: None },
		alpha,
		beta,
		Fr::one(),
		Fr::one(),
		G1Affine::generator().into_group(),
		G2Affine::generator().into_group(),
		&mut rng_with(seed),
	)
	.unwrap();
	assert_eq!(derived, expected, "every query of the key, point for point");
}

#[test]
fn a_circuit_larger_than_phase1_is_refused() {
	let small = phase1_transcript(3).pop().unwrap();
	let error = initial_key(&small.accumulator, &circuit("mlp_64_32_10"), Silent).unwrap_err();
	assert_eq!(
		error,
		ZkError::Ceremony("the circuit needs 2^10 powers of tau and phase 1 has 2^3".into())
	);
}

/// Phase 2 on the 64-32-10 MLP after [`phase1_final`]: two contributions and
/// the beacon; made once.
fn phase2_transcript() -> &'static (Circuit, ProvingKey, Transcript, ProvingKey) {
	static PHASE2: OnceLock<(Circuit, ProvingKey, Transcript, ProvingKey)> = OnceLock::new();
	PHASE2.get_or_init(|| make_phase2(phase1_final()))
}

fn make_phase2(phase1: &Phase1File) -> (Circuit, ProvingKey, Transcript, ProvingKey) {
	let circuit = circuit("mlp_64_32_10");
	let initial = initial_key(&phase1.accumulator, &circuit, Silent).unwrap();
	let mut transcript = Transcript::start(phase1.hash(), &initial);
	let one = phase2::contribute(&initial, &mut transcript, &mut rng_with(11), Silent).unwrap();
	let two = phase2::contribute(&one, &mut transcript, &mut rng_with(12), Silent).unwrap();
	let last = phase2::apply_beacon(&two, &mut transcript, BEACON, Silent).unwrap();
	(circuit, initial, transcript, last)
}

fn rng() -> StdRng {
	rng_with(5)
}

#[test]
fn a_ceremony_key_proves_and_verifies() {
	let phase1 = phase1_final();
	let (circuit, initial, transcript, key) = phase2_transcript();
	trace(circuit, phase1, &transcript, &key, &mut rng(), Silent).expect("traced back to phase 1");

	let (inputs, _) = test_set();
	for image in &inputs[..3] {
		let input = circuit.quantize_input(image).unwrap();
		let (output, proof) = prove(&circuit, &key, &BINDING, &input, &mut rng()).unwrap();
		verify(&key.vk, &circuit.layout(), &BINDING, &input, &output, &proof).expect("a proof under the ceremony key verifies");
		let mut wrong = output.clone();
		wrong[0] += 1;
		assert!(verify(&key.vk, &circuit.layout(), &BINDING, &input, &wrong, &proof).is_err(), "an altered output does not");
		assert!(verify(&initial.vk, &circuit.layout(), &BINDING, &input, &output, &proof).is_err(), "nor does the initial key");
	}
}

fn phase2_refused(
	initial: &ProvingKey,
	transcript: &Transcript,
	key: &ProvingKey,
	why: &str,
) {
	let error = phase2::verify(initial, transcript, key, &mut rng(), Silent).unwrap_err();
	assert_eq!(error, ZkError::Ceremony(format!("phase 2: {why}")));
}

#[test]
fn tampered_phase2_transcripts_and_keys_are_refused() {
	let phase1 = phase1_final();
	let (circuit, initial, transcript, key) = phase2_transcript();

	let mut forged = transcript.clone();
	forged.contributions[1].proof.response += Fr::one();
	phase2_refused(&initial, &forged, &key, "contribution 2: the proof of knowledge does not verify");

	let mut skipped = transcript.clone();
	skipped.contributions.remove(0);
	phase2_refused(&initial, &skipped, &key, "contribution 1: the proof of knowledge does not verify");

	let mut open = transcript.clone();
	open.beacon = None;
	phase2_refused(&initial, &open, &key, "the transcript is not closed by a beacon");

	// A beacon that would make every provider hash for days.
	let mut slow = transcript.clone();
	slow.beacon = Some(Beacon { value: [0x5a; 32], iterations_log2: 40 });
	phase2_refused(&initial, &slow, &key, "the beacon asks for more iterations than allowed");

	let mut empty = transcript.clone();
	empty.contributions.clear();
	phase2_refused(&initial, &empty, &key, "no contribution: the key's delta would be public");

	let mut bad = key.clone();
	bad.h_query[3] = (bad.h_query[3] + bad.h_query[4]).into_affine();
	phase2_refused(&initial, &transcript, &bad, "the h query was not divided by delta");

	let mut bad = key.clone();
	bad.l_query[0] = (bad.l_query[0] + bad.l_query[0]).into_affine();
	phase2_refused(&initial, &transcript, &bad, "the l query was not divided by delta");

	let mut bad = key.clone();
	bad.a_query[1] = bad.a_query[2];
	phase2_refused(&initial, &transcript, &bad, "the key differs from the initial key in more than delta, h and l");

	let mut bad = key.clone();
	bad.vk.delta_g2 = initial.vk.delta_g2;
	phase2_refused(&initial, &transcript, &bad, "delta in G1 and delta in G2 differ");

	// The key after contribution 2, presented as the final one.
	let two = {
		let mut t = Transcript::start(phase1.hash(), &initial);
		let one = phase2::contribute(&initial, &mut t, &mut rng_with(11), Silent).unwrap();
		phase2::contribute(&one, &mut t, &mut rng_with(12), Silent).unwrap()
	};
	phase2_refused(&initial, &transcript, &two, "the key's delta is not the one the transcript ends with");

	// The initial key of another phase 1 (the same would hold for another circuit).
	let elsewhere = phase1::contribute(&Phase1File::initial(10).unwrap(), &mut rng_with(50), Silent);
	let other = initial_key(&elsewhere.accumulator, &circuit, Silent).unwrap();
	phase2_refused(&other, &transcript, &key, "the transcript starts from another key (another circuit or another phase 1)");
	let mut closed = transcript.clone();
	assert!(phase2::contribute(&key, &mut closed, &mut rng(), Silent).is_err(), "no contribution after the beacon");

	// trace: the transcript must name the phase-1 file it is checked against.
	let mut other_phase1 = phase1.clone();
	other_phase1.previous[0] ^= 1;
	assert_eq!(
		trace(&circuit, &other_phase1, &transcript, &key, &mut rng(), Silent),
		Err(ZkError::Ceremony("the transcript names another phase 1".into()))
	);
}

#[test]
fn a_phase2_receipt_cannot_be_replayed_in_another_transcript() {
	// The same model on another network's phase 1: another initial key.
	let initial_file = Phase1File::initial(10).unwrap();
	let elsewhere = phase1::apply_beacon(&phase1::contribute(&initial_file, &mut rng_with(60), Silent), &BEACON, Silent);
	let (circuit, _, main_transcript, _) = phase2_transcript();
	let initial = initial_key(&elsewhere.accumulator, circuit, Silent).unwrap();
	let mut transcript = Transcript::start(elsewhere.hash(), &initial);
	let honest = phase2::contribute(&initial, &mut transcript, &mut rng(), Silent).unwrap();
	let closed = phase2::apply_beacon(&honest, &mut transcript, BEACON, Silent).unwrap();
	trace(circuit, &elsewhere, &transcript, &closed, &mut rng(), Silent).expect("honest");
	let mut replayed = transcript.clone();
	replayed.contributions[0] = main_transcript.contributions[0].clone();
	phase2_refused(&initial, &replayed, &closed, "contribution 1: the proof of knowledge does not verify");
}
