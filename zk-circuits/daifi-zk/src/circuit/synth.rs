//! Turns a [`Program`] into R1CS constraints (arkworks `gr1cs`), with or
//! without a witness: setup and proving build the same constraint system.

use ark_ff::PrimeField;
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};

use super::{
	affine::Affine,
	program::{Program, Step},
};

/// A field element from a signed integer.
pub fn field<F: PrimeField>(v: i128) -> F {
	let m = F::from(v.unsigned_abs());
	if v < 0 {
		-m
	} else {
		m
	}
}

/// `Σ_k 2^(bits·k) · (form_k - offset)` as one linear combination (its
/// coefficients reach 2^252: field elements, not the `i128` of [`Affine`]).
fn packed_lc<F: PrimeField>(forms: &[Affine], bits: u32, offset: i64, vars: &[Variable]) -> LinearCombination<F> {
	let shift = F::from(2u64).pow([bits as u64]);
	let offset = field::<F>(offset as i128);
	let mut weight = F::one();
	let mut terms = Vec::new();
	for form in forms {
		for (k, v) in lc::<F>(form, vars).0 {
			terms.push((k * weight, v));
		}
		terms.push((-offset * weight, Variable::One));
		weight *= shift;
	}
	LinearCombination(terms)
}

/// The value of every variable of one proof, as field elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment<F> {
	/// The binding (the first public input, see
	/// [`daifi_zk_verifier::binding_element`]): no constraint reads it.
	pub binding: F,
	/// Every wire, the model's inputs first.
	pub wires: Vec<F>,
	/// Every output.
	pub outputs: Vec<F>,
}

/// The program with, when proving, the value of every variable.
pub struct Synthesis<'a, F: PrimeField> {
	/// The circuit.
	pub program: &'a Program,
	/// The variables' values; `None` at setup.
	pub assignment: Option<Assignment<F>>,
}

impl<F: PrimeField> Synthesis<'_, F> {
	fn value(&self, f: impl Fn(&Assignment<F>) -> F) -> Result<F, SynthesisError> {
		self.assignment.as_ref().map(f).ok_or(SynthesisError::AssignmentMissing)
	}
}

fn lc<F: PrimeField>(form: &Affine, vars: &[Variable]) -> LinearCombination<F> {
	let mut terms: Vec<(F, Variable)> =
		form.terms.iter().map(|&(w, k)| (field::<F>(k), vars[w as usize])).collect();
	if form.constant != 0 {
		terms.push((field(form.constant), Variable::One));
	}
	LinearCombination(terms)
}

impl<F: PrimeField> ConstraintSynthesizer<F> for Synthesis<'_, F> {
	fn generate_constraints(self, cs: ConstraintSystemRef<F>) -> Result<(), SynthesisError> {
		let program = self.program;
		let mut vars = Vec::with_capacity(program.num_wires);
		// Public inputs first: the binding, the model input, the model output.
		// The binding is an instance variable and nothing more: Groth16's
		// libsnark reduction gives every public input a row of its own in A,
		// so its verifying-key point is independent of the others and a
		// proof verifies for the binding it was made with only.
		let _binding = cs.new_input_variable(|| self.value(|a| a.binding))?;
		let packed_inputs = program.input_lanes.packed();
		let input_elements = if packed_inputs {
			// The packed elements are public; the inputs themselves are
			// witnesses, range-checked by the program's first steps.
			let elements = self.assignment.as_ref().map(|a| program.input_elements(&a.wires));
			(0..program.input_lanes.elements(program.num_inputs))
				.map(|j| {
					cs.new_input_variable(|| elements.as_ref().map(|e| e[j]).ok_or(SynthesisError::AssignmentMissing))
				})
				.collect::<Result<Vec<_>, _>>()?
		} else {
			for i in 0..program.num_inputs {
				vars.push(cs.new_input_variable(|| self.value(|a| a.wires[i]))?);
			}
			Vec::new()
		};
		let outputs = (0..program.output_lanes.elements(program.outputs.len()))
			.map(|j| cs.new_input_variable(|| self.value(|a| a.outputs[j])))
			.collect::<Result<Vec<_>, _>>()?;
		let first_witness = if packed_inputs { 0 } else { program.num_inputs };
		for w in first_witness..program.num_wires {
			vars.push(cs.new_witness_variable(|| self.value(|a| a.wires[w]))?);
		}

		for step in &program.steps {
			match step {
				Step::Decompose { value, bits, first } => {
					let mut sum = Vec::with_capacity(*bits as usize);
					let mut power = F::one();
					for i in 0..*bits {
						let bit = vars[(*first + i) as usize];
						// bit · bit = bit: the bit is 0 or 1.
						cs.enforce_r1cs_constraint(|| bit.into(), || bit.into(), || bit.into())?;
						sum.push((power, bit));
						power.double_in_place();
					}
					// Σ 2^i bit_i = value + 2^(bits-1)
					let shifted = lc(value, &vars) + (field::<F>(1i128 << (bits - 1)), Variable::One);
					cs.enforce_r1cs_constraint(
						|| LinearCombination(sum),
						|| Variable::One.into(),
						|| shifted,
					)?;
				},
				Step::Product { a, b, out } => {
					let out = vars[*out as usize];
					cs.enforce_r1cs_constraint(|| lc(a, &vars), || lc(b, &vars), || out.into())?;
				},
				Step::Check { a, b, c } => {
					cs.enforce_r1cs_constraint(|| lc(a, &vars), || lc(b, &vars), || lc(c, &vars))?;
				},
				// A hint: its wires are witnesses like any other; the gadget's
				// checks constrain them.
				Step::Divide { .. } => {},
			}
		}
		// Each packed input element is Σ 2^(bits·k) · (input_k - offset).
		let lanes = &program.input_lanes;
		for (j, element) in input_elements.into_iter().enumerate() {
			let group = (j * lanes.per_element as usize..((j + 1) * lanes.per_element as usize).min(program.num_inputs))
				.map(|w| Affine::wire(w as u32))
				.collect::<Vec<_>>();
			cs.enforce_r1cs_constraint(
				|| packed_lc(&group, lanes.bits, lanes.offset, &vars),
				|| Variable::One.into(),
				|| element.into(),
			)?;
		}
		// Each output, or each packed group of outputs, equals its public input.
		let lanes = &program.output_lanes;
		for (group, out) in program.outputs.chunks(lanes.per_element as usize).zip(outputs) {
			let form = if lanes.packed() { packed_lc(group, lanes.bits, lanes.offset, &vars) } else { lc(&group[0], &vars) };
			cs.enforce_r1cs_constraint(|| form, || Variable::One.into(), || out.into())?;
		}
		Ok(())
	}
}
