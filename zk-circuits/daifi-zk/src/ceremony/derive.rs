//! From the network's phase-1 powers to one circuit's Groth16 key, without
//! anyone learning `tau`, `alpha` or `beta`.
//!
//! The circuit's QAP is evaluated at `tau` in the exponent. For the circuit's
//! evaluation domain of size `m` (generator `ω`), the Lagrange polynomials
//! are `L_j(X) = (1/m) Σ_i ω^(-ij) X^i`, so `L_j(tau) · G` is the inverse FFT
//! of `(tau^i · G)_i`, computed on group elements. Each wire's `A_k(tau)`,
//! `B_k(tau)`, `C_k(tau)` is then a sparse combination of those, following
//! arkworks' libsnark reduction exactly (the constraint rows, then one row
//! per public input in `A`), so the key proves and verifies with
//! `ark-groth16`'s prover and verifier. `h` is `tau^i (tau^m - 1) · G1`,
//! read off the powers. Gamma and delta are the generators: phase 2
//! ([`super::phase2`]) re-randomizes delta; gamma stays 1, as in every
//! ceremony-made Groth16 key (the public-input terms need no secret).

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, One, PrimeField};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use rayon::prelude::*;

use super::phase1::Accumulator;
use crate::{
	circuit::synth::Synthesis,
	groth16::{ProvingKey, VerifyingKey},
	progress::Reporter,
	Circuit, ZkError,
};

/// `(coefficient, constraint row)` pairs of one wire in one matrix.
type Column = Vec<(Fr, usize)>;

/// The circuit's R1CS as arkworks' Groth16 sees it.
struct Qap {
	/// Columns of A, B and C by variable (public inputs first, the constant 1 at 0).
	a: Vec<Column>,
	b: Vec<Column>,
	c: Vec<Column>,
	num_instance: usize,
	num_constraints: usize,
	domain: GeneralEvaluationDomain<Fr>,
}

fn qap(circuit: &Circuit) -> Result<Qap, ZkError> {
	let fail = |e: ark_relations::gr1cs::SynthesisError| ZkError::Proving(format!("key derivation: {e}"));
	let cs = ConstraintSystem::<Fr>::new_ref();
	cs.set_optimization_goal(OptimizationGoal::Constraints);
	cs.set_mode(SynthesisMode::Setup);
	Synthesis::<Fr> { program: &circuit.program, assignment: None }
		.generate_constraints(cs.clone())
		.map_err(fail)?;
	cs.finalize();
	let num_instance = cs.num_instance_variables();
	let num_variables = num_instance + cs.num_witness_variables();
	let num_constraints = cs.num_constraints();
	let matrices = cs.to_matrices().map_err(fail)?;
	let matrices = matrices
		.get(R1CS_PREDICATE_LABEL)
		.filter(|m| m.len() == 3)
		.ok_or_else(|| ZkError::Proving("key derivation: the circuit has no R1CS matrices".into()))?;
	let domain = GeneralEvaluationDomain::<Fr>::new(num_constraints + num_instance)
		.ok_or_else(|| ZkError::Proving("key derivation: the circuit is too large for BN254's FFTs".into()))?;
	let columns = |matrix: &Vec<Vec<(Fr, usize)>>| {
		let mut columns = vec![Column::new(); num_variables];
		for (row, terms) in matrix.iter().enumerate() {
			for &(coefficient, variable) in terms {
				columns[variable].push((coefficient, row));
			}
		}
		columns
	};
	let mut a = columns(&matrices[0]);
	// The libsnark reduction's extra rows: public input k is row `num_constraints + k` of A.
	for (k, column) in a.iter_mut().enumerate().take(num_instance) {
		column.push((Fr::one(), num_constraints + k));
	}
	Ok(Qap { a, b: columns(&matrices[1]), c: columns(&matrices[2]), num_instance, num_constraints, domain })
}

/// The domain size (a power of two) the circuit's key needs from phase 1.
pub fn domain_size(circuit: &Circuit) -> Result<usize, ZkError> {
	Ok(qap(circuit)?.domain.size())
}

/// `point · x`, cheap when `x` or `-x` is small (most circuit coefficients are).
fn times<G: PrimeGroup<ScalarField = Fr>>(point: G, x: &Fr) -> G {
	let (plus, minus) = (x.into_bigint(), (-*x).into_bigint());
	if plus.num_bits() <= minus.num_bits() {
		point.mul_bigint(plus)
	} else {
		-point.mul_bigint(minus)
	}
}

/// `Σ coefficient · basis[row]` over a column.
fn evaluate<G: PrimeGroup<ScalarField = Fr>>(column: &Column, basis: &[G]) -> G {
	column.iter().fold(G::zero(), |sum, (x, row)| if x.is_one() { sum + basis[*row] } else { sum + times(basis[*row], x) })
}

/// The Lagrange basis of `domain` at tau, in the group of `powers`.
fn lagrange<A: AffineRepr<ScalarField = Fr>>(powers: &[A], domain: &GeneralEvaluationDomain<Fr>) -> Vec<A::Group> {
	let points: Vec<A::Group> = powers[..domain.size()].par_iter().map(|p| p.into_group()).collect();
	domain.ifft(&points)
}

/// The circuit's proving key as phase 1 leaves it: delta and gamma are the
/// generators. Not usable on its own (a public delta lets anyone forge):
/// phase 2 must contribute to it.
pub fn initial_key(acc: &Accumulator, circuit: &Circuit, reporter: Reporter) -> Result<ProvingKey, ZkError> {
	let qap = qap(circuit)?;
	let m = qap.domain.size();
	if m > acc.size() {
		return Err(ZkError::Ceremony(format!(
			"the circuit needs 2^{} powers of tau and phase 1 has 2^{}",
			m.trailing_zeros(),
			acc.power
		)));
	}
	// tau^m = 1 would put tau in the domain: every H point the identity.
	if acc.tau_g1[m] == acc.tau_g1[0] {
		return Err(ZkError::Ceremony("phase 1's tau lies in the circuit's evaluation domain".into()));
	}
	let variables = qap.a.len();
	let progress = reporter.step("phase 2: deriving the key", 4 + variables as u64);
	let l_g1 = lagrange(&acc.tau_g1, &qap.domain);
	progress.advance(1);
	let l_g2 = lagrange(&acc.tau_g2, &qap.domain);
	progress.advance(1);
	let alpha_l_g1 = lagrange(&acc.alpha_tau_g1, &qap.domain);
	progress.advance(1);
	let beta_l_g1 = lagrange(&acc.beta_tau_g1, &qap.domain);
	progress.advance(1);

	// Per wire: A(tau), B(tau) in G1, B(tau) in G2, beta·A + alpha·B + C at tau.
	let wires: Vec<(G1Projective, G1Projective, G2Projective, G1Projective)> = (0..variables)
		.into_par_iter()
		.map(|k| {
			let (a, b, c) = (&qap.a[k], &qap.b[k], &qap.c[k]);
			let abc = evaluate(a, &beta_l_g1) + evaluate(b, &alpha_l_g1) + evaluate(c, &l_g1);
			let wire = (evaluate(a, &l_g1), evaluate(b, &l_g1), evaluate(b, &l_g2), abc);
			progress.advance(1);
			wire
		})
		.collect();
	let g1 = |pick: fn(&(G1Projective, G1Projective, G2Projective, G1Projective)) -> G1Projective| {
		G1Projective::normalize_batch(&wires.iter().map(pick).collect::<Vec<_>>())
	};
	let abc = g1(|w| w.3);
	// h_i = tau^i (tau^m - 1) for i < m - 1.
	let h: Vec<G1Projective> =
		(0..m - 1).into_par_iter().map(|i| acc.tau_g1[i + m].into_group() - acc.tau_g1[i]).collect();
	debug_assert!(qap.num_constraints + qap.num_instance <= m);
	Ok(ProvingKey {
		vk: VerifyingKey {
			alpha_g1: acc.alpha_tau_g1[0],
			beta_g2: acc.beta_g2,
			gamma_g2: G2Affine::generator(),
			delta_g2: G2Affine::generator(),
			gamma_abc_g1: abc[..qap.num_instance].to_vec(),
		},
		beta_g1: acc.beta_tau_g1[0],
		delta_g1: G1Affine::generator(),
		a_query: g1(|w| w.0),
		b_g1_query: g1(|w| w.1),
		b_g2_query: G2Projective::normalize_batch(&wires.iter().map(|w| w.2).collect::<Vec<_>>()),
		h_query: G1Projective::normalize_batch(&h),
		l_query: abc[qap.num_instance..].to_vec(),
	})
}
