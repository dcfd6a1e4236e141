//! Benchmarks: submission, a verified result (one Groth16 verification and
//! the settlement), and the scheduler's per-task work in its worst cases.

use super::*;
use crate::Pallet as TaskMarket;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_compute_staking::{HardwareProfile, LatencyClass, NodeProfile};
use pallet_model_registry::{fixtures, ModelHash};
use sp_runtime::traits::{Bounded, One, Saturating};
use frame_support::traits::Get;

/// The model the benchmarks use: the committed digits MLP, price 1,000 units
/// (its phase 1, the development one, recorded first if the genesis did not).
fn model<T: Config + pallet_model_registry::Config>() -> ModelHash {
	let hash = ModelHash::repeat_byte(0xbe);
	if !pallet_model_registry::Phase1Results::<T>::contains_key(fixtures::dev_phase1_hash()) {
		let contributors = [account("contributor", 0, 0), account("contributor", 1, 0), account("contributor", 2, 0)];
		pallet_model_registry::Phase1Results::<T>::insert(
			fixtures::dev_phase1_hash(),
			fixtures::dev_phase1_result(contributors),
		);
	}
	let record = fixtures::mlp_64_32_10_model(account("developer", 0, 0), 1_000u32.into());
	let _ = pallet_model_registry::Pallet::<T>::register_model(
		RawOrigin::Root.into(),
		hash,
		alloc::boxed::Box::new(record),
	);
	hash
}

/// A funded account.
fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000u32.into());
	who
}

/// `count` providers serving the model, each its own compute key.
fn providers<T: Config + pallet_compute_staking::Config>(count: u32, model: ModelHash) -> Vec<T::AccountId> {
	(0..count)
		.map(|i| {
			let who = funded::<T>("provider", i);
			let profile = NodeProfile {
				hardware: HardwareProfile {
					gpu_model: Default::default(),
					vram_mib: 0,
					flops: 1_000_000,
					cpu_cores: 1,
					memory_mib: 1,
				},
				models: vec![model].try_into().expect("one model"),
				region: Default::default(),
				latency: LatencyClass::Low,
			};
			let bond = <T as pallet_compute_staking::Config>::MinBond::get();
			pallet_compute_staking::Pallet::<T>::register(
				RawOrigin::Signed(who.clone()).into(),
				profile,
				who.clone(),
				bond,
			)
			.expect("funded provider registers");
			who
		})
		.collect()
}

/// A submitted task.
fn task<T: Config>(model: ModelHash) -> TaskId {
	let user = funded::<T>("user", 0);
	let input: Tensor = fixtures::mlp_64_32_10().input.try_into().expect("64 values");
	TaskMarket::<T>::do_submit(user, model, input, Verification::Zk, 2_000u32.into(), Payment::Dai)
		.expect("valid task")
}

/// Runs the scheduler at the next block.
fn next_block<T: Config>() -> BlockNumberFor<T> {
	let next = frame_system::Pallet::<T>::block_number() + One::one();
	frame_system::Pallet::<T>::set_block_number(next);
	TaskMarket::<T>::on_initialize(next);
	next
}

#[benchmarks(where T: pallet_compute_staking::Config + pallet_model_registry::Config)]
mod benchmarks {
	use super::*;

	/// `n`: input length, up to the most a verifying key within the
	/// registry's bound can take (a model with `n` inputs and one output).
	#[benchmark]
	fn submit_task(n: Linear<1, 500>) {
		let model = ModelHash::repeat_byte(0xbf);
		let mut record = fixtures::mlp_64_32_10_model(account("developer", 0, 0), 1_000u32.into());
		record.verifying_key = fixtures::synthetic_key(n + 1).try_into().expect("within the bound");
		record.input_shape = vec![n].try_into().expect("one dimension");
		record.output_shape = vec![1].try_into().expect("one dimension");
		pallet_model_registry::Pallet::<T>::register_model(
			RawOrigin::Root.into(),
			model,
			alloc::boxed::Box::new(record),
		)
		.expect("a valid model");
		let user = funded::<T>("user", 0);
		let input: Tensor = vec![1i64; n as usize].try_into().expect("within the bound");

		#[extrinsic_call]
		_(RawOrigin::Signed(user), model, input, Verification::Zk, 2_000u32.into(), Payment::Dai);

		assert_eq!(Queue::<T>::get().len(), 1);
	}

	/// A valid result: one Groth16 verification of the reference model
	/// (`MLP_64_32_10_PUBLIC_INPUTS`, 74 public inputs; the runtime charges
	/// other sizes through `submit_result_weight`), the fee
	/// split, the provider's record, credits, and the result stored.
	#[benchmark]
	fn submit_result() {
		let model = model::<T>();
		let provider = providers::<T>(1, model).remove(0);
		let id = task::<T>(model);
		next_block::<T>();
		let fixture = fixtures::mlp_64_32_10();
		let output: Tensor = fixture.output.try_into().expect("10 values");
		let proof: ProofBytes = fixture.proof.to_vec().try_into().expect("128 bytes");

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id, output, proof);

		assert!(Results::<T>::contains_key(id));
	}

	/// Assigning one task among `p` providers serving its model.
	#[benchmark]
	fn assign_task(p: Linear<1, 100>) {
		let model = model::<T>();
		providers::<T>(p, model);
		let id = task::<T>(model);
		let next = frame_system::Pallet::<T>::block_number() + One::one();
		frame_system::Pallet::<T>::set_block_number(next);

		#[block]
		{
			TaskMarket::<T>::assign_queued(next);
		}

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Assigned { .. })));
	}

	/// A deadline passed: a slash, the record, and the task queued again.
	#[benchmark]
	fn expire_task() {
		let model = model::<T>();
		providers::<T>(1, model);
		let id = task::<T>(model);
		next_block::<T>();
		let late = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::ResultTimeout::get())
			.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(late);

		#[block]
		{
			TaskMarket::<T>::expire_overdue(late);
		}

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Queued { .. })));
	}

	/// A task that waited too long is refunded.
	#[benchmark]
	fn refund_task() {
		let model = model::<T>();
		let id = task::<T>(model);
		let late = frame_system::Pallet::<T>::block_number().saturating_add(T::QueueTimeout::get());
		frame_system::Pallet::<T>::set_block_number(late);

		#[block]
		{
			TaskMarket::<T>::refund_stale(late);
		}

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Refunded { .. })));
	}

	/// A closed task and its result are forgotten.
	#[benchmark]
	fn prune_result() {
		let model = model::<T>();
		let id = task::<T>(model);
		let late = frame_system::Pallet::<T>::block_number().saturating_add(T::QueueTimeout::get());
		frame_system::Pallet::<T>::set_block_number(late);
		TaskMarket::<T>::refund_stale(late);
		let expiry = late.saturating_add(T::ResultRetention::get());
		frame_system::Pallet::<T>::set_block_number(expiry);

		#[block]
		{
			TaskMarket::<T>::prune_results(expiry);
		}

		assert!(!Tasks::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(TaskMarket, crate::mock::new_test_ext(), crate::mock::Test);
}
