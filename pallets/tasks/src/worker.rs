//! The off-chain worker: answers the tasks assigned to the providers whose
//! compute keys this node holds.
//!
//! Each block, it first has the engine prepare every model the provider's
//! profile lists (fetched, compiled, key traced, in the background), so a
//! model's first task does not wait for that. Then it hands the engine all
//! the provider's tasks not answered recently at once (the engine proves
//! them in parallel), each proof bound to its task and the provider, and
//! sends each result as a transaction signed with the compute key. The
//! engine checks the proof against the registered key first: a proof the
//! chain would reject (and slash) is never sent. When the engine cannot
//! answer, the worker declines the task with the engine's reason (a small
//! reputation cost) instead of letting its deadline pass (a slash). What it
//! sent is remembered in the node's persistent off-chain storage, so a task
//! is not computed twice while its answer is on its way; a node restarted
//! mid-task finds the task still assigned and answers it then.

use crate::{pallet::*, types::*};
use alloc::{string::String, vec::Vec};
use codec::Encode;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::ComputeProviders;
use sp_runtime::{
	offchain::storage::StorageValueRef,
	traits::{BlakeTwo256, Hash, Saturating},
};

impl<T: Config> Pallet<T> {
	/// One run of the off-chain worker at block `now`.
	pub(crate) fn answer_assigned_tasks(now: BlockNumberFor<T>) {
		for key in T::LocalCompute::compute_keys() {
			let Some(provider) = <T::Providers as ComputeProviders<_>>::provider_of(&key) else {
				continue;
			};
			Self::prepare_models(&provider);
			let claimed: Vec<_> =
				Self::assigned_to(&provider).into_iter().filter(|(id, task)| Self::claim(*id, task, now)).collect();
			if claimed.is_empty() {
				continue;
			}
			let jobs: Vec<ComputeJob> = claimed
				.iter()
				.map(|(id, task)| ComputeJob {
					model: task.model,
					binding: task_binding(*id, &provider),
					input: task.input.to_vec(),
				})
				.collect();
			let results = T::LocalCompute::infer_and_prove(&jobs);
			for ((id, task), result) in claimed.into_iter().zip(results) {
				Self::answer(&key, id, BlakeTwo256::hash_of(&task.input), result);
			}
		}
	}

	/// Sends the result of task `id` (on the input hashing to `input_hash`),
	/// or declines it with the engine's reason.
	fn answer(
		key: &T::AccountId,
		id: TaskId,
		input_hash: sp_core::H256,
		result: Result<(Tensor, ProofBytes), Vec<u8>>,
	) {
		match result {
			Ok((output, proof)) => {
				let sent = T::LocalCompute::submit(key, id, input_hash, output, proof);
				log::info!(target: "daifi-tasks", "task {id}: result sent ({sent:?})");
			},
			Err(reason) => {
				log::warn!(target: "daifi-tasks", "task {id}: not answered: {}", String::from_utf8_lossy(&reason));
				let reason = DeclineReason::truncate_from(reason);
				let sent = T::LocalCompute::decline(key, id, reason);
				log::info!(target: "daifi-tasks", "task {id}: declined ({sent:?})");
			},
		}
	}

	/// Has the engine prepare every model `provider` says it serves, so
	/// that no task waits for a model to be fetched and its key traced.
	fn prepare_models(provider: &T::AccountId) {
		for model in <T::Providers as ComputeProviders<_>>::models_of(provider) {
			if let ModelReadiness::Failed(reason) = T::LocalCompute::prepare(&model) {
				log::debug!(target: "daifi-tasks", "model {model:?} is not ready: {}", String::from_utf8_lossy(&reason));
			}
		}
	}

	/// Claims task `id` for this run unless this version of it (its input:
	/// on another fork the id may name another submission, which is answered
	/// at once) was answered within the last half of the result timeout (its
	/// transaction may still be in the pool).
	fn claim(id: TaskId, task: &TaskOf<T>, now: BlockNumberFor<T>) -> bool {
		let key = (b"daifi/tasks/sent", id, BlakeTwo256::hash_of(&task.input)).encode();
		let retry_after = T::ResultTimeout::get() / 2u32.into();
		StorageValueRef::persistent(&key)
			.mutate(|sent: Result<Option<BlockNumberFor<T>>, _>| match sent {
				Ok(Some(at)) if now < at.saturating_add(retry_after) => Err(()),
				_ => Ok(now),
			})
			.is_ok()
	}
}
