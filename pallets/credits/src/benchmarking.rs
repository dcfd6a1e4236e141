//! Benchmark of the one call.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn grant() -> Result<(), BenchmarkError> {
		let origin = T::GrantOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("user", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), 1_000);

		assert_eq!(Credits::<T>::get(&who), 1_000);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::tests::new_test_ext(), crate::tests::Test);
}
