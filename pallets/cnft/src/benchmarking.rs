//! Benchmarks of burning and reaping a certificate with the largest output.

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

/// Settles task 0 for a funded `owner` with the largest output: its Compute NFT.
fn minted<T: Config>() -> T::AccountId {
	let owner: T::AccountId = account("owner", 0, 0);
	let funds = <T as Config>::Currency::minimum_balance() * 1_000_000_000u32.into();
	<T as Config>::Currency::set_balance(&owner, funds);
	let result = TaskResult::<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
		model: ModelHash::repeat_byte(1),
		input_hash: H256::repeat_byte(2),
		source: None,
		verification: Verification::Zk,
		provider: account("provider", 0, 0),
		executors: Default::default(),
		output: alloc::vec![i64::MAX; MAX_TENSOR_LEN as usize].try_into().expect("the largest tensor"),
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
}
