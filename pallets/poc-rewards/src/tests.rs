//! Emission, the split, the cap against self-dealing, claims and expiry.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use sp_runtime::{DispatchError, Perbill, Perquintill};

const A: AccountId = 10;
const B: AccountId = 11;
const AUTHOR: AccountId = 20;
/// A burn large enough that the cap does not bind.
const LARGE: Balance = 1_000_000_000_000;

fn ended() -> Vec<(EraIndex, Balance, Balance)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::EraEnded { era, emission, payout } => Some((era, emission, payout)),
			_ => None,
		})
		.collect()
}

fn claim(era: EraIndex, who: AccountId) -> Balance {
	let before = Balances::balance(&who);
	assert_ok!(PocRewards::claim(RuntimeOrigin::signed(1), era, who));
	Balances::balance(&who) - before
}

#[test]
fn each_era_emits_the_curve_and_issuance_grows_by_exactly_the_emission() {
	execute(|| {
		let issuance = Balances::total_issuance();
		let decay = emission::decay_factor(params().lambda);
		let mut scale = Perquintill::one();
		let mut expected = vec![];
		for _ in 0..5 {
			expected.push(scale.mul_floor(E0));
			scale = emission::multiply(scale, decay);
		}
		// e^-0.01 = 0.99004983374916805...
		assert_eq!(expected[1], 990_049_833);
		run_to_era(5, 0);
		let emitted: Vec<Balance> = ended().iter().map(|e| e.1).collect();
		assert_eq!(emitted, expected);
		let total: Balance = expected.iter().sum();
		assert_eq!(Balances::total_issuance(), issuance + total);
		assert_eq!(TotalEmitted::<Test>::get(), total);
		assert_eq!(Balances::balance(&PocRewards::pot()), 1 + total, "all of it in the pot");
		assert_eq!(PocRewards::current_emission(), scale.mul_floor(E0));
		assert_eq!(PocRewards::next_emission(), emission::multiply(scale, decay).mul_floor(E0));
	});
}

#[test]
fn one_provider_and_one_author_share_the_era() {
	execute(|| {
		run_to(5, Some(AUTHOR));
		settle(A, 1_000_000_000, LARGE, 3);
		settle(A, 1_000_000_000, LARGE, 5);
		let work = Work::<Test>::get(0, A).unwrap();
		// Latencies 3 and 5: variance 1 block².
		assert_eq!((work.tasks, work.flops, work.latency_variance()), (2, 2_000_000_000, 1));
		assert_eq!(work.compute_score(100), 1_980_000_000);
		run_to(ERA, Some(AUTHOR));
		// Scored in the block that ended the era (one provider, one page).
		let record = Eras::<Test>::get(0).unwrap();
		assert!(record.scored);
		assert_eq!((record.payout, record.authors, record.progress.blocks), (E0, E0 / 10, 18));
		// The whole pool: 70% by compute, 30% by reputation, both all A's.
		assert_eq!(PocRewards::pending_reward(&A), 900_000_000);
		assert_eq!(claim(0, A), 900_000_000);
		assert_eq!(claim(0, AUTHOR), 100_000_000);
		assert!(events().contains(&Event::Rewarded { era: 0, who: A, compute: 900_000_000, authorship: 0 }));
		assert_eq!(Balances::balance(&PocRewards::pot()), 1, "everything paid");
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 0, A), Error::<Test>::NothingToClaim);
		assert_eq!(PocRewards::pending_reward(&A), 0);
	});
}

#[test]
fn two_providers_split_by_steady_compute_and_by_reputation() {
	execute(|| {
		run_to(35, None);
		set_reputation(A, Perbill::from_percent(50));
		set_reputation(B, Perbill::from_percent(100));
		// A: 3 GFLOPs at a steady latency. B: 1 GFLOP at latencies 0 and 30
		// (variance 225 > τ = 100: no compute share).
		settle(A, 3_000_000_000, LARGE, 4);
		settle(B, 500_000_000, LARGE, 0);
		settle(B, 500_000_000, LARGE, 30);
		assert_eq!(Work::<Test>::get(1, B).unwrap().latency_variance(), 225);
		run_to_era(2, 0);
		// No blocks authored: the whole payout is the providers' pool.
		let payout = Eras::<Test>::get(1).unwrap().payout;
		assert_eq!(payout, emission::decay_factor(params().lambda).mul_floor(E0));
		let pool = payout;
		let (by_compute, by_reputation) = (Perbill::from_percent(70) * pool, Perbill::from_percent(30) * pool);
		assert_eq!(claim(1, A), by_compute + by_reputation / 3);
		assert_eq!(claim(1, B), by_reputation * 2 / 3);
	});
}

#[test]
fn the_edges_no_providers_zero_flops_and_self_dealt_work() {
	execute(|| {
		// Era 0: nobody worked. Era 1: one provider whose tasks have zero FLOPs,
		// and one whose only task was its own (nothing counted).
		run_to_era(1, 1);
		assert!(Eras::<Test>::get(0).unwrap().scored, "nothing to score");
		settle(A, 0, LARGE, 2);
		settle(B, 1_000_000_000, 0, 2);
		assert!(Work::<Test>::get(1, B).is_none(), "a self-dealt task records nothing");
		run_to_era(2, 1);
		let payout = Eras::<Test>::get(1).unwrap().payout;
		assert_eq!(claim(1, A), Perbill::from_percent(30) * payout, "only the reputation term");
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 1, B), Error::<Test>::NothingToClaim);
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 0, A), Error::<Test>::NothingToClaim);
	});
}

#[test]
fn buying_one_s_own_tasks_through_sybils_costs_more_than_it_earns() {
	execute(|| {
		// Ten sybil providers, each with one bought task that burned 100: no
		// other traffic, so without the cap they would split the whole pool.
		run_to(5, None);
		let sybils: Vec<AccountId> = (100..110).collect();
		for who in &sybils {
			settle(*who, 1_000_000_000, 100, 1);
		}
		run_to_era(1, 2);
		let earned: Balance = sybils.iter().map(|who| claim(0, *who)).sum();
		assert_eq!(earned, 10 * 90, "each capped at 90% of its burn");
		assert!(earned < 10 * 100, "less than they burned");
		// What the cap left unpaid is paid with the era after the one that expires.
		run_to_era(HISTORY + 1, 1);
		let unpaid = E0 - earned;
		assert!(events().contains(&Event::EraExpired { era: 0, unpaid }));
		assert!(Eras::<Test>::get(0).is_none() && Work::<Test>::iter_prefix(0).next().is_none());
		run_to_era(HISTORY + 2, 0);
		let (era, emission, payout) = *ended().last().unwrap();
		assert_eq!((era, payout), (HISTORY + 1, emission + unpaid));
	});
}

#[test]
fn claims_wait_for_scoring_and_end_with_the_history() {
	execute(|| {
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 0, A), Error::<Test>::EraNotClaimable);
		run_to(5, None);
		// More providers than a page: scoring takes two blocks.
		for who in 100..100 + u64::from(PAGE) + 1 {
			settle(who, 1_000_000, LARGE, 1);
		}
		run_to_era(1, 0);
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 0, 100), Error::<Test>::NotScoredYet);
		run_to_era(1, 1);
		assert!(events().contains(&Event::EraScored { era: 0, providers: PAGE + 1 }));
		assert!(claim(0, 100) > 0);
		// Claimable for HISTORY eras, then pruned.
		run_to_era(HISTORY, 5);
		assert!(claim(0, 101) > 0);
		run_to_era(HISTORY + 1, 0);
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 0, 102), Error::<Test>::EraNotClaimable);
		assert_eq!(PocRewards::pending_reward(&102), 0);
		assert_noop!(PocRewards::claim(RuntimeOrigin::signed(1), 9, 102), Error::<Test>::EraNotClaimable);
		assert_noop!(PocRewards::claim(RuntimeOrigin::none(), 0, 102), DispatchError::BadOrigin);
	});
}

#[test]
fn a_full_era_records_no_more_providers() {
	execute(|| {
		run_to(5, None);
		for who in 100..100 + u64::from(MAX_PROVIDERS) {
			settle(who, 1, LARGE, 1);
		}
		settle(A, 1, LARGE, 1);
		assert!(Work::<Test>::get(0, A).is_none());
		assert!(events().contains(&Event::EraFull { era: 0, provider: A }));
		// A provider already in the era still records more work.
		settle(100, 1, LARGE, 1);
		assert_eq!(Work::<Test>::get(0, 100).unwrap().tasks, 2);
	});
}

#[test]
fn the_pending_reward_is_what_claims_pay() {
	execute(|| {
		run_to(5, Some(A));
		settle(A, 1_000_000, LARGE, 2);
		run_to_era(1, 1);
		settle(A, 2_000_000, LARGE, 2);
		settle(B, 2_000_000, LARGE, 2);
		run_to_era(2, 1);
		let pending = PocRewards::pending_reward(&A);
		assert!(pending > 0);
		assert_eq!(claim(0, A) + claim(1, A), pending);
	});
}

#[test]
fn governance_changes_the_curve_from_the_next_era() {
	execute(|| {
		run_to_era(2, 5);
		let scale = EmissionScale::<Test>::get();
		let faster = RewardParams { lambda: Perquintill::from_percent(10), ..params() };
		assert_noop!(PocRewards::set_params(RuntimeOrigin::signed(1), faster.clone()), DispatchError::BadOrigin);
		assert_ok!(PocRewards::set_params(RuntimeOrigin::root(), faster.clone()));
		assert!(events().contains(&Event::ParamsSet { params: faster }));
		run_to_era(4, 0);
		let emitted: Vec<Balance> = ended().iter().map(|e| e.1).collect();
		// Era 2 was already on its way; era 3 decays by e^-0.1.
		let decay = emission::decay_factor(Perquintill::from_percent(10));
		assert_eq!(emitted[2], scale.mul_floor(E0));
		assert_eq!(emitted[3], emission::multiply(scale, decay).mul_floor(E0));
		// A new E0 scales the era in progress.
		let before = PocRewards::current_emission();
		assert_ok!(PocRewards::set_params(RuntimeOrigin::root(), RewardParams { initial: 2 * E0, ..params() }));
		assert!(PocRewards::current_emission().abs_diff(2 * before) <= 1);
	});
}

#[test]
fn invalid_parameters_are_refused() {
	execute(|| {
		let refused = |params| {
			assert_noop!(PocRewards::set_params(RuntimeOrigin::root(), params), Error::<Test>::InvalidParams);
		};
		refused(RewardParams { beta: Perbill::from_percent(31), ..params() });
		refused(RewardParams { tau: 0, ..params() });
		refused(RewardParams { reward_cap: Perbill::one(), ..params() });
	});
}

#[test]
fn the_largest_values_saturate_without_creating_or_losing_funds() {
	execute(|| {
		assert_ok!(PocRewards::set_params(RuntimeOrigin::root(), RewardParams { initial: Balance::MAX / 2, ..params() }));
		run_to(5, None);
		settle(A, u64::MAX, Balance::MAX / 2, 4);
		settle(A, u64::MAX, Balance::MAX / 2, 0);
		settle(B, u64::MAX, Balance::MAX / 2, 3);
		let issuance = Balances::total_issuance();
		run_to_era(3, 1);
		// Eras 0 and 1 are minted; era 2's emission would overflow the
		// issuance: it is not minted (emission 0), never wrapped.
		let emitted: Vec<Balance> = ended().iter().map(|e| e.1).collect();
		assert_eq!(emitted[0], Balance::MAX / 2);
		assert!(emitted[1] > 0);
		assert_eq!(emitted[2], 0);
		assert_eq!(Balances::total_issuance(), issuance + emitted.iter().sum::<Balance>());
		let paid = claim(0, A) + claim(0, B);
		assert!(paid <= Balance::MAX / 2 && paid > Balance::MAX / 4);
	});
}

#[test]
fn the_projection_is_what_the_eras_then_emit() {
	execute(|| {
		let projected = PocRewards::projection(6, 2);
		assert_eq!(projected.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 2, 4]);
		run_to_era(6, 0);
		let emitted: Vec<Balance> = ended().iter().map(|e| e.1).collect();
		for (era, emission, total) in projected {
			assert_eq!(emission, emitted[era as usize], "era {era}");
			assert_eq!(total, emitted[..=era as usize].iter().sum::<Balance>(), "total after era {era}");
		}
		// From the era in progress on; bounded however much is asked.
		assert_eq!(PocRewards::projection(1, 1)[0].0, 6);
		assert_eq!(PocRewards::projection(u32::MAX, MAX_PROJECTED_ERAS).len(), 1);
		assert_eq!(PocRewards::projection(0, 0), vec![]);
	});
}
