//! The emission curve `E(t) = E0 · e^(-λ t)` in integers.
//!
//! The runtime keeps `scale = e^(-λ t)` as a [`Perquintill`] (18 decimals)
//! and multiplies it by the decay factor `e^(-λ)` at the end of each era;
//! era `t`'s emission is `scale · E0`, rounded down. No floats: every node
//! computes the same numbers.
//!
//! Error bound: `e^(-λ)` is computed to within `2 · 10^-17` and each
//! multiplication rounds down by less than `10^-18`, so after `t` eras
//! `scale` is within `t · 2.1 · 10^-17 / e^(-λ)` of `e^(-λ t)` relative to
//! it, and each era's emission within that of `E0 · e^(-λ t)` plus one unit.
//! Over 50,000 eras that is under `10^-11` of the total (the test
//! `issuance_follows_the_closed_form_over_fifty_thousand_eras` asserts
//! `10^-10`).

use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AtLeast32BitUnsigned, SaturatedConversion},
	Perquintill, Rounding,
};

/// 10^18: one in [`Perquintill`] parts.
const ONE: u128 = 1_000_000_000_000_000_000;

/// `e^(-λ)` for `λ` in `[0, 1]`, within `2 · 10^-17` of the exact value:
/// the Taylor series `Σ (-λ)^k / k!`, each term rounded down, summed until
/// the terms vanish (at most 21 terms).
pub fn decay_factor(lambda: Perquintill) -> Perquintill {
	let x = u128::from(lambda.deconstruct());
	let (mut positive, mut negative) = (ONE, 0u128);
	let (mut term, mut k) = (ONE, 1u128);
	while term > 0 {
		// term · x ≤ 10^36 < 2^128.
		term = term * x / ONE / k;
		if k % 2 == 1 {
			negative += term;
		} else {
			positive += term;
		}
		k += 1;
	}
	// The alternating series with terms below 1 stays within [0, 1].
	Perquintill::from_parts(positive.saturating_sub(negative).min(ONE) as u64)
}

/// `a · b` in [`Perquintill`], rounded down.
pub fn multiply(a: Perquintill, b: Perquintill) -> Perquintill {
	Perquintill::from_parts((u128::from(a.deconstruct()) * u128::from(b.deconstruct()) / ONE) as u64)
}

/// `scale · amount`, rounded down: an era's emission from `E0`.
pub fn scaled<Balance: AtLeast32BitUnsigned + Copy>(scale: Perquintill, amount: Balance) -> Balance {
	let parts = u128::from(scale.deconstruct());
	multiply_by_rational_with_rounding(amount.saturated_into(), parts, ONE, Rounding::Down)
		.unwrap_or(0)
		.saturated_into()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn real(p: Perquintill) -> f64 {
		p.deconstruct() as f64 / ONE as f64
	}

	#[test]
	fn the_decay_factor_is_e_to_the_minus_lambda() {
		assert_eq!(decay_factor(Perquintill::zero()), Perquintill::one());
		for lambda in [1u64, 1_000, 19_770_000_000_000, 100_000_000_000_000_000, 693_147_180_559_945_309, ONE as u64] {
			let lambda = Perquintill::from_parts(lambda);
			let got = real(decay_factor(lambda));
			let expected = (-real(lambda)).exp();
			assert!((got - expected).abs() < 1e-15, "λ = {lambda:?}: {got} vs {expected}");
			assert!(decay_factor(lambda) <= Perquintill::one());
		}
		// e^-1 = 0.367879441171442321595..., beyond f64's precision.
		let e = decay_factor(Perquintill::one()).deconstruct();
		assert!((367_879_441_171_442_301..=367_879_441_171_442_341).contains(&e), "{e}");
	}

	#[test]
	fn issuance_follows_the_closed_form_over_fifty_thousand_eras() {
		let e0: u128 = 1_000 * 1_000_000_000_000; // 1,000 DAi
		let lambda = Perquintill::from_parts(19_770_000_000_000); // half-life about 35,000 eras
		let decay = decay_factor(lambda);
		let mut scale = Perquintill::one();
		let mut total: u128 = 0;
		let eras = 50_000u32;
		for _ in 0..eras {
			total += scale.mul_floor(e0);
			scale = multiply(scale, decay);
		}
		let q = (-real(lambda)).exp();
		let closed = e0 as f64 * (1.0 - q.powi(eras as i32)) / (1.0 - q);
		let relative = (total as f64 - closed).abs() / closed;
		assert!(relative < 1e-10, "total {total}, closed form {closed}, relative error {relative}");
		// The last era's emission against e^(-λ t).
		let last = scale.mul_floor(e0) as f64;
		let exact = e0 as f64 * (-real(lambda) * eras as f64).exp();
		assert!((last - exact).abs() / exact < 1e-10);
	}
}
