//! The off-chain worker: answers the tasks assigned to the providers whose
//! compute keys this node holds.
//!
//! Each block, for each such task not answered recently, it asks the compute
//! engine to run and prove it, the proof bound to the task and the provider,
//! and sends the result as a transaction signed with the compute key. The
//! engine checks the proof against the registered key first: a proof the
//! chain would reject (and slash) is never sent. When the engine cannot
//! answer, the worker declines the task with the engine's reason (a small
//! reputation cost) instead of letting its deadline pass (a slash). What it
//! sent is remembered in the node's persistent off-chain storage, so a task
//! is not computed twice while its answer is on its way; a node restarted
//! mid-task finds the task still assigned and answers it then.

use crate::{pallet::*, types::*};
use codec::Encode;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::ComputeProviders;
use sp_runtime::{
	offchain::storage::StorageValueRef,
	traits::Saturating,
};

impl<T: Config> Pallet<T> {
	/// One run of the off-chain worker at block `now`.
	pub(crate) fn answer_assigned_tasks(now: BlockNumberFor<T>) {
		for key in T::LocalCompute::compute_keys() {
			let Some(provider) = <T::Providers as ComputeProviders<_>>::provider_of(&key) else {
				continue;
			};
			for (id, task) in Self::assigned_to(&provider) {
				if !Self::claim(id, now) {
					continue;
				}
				let binding = task_binding(id, &provider);
				match T::LocalCompute::infer_and_prove(&task.model, &binding, &task.input) {
					Ok((output, proof)) => {
						let sent = T::LocalCompute::submit(&key, id, output, proof);
						log::info!(target: "daifi-tasks", "task {id}: result sent ({sent:?})");
					},
					Err(reason) => {
						log::warn!(
							target: "daifi-tasks",
							"task {id}: not answered: {}",
							alloc::string::String::from_utf8_lossy(&reason)
						);
						let reason = DeclineReason::truncate_from(reason);
						let sent = T::LocalCompute::decline(&key, id, reason);
						log::info!(target: "daifi-tasks", "task {id}: declined ({sent:?})");
					},
				}
			}
		}
	}

	/// Claims task `id` for this run unless it was answered within the last
	/// half of the result timeout (its transaction may still be in the pool).
	fn claim(id: TaskId, now: BlockNumberFor<T>) -> bool {
		let key = (b"daifi/tasks/sent", id).encode();
		let retry_after = T::ResultTimeout::get() / 2u32.into();
		StorageValueRef::persistent(&key)
			.mutate(|sent: Result<Option<BlockNumberFor<T>>, _>| match sent {
				Ok(Some(at)) if now < at.saturating_add(retry_after) => Err(()),
				_ => Ok(now),
			})
			.is_ok()
	}
}
