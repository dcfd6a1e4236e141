//! Non-linear gadgets built from range checks and products: rescale (with or
//! without ReLU), max, and piecewise-linear activations. Each is sound: the
//! prover has exactly one way to satisfy it.

use super::{
	affine::Affine,
	program::Builder,
};
use crate::ZkError;

/// The number `Σ_{i>=from} 2^(i-from) bit_i`.
fn weighted(bits: &[Affine], from: usize) -> Result<Affine, ZkError> {
	Affine::combine(bits[from..].iter().enumerate().map(|(i, b)| (1i128 << i, b)), 0)
}

/// `floor(value / 2^shift)`, then `max(0, ·)` if `relu`.
///
/// One range check gives both: with `value + 2^(n-1) = Σ 2^i b_i`, the bits
/// below `shift` are the remainder (so it lies in `[0, 2^shift)`), the bits
/// above are the quotient plus `2^(n-1-shift)`, and the top bit is 1 exactly
/// when `value >= 0`. ReLU is one more constraint: `top · quotient`.
/// Cost: `n + 1` constraints, plus 1 with ReLU.
pub fn rescale(b: &mut Builder, value: &Affine, shift: u32, relu: bool) -> Result<Affine, ZkError> {
	let (bits, n) = b.decompose(value, shift + 1)?;
	let quotient = weighted(&bits, shift as usize)?.offset(-(1i128 << (n - 1 - shift)))?;
	if relu {
		b.product(&bits[n as usize - 1], &quotient)
	} else {
		Ok(quotient)
	}
}

/// `max(x, y) = y + s · (x - y)` with `s` the sign bit of `x - y`.
/// Cost: the range check of `x - y` plus one product.
pub fn max(b: &mut Builder, x: &Affine, y: &Affine) -> Result<Affine, ZkError> {
	let diff = x.minus(y)?;
	let (bits, n) = b.decompose(&diff, 1)?;
	let chosen = b.product(&bits[n as usize - 1], &diff)?;
	y.plus(&chosen)
}

/// A piecewise-linear approximation of an activation `f` on `[-R, R)`,
/// constant (saturated) outside.
#[derive(Clone, Debug)]
pub struct PiecewiseLinear {
	/// log2 of the number of segments.
	pub segment_bits: u32,
	/// Fixed-point fractional bits of the input (and of the slopes).
	pub frac_bits: u32,
	/// log2 of the input range half-width `R`, in real units.
	pub range_bits: u32,
	/// Per segment, the output at its left end and the slope, both scaled by
	/// `2^(2·frac_bits)` and `2^frac_bits`.
	pub segments: Vec<(i128, i128)>,
}

impl PiecewiseLinear {
	/// Interpolates `f` at the segment ends of `[-2^range_bits, 2^range_bits)`.
	pub fn new(f: impl Fn(f64) -> f64, segment_bits: u32, frac_bits: u32, range_bits: u32) -> Self {
		let count = 1usize << segment_bits;
		let width = (1u64 << (range_bits + 1)) as f64 / count as f64;
		let out_scale = (1u64 << (2 * frac_bits)) as f64;
		let segments = (0..count)
			.map(|s| {
				let x0 = -((1u64 << range_bits) as f64) + s as f64 * width;
				let (y0, y1) = (f(x0), f(x0 + width));
				let intercept = (y0 * out_scale).round() as i128;
				// Slope per input unit (2^-frac_bits), scaled by 2^(2·frac_bits).
				let slope = ((y1 - y0) / width * (1u64 << frac_bits) as f64).round() as i128;
				(intercept, slope)
			})
			.collect();
		PiecewiseLinear { segment_bits, frac_bits, range_bits, segments }
	}

	/// Largest distance between `f` and this approximation on a fine grid,
	/// in real units (quantization of the input included).
	pub fn max_error(&self, f: impl Fn(f64) -> f64) -> f64 {
		let scale = (1u64 << self.frac_bits) as f64;
		let limit = (1i64 << (self.range_bits + self.frac_bits)) + 4 * scale as i64;
		(-limit..limit)
			.map(|q| {
				let approx = self.eval(q as i128) as f64 / (scale * scale);
				(approx - f(q as f64 / scale)).abs()
			})
			.fold(0.0, f64::max)
	}

	/// The approximation on a quantized input (what the circuit computes).
	pub fn eval(&self, x: i128) -> i128 {
		let half = 1i128 << (self.range_bits + self.frac_bits);
		let clamped = x.clamp(-half, half - 1) + half;
		let offset_bits = self.range_bits + 1 + self.frac_bits - self.segment_bits;
		let segment = (clamped >> offset_bits) as usize;
		let within = clamped & ((1 << offset_bits) - 1);
		let (intercept, slope) = self.segments[segment];
		intercept + slope * within
	}

	/// Constrains `out = eval(x)` for `x` at scale `2^frac_bits`; `out` is at
	/// scale `2^(2·frac_bits)`.
	///
	/// `x` is clamped to `[-R, R)` with two `max` gadgets, the clamped value's
	/// bits split into a segment index and an offset within the segment, the
	/// segment's one-hot indicator built from the index bits by products, and
	/// `out = intercept[seg] + slope[seg] · offset` with one more product.
	pub fn constrain(&self, b: &mut Builder, x: &Affine) -> Result<Affine, ZkError> {
		let half = 1i128 << (self.range_bits + self.frac_bits);
		let low = max(b, x, &Affine::constant(-half))?;
		// min(low, half - 1) = -max(-low, 1 - half)
		let clamped = max(b, &low.scaled(-1)?, &Affine::constant(1 - half))?.scaled(-1)?;
		// clamped + half lies in [0, 2·half): decomposed with exactly
		// range_bits + frac_bits + 1 bits, the high `segment_bits` of them are the
		// segment and the rest the offset within it. (The interval analysis of
		// `clamped` is looser than the truth, so the width is given, not derived.)
		let n = self.range_bits + self.frac_bits + 1;
		let bits = b.decompose_exact(&clamped, n)?;
		let offset_bits = (n - self.segment_bits) as usize;
		let within = weighted(&bits[..offset_bits], 0)?;
		let indicators = one_hot(b, &bits[offset_bits..])?;
		let intercept = Affine::combine(
			indicators.iter().zip(&self.segments).map(|(e, (c, _))| (*c, e)),
			0,
		)?;
		let slope = Affine::combine(
			indicators.iter().zip(&self.segments).map(|(e, (_, k))| (*k, e)),
			0,
		)?;
		let scaled = b.product(&slope, &within)?;
		intercept.plus(&scaled)
	}
}

/// The one-hot vector of the number whose bits (lsb first) are `bits`:
/// entry `j` is 1 exactly when the number is `j`. Costs `2^k - 2` products.
fn one_hot(b: &mut Builder, bits: &[Affine]) -> Result<Vec<Affine>, ZkError> {
	let mut layer = vec![Affine::constant(1)];
	for (level, bit) in bits.iter().enumerate() {
		let mut next = vec![Affine::default(); layer.len() * 2];
		for (j, e) in layer.iter().enumerate() {
			// e·bit is a product, except on the first level where e = 1.
			let with = if level == 0 { bit.clone() } else { b.product(e, bit)? };
			next[j] = e.minus(&with)?;
			next[j + layer.len()] = with;
		}
		layer = next;
	}
	Ok(layer)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::circuit::affine::Interval;

	#[test]
	fn gadgets_compute_what_they_claim_on_every_input() {
		// One input wire in [-300, 300]: rescale, relu, max against a constant, sigmoid.
		let mut b = Builder::new(1, Interval { lo: -3000, hi: 3000 });
		let x = Affine::wire(0);
		let floor = rescale(&mut b, &x, 4, false).unwrap();
		let relu = rescale(&mut b, &x, 4, true).unwrap();
		let m = max(&mut b, &x, &Affine::constant(17)).unwrap();
		let table = PiecewiseLinear::new(f64::tanh, 5, 8, 3);
		let t = table.constrain(&mut b, &x).unwrap();
		let program = b.finish(vec![floor, relu, m, t]);
		for v in -3000i128..=3000 {
			let values = program.evaluate(&[v]);
			let out = program.outputs_of(&values);
			assert_eq!(out[0], v.div_euclid(16), "floor({v}/16)");
			assert_eq!(out[1], v.div_euclid(16).max(0), "relu");
			assert_eq!(out[2], v.max(17), "max");
			assert_eq!(out[3], table.eval(v), "tanh");
			for step in &program.steps {
				if let crate::circuit::program::Step::Decompose { first, bits, .. } = step {
					assert!((0..*bits).all(|i| values[(*first + i) as usize] <= 1), "bits are bits");
				}
			}
		}
		// And the honest assignment satisfies the R1CS, at the edges too.
		for v in [-3000i128, -17, -1, 0, 1, 15, 16, 17, 2047, 2999, 3000] {
			use crate::circuit::synth::{field, Assignment, Synthesis};
			use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
			type Fr = ark_bn254::Fr;
			let values = program.evaluate(&[v]);
			let outs = program.outputs_of(&values);
			let cs = ConstraintSystem::<Fr>::new_ref();
			let assignment = Assignment {
				binding: Fr::from(7u64),
				wires: values.into_iter().map(field::<Fr>).collect(),
				outputs: outs.into_iter().map(field::<Fr>).collect(),
			};
			Synthesis { program: &program, assignment: Some(assignment) }.generate_constraints(cs.clone()).unwrap();
			assert!(cs.is_satisfied().unwrap(), "satisfied at {v}");
		}
	}
}
