//! Benchmarks of minting a batched result, burning and reaping, each with a
//! certificate of the largest output.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	nonfungibles_v2::Mutate as NftMutate,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_model_registry::{ModelHash, MAX_TENSOR_LEN};
use pallet_tasks::{OnTaskSettled, TaskResult, Verification};
use sp_core::H256;
use sp_runtime::traits::Zero;

/// A funded account.
fn funded<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	let funds = <T as Config>::Currency::minimum_balance() * 1_000_000_000u32.into();
	<T as Config>::Currency::set_balance(&who, funds);
	who
}

/// The largest output.
fn largest_output() -> pallet_tasks::Tensor {
	alloc::vec![i64::MAX; MAX_TENSOR_LEN as usize].try_into().expect("the largest tensor")
}

/// Settles task 0 for a funded `owner` with the largest output: its Compute NFT.
fn minted<T: Config>() -> T::AccountId {
	let owner = funded::<T>("owner");
	let result = TaskResult::<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
		model: ModelHash::repeat_byte(1),
		input_hash: H256::repeat_byte(2),
		source: None,
		verification: Verification::Zk,
		payment: pallet_tasks::Payment::Dai,
		provider: account("provider", 0, 0),
		executors: Default::default(),
		output: largest_output(),
		output_hash: H256::repeat_byte(3),
		proof_hash: H256::repeat_byte(4),
		executor_paid: Zero::zero(),
		developer_paid: Zero::zero(),
		burned: Zero::zero(),
		counted: Zero::zero(),
		flops: 1,
		submitted_at: Zero::zero(),
		settled_at: Zero::zero(),
	};
	Pallet::<T>::on_settled(0, &owner, &result);
	assert!(Certificates::<T>::contains_key(0), "minted");
	owner
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The result's leaf at the deepest Merkle path (a batch of 2^32 - 1
	/// results) with the largest output.
	#[benchmark]
	fn mint_batched() {
		use pallet_batches::ReleasedResults;
		use sp_runtime::traits::{BlakeTwo256, Hash};
		let user = funded::<T>("user");
		let output = largest_output();
		let (sequence, proof) =
			T::Batches::benchmark_result(&user, ModelHash::repeat_byte(1), BlakeTwo256::hash_of(&output));

		#[extrinsic_call]
		_(RawOrigin::Signed(user), sequence, alloc::boxed::Box::new(proof), output);

		assert_eq!(Certificates::<T>::iter().count(), 1);
	}

	#[benchmark]
	fn burn() {
		let owner = minted::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), 0);

		assert!(!Certificates::<T>::contains_key(0));
	}

	#[benchmark]
	fn reap() {
		let owner = minted::<T>();
		let collection = CollectionId::<T>::get().expect("created at genesis");
		<pallet_nfts::Pallet<T> as NftMutate<_, _>>::burn(&collection, &0, Some(&owner)).expect("owned");

		#[extrinsic_call]
		_(RawOrigin::Signed(account("anyone", 0, 0)), 0);

		assert!(!Certificates::<T>::contains_key(0));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
