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
	model_with_key::<T>(ModelHash::repeat_byte(0xbe), None)
}

/// The digits MLP registered under `hash`, with `verifying_key` instead of
/// its own if given.
fn model_with_key<T: Config + pallet_model_registry::Config>(hash: ModelHash, verifying_key: Option<Vec<u8>>) -> ModelHash {
	if !pallet_model_registry::Phase1Results::<T>::contains_key(fixtures::dev_phase1_hash()) {
		let contributors = [account("contributor", 0, 0), account("contributor", 1, 0), account("contributor", 2, 0)];
		pallet_model_registry::Phase1Results::<T>::insert(
			fixtures::dev_phase1_hash(),
			fixtures::dev_phase1_result(contributors),
		);
	}
	let mut record = fixtures::mlp_64_32_10_model(account("developer", 0, 0), 1_000u32.into());
	if let Some(key) = verifying_key {
		record.verifying_key = key.try_into().expect("within the bound");
	}
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
	// A millionth of the largest balance: over a thousand accounts fit in the issuance.
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
	who
}

/// `count` providers serving the model, each with its own compute key (and
/// its proof of possession): `(provider, compute key)` pairs.
fn providers<T: Config + pallet_compute_staking::Config>(
	count: u32,
	model: ModelHash,
) -> Vec<(T::AccountId, T::AccountId)> {
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
			let (key, proof) = <<T as pallet_compute_staking::Config>::BenchmarkHelper as pallet_compute_staking::BenchmarkHelper<_, _>>::compute_key(&who, i);
			pallet_compute_staking::Pallet::<T>::register(
				RawOrigin::Signed(who.clone()).into(),
				profile,
				key.clone(),
				proof,
				bond,
			)
			.expect("funded provider registers");
			(who, key)
		})
		.collect()
}

/// A submitted task.
fn task<T: Config>(model: ModelHash) -> TaskId {
	let user = funded::<T>("user", 0);
	let input: Tensor = fixtures::mlp_64_32_10().input.try_into().expect("64 values");
	TaskMarket::<T>::do_submit(user, model, input, None, Verification::Zk, 2_000u32.into(), Payment::Dai)
		.expect("valid task")
		.0
}

/// Moves to the next block, with randomness.
fn advance<T: Config>() -> BlockNumberFor<T> {
	let next = frame_system::Pallet::<T>::block_number() + One::one();
	frame_system::Pallet::<T>::set_block_number(next);
	<<T as Config>::BenchmarkHelper as crate::BenchmarkHelper<_>>::set_block_randomness(1);
	next
}

/// Runs the scheduler at the next block: its start (deadlines, refunds,
/// pruning) and its end's assignments.
fn next_block<T: Config>() -> BlockNumberFor<T> {
	let next = advance::<T>();
	TaskMarket::<T>::on_initialize(next);
	TaskMarket::<T>::assign_queued(next, frame_support::weights::Weight::MAX);
	next
}

/// An assigned task and a valid answer to it: the digits model with the
/// synthetic key, and a proof for it bound to the task and its provider.
/// Returns the provider's compute key, the task, the output and the proof.
fn answerable<T: Config + pallet_compute_staking::Config + pallet_model_registry::Config>(
) -> (T::AccountId, TaskId, Tensor, ProofBytes) {
	let key = fixtures::synthetic_key(fixtures::MLP_64_32_10_PUBLIC_INPUTS);
	let model = model_with_key::<T>(ModelHash::repeat_byte(0xbd), Some(key));
	let fixture = fixtures::mlp_64_32_10();
	let (provider, key) = providers::<T>(1, model).remove(0);
	let id = task::<T>(model);
	next_block::<T>();
	let binding = task_binding(id, &provider);
	let proof = fixtures::synthetic_proof_for(&binding, &fixture.input, &fixture.output, &fixtures::mlp_64_32_10_layout());
	(key, id, fixture.output.try_into().expect("10 values"), proof.try_into().expect("128 bytes"))
}

/// blake2-256 of task `id`'s input: what a provider's result names.
fn input_hash_of<T: Config>(id: TaskId) -> sp_core::H256 {
	use sp_runtime::traits::Hash;
	let task = Tasks::<T>::get(id).expect("the task exists");
	sp_runtime::traits::BlakeTwo256::hash_of(&task.input)
}

/// A task answered with a verified result.
fn completed<T: Config + pallet_compute_staking::Config + pallet_model_registry::Config>() -> TaskId {
	let (key, id, output, proof) = answerable::<T>();
	let input_hash = input_hash_of::<T>(id);
	TaskMarket::<T>::submit_result(RawOrigin::Signed(key).into(), id, input_hash, output, proof).expect("a valid result");
	assert!(Results::<T>::contains_key(id));
	id
}

/// A task on `model` for [`MAX_REDUNDANCY`] executors, assigned to them.
/// Submitted as a proven task and turned redundant: a benchmark chain has
/// no committee drawn, which submission would require.
fn redundant<T: Config>(model: ModelHash) -> TaskId {
	let user = funded::<T>("user", 0);
	let input: Tensor = fixtures::mlp_64_32_10().input.try_into().expect("64 values");
	let (id, _) = TaskMarket::<T>::do_submit(user, model, input, None, Verification::Zk, 1_000_000u32.into(), Payment::Dai)
		.expect("valid task");
	Tasks::<T>::mutate(id, |task| {
		let task = task.as_mut().expect("just submitted");
		task.verification = Verification::Redundant(MAX_REDUNDANCY as u8);
		task.fee = task.fee.saturating_mul(MAX_REDUNDANCY.into());
	});
	let now = advance::<T>();
	TaskMarket::<T>::assign_queued(now, frame_support::weights::Weight::MAX);
	assert_eq!(Executions::<T>::get(id).map(|e| e.len() as u32), Some(MAX_REDUNDANCY));
	id
}

/// The compute key of `provider` among `providers`.
fn key_of<T: Config>(providers: &[(T::AccountId, T::AccountId)], provider: &T::AccountId) -> T::AccountId {
	providers.iter().find(|(p, _)| p == provider).map(|(_, k)| k.clone()).expect("a provider")
}

/// The digits MLP with `n` outputs (a synthetic key of that size) under `hash`.
fn model_with_outputs<T: Config + pallet_model_registry::Config>(hash: ModelHash, n: u32) -> ModelHash {
	let mut record = fixtures::mlp_64_32_10_model(account("developer", 0, 0), 1_000u32.into());
	record.output_shape = vec![n].try_into().expect("one dimension");
	let public_inputs = record.layout().public_inputs(64, n as usize) as u32;
	record.verifying_key = fixtures::synthetic_key(public_inputs).try_into().expect("within the bound");
	pallet_model_registry::Pallet::<T>::register_model(RawOrigin::Root.into(), hash, alloc::boxed::Box::new(record))
		.expect("a valid model");
	hash
}

#[benchmarks(where T: pallet_compute_staking::Config + pallet_model_registry::Config)]
mod benchmarks {
	use super::*;

	/// `n`: input length (a model with `n` inputs and one output, served by
	/// one provider; beyond 128 values the input is packed into public inputs).
	#[benchmark]
	fn submit_task(n: Linear<1, 500>) {
		let model = ModelHash::repeat_byte(0xbf);
		let mut record = fixtures::mlp_64_32_10_model(account("developer", 0, 0), 1_000u32.into());
		record.input_shape = vec![n].try_into().expect("one dimension");
		record.output_shape = vec![1].try_into().expect("one dimension");
		// The binding, the input's public inputs (packed beyond 128 values), one output.
		let public_inputs = record.layout().public_inputs(n as usize, 1) as u32;
		record.verifying_key = fixtures::synthetic_key(public_inputs).try_into().expect("within the bound");
		pallet_model_registry::Pallet::<T>::register_model(
			RawOrigin::Root.into(),
			model,
			alloc::boxed::Box::new(record),
		)
		.expect("a valid model");
		providers::<T>(1, model);
		let user = funded::<T>("user", 0);
		let input: Tensor = vec![1i64; n as usize].try_into().expect("within the bound");

		#[extrinsic_call]
		_(RawOrigin::Signed(user), model, TaskInput::Values(input), Verification::Zk, 2_000u32.into(), Payment::Dai);

		assert_eq!(Queue::<T>::get().len(), 1);
	}

	/// A valid result: one Groth16 verification with the reference model's
	/// 75 public inputs (`MLP_64_32_10_PUBLIC_INPUTS`; the runtime charges
	/// other sizes through `submit_result_weight`), the burn, the fee split,
	/// the provider's record, credits, and the result stored. The model's key
	/// is the synthetic one and the proof made for it, bound to this task and
	/// provider (no proving key exists inside the runtime).
	#[benchmark]
	fn submit_result() {
		let (key, id, output, proof) = answerable::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(key), id, input_hash_of::<T>(id), output, proof);

		assert!(Results::<T>::contains_key(id), "the proof verified");
	}

	/// A provider declines its task, which is queued again.
	#[benchmark]
	fn decline_task() {
		let model = model::<T>();
		let (_, key) = providers::<T>(1, model).remove(0);
		let id = task::<T>(model);
		next_block::<T>();
		let reason: DeclineReason = vec![b'x'; MAX_DECLINE_REASON_LEN as usize].try_into().expect("the bound");

		#[extrinsic_call]
		_(RawOrigin::Signed(key), id, reason);

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Queued { .. })));
	}

	/// Assigning one task among `p` providers serving its model (the first
	/// task of a model in a block reads them all; the scheduler caches them
	/// for the block's other tasks of that model), all of them and the user
	/// in one sovereign domain that keeps its data inside (its rules read
	/// too: the costliest case, e.g. 1,000 devices in one domain).
	#[benchmark]
	fn assign_task(p: Linear<1, 1_000>) {
		let model = model::<T>();
		let mut members: Vec<T::AccountId> = providers::<T>(p, model).into_iter().map(|(who, _)| who).collect();
		members.push(funded::<T>("user", 0));
		<<T as Config>::BenchmarkHelper as crate::BenchmarkHelper<_>>::one_domain(&members);
		let id = task::<T>(model);
		let next = advance::<T>();

		#[block]
		{
			TaskMarket::<T>::assign_queued(next, frame_support::weights::Weight::MAX);
		}

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Assigned { .. })));
	}

	/// The last of [`MAX_REDUNDANCY`] executors commits: every commitment is
	/// in, and the task moves on to its reveal phase.
	#[benchmark]
	fn commit_output() {
		let model = model::<T>();
		let keys = providers::<T>(MAX_REDUNDANCY, model);
		let id = redundant::<T>(model);
		let output = fixtures::mlp_64_32_10().output;
		let input_hash = input_hash_of::<T>(id);
		let executors: Vec<T::AccountId> = Executions::<T>::get(id).expect("executors").into_iter().map(|e| e.provider).collect();
		let (last, others) = executors.split_last().expect("executors");
		for e in others {
			TaskMarket::<T>::do_commit(&key_of::<T>(&keys, e), id, input_hash, output_commitment(id, e, &[1; 32], &output))
				.expect("an executor commits");
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(key_of::<T>(&keys, last)), id, input_hash, output_commitment(id, last, &[1; 32], &output));

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Executing { phase: Phase::Reveal, .. })));
	}

	/// The last of [`MAX_REDUNDANCY`] executors reveals an output of `n`
	/// values (hashed against its commitment): the task moves on to its
	/// attestation.
	#[benchmark]
	fn reveal_output(n: Linear<1, 400>) {
		let model = model_with_outputs::<T>(ModelHash::repeat_byte(0xbc), n);
		let keys = providers::<T>(MAX_REDUNDANCY, model);
		let id = redundant::<T>(model);
		let output: Vec<i64> = vec![7; n as usize];
		let input_hash = input_hash_of::<T>(id);
		let executors: Vec<T::AccountId> = Executions::<T>::get(id).expect("executors").into_iter().map(|e| e.provider).collect();
		for e in &executors {
			TaskMarket::<T>::do_commit(&key_of::<T>(&keys, e), id, input_hash, output_commitment(id, e, &[1; 32], &output))
				.expect("an executor commits");
		}
		let (last, others) = executors.split_last().expect("executors");
		for e in others {
			let tensor: Tensor = output.clone().try_into().expect("within the bound");
			TaskMarket::<T>::do_reveal(&key_of::<T>(&keys, e), id, tensor, [1; 32]).expect("an executor reveals");
		}
		let tensor: Tensor = output.try_into().expect("within the bound");

		#[extrinsic_call]
		_(RawOrigin::Signed(key_of::<T>(&keys, last)), id, tensor, [1; 32]);

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Executing { phase: Phase::Attest, .. })));
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
		providers::<T>(1, model);
		let id = task::<T>(model);
		let late = frame_system::Pallet::<T>::block_number().saturating_add(T::QueueTimeout::get());
		frame_system::Pallet::<T>::set_block_number(late);

		#[block]
		{
			TaskMarket::<T>::refund_stale(late);
		}

		assert!(!Tasks::<T>::contains_key(id));
	}

	/// A verified result and its task are forgotten.
	#[benchmark]
	fn prune_result() {
		let id = completed::<T>();
		let expiry = frame_system::Pallet::<T>::block_number().saturating_add(T::ResultRetention::get());
		frame_system::Pallet::<T>::set_block_number(expiry);

		#[block]
		{
			TaskMarket::<T>::prune_results(expiry);
		}

		assert!(!Tasks::<T>::contains_key(id));
		assert!(!Results::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(TaskMarket, crate::mock::new_test_ext(), crate::mock::Test);
}
