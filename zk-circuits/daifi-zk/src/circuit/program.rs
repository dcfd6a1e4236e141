//! The circuit as a straight-line program of three kinds of step, and the
//! builder the compiler uses to emit them.
//!
//! | step | constraints | meaning |
//! |---|---|---|
//! | `Decompose { value, bits }` | `bits + 1` | `value + 2^(bits-1)` equals `Σ 2^i b_i` with every `b_i` boolean: a range check of `value` into `[-2^(bits-1), 2^(bits-1))` that also yields its bits |
//! | `Product { a, b }` | 1 | a new wire equal to `a · b` |
//! | `Check { a, b, c }` | 1 | `a · b = c` over existing wires |
//! | `Divide { num, den, .. }` | 0 | a hint: two new wires the prover fills with `floor(num / den)` and the remainder |
//! | (public output) | 1 | the output instance variable equals an affine form |
//!
//! Every non-linearity (ReLU, rescale, max, piecewise-linear activations,
//! division) is built from these, so each is fully constrained: a hint's
//! wires are only ever used together with the checks that fix them (see
//! [`super::gadgets::divide`]).

use daifi_zk_verifier::Lanes;

use super::affine::{Affine, Interval, Wire};
use crate::ZkError;

/// One step of the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
	/// Bits `first..first+bits` of `value + 2^(bits-1)`, least significant first.
	Decompose {
		/// The value range-checked and decomposed.
		value: Affine,
		/// Number of bits.
		bits: u32,
		/// The wire of the least significant bit.
		first: Wire,
	},
	/// `out = a · b`.
	Product {
		/// Left factor.
		a: Affine,
		/// Right factor.
		b: Affine,
		/// The product's wire.
		out: Wire,
	},
	/// The constraint `a · b = c`; no new wire.
	Check {
		/// Left factor.
		a: Affine,
		/// Right factor.
		b: Affine,
		/// The product.
		c: Affine,
	},
	/// Hint: `quotient = floor(num / den)`, `remainder = num - den · quotient`
	/// (`den > 0`). Makes no constraint: the divide gadget adds them.
	Divide {
		/// Numerator.
		num: Affine,
		/// Denominator, positive.
		den: Affine,
		/// The quotient's wire.
		quotient: Wire,
		/// The remainder's wire.
		remainder: Wire,
	},
}

/// A compiled circuit: public inputs, steps, public outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
	/// Number of model inputs (wires `0..num_inputs`): public inputs
	/// themselves, or, when packed, witnesses range-checked by the first
	/// steps and packed into public inputs (see [`Lanes`]).
	pub num_inputs: usize,
	/// How the inputs become public inputs.
	pub input_lanes: Lanes,
	/// How the outputs become public inputs; packed outputs are
	/// range-checked by the last steps.
	pub output_lanes: Lanes,
	/// Total number of wires (inputs and witnesses).
	pub num_wires: usize,
	/// The steps, in evaluation order.
	pub steps: Vec<Step>,
	/// Each public output as an affine form over the wires.
	pub outputs: Vec<Affine>,
}

impl Program {
	/// R1CS constraints this program makes.
	pub fn num_constraints(&self) -> usize {
		let packed_inputs = if self.input_lanes.packed() { self.input_lanes.elements(self.num_inputs) } else { 0 };
		self.steps
			.iter()
			.map(|s| match s {
				Step::Decompose { bits, .. } => *bits as usize + 1,
				Step::Product { .. } | Step::Check { .. } => 1,
				Step::Divide { .. } => 0,
			})
			.sum::<usize>() +
			packed_inputs +
			self.output_lanes.elements(self.outputs.len())
	}

	/// Public inputs for the model input (one per value, or packed), from
	/// the wires' values: what the runtime computes with [`Lanes::pack`].
	pub fn input_elements<F: ark_ff::PrimeField>(&self, wires: &[F]) -> Vec<F> {
		if !self.input_lanes.packed() {
			return wires[..self.num_inputs].to_vec();
		}
		pack_lanes(&self.input_lanes, &wires[..self.num_inputs])
	}

	/// Every wire's value for the given quantized input (the honest witness).
	pub fn evaluate(&self, input: &[i128]) -> Vec<i128> {
		let mut values = vec![0i128; self.num_wires];
		values[..self.num_inputs].copy_from_slice(input);
		self.evaluate_steps(&mut values, 0);
		values
	}

	/// Runs the steps from index `from` on, over wire values set so far: the
	/// honest values of every wire those steps make. (Soundness tests change a
	/// wire and re-derive everything after it, as a cheating prover would.)
	pub fn evaluate_steps(&self, values: &mut [i128], from: usize) {
		for step in &self.steps[from.min(self.steps.len())..] {
			match step {
				Step::Decompose { value, bits, first } => {
					let shifted = value.eval(values) + (1i128 << (bits - 1));
					for i in 0..*bits {
						values[(*first + i) as usize] = (shifted >> i) & 1;
					}
				},
				Step::Product { a, b, out } => {
					values[*out as usize] = a.eval(values).wrapping_mul(b.eval(values));
				},
				Step::Check { .. } => {},
				Step::Divide { num, den, quotient, remainder } => {
					let (n, d) = (num.eval(values), den.eval(values).max(1));
					values[*quotient as usize] = n.div_euclid(d);
					values[*remainder as usize] = n.rem_euclid(d);
				},
			}
		}
	}

	/// The public outputs for a full wire assignment.
	pub fn outputs_of(&self, values: &[i128]) -> Vec<i128> {
		self.outputs.iter().map(|o| o.eval(values)).collect()
	}
}

/// `Σ_k 2^(bits·k) · (value_k - offset)` per group of `per_element`, in the field.
pub fn pack_lanes<F: ark_ff::PrimeField>(lanes: &Lanes, values: &[F]) -> Vec<F> {
	let shift = F::from(2u64).pow([lanes.bits as u64]);
	let offset = daifi_zk_verifier::field_element::<F>(lanes.offset);
	values
		.chunks(lanes.per_element as usize)
		.map(|group| group.iter().rev().fold(F::zero(), |acc, v| acc * shift + (*v - offset)))
		.collect()
}

/// The smallest `n >= 1` with `-2^(n-1) <= lo` and `hi < 2^(n-1)`.
fn signed_bits(range: Interval) -> u32 {
	let need = range.lo.checked_neg().unwrap_or(i128::MAX).max(range.hi.saturating_add(1)).max(1);
	1 + (128 - (need - 1).leading_zeros())
}

/// Emits steps and tracks each wire's bounds, so every range check gets the
/// number of bits it needs and no more.
pub struct Builder {
	bounds: Vec<Interval>,
	steps: Vec<Step>,
	num_inputs: usize,
	input_lanes: Lanes,
	/// Fractional bits of the model's fixed point: activations and weights
	/// are `round(x · 2^frac_bits)`.
	pub frac_bits: u32,
}

impl Builder {
	/// A builder whose first `num_inputs` wires are the model's inputs, each
	/// in `input`, for a model quantized with `frac_bits` fractional bits.
	/// More than [`daifi_zk_verifier::PACK_ABOVE`] inputs are packed: each is
	/// range-checked to `input.lo + [0, 2^bits)` here, so that a packed public
	/// input has exactly one unpacking (`bits + 1` constraints per input).
	pub fn new(num_inputs: usize, input: Interval, frac_bits: u32) -> Result<Self, ZkError> {
		let span = (input.hi - input.lo).max(0) as u128;
		let lo = i64::try_from(input.lo).map_err(|_| ZkError::ValueRange("input range beyond 64 bits".into()))?;
		let input_lanes = Lanes::of(num_inputs, 128 - span.leading_zeros(), lo);
		let mut b = Builder { bounds: vec![input; num_inputs], steps: Vec::new(), num_inputs, input_lanes, frac_bits };
		if input_lanes.packed() {
			let shift = input.lo + (1i128 << (input_lanes.bits - 1));
			for w in 0..num_inputs as Wire {
				b.decompose_exact(&Affine::wire(w).offset(-shift)?, input_lanes.bits)?;
			}
		}
		Ok(b)
	}

	/// The wires' bounds so far.
	pub fn wire_bounds(&self) -> &[Interval] {
		&self.bounds
	}

	/// The interval of an affine form.
	pub fn bounds(&self, form: &Affine) -> Result<Interval, ZkError> {
		form.bounds(&self.bounds)
	}

	fn new_wire(&mut self, bounds: Interval) -> Wire {
		self.bounds.push(bounds);
		(self.bounds.len() - 1) as Wire
	}

	/// Range-checks `value` and returns its bits (least significant first) and
	/// their count `n`: `value + 2^(n-1) = Σ 2^i bit_i`. `min_bits` forces at
	/// least that many (a rescale needs the bits it drops).
	pub fn decompose(&mut self, value: &Affine, min_bits: u32) -> Result<(Vec<Affine>, u32), ZkError> {
		let bits = signed_bits(self.bounds(value)?).max(min_bits);
		Ok((self.decompose_exact(value, bits)?, bits))
	}

	/// Like [`Builder::decompose`] with exactly `bits` bits: the caller knows
	/// the honest value lies in `[-2^(bits-1), 2^(bits-1))`; the constraint
	/// enforces it either way.
	pub fn decompose_exact(&mut self, value: &Affine, bits: u32) -> Result<Vec<Affine>, ZkError> {
		if bits == 0 || bits > 126 {
			return Err(ZkError::ValueRange(format!("a range check needs {bits} bits")));
		}
		let first = self.bounds.len() as Wire;
		for _ in 0..bits {
			self.new_wire(Interval { lo: 0, hi: 1 });
		}
		self.steps.push(Step::Decompose { value: value.clone(), bits, first });
		Ok((first..first + bits).map(Affine::wire).collect())
	}

	/// A new wire equal to `a · b`.
	pub fn product(&mut self, a: &Affine, b: &Affine) -> Result<Affine, ZkError> {
		let (x, y) = (self.bounds(a)?, self.bounds(b)?);
		let mut corners = [0i128; 4];
		for (slot, (p, q)) in corners.iter_mut().zip([(x.lo, y.lo), (x.lo, y.hi), (x.hi, y.lo), (x.hi, y.hi)]) {
			*slot = p.checked_mul(q).filter(|v| v.abs() <= super::affine::MAX_MAGNITUDE).ok_or_else(|| {
				ZkError::ValueRange("a product exceeds 2^120 in magnitude".into())
			})?;
		}
		let bounds = Interval {
			lo: corners.iter().copied().min().unwrap_or(0),
			hi: corners.iter().copied().max().unwrap_or(0),
		};
		let out = self.new_wire(bounds);
		self.steps.push(Step::Product { a: a.clone(), b: b.clone(), out });
		Ok(Affine::wire(out))
	}

	/// The constraint `a · b = c`.
	pub fn check(&mut self, a: &Affine, b: &Affine, c: &Affine) -> Result<(), ZkError> {
		// The bounds of every form are computed so that an overflow is refused.
		let (x, y, _) = (self.bounds(a)?, self.bounds(b)?, self.bounds(c)?);
		x.magnitude()
			.checked_mul(y.magnitude())
			.filter(|v| *v <= super::affine::MAX_MAGNITUDE)
			.ok_or_else(|| ZkError::ValueRange("a product exceeds 2^120 in magnitude".into()))?;
		self.steps.push(Step::Check { a: a.clone(), b: b.clone(), c: c.clone() });
		Ok(())
	}

	/// The unconstrained hint wires `(floor(num / den), num mod den)`, with
	/// the given bounds. Only [`super::gadgets::divide`] calls this: it adds
	/// the constraints that make the hint the only satisfying value.
	pub(crate) fn divide_hint(
		&mut self,
		num: &Affine,
		den: &Affine,
		quotient: Interval,
		remainder: Interval,
	) -> (Affine, Affine) {
		let q = self.new_wire(quotient);
		let r = self.new_wire(remainder);
		self.steps.push(Step::Divide { num: num.clone(), den: den.clone(), quotient: q, remainder: r });
		(Affine::wire(q), Affine::wire(r))
	}

	/// Ends the program with the given public outputs. Their width is the
	/// signed bits the widest can need; more than
	/// [`daifi_zk_verifier::PACK_ABOVE`] are packed, each range-checked to
	/// that width (`bits + 1` constraints per output).
	pub fn finish(mut self, outputs: Vec<Affine>) -> Result<Program, ZkError> {
		let mut bits = 1;
		for form in &outputs {
			bits = bits.max(signed_bits(self.bounds(form)?));
		}
		if bits > 63 {
			return Err(ZkError::ValueRange("an output may not fit in 63 bits".into()));
		}
		let output_lanes = Lanes::of(outputs.len(), bits, -(1i64 << (bits - 1)));
		if output_lanes.packed() {
			for form in &outputs {
				self.decompose_exact(form, bits)?;
			}
		}
		Ok(Program {
			num_inputs: self.num_inputs,
			input_lanes: self.input_lanes,
			output_lanes,
			num_wires: self.bounds.len(),
			steps: self.steps,
			outputs,
		})
	}
}
