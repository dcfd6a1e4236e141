//! The records of Proof-of-Compute rewards.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AtLeast32BitUnsigned, SaturatedConversion, Saturating, Zero},
	Perbill, Perquintill, Rounding,
};

/// Counts eras from 0.
pub type EraIndex = u32;

/// The emission curve and how an era's emission is split.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct RewardParams<Balance> {
	/// `E0`: the emission of era 0 (and the scale of the whole curve).
	pub initial: Balance,
	/// `λ` per era: each era emits `e^(-λ)` times the previous one.
	pub lambda: Perquintill,
	/// `α`: the share of the providers' pool split by verified compute.
	pub alpha: Perbill,
	/// `β`: the share split by reputation (`α + β = 100%`).
	pub beta: Perbill,
	/// `τ`: the latency variance (blocks²) at which the compute term vanishes.
	pub tau: u64,
	/// The share of an era's payout that goes to block authors.
	pub author_share: Perbill,
	/// A provider's era reward is at most this share of what its counted
	/// tasks burned: below 100%, so that buying one's own tasks never pays.
	pub reward_cap: Perbill,
}

impl<Balance> RewardParams<Balance> {
	/// `α + β = 100%`, `τ > 0`, `λ ≤ 1` and the cap below 100%.
	pub fn check(&self) -> Result<(), &'static str> {
		if u64::from(self.alpha.deconstruct()) + u64::from(self.beta.deconstruct()) !=
			u64::from(Perbill::one().deconstruct())
		{
			return Err("alpha + beta must be 100%");
		}
		if self.tau == 0 {
			return Err("tau must be positive");
		}
		if self.reward_cap >= Perbill::one() {
			return Err("the reward cap must be below 100%");
		}
		Ok(())
	}
}

/// Counts of the era in progress.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, Default, TypeInfo, MaxEncodedLen,
)]
pub struct EraProgress {
	/// Providers with counted work.
	pub providers: u32,
	/// Blocks authored.
	pub blocks: u32,
}

/// A provider's score in an ended era, set when the era is scored.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Score {
	/// `S_n = FLOPS_n · (1 - min(σ_n, τ) / τ)`.
	pub compute: u128,
	/// `Rep_n` when the era was scored.
	pub reputation: Perbill,
}

/// A provider's counted work in one era.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, Default, TypeInfo, MaxEncodedLen,
)]
pub struct ProviderWork<Balance> {
	/// Counted tasks.
	pub tasks: u32,
	/// Their FLOPs.
	pub flops: u128,
	/// What they burned: the cap on the provider's reward.
	pub counted: Balance,
	/// Σ latency (blocks from submission to settlement).
	pub latency_sum: u64,
	/// Σ latency².
	pub latency_squares: u128,
	/// Set when the era is scored.
	pub score: Option<Score>,
}

impl<Balance: Saturating + Copy> ProviderWork<Balance> {
	/// One more counted task.
	pub fn add(&mut self, flops: u128, counted: Balance, latency: u64) {
		self.tasks = self.tasks.saturating_add(1);
		self.flops = self.flops.saturating_add(flops);
		self.counted = self.counted.saturating_add(counted);
		self.latency_sum = self.latency_sum.saturating_add(latency);
		self.latency_squares = self.latency_squares.saturating_add(u128::from(latency) * u128::from(latency));
	}

	/// `σ`: the population variance of the latencies, in blocks² (rounded
	/// down): `(n Σx² - (Σx)²) / n²`.
	pub fn latency_variance(&self) -> u128 {
		let n = u128::from(self.tasks);
		if n == 0 {
			return 0;
		}
		let sum = u128::from(self.latency_sum);
		n.saturating_mul(self.latency_squares).saturating_sub(sum.saturating_mul(sum)) / (n * n)
	}

	/// `S = FLOPS · (1 - min(σ, τ) / τ)`, rounded down.
	pub fn compute_score(&self, tau: u64) -> u128 {
		let tau = u128::from(tau.max(1));
		let steady = tau - self.latency_variance().min(tau);
		multiply_by_rational_with_rounding(self.flops, steady, tau, Rounding::Down).unwrap_or(0)
	}
}

/// An ended era: what it pays and how.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct EraRecord<Balance> {
	/// What it pays: its emission and what expired eras left.
	pub payout: Balance,
	/// The authors' part of it; the rest is the providers' pool.
	pub authors: Balance,
	/// `α`, `β`, `τ` and the cap in force when it ended.
	pub alpha: Perbill,
	/// See `alpha`.
	pub beta: Perbill,
	/// See `alpha`.
	pub tau: u64,
	/// See `alpha`.
	pub reward_cap: Perbill,
	/// Providers with counted work, blocks authored.
	pub progress: EraProgress,
	/// `Σ S_n` over its providers (complete once `scored`).
	pub compute_total: u128,
	/// `Σ Rep_n` in parts per billion (complete once `scored`).
	pub reputation_total: u128,
	/// Whether every provider is scored: only then can it be claimed.
	pub scored: bool,
	/// What has been claimed.
	pub paid: Balance,
	/// Whether it is being pruned: no more claims.
	pub expired: bool,
}

/// `amount · part / total`, rounded down; zero when `total` is zero.
fn share<Balance: AtLeast32BitUnsigned + Copy>(amount: Balance, part: u128, total: u128) -> Balance {
	if total == 0 {
		return Zero::zero();
	}
	multiply_by_rational_with_rounding(amount.saturated_into(), part, total, Rounding::Down)
		.unwrap_or(0)
		.saturated_into()
}

impl<Balance: AtLeast32BitUnsigned + Copy> EraRecord<Balance> {
	/// The record of an era that ended with `payout` to split under `params`.
	/// With no parameters (no emission yet) or no blocks authored, the
	/// authors' part is zero.
	pub fn new(payout: Balance, params: Option<&RewardParams<Balance>>, progress: EraProgress) -> Self {
		let (alpha, beta, tau, cap, author_share) = params.map_or(
			(Perbill::one(), Perbill::zero(), 1, Perbill::zero(), Perbill::zero()),
			|p| (p.alpha, p.beta, p.tau, p.reward_cap, p.author_share),
		);
		let authors = if progress.blocks == 0 { Zero::zero() } else { author_share * payout };
		EraRecord {
			payout,
			authors,
			alpha,
			beta,
			tau,
			reward_cap: cap,
			progress,
			compute_total: 0,
			reputation_total: 0,
			scored: progress.providers == 0,
			paid: Zero::zero(),
			expired: false,
		}
	}

	/// Adds a scored provider to the totals.
	pub fn add(&mut self, score: &Score) {
		self.compute_total = self.compute_total.saturating_add(score.compute);
		self.reputation_total = self.reputation_total.saturating_add(u128::from(score.reputation.deconstruct()));
	}

	/// What a scored provider with `work` is owed:
	/// `α · P · S / ΣS + β · P · Rep / ΣRep`, at most `cap · counted`.
	pub fn compute_reward(&self, work: &ProviderWork<Balance>) -> Balance {
		let Some(score) = work.score else { return Zero::zero() };
		let pool = self.payout.saturating_sub(self.authors);
		let by_compute = share(self.alpha * pool, score.compute, self.compute_total);
		let by_reputation = share(self.beta * pool, u128::from(score.reputation.deconstruct()), self.reputation_total);
		by_compute.saturating_add(by_reputation).min(self.reward_cap * work.counted)
	}

	/// What an author of `blocks` of the era's blocks is owed.
	pub fn authorship_reward(&self, blocks: u32) -> Balance {
		share(self.authors, u128::from(blocks), u128::from(self.progress.blocks))
	}
}
