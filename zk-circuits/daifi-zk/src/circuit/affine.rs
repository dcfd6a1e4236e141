//! Integer affine forms over circuit wires: the values of linear layers.
//!
//! A linear layer with constant weights costs no constraint: its outputs are
//! affine forms `c0 + Σ c_i w_i` over wires already in the circuit. Only when
//! such a value enters a non-linearity (or becomes a public output) is it tied
//! to new wires by a constraint.

use std::collections::BTreeMap;

use crate::ZkError;

/// A wire of the circuit: `0..num_inputs` are the public model inputs, the
/// rest are witnesses made by the steps.
pub type Wire = u32;

/// `constant + Σ coeff · wire`, with integer coefficients.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affine {
	/// `(wire, coefficient)`, sorted by wire, no zero coefficient.
	pub terms: Vec<(Wire, i128)>,
	/// The constant term.
	pub constant: i128,
}

/// A closed integer interval `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
	/// Least value.
	pub lo: i128,
	/// Greatest value.
	pub hi: i128,
}

impl Interval {
	/// Largest magnitude of a value in the interval.
	pub fn magnitude(&self) -> i128 {
		self.lo.checked_abs().unwrap_or(i128::MAX).max(self.hi.checked_abs().unwrap_or(i128::MAX))
	}
}

/// Values past this magnitude are refused: far inside the BN254 scalar field
/// (about 2^254), so no affine form can wrap around the modulus.
pub const MAX_MAGNITUDE: i128 = 1 << 120;

fn overflow() -> ZkError {
	ZkError::ValueRange("an intermediate value exceeds 2^120 in magnitude".into())
}

impl Affine {
	/// The constant `c`.
	pub fn constant(c: i128) -> Self {
		Affine { terms: Vec::new(), constant: c }
	}

	/// The wire `w` itself.
	pub fn wire(w: Wire) -> Self {
		Affine { terms: vec![(w, 1)], constant: 0 }
	}

	/// `Σ coeff_i · form_i + constant`, merging equal wires.
	pub fn combine<'a>(
		parts: impl IntoIterator<Item = (i128, &'a Affine)>,
		constant: i128,
	) -> Result<Affine, ZkError> {
		let mut terms: BTreeMap<Wire, i128> = BTreeMap::new();
		let mut total = constant;
		for (coeff, form) in parts {
			if coeff == 0 {
				continue;
			}
			let c = coeff.checked_mul(form.constant).ok_or_else(overflow)?;
			total = total.checked_add(c).ok_or_else(overflow)?;
			for &(w, k) in &form.terms {
				let add = coeff.checked_mul(k).ok_or_else(overflow)?;
				let entry = terms.entry(w).or_insert(0);
				*entry = entry.checked_add(add).ok_or_else(overflow)?;
			}
		}
		Ok(Affine { terms: terms.into_iter().filter(|&(_, k)| k != 0).collect(), constant: total })
	}

	/// `self · k`.
	pub fn scaled(&self, k: i128) -> Result<Affine, ZkError> {
		Affine::combine([(k, self)], 0)
	}

	/// `self + other`.
	pub fn plus(&self, other: &Affine) -> Result<Affine, ZkError> {
		Affine::combine([(1, self), (1, other)], 0)
	}

	/// `self - other`.
	pub fn minus(&self, other: &Affine) -> Result<Affine, ZkError> {
		Affine::combine([(1, self), (-1, other)], 0)
	}

	/// `self + c`.
	pub fn offset(&self, c: i128) -> Result<Affine, ZkError> {
		Affine::combine([(1, self)], c)
	}

	/// The interval of values the form takes when each wire stays in its bounds.
	pub fn bounds(&self, wire_bounds: &[Interval]) -> Result<Interval, ZkError> {
		let (mut lo, mut hi) = (self.constant, self.constant);
		for &(w, k) in &self.terms {
			let b = wire_bounds[w as usize];
			let (a, c) = (k.checked_mul(b.lo).ok_or_else(overflow)?, k.checked_mul(b.hi).ok_or_else(overflow)?);
			lo = lo.checked_add(a.min(c)).ok_or_else(overflow)?;
			hi = hi.checked_add(a.max(c)).ok_or_else(overflow)?;
		}
		let interval = Interval { lo, hi };
		if interval.magnitude() > MAX_MAGNITUDE {
			return Err(overflow());
		}
		Ok(interval)
	}

	/// The value of the form for the given wire values.
	pub fn eval(&self, values: &[i128]) -> i128 {
		self.terms
			.iter()
			.fold(self.constant, |acc, &(w, k)| acc.wrapping_add(k.wrapping_mul(values[w as usize])))
	}
}
