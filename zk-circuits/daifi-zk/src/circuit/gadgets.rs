//! Non-linear gadgets built from range checks and products: rescale (with or
//! without ReLU), max, and piecewise-linear activations. Each is sound: the
//! prover has exactly one way to satisfy it.

use super::{
	affine::{Affine, Interval},
	program::Builder,
};
use crate::ZkError;

/// The number `Σ_{i>=from} 2^(i-from) bit_i`.
fn weighted(bits: &[Affine], from: usize) -> Result<Affine, ZkError> {
	Affine::combine(bits[from..].iter().enumerate().map(|(i, b)| (1i128 << i, b)), 0)
}

/// `value / 2^shift` rounded to nearest (halves up), then `max(0, ·)` if `relu`.
///
/// One range check gives both: with `value + 2^(shift-1) + 2^(n-1) = Σ 2^i b_i`,
/// the bits below `shift` are the remainder (so it lies in `[0, 2^shift)`),
/// the bits above are the quotient plus `2^(n-1-shift)`, and the top bit is 1
/// exactly when the rounded value is `>= 0`. ReLU is one more constraint:
/// `top · quotient`. Rounding costs nothing: it is the constant `2^(shift-1)`.
/// Cost: `n + 1` constraints, plus 1 with ReLU.
pub fn rescale(b: &mut Builder, value: &Affine, shift: u32, relu: bool) -> Result<Affine, ZkError> {
	if relu {
		Ok(rescale_with_relu(b, value, shift)?.1)
	} else {
		Ok(rescale_parts(b, value, shift)?.1)
	}
}

/// The rounded value and its ReLU, from one range check: [`rescale`]'s
/// `n + 2` constraints give both.
pub fn rescale_with_relu(b: &mut Builder, value: &Affine, shift: u32) -> Result<(Affine, Affine), ZkError> {
	let (top, quotient) = rescale_parts(b, value, shift)?;
	let relu = b.product(&top, &quotient)?;
	Ok((quotient, relu))
}

/// The top bit (1 when the rounded value is `>= 0`) and the rounded value.
fn rescale_parts(b: &mut Builder, value: &Affine, shift: u32) -> Result<(Affine, Affine), ZkError> {
	let half = if shift == 0 { 0 } else { 1i128 << (shift - 1) };
	let (bits, n) = b.decompose(&value.offset(half)?, shift + 1)?;
	let quotient = weighted(&bits, shift as usize)?.offset(-(1i128 << (n - 1 - shift)))?;
	Ok((bits[n as usize - 1].clone(), quotient))
}

/// `max(x, y) = y + s · (x - y)` with `s` the sign bit of `x - y`.
/// Cost: the range check of `x - y` plus one product.
pub fn max(b: &mut Builder, x: &Affine, y: &Affine) -> Result<Affine, ZkError> {
	let diff = x.minus(y)?;
	let (bits, n) = b.decompose(&diff, 1)?;
	let chosen = b.product(&bits[n as usize - 1], &diff)?;
	y.plus(&chosen)
}

/// `min(x, y) = -max(-x, -y)`. Cost: as [`max`].
pub fn min(b: &mut Builder, x: &Affine, y: &Affine) -> Result<Affine, ZkError> {
	max(b, &x.scaled(-1)?, &y.scaled(-1)?)?.scaled(-1)
}

/// Proves `0 <= value < 2^bits` and returns `value` rebuilt from its bits: an
/// equal form whose interval is exactly `[0, 2^bits - 1]`.
/// Cost: `bits + 1` constraints (1 when `bits` is 0: `value = 0`).
pub fn unsigned(b: &mut Builder, value: &Affine, bits: u32) -> Result<Affine, ZkError> {
	if bits == 0 {
		b.check(value, &Affine::constant(1), &Affine::constant(0))?;
		return Ok(Affine::constant(0));
	}
	let bits = b.decompose_exact(&value.offset(-(1i128 << (bits - 1)))?, bits)?;
	weighted(&bits, 0)
}

/// Bits of the largest value in `[0, hi]`.
pub fn bits_for(hi: i128) -> u32 {
	128 - hi.max(0).leading_zeros()
}

/// `floor(num / den)` for a denominator whose interval is within `[1, ..]`.
///
/// The quotient `q` and remainder `r` are hints, fixed by: `r` in
/// `[0, 2^k)` and `den - 1 - r` in `[0, 2^k)` (so `0 <= r < den`), `q` in
/// its interval (a signed range check), and `q · den = num - r`. Every value
/// is far below the field's size, so the equation holds over the integers,
/// where `q` and `r` are unique. Cost: `2(k + 1) + (n_q + 1) + 1` constraints
/// with `k` the bits of `den - 1` and `n_q` those of `q`.
pub fn divide(b: &mut Builder, num: &Affine, den: &Affine) -> Result<Affine, ZkError> {
	let (n, d) = (b.bounds(num)?, b.bounds(den)?);
	if d.lo < 1 {
		return Err(ZkError::ValueRange(format!("a divisor may be {} (at least 1 is needed)", d.lo)));
	}
	let quotient = Interval {
		lo: n.lo.div_euclid(d.lo).min(n.lo.div_euclid(d.hi)),
		hi: n.hi.div_euclid(d.lo).max(n.hi.div_euclid(d.hi)),
	};
	let (q, r) = b.divide_hint(num, den, quotient, Interval { lo: 0, hi: d.hi - 1 });
	let k = bits_for(d.hi - 1);
	unsigned(b, &r, k)?;
	unsigned(b, &den.offset(-1)?.minus(&r)?, k)?;
	b.decompose(&q, 1)?;
	b.check(&q, den, &num.minus(&r)?)?;
	Ok(q)
}

/// A piecewise-linear approximation of an activation `f` on
/// `[lo, lo + 2^width_bits)` (real units), constant (saturated) outside.
#[derive(Clone, Debug)]
pub struct PiecewiseLinear {
	/// log2 of the number of segments.
	pub segment_bits: u32,
	/// Fixed-point fractional bits of the input (and of the slopes).
	pub frac_bits: u32,
	/// The domain's left end, quantized (`lo · 2^frac_bits`).
	pub lo: i128,
	/// log2 of the domain's width in real units.
	pub width_bits: u32,
	/// Per segment, the output at its left end and the slope, both scaled by
	/// `2^(2·frac_bits)` and `2^frac_bits`.
	pub segments: Vec<(i128, i128)>,
}

impl PiecewiseLinear {
	/// Interpolates `f` at the segment ends of `[lo, lo + 2^width_bits)`.
	pub fn new(f: impl Fn(f64) -> f64, segment_bits: u32, frac_bits: u32, lo: f64, width_bits: u32) -> Self {
		let count = 1usize << segment_bits;
		let width = (1u64 << width_bits) as f64 / count as f64;
		let out_scale = (1u64 << (2 * frac_bits)) as f64;
		let segments = (0..count)
			.map(|s| {
				let x0 = lo + s as f64 * width;
				let (y0, y1) = (f(x0), f(x0 + width));
				let intercept = (y0 * out_scale).round() as i128;
				// Slope per input unit (2^-frac_bits), scaled by 2^(2·frac_bits).
				let slope = ((y1 - y0) / width * (1u64 << frac_bits) as f64).round() as i128;
				(intercept, slope)
			})
			.collect();
		let lo = (lo * (1u64 << frac_bits) as f64).round() as i128;
		PiecewiseLinear { segment_bits, frac_bits, lo, width_bits, segments }
	}

	fn domain_bits(&self) -> u32 {
		self.width_bits + self.frac_bits
	}

	/// Largest distance between `f` and this approximation on every quantized
	/// input of the domain and 4 units either side, in real units.
	pub fn max_error(&self, f: impl Fn(f64) -> f64) -> f64 {
		let scale = (1u64 << self.frac_bits) as f64;
		let margin = 4 * scale as i128;
		(self.lo - margin..self.lo + (1i128 << self.domain_bits()) + margin)
			.map(|q| {
				let approx = self.eval(q) as f64 / (scale * scale);
				(approx - f(q as f64 / scale)).abs()
			})
			.fold(0.0, f64::max)
	}

	/// The approximation on a quantized input (what the circuit computes).
	pub fn eval(&self, x: i128) -> i128 {
		let clamped = x.clamp(self.lo, self.lo + (1i128 << self.domain_bits()) - 1) - self.lo;
		let offset_bits = self.domain_bits() - self.segment_bits;
		let segment = (clamped >> offset_bits) as usize;
		let within = clamped & ((1 << offset_bits) - 1);
		let (intercept, slope) = self.segments[segment];
		intercept + slope * within
	}

	/// Constrains `out = eval(x)` for `x` at scale `2^frac_bits`; `out` is at
	/// scale `2^(2·frac_bits)`.
	///
	/// `x` is clamped to the domain with a `max` and a `min`, the clamped
	/// value's offset from `lo` split into bits, the high `segment_bits` of
	/// them the segment and the rest the offset within it, the segment's
	/// one-hot indicator built from the index bits by products, and
	/// `out = intercept[seg] + slope[seg] · offset` with one more product.
	/// Cost: two `max`, `width_bits + frac_bits + 1` for the bits,
	/// `2^segment_bits - 2` for the indicator, 1 for the slope.
	pub fn constrain(&self, b: &mut Builder, x: &Affine) -> Result<Affine, ZkError> {
		let n = self.domain_bits();
		let low = max(b, x, &Affine::constant(self.lo))?;
		let clamped = min(b, &low, &Affine::constant(self.lo + (1i128 << n) - 1))?;
		// clamped - lo lies in [0, 2^n): exactly n bits. (The interval
		// analysis of `clamped` is looser than the truth, so the width is
		// given, not derived; the check enforces it either way.)
		let bits = b.decompose_exact(&clamped.offset(-self.lo - (1i128 << (n - 1)))?, n)?;
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

	#[test]
	fn gadgets_compute_what_they_claim_on_every_input() {
		// One input wire in [-300, 300]: rescale, relu, max against a constant, sigmoid.
		let mut b = Builder::new(1, Interval { lo: -3000, hi: 3000 }, 8).unwrap();
		let x = Affine::wire(0);
		let floor = rescale(&mut b, &x, 4, false).unwrap();
		let relu = rescale(&mut b, &x, 4, true).unwrap();
		let m = max(&mut b, &x, &Affine::constant(17)).unwrap();
		let table = PiecewiseLinear::new(f64::tanh, 5, 8, -8.0, 4);
		let t = table.constrain(&mut b, &x).unwrap();
		let q = divide(&mut b, &x, &Affine::constant(7)).unwrap();
		let program = b.finish(vec![floor, relu, m, t, q]).unwrap();
		for v in -3000i128..=3000 {
			let values = program.evaluate(&[v]);
			let out = program.outputs_of(&values);
			assert_eq!(out[0], (v + 8).div_euclid(16), "round({v}/16)");
			assert_eq!(out[1], (v + 8).div_euclid(16).max(0), "relu");
			assert_eq!(out[2], v.max(17), "max");
			assert_eq!(out[3], table.eval(v), "tanh");
			assert_eq!(out[4], v.div_euclid(7), "floor({v}/7)");
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
