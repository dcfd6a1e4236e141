//! Benchmarks of the calls and of the paged work (`n` providers or records per page).

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Inspect, EnsureOrigin};
use frame_system::RawOrigin;
use sp_runtime::{traits::Zero, Perbill, Perquintill};

fn params<T: Config>() -> RewardParams<BalanceOf<T>> {
	RewardParams {
		initial: T::Currency::minimum_balance() * 1_000_000u32.into(),
		lambda: Perquintill::from_parts(19_770_000_000_000),
		alpha: Perbill::from_percent(70),
		beta: Perbill::from_percent(30),
		tau: 100,
		author_share: Perbill::from_percent(10),
		reward_cap: Perbill::from_percent(90),
	}
}

/// Era 0 with `n` providers' work and a block by each, ended (not scored).
fn ended_era<T: Config>(n: u32) -> alloc::vec::Vec<T::AccountId> {
	Params::<T>::put(params::<T>());
	EmissionScale::<T>::put(Perquintill::one());
	let counted = T::Currency::minimum_balance() * 1_000u32.into();
	let providers: alloc::vec::Vec<T::AccountId> = (0..n).map(|i| account("provider", i, 0)).collect();
	for who in &providers {
		Pallet::<T>::record_work(who, 1_000_000_000, counted, 3);
		Pallet::<T>::record_work(who, 1_000_000_000, counted, 5);
		Pallet::<T>::record_block(who);
	}
	Pallet::<T>::end_era();
	providers
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Ending an era: the emission minted, the record written, jobs queued.
	#[benchmark]
	fn end_era() {
		Params::<T>::put(params::<T>());
		EmissionScale::<T>::put(Perquintill::one());
		#[block]
		{
			Pallet::<T>::end_era();
		}
		assert_eq!(CurrentEra::<T>::get(), 1);
	}

	/// Scoring a page of `n` providers.
	#[benchmark]
	fn score_page(n: Linear<1, 100>) {
		ended_era::<T>(n);
		#[block]
		{
			Pallet::<T>::work_a_page();
		}
		assert!(Eras::<T>::get(0).is_some_and(|r| r.compute_total > 0));
	}

	/// Pruning a page of `n` records.
	#[benchmark]
	fn prune_page(n: Linear<1, 100>) {
		ended_era::<T>(n / 2 + 1);
		Pallet::<T>::work_a_page();
		Pages::<T>::put(paging::Queue::truncate_from(alloc::vec![paging::Job::Prune { era: 0, cursor: None }]));
		#[block]
		{
			Pallet::<T>::work_a_page();
		}
		// Marked expired, or (a page large enough) pruned altogether.
		assert!(Eras::<T>::get(0).is_none_or(|r| r.expired));
	}

	/// A claim of compute and authorship rewards.
	#[benchmark]
	fn claim() {
		let providers = ended_era::<T>(1);
		Pallet::<T>::work_a_page();
		let caller: T::AccountId = whitelisted_caller();
		let who = providers[0].clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, who.clone());
		assert!(!T::Currency::balance(&who).is_zero());
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin = T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params::<T>());
		assert!(Params::<T>::get().is_some());
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
