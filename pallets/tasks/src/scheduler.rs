//! The block-by-block scheduler: deadlines, queue timeouts, assignment and
//! pruning, each bounded.

use crate::{pallet::*, types::*, WeightInfo};
use codec::Encode;
use frame_support::{
	traits::{Get, Randomness},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::{ComputeProviders, ProviderView, ReportOutcome};
use pallet_model_registry::ModelCatalog;
use sp_runtime::traits::{Hash, Saturating};

impl<T: Config> Pallet<T> {
	/// One block of scheduling. Returns the weight used.
	pub(crate) fn run_scheduler(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::DbWeight::get().reads_writes(3, 0);
		weight.saturating_accrue(Self::expire_overdue(now));
		weight.saturating_accrue(Self::refund_stale(now));
		weight.saturating_accrue(Self::assign_queued(now));
		weight.saturating_accrue(Self::prune_results(now));
		weight
	}

	/// Tasks whose provider let the deadline pass: the provider's reputation
	/// drops and it is slashed a little; the task is queued again (or refunded
	/// after [`MAX_ATTEMPTS`] providers failed it).
	pub(crate) fn expire_overdue(now: BlockNumberFor<T>) -> Weight {
		let running = Running::<T>::get();
		let mut weight = Weight::zero();
		for id in running.iter() {
			let Some(task) = Tasks::<T>::get(id) else { continue };
			let TaskStatus::Assigned { provider, deadline } = task.status.clone() else { continue };
			if deadline >= now {
				continue;
			}
			let slashed = <T::Providers as ReportOutcome<_>>::missed_deadline(&provider);
			Self::deposit_event(Event::DeadlineMissed { task: *id, provider: provider.clone(), slashed });
			Self::retry_or_refund(*id, task, provider, now);
			weight.saturating_accrue(T::WeightInfo::expire_task());
		}
		weight
	}

	/// Queued tasks that waited longer than `QueueTimeout` are refunded.
	pub(crate) fn refund_stale(now: BlockNumberFor<T>) -> Weight {
		let mut weight = Weight::zero();
		for id in Queue::<T>::get().iter() {
			let Some(task) = Tasks::<T>::get(id) else { continue };
			let TaskStatus::Queued { since } = task.status else { continue };
			if since.saturating_add(T::QueueTimeout::get()) > now {
				continue;
			}
			Queue::<T>::mutate(|q| q.retain(|t| t != id));
			Self::refund(*id, task, now);
			weight.saturating_accrue(T::WeightInfo::refund_task());
		}
		weight
	}

	/// Assigns up to `MaxAssignPerBlock` queued tasks, oldest first; a task
	/// nobody can serve stays queued.
	pub(crate) fn assign_queued(now: BlockNumberFor<T>) -> Weight {
		let mut weight = Weight::zero();
		let mut queue = Queue::<T>::get();
		let mut running = Running::<T>::get();
		let mut assigned = 0u32;
		let mut index = 0usize;
		while index < queue.len() &&
			assigned < T::MaxAssignPerBlock::get() &&
			(running.len() as u32) < T::MaxAssigned::get()
		{
			let id = queue[index];
			let Some(mut task) = Tasks::<T>::get(id) else {
				queue.remove(index);
				continue;
			};
			let candidates = <T::Providers as ComputeProviders<_>>::serving(&task.model);
			weight.saturating_accrue(T::WeightInfo::assign_task(candidates.len() as u32));
			let Some(provider) = Self::choose(id, &task, candidates) else {
				index += 1;
				continue;
			};
			if <T::Providers as ComputeProviders<_>>::task_opened(&provider).is_err() {
				index += 1;
				continue;
			}
			let deadline = now.saturating_add(T::ResultTimeout::get());
			task.status = TaskStatus::Assigned { provider: provider.clone(), deadline };
			Tasks::<T>::insert(id, task);
			queue.remove(index);
			// `running` has room: checked by the loop condition.
			let _ = running.try_push(id);
			assigned += 1;
			Self::deposit_event(Event::TaskAssigned { task: id, provider, deadline });
		}
		Queue::<T>::put(queue);
		Running::<T>::put(running);
		weight
	}

	/// The best provider for `task` among `candidates`: enough GPU memory,
	/// reputation at least `MinReputation`, has not failed this task; then
	/// fewest open tasks, lowest latency class, lowest random tie-breaker.
	fn choose(
		id: TaskId,
		task: &TaskOf<T>,
		candidates: alloc::vec::Vec<(T::AccountId, ProviderView<BalanceOf<T>>)>,
	) -> Option<T::AccountId> {
		let model = T::Models::model(&task.model)?;
		let (seed, _) = T::Randomness::random(&(b"daifi/tasks/assign", id).encode());
		candidates
			.into_iter()
			.filter(|(who, view)| {
				view.vram_mib >= model.min_vram_mib &&
					view.reputation >= T::MinReputation::get() &&
					!task.failed.contains(who)
			})
			.min_by_key(|(who, view)| {
				let tie = T::Hashing::hash_of(&(seed, who));
				(view.open_tasks, view.latency, tie)
			})
			.map(|(who, _)| who)
	}

	/// Forgets results (and their tasks) whose retention has passed.
	pub(crate) fn prune_results(now: BlockNumberFor<T>) -> Weight {
		let mut weight = Weight::zero();
		Retained::<T>::mutate(|retained| {
			while let Some((expiry, id)) = retained.first().copied() {
				if expiry > now {
					break;
				}
				retained.remove(0);
				Results::<T>::remove(id);
				Tasks::<T>::remove(id);
				weight.saturating_accrue(T::WeightInfo::prune_result());
			}
		});
		weight
	}
}
