//! Benchmarks of every call and of closing a period with `p` pairs.

use super::*;

use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_system::RawOrigin;
use sp_runtime::{traits::Bounded, Perbill};

/// An account with plenty to hold a deposit.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
	who
}

/// The largest policy: a full model allow-list.
fn full_policy() -> Policy {
	let models = (0..types::MAX_ALLOWED_MODELS)
		.map(|i| pallet_model_registry::ModelHash::repeat_byte(i as u8))
		.collect::<alloc::vec::Vec<_>>();
	Policy {
		local: true,
		outside_markup: Some(Perbill::from_percent(10)),
		models: Some(models.try_into().expect("MAX_ALLOWED_MODELS")),
		preference: pallet_tasks::Preference::Even,
	}
}

/// Domain 0, created by a funded admin; returns the admin.
fn domain<T: Config>() -> T::AccountId {
	let admin = funded::<T>("admin", 0);
	Pallet::<T>::create(RawOrigin::Signed(admin.clone()).into(), DomainKind::Enterprise, full_policy())
		.expect("funded");
	admin
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create() {
		let admin = funded::<T>("admin", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(admin), DomainKind::National, full_policy());
		assert!(pallet::Domains::<T>::contains_key(0));
	}

	#[benchmark]
	fn set_policy() {
		let admin = domain::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(admin), 0, full_policy());
	}

	#[benchmark]
	fn set_admin() {
		let admin = domain::<T>();
		let next: T::AccountId = account("next", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(admin), 0, next.clone());
		assert_eq!(pallet::Domains::<T>::get(0).map(|d| d.admin), Some(next));
	}

	#[benchmark]
	fn invite() {
		let admin = domain::<T>();
		let who: T::AccountId = account("member", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(admin), 0, who.clone());
		assert!(Invitations::<T>::contains_key(0, who));
	}

	#[benchmark]
	fn join() {
		let admin = domain::<T>();
		let who: T::AccountId = account("member", 0, 0);
		Pallet::<T>::invite(RawOrigin::Signed(admin).into(), 0, who.clone()).expect("admin");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 0);
		assert_eq!(MemberOf::<T>::get(who), Some(0));
	}

	#[benchmark]
	fn remove() {
		let admin = domain::<T>();
		let who: T::AccountId = account("member", 0, 0);
		Pallet::<T>::invite(RawOrigin::Signed(admin.clone()).into(), 0, who.clone()).expect("admin");
		Pallet::<T>::join(RawOrigin::Signed(who.clone()).into(), 0).expect("invited");
		#[extrinsic_call]
		_(RawOrigin::Signed(admin), 0, who.clone());
		assert_eq!(MemberOf::<T>::get(who), None);
	}

	#[benchmark]
	fn claim() {
		domain::<T>();
		let executor: T::AccountId = account("executor", 0, 0);
		let amount = T::Currency::minimum_balance() * 10u32.into();
		T::Currency::set_balance(&Pallet::<T>::gateway(None), amount * 2u32.into());
		Pallet::<T>::record_crossing(None, &executor, Some(0), amount).expect("room");
		// The gateway of domain 0 holds what the executor earned after clearing.
		Pallet::<T>::close_era();
		#[extrinsic_call]
		_(RawOrigin::Signed(executor.clone()), Some(0));
		assert_eq!(T::Currency::balance(&executor), amount);
	}

	/// Closing a period with `p` pairs, each with a flow both ways.
	#[benchmark]
	fn close_era(p: Linear<1, { T::MaxPairs::get() / 2 }>) {
		let unit = T::Currency::minimum_balance() * 10u32.into();
		for i in 0..p {
			let admin = funded::<T>("admin", i);
			Pallet::<T>::create(RawOrigin::Signed(admin).into(), DomainKind::Community, Policy::default())
				.expect("funded");
			T::Currency::set_balance(&Pallet::<T>::gateway(Some(i)), unit * 3u32.into());
			let executor: T::AccountId = account("executor", i, 0);
			Pallet::<T>::record_crossing(Some(i), &executor, None, unit * 2u32.into()).expect("room");
			Pallet::<T>::record_crossing(None, &executor, Some(i), unit).expect("room");
		}
		T::Currency::set_balance(&Pallet::<T>::gateway(None), unit * (p + 1).into());
		#[block]
		{
			Pallet::<T>::close_era();
		}
		assert_eq!(CurrentEra::<T>::get(), 1);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

