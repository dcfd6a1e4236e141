//! Benchmarks of every call, each in its documented worst case.

use super::*;
use crate::Pallet as ComputeStaking;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	Get,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::traits::{Bounded, One};

/// A profile serving `models` models, numbered from `first`.
fn profile(models: u32, first: u32) -> NodeProfile {
	NodeProfile {
		hardware: HardwareProfile {
			gpu_model: alloc::vec![b'G'; MAX_GPU_MODEL_LEN as usize].try_into().unwrap(),
			vram_mib: 24_576,
			flops: 82_000_000_000_000,
			cpu_cores: 16,
			memory_mib: 65_536,
		},
		models: (first..first + models)
			.map(|i| H256::repeat_byte(i as u8))
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.unwrap(),
		region: alloc::vec![b'r'; MAX_REGION_LEN as usize].try_into().unwrap(),
		latency: LatencyClass::Low,
	}
}

/// A funded account that can bond a large amount.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let plenty = BalanceOf::<T>::max_value() / 4u32.into();
	T::Currency::set_balance(&who, plenty);
	who
}

/// A bond well above the minimum, leaving room to unbond in many chunks.
fn big_bond<T: Config>() -> BalanceOf<T> {
	T::MinBond::get() * 1_000u32.into()
}

/// `who` registered with a full profile and `big_bond`.
fn registered<T: Config>(who: &T::AccountId) {
	let key: T::AccountId = account("compute", 0, 1);
	ComputeStaking::<T>::do_register(who, profile(MAX_MODELS_PER_PROVIDER, 0), key, big_bond::<T>())
		.expect("funded and valid");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let who = funded::<T>("provider", 0);
		// A real signature: its check is part of the weight.
		let (key, proof) = T::BenchmarkHelper::compute_key(&who, 0);
		let bond = big_bond::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), profile(MAX_MODELS_PER_PROVIDER, 0), key, proof, bond);

		assert_eq!(T::Currency::balance_on_hold(&HoldReason::Bonded.into(), &who), bond);
	}

	/// Worst case: every old model replaced by a new one.
	#[benchmark]
	fn update_profile() {
		let who = funded::<T>("provider", 0);
		registered::<T>(&who);
		let new = profile(MAX_MODELS_PER_PROVIDER, MAX_MODELS_PER_PROVIDER);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), new.clone());

		assert_eq!(Providers::<T>::get(&who).unwrap().profile, new);
	}

	#[benchmark]
	fn set_compute_key() {
		let who = funded::<T>("provider", 0);
		registered::<T>(&who);
		let (key, proof) = T::BenchmarkHelper::compute_key(&who, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key.clone(), proof);

		assert_eq!(ComputeKeys::<T>::get(&key), Some(who));
	}

	#[benchmark]
	fn bond_extra() {
		let who = funded::<T>("provider", 0);
		registered::<T>(&who);
		let amount = T::MinBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(Providers::<T>::get(&who).unwrap().active, big_bond::<T>() + amount);
	}

	/// Worst case: the unlocking queue is one short of full.
	#[benchmark]
	fn unbond() {
		let who = funded::<T>("provider", 0);
		registered::<T>(&who);
		let amount = T::MinBond::get();
		for _ in 0..MAX_UNLOCKING_CHUNKS - 1 {
			ComputeStaking::<T>::do_unbond(&who, amount).expect("bond is large enough");
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(Providers::<T>::get(&who).unwrap().unlocking.len() as u32, MAX_UNLOCKING_CHUNKS);
	}

	/// Worst case: a leaving provider with a full queue of matured chunks is
	/// released in full and removed.
	#[benchmark]
	fn withdraw_unbonded() {
		let who = funded::<T>("provider", 0);
		registered::<T>(&who);
		let bond = big_bond::<T>();
		let chunk = bond / MAX_UNLOCKING_CHUNKS.into();
		for _ in 0..MAX_UNLOCKING_CHUNKS - 1 {
			ComputeStaking::<T>::do_unbond(&who, chunk).expect("bond is large enough");
		}
		let rest = Providers::<T>::get(&who).unwrap().active;
		ComputeStaking::<T>::do_unbond(&who, rest).expect("unbonds the rest");
		let later = frame_system::Pallet::<T>::block_number() +
			T::UnbondingDelay::get() +
			One::one();
		frame_system::Pallet::<T>::set_block_number(later);
		let before = T::Currency::balance(&who);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Providers::<T>::contains_key(&who));
		assert_eq!(T::Currency::balance(&who), before + bond);
	}

	#[benchmark]
	fn set_validator_count() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let max = T::MaxValidators::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 1, max);

		assert_eq!(ValidatorCount::<T>::get(), max);
		Ok(())
	}

	impl_benchmark_test_suite!(ComputeStaking, crate::mock::new_test_ext(), crate::mock::Test);
}
