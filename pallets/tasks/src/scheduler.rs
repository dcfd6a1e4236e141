//! The block-by-block scheduler: deadlines, queue timeouts, assignment and
//! pruning, each bounded.

use crate::{
	domains::{self, DomainRules, DomainTerms, Preference},
	pallet::*,
	types::*,
	WeightInfo,
};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use frame_support::{
	traits::{Get, Randomness},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::{ComputeProviders, DomainId, ProviderView, ReportOutcome};
use pallet_model_registry::{ModelCatalog, ModelHash};
use sp_runtime::traits::{Hash, SaturatedConversion, Saturating};

/// A candidate's weight in a [`Preference::Even`] draw before its load.
const EVEN_WEIGHT: u128 = 1 << 64;

impl<T: Config> Pallet<T> {
	/// The start of a block: deadlines, queue timeouts, pruning. Returns the
	/// weight used.
	pub(crate) fn run_scheduler(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::DbWeight::get().reads_writes(3, 0);
		weight.saturating_accrue(Self::expire_overdue(now));
		weight.saturating_accrue(Self::refund_stale(now));
		weight.saturating_accrue(Self::prune_results(now));
		weight
	}

	/// The end of a block: assigns queued tasks (those submitted in the
	/// block among them) with the block's own VRF randomness, so that their
	/// providers see them as soon as the block is imported. Uses what is
	/// left of the block's weight, at most `SchedulerWeight`, and registers
	/// what it used; what does not fit waits for the next block's end.
	pub(crate) fn assign_at_block_end(now: BlockNumberFor<T>) {
		use frame_support::dispatch::DispatchClass;
		let limits = <T as frame_system::Config>::BlockWeights::get();
		let used = frame_system::Pallet::<T>::block_weight().total();
		let budget = limits.max_block.saturating_sub(used).min(T::SchedulerWeight::get());
		let weight = Self::assign_queued(now, budget);
		frame_system::Pallet::<T>::register_extra_weight_unchecked(weight, DispatchClass::Mandatory);
	}

	/// Tasks whose provider let the deadline pass: the provider's reputation
	/// drops and it is slashed a little; the task is queued again (or refunded
	/// after [`MAX_ATTEMPTS`] providers failed it).
	pub(crate) fn expire_overdue(now: BlockNumberFor<T>) -> Weight {
		let running = Running::<T>::get();
		let mut weight = Weight::zero();
		for id in running.iter() {
			let Some(task) = Tasks::<T>::get(id) else { continue };
			if let TaskStatus::Executing { phase, deadline } = task.status {
				if deadline < now {
					weight.saturating_accrue(Self::expire_execution(*id, task, phase, now));
				}
				continue;
			}
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

	/// This block's assignment seed: its own VRF output (read at the
	/// block's end, after BABE's `on_finalize` recorded it: the runtime
	/// declares BABE first) mixed with the previous block's, which is
	/// remembered for the next. Predicting the draw when signing a task takes
	/// the VRF output of the block that will include it, public only once
	/// that block is; only that block's author knows it in advance. `None`
	/// when the block has no randomness.
	fn assignment_seed() -> Option<T::Hash> {
		let (current, _) = T::Randomness::random(b"daifi/tasks/assign");
		let current = current?;
		let previous = PreviousRandomness::<T>::get().unwrap_or_default();
		PreviousRandomness::<T>::put(current);
		Some(T::Hashing::hash_of(&(previous, current)))
	}

	/// Assigns up to `MaxAssignPerBlock` queued tasks, oldest first, within
	/// `budget`; a task nobody can serve stays queued. Each model's
	/// providers are read once per block.
	pub(crate) fn assign_queued(now: BlockNumberFor<T>, budget: Weight) -> Weight {
		// The randomness (BABE's and the previous), the queue and the running list.
		let mut weight = T::DbWeight::get().reads_writes(4, 3);
		if weight.any_gt(budget) {
			return Weight::zero();
		}
		let Some(seed) = Self::assignment_seed() else { return weight };
		let mut queue = Queue::<T>::get();
		let mut running = Running::<T>::get();
		let mut candidates: BTreeMap<ModelHash, Vec<(T::AccountId, ProviderView<BalanceOf<T>>)>> =
			BTreeMap::new();
		let mut terms = BTreeMap::new();
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
			if !matches!(task.status, TaskStatus::Queued { .. }) {
				index += 1;
				continue;
			}
			let serving = candidates
				.entry(task.model)
				.or_insert_with(|| <T::Providers as ComputeProviders<_>>::serving(&task.model));
			let executors = match task.verification {
				Verification::Zk => 1,
				Verification::Redundant(k) => usize::from(k),
			};
			let cost = T::WeightInfo::assign_task(serving.len() as u32).saturating_mul(executors as u64);
			if weight.saturating_add(cost).any_gt(budget) {
				break;
			}
			weight.saturating_accrue(cost);
			let allowed = Self::allowed_by_domains(&task, serving, &mut terms);
			let Some(chosen) = Self::choose_distinct(seed, id, &task, serving, &allowed, executors) else {
				index += 1;
				continue;
			};
			let providers: Vec<T::AccountId> = chosen.iter().map(|c| serving[*c].0.clone()).collect();
			if !Self::open_for_all(&providers) {
				index += 1;
				continue;
			}
			let crossings = Self::crossings_of(&task, chosen.iter().map(|c| &serving[*c]), &mut terms);
			if crossings.is_empty() {
				Crossings::<T>::remove(id);
			} else {
				Crossings::<T>::insert(id, crossings);
			}
			for c in &chosen {
				serving[*c].1.open_tasks = serving[*c].1.open_tasks.saturating_add(1);
			}
			let deadline = now.saturating_add(T::ResultTimeout::get());
			task.status = match task.verification {
				Verification::Zk => TaskStatus::Assigned { provider: providers[0].clone(), deadline },
				Verification::Redundant(_) => {
					let executions = providers
						.iter()
						.map(|provider| Execution { provider: provider.clone(), commitment: None, output: None })
						.collect::<Vec<_>>();
					// At most `MAX_REDUNDANCY`: checked at submission.
					Executions::<T>::insert(id, crate::types::ExecutorList::<T::AccountId>::truncate_from(executions));
					TaskStatus::Executing { phase: Phase::Commit, deadline }
				},
			};
			Tasks::<T>::insert(id, task);
			queue.remove(index);
			// `running` has room: checked by the loop condition.
			let _ = running.try_push(id);
			assigned += 1;
			for provider in providers {
				Self::deposit_event(Event::TaskAssigned { task: id, provider, deadline });
			}
		}
		Queue::<T>::put(queue);
		Running::<T>::put(running);
		weight
	}

	/// Each of `providers` takes on the task; if one cannot, none does.
	fn open_for_all(providers: &[T::AccountId]) -> bool {
		for (i, provider) in providers.iter().enumerate() {
			if <T::Providers as ComputeProviders<_>>::task_opened(provider).is_err() {
				for opened in &providers[..i] {
					<T::Providers as ComputeProviders<_>>::task_closed(opened);
				}
				return false;
			}
		}
		true
	}

	/// Which of `candidates` the sovereign domains let run `task`
	/// ([`crate::domains::eligible`]), and how the task's home prefers to
	/// choose. `terms` caches each domain's terms per model for the block.
	pub(crate) fn allowed_by_domains(
		task: &TaskOf<T>,
		candidates: &[(T::AccountId, ProviderView<BalanceOf<T>>)],
		terms: &mut BTreeMap<(DomainId, ModelHash), Option<DomainTerms>>,
	) -> (Vec<bool>, Preference) {
		let mut terms_of = |domain: DomainId| {
			terms.entry((domain, task.model)).or_insert_with(|| T::Domains::terms(domain, &task.model)).clone()
		};
		let home = T::Domains::domain_of(&task.owner);
		let home_terms = home.and_then(&mut terms_of);
		let crossable = task.payment == Payment::Dai;
		let markup_fits = |markup: sp_runtime::Perbill| task.fee.saturating_add(markup * task.fee) <= task.max_fee;
		let allowed = candidates
			.iter()
			.map(|(_, view)| {
				let provider_terms = view.domain.and_then(&mut terms_of);
				domains::eligible(home, home_terms.as_ref(), view.domain, provider_terms.as_ref(), crossable, markup_fits)
			})
			.collect();
		// A domain's preference applies among its own members only: where
		// others may be drawn too, everyone is weighed by stake.
		let preference = home_terms.filter(|t| t.local).map(|t| t.preference).unwrap_or_default();
		(allowed, preference)
	}

	/// The chosen executors of `task` that work across a boundary, with the
	/// sides and the markup as they are now: what settlement will pay by.
	fn crossings_of<'a>(
		task: &TaskOf<T>,
		chosen: impl Iterator<Item = &'a (T::AccountId, ProviderView<BalanceOf<T>>)>,
		terms: &mut BTreeMap<(DomainId, ModelHash), Option<DomainTerms>>,
	) -> CrossingsOf<T>
	where
		T::AccountId: 'a,
		BalanceOf<T>: 'a,
	{
		let home = T::Domains::domain_of(&task.owner);
		let crossings = chosen
			.filter(|(_, view)| view.domain != home)
			.map(|(executor, view)| {
				let markup = view
					.domain
					.and_then(|d| {
						terms.entry((d, task.model)).or_insert_with(|| T::Domains::terms(d, &task.model)).clone()
					})
					.and_then(|t| t.outside_markup)
					.unwrap_or_default();
				Crossing { executor: executor.clone(), home, to: view.domain, markup }
			})
			.collect::<Vec<_>>();
		// At most `MAX_REDUNDANCY` executors: checked at submission.
		CrossingsOf::<T>::truncate_from(crossings)
	}

	/// Draws `count` distinct providers for `task` among `candidates`
	/// (indices into it) the domains allow (`allowed`), each as
	/// [`Pallet::choose`] does among those not drawn yet; `None` if fewer
	/// than `count` are eligible.
	pub(crate) fn choose_distinct(
		seed: T::Hash,
		id: TaskId,
		task: &TaskOf<T>,
		candidates: &[(T::AccountId, ProviderView<BalanceOf<T>>)],
		allowed: &(Vec<bool>, Preference),
		count: usize,
	) -> Option<Vec<usize>> {
		let mut chosen = Vec::with_capacity(count);
		for round in 0..count {
			// The first draw is the single-executor draw; later ones are salted by round.
			let seed = if round == 0 { seed } else { T::Hashing::hash_of(&(seed, round as u32)) };
			chosen.push(Self::choose(seed, id, task, candidates, allowed, &chosen)?);
		}
		Some(chosen)
	}

	/// Draws the provider for `task` among `candidates` (an index into it),
	/// none of those at the indices in `taken`.
	///
	/// Eligible: allowed by the domains, enough GPU memory, reputation at
	/// least `MinReputation`, has not failed or declined this task. Each
	/// eligible provider's chance is proportional to `reputation × bond /
	/// (1 + open tasks)`: more bond at stake and a cleaner record win more
	/// tasks, load spreads them, and a provider slashed to almost nothing
	/// gets almost none. A domain whose own tasks prefer
	/// [`Preference::Even`] weighs its candidates `1 / (1 + open tasks)`
	/// alike. The draw is
	/// `blake2(seed, task)` modulo the total weight: deterministic for the
	/// block, unknown to anyone when the task was queued.
	pub(crate) fn choose(
		seed: T::Hash,
		id: TaskId,
		task: &TaskOf<T>,
		candidates: &[(T::AccountId, ProviderView<BalanceOf<T>>)],
		(allowed, preference): &(Vec<bool>, Preference),
		taken: &[usize],
	) -> Option<usize> {
		let model = T::Models::model(&task.model)?;
		let weights: Vec<u128> = candidates
			.iter()
			.enumerate()
			.map(|(index, (who, view))| {
				let eligible = allowed.get(index).copied().unwrap_or(false) &&
					!taken.contains(&index) &&
					view.vram_mib >= model.min_vram_mib &&
					view.reputation >= T::MinReputation::get() &&
					!task.failed.contains(who);
				if !eligible {
					return 0;
				}
				let load = u128::from(view.open_tasks).saturating_add(1);
				match preference {
					Preference::Stake => view.reputation.mul_floor(view.bond.saturated_into::<u128>()) / load,
					Preference::Even => EVEN_WEIGHT / load,
				}
			})
			.collect();
		let total = weights.iter().fold(0u128, |sum, w| sum.saturating_add(*w));
		if total == 0 {
			return None;
		}
		let draw = T::Hashing::hash_of(&(seed, id));
		let mut bytes = [0u8; 16];
		bytes.copy_from_slice(&draw.as_ref()[..16]);
		let mut point = u128::from_le_bytes(bytes) % total;
		for (index, weight) in weights.iter().enumerate() {
			if point < *weight {
				return Some(index);
			}
			point -= weight;
		}
		None
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
				if let Some(task) = Tasks::<T>::get(id) {
					Self::unlist(&task.owner, id);
				}
				Self::forget(id);
				weight.saturating_accrue(T::WeightInfo::prune_result());
			}
		});
		weight
	}
}
