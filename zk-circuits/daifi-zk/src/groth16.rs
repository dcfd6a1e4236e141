//! Groth16 over BN254: setup, proving and verification of a compiled circuit,
//! and the canonical (compressed) encodings the chain stores and carries.

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{CryptoRng, RngCore};

use crate::{
	circuit::synth::{field, Assignment, Synthesis},
	compile::Circuit,
	ZkError,
};

/// A Groth16 proving key for one circuit.
pub type ProvingKey = ark_groth16::ProvingKey<Bn254>;
/// A Groth16 verifying key for one circuit.
pub type VerifyingKey = ark_groth16::VerifyingKey<Bn254>;
/// A Groth16 proof (two G1 points and one G2 point: 128 bytes compressed).
pub type Proof = ark_groth16::Proof<Bn254>;

/// Generates keys for the circuit in one go, from `rng`. Whoever knows that
/// randomness can forge proofs, so this is for tests and benchmarks only: a
/// key the network trusts comes from the ceremony ([`crate::ceremony`]).
pub fn setup<R: RngCore + CryptoRng>(circuit: &Circuit, rng: &mut R) -> Result<ProvingKey, ZkError> {
	let synthesis = Synthesis::<Fr> { program: &circuit.program, assignment: None };
	Groth16::<Bn254>::generate_random_parameters_with_reduction(synthesis, rng)
		.map_err(|e| ZkError::Proving(format!("setup: {e}")))
}

/// The honest assignment for a quantized input, in a proof bound to
/// `binding`: the output, and the value of every variable.
pub fn witness(circuit: &Circuit, binding: &[u8; 32], input: &[i64]) -> Result<(Vec<i64>, Assignment<Fr>), ZkError> {
	let (output, wires) = circuit.evaluate(input)?;
	let assignment = Assignment {
		binding: daifi_zk_verifier::binding_element(binding),
		wires: wires.into_iter().map(field::<Fr>).collect(),
		outputs: circuit.layout().output.pack::<Fr>(&output).map_err(ZkError::Verify)?,
	};
	Ok((output, assignment))
}

/// Proves one inference, the proof bound to `binding` (the chain's
/// `task_binding` of the task and the provider): returns the quantized
/// output and the proof.
pub fn prove<R: RngCore + CryptoRng>(
	circuit: &Circuit,
	pk: &ProvingKey,
	binding: &[u8; 32],
	input: &[i64],
	rng: &mut R,
) -> Result<(Vec<i64>, Proof), ZkError> {
	let (output, assignment) = witness(circuit, binding, input)?;
	Ok((output, prove_assignment(circuit, pk, assignment, rng)?))
}

/// Refuses a proving key whose shape does not fit the circuit (public
/// inputs, variables): a key made for another model. A key of the same
/// shape for another circuit is caught by verifying the proof it makes.
pub fn check_key_shape(circuit: &Circuit, pk: &ProvingKey) -> Result<(), ZkError> {
	let p = &circuit.program;
	let public = circuit.layout().public_inputs(p.num_inputs, p.outputs.len());
	let unpacked_inputs = if p.input_lanes.packed() { 0 } else { p.num_inputs };
	let variables = 1 + public + (p.num_wires - unpacked_inputs);
	if pk.vk.gamma_abc_g1.len() != public + 1 || pk.a_query.len() != variables {
		return Err(ZkError::Proving(format!(
			"the proving key is not this model's key: it has {} public inputs and {} variables, the model {} and {}",
			pk.vk.gamma_abc_g1.len().saturating_sub(1),
			pk.a_query.len(),
			public,
			variables
		)));
	}
	Ok(())
}

/// Verifies a proof, bound to `binding`, that the circuit of `vk` maps
/// `input` to `output`, laid out by `layout` ([`Circuit::layout`]).
pub fn verify(
	vk: &VerifyingKey,
	layout: &daifi_zk_verifier::Layout,
	binding: &[u8; 32],
	input: &[i64],
	output: &[i64],
	proof: &Proof,
) -> Result<(), ZkError> {
	let pvk = ark_groth16::prepare_verifying_key(vk);
	daifi_zk_verifier::verify_decoded(&pvk, binding, input, output, layout, proof).map_err(ZkError::Verify)
}

/// Verifies many proofs for one key at once, as a committee member checks a
/// batch: each claim is a binding, input, output and proof. All are checked
/// together with fresh random 128-bit weights from `rng`
/// (`daifi_zk_verifier::verify_batch`: `n + 2` Miller loops and one final
/// exponentiation for the batch). If that fails and `locate` is set, each
/// is checked alone and the error names the first that does not verify
/// (`Some` of its index; a whole batch's worth of single checks, so a
/// caller facing untrusted batches may prefer not to); otherwise `None`.
/// No claims: `Ok`.
pub fn verify_many<R: RngCore + CryptoRng>(
	vk: &VerifyingKey,
	layout: &daifi_zk_verifier::Layout,
	claims: &[(&[u8; 32], &[i64], &[i64], &Proof)],
	locate: bool,
	rng: &mut R,
) -> Result<(), Option<(usize, ZkError)>> {
	let pvk = ark_groth16::prepare_verifying_key(vk);
	let weights: Vec<Fr> = claims
		.iter()
		.map(|_| {
			let mut bytes = [0u8; 16];
			rng.fill_bytes(&mut bytes);
			daifi_zk_verifier::batch_weight(&bytes)
		})
		.collect();
	let batch: Vec<_> = claims
		.iter()
		.map(|(binding, input, output, proof)| daifi_zk_verifier::Claim { binding, input, output, proof })
		.collect();
	if daifi_zk_verifier::verify_batch(&pvk, layout, &batch, &weights).is_ok() {
		return Ok(());
	}
	if !locate {
		return Err(None);
	}
	for (i, (binding, input, output, proof)) in claims.iter().enumerate() {
		daifi_zk_verifier::verify_decoded(&pvk, binding, input, output, layout, proof)
			.map_err(|e| Some((i, ZkError::Verify(e))))?;
	}
	// Each verifies alone, the batch did not: only a weight of zero (chance
	// 2^-128) could do that; report it rather than pass.
	Err(Some((0, ZkError::Verify(daifi_zk_verifier::VerifyError::InvalidProof))))
}

/// A circuit's R1CS matrices (A, B, C), built once per model: a proof then
/// needs only the witness, not a constraint synthesis of its own.
#[derive(Clone, Debug)]
pub struct Matrices {
	abc: Vec<Matrix<Fr>>,
	num_instance: usize,
	num_constraints: usize,
}

impl Matrices {
	/// Synthesizes the circuit once, without values, exactly as the key
	/// generator does (same variable order, same inlining).
	pub fn of(circuit: &Circuit) -> Result<Matrices, ZkError> {
		let err = |e: ark_relations::gr1cs::SynthesisError| ZkError::Proving(format!("matrices: {e}"));
		let cs = ConstraintSystem::<Fr>::new_ref();
		cs.set_optimization_goal(OptimizationGoal::Constraints);
		cs.set_mode(SynthesisMode::Setup);
		Synthesis { program: &circuit.program, assignment: None }.generate_constraints(cs.clone()).map_err(err)?;
		cs.finalize();
		let abc = cs
			.to_matrices()
			.map_err(err)?
			.remove(R1CS_PREDICATE_LABEL)
			.ok_or_else(|| ZkError::Proving("no R1CS matrices".into()))?;
		Ok(Matrices { abc, num_instance: cs.num_instance_variables(), num_constraints: cs.num_constraints() })
	}
}

/// A proof from an arbitrary assignment (honest or not): what a cheating
/// prover could submit. Tests use it to show a lying witness gives no valid
/// proof. Uses the circuit's cached matrices ([`Circuit::matrices`]).
pub fn prove_assignment<R: RngCore + CryptoRng>(
	circuit: &Circuit,
	pk: &ProvingKey,
	assignment: Assignment<Fr>,
	rng: &mut R,
) -> Result<Proof, ZkError> {
	let m = circuit.matrices()?;
	let program = &circuit.program;
	// The variable order of the synthesis: one, the binding, the input's
	// public inputs, the output's; then the witnesses (every wire that is
	// not public: the inputs too when they are packed).
	let inputs = program.input_elements(&assignment.wires);
	let first_witness = if program.input_lanes.packed() { 0 } else { program.num_inputs };
	let full: Vec<Fr> = [Fr::from(1u64), assignment.binding]
		.into_iter()
		.chain(inputs.iter().copied())
		.chain(assignment.outputs.iter().copied())
		.chain(assignment.wires[first_witness..].iter().copied())
		.collect();
	if full.len() != pk.a_query.len() || m.num_instance != 2 + inputs.len() + assignment.outputs.len() {
		return Err(ZkError::Proving(format!("{} values for a key of {} variables", full.len(), pk.a_query.len())));
	}
	let (r, s) = (<Fr as ark_ff::UniformRand>::rand(rng), <Fr as ark_ff::UniformRand>::rand(rng));
	Groth16::<Bn254>::create_proof_with_reduction_and_matrices(pk, r, s, &m.abc, m.num_instance, m.num_constraints, &full)
		.map_err(|e| ZkError::Proving(format!("{e}")))
}

/// Whether a given full assignment satisfies the circuit's constraints (for
/// testing that lying witnesses are caught).
pub fn is_satisfied(circuit: &Circuit, assignment: Assignment<Fr>) -> Result<bool, ZkError> {
	let cs = ConstraintSystem::<Fr>::new_ref();
	cs.set_optimization_goal(OptimizationGoal::Constraints);
	Synthesis { program: &circuit.program, assignment: Some(assignment) }
		.generate_constraints(cs.clone())
		.map_err(|e| ZkError::Proving(format!("{e}")))?;
	cs.is_satisfied().map_err(|e| ZkError::Proving(format!("{e}")))
}

/// Compressed canonical encoding of a key or proof.
pub fn to_bytes<T: CanonicalSerialize>(value: &T) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(value.compressed_size());
	// Writing to a Vec cannot fail.
	let _ = value.serialize_compressed(&mut bytes);
	bytes
}

/// Decodes a compressed key, proof or ceremony file, checking every point;
/// bytes left over are refused (the encoding is canonical: one value, one
/// byte string, one hash).
pub fn from_bytes<T: CanonicalDeserialize>(bytes: &[u8]) -> Result<T, ZkError> {
	let mut reader = bytes;
	let value = T::deserialize_compressed(&mut reader).map_err(|e| ZkError::Encoding(format!("{e}")))?;
	if !reader.is_empty() {
		return Err(ZkError::Encoding(format!("{} bytes left over", reader.len())));
	}
	Ok(value)
}
