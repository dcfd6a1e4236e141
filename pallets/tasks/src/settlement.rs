//! Results: verification, settlement, retries and refunds.

use crate::{domains::DomainRules, pallet::*, types::*, WeightInfo};
use frame_support::{
	ensure,
	weights::Weight,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{DepositConsequence, Fortitude, Precision, Provenance, Restriction},
		Get,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::{ComputeProviders, ReportOutcome};
use pallet_credits::CreditLedger;
use alloc::vec::Vec;
use pallet_model_registry::{
	fixtures::MLP_64_32_10_PUBLIC_INPUTS as REFERENCE_PUBLIC_INPUTS, ModelCatalog, ModelHash, ProofClaim,
};
use sp_runtime::{
	traits::{BlakeTwo256, Hash, SaturatedConversion, Saturating, Zero},
	DispatchError, DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// The weight of `submit_result` for a model with `public_inputs` input
	/// and output values: the benchmark (run with the reference model's
	/// [`REFERENCE_PUBLIC_INPUTS`] public inputs) with its verification
	/// replaced by a verification of this size.
	pub fn submit_result_weight(public_inputs: u32) -> Weight {
		T::WeightInfo::submit_result()
			.saturating_sub(T::Models::verification_weight(REFERENCE_PUBLIC_INPUTS))
			.saturating_add(T::Models::verification_weight(public_inputs))
			.saturating_add(Self::domains_settlement_weight(1))
	}

	/// What the sovereign domains add to settling a task with `executors`
	/// executors, each across a boundary at most (declared from the storage
	/// it touches; the benchmarks run on the open network): the task's
	/// crossings and both sides' audit logs, and per executor the crossing's
	/// record (both gateways, the period, its pairs, flow and earning).
	pub fn domains_settlement_weight(executors: u32) -> Weight {
		T::DbWeight::get()
			.reads_writes(5, 5)
			.saturating_add(T::DbWeight::get().reads_writes(6, 3).saturating_mul(executors.into()))
	}

	/// Checks, verifies and settles (or rejects) a result; see
	/// [`Pallet::submit_result`]. Returns the model's public inputs (what the
	/// verification cost).
	pub(crate) fn do_submit_result(
		signer: &T::AccountId,
		id: TaskId,
		input_hash: sp_core::H256,
		output: Tensor,
		proof: ProofBytes,
	) -> Result<u32, DispatchError> {
		let (provider, task) = Self::assigned_task(signer, id)?;
		ensure!(BlakeTwo256::hash_of(&task.input) == input_hash, Error::<T>::InputChanged);
		let model = T::Models::model(&task.model).ok_or(Error::<T>::UnknownModel)?;
		ensure!(output.len() as u32 == model.output_len, Error::<T>::WrongOutputShape);

		let now = frame_system::Pallet::<T>::block_number();
		Running::<T>::mutate(|r| r.retain(|t| *t != id));
		let binding = task_binding(id, &provider);
		match T::Models::verify(&task.model, &binding, &task.input, &output, &proof) {
			Ok(()) => {
				let proof_hash = BlakeTwo256::hash(&proof);
				Self::settle(id, task, &[provider], output, proof_hash, model.flops, model.developer, now)?
			},
			Err(_) => {
				let slashed = <T::Providers as ReportOutcome<_>>::invalid_result(&provider);
				Self::deposit_event(Event::ResultRejected { task: id, provider: provider.clone(), slashed });
				Self::retry_or_refund(id, task, provider, now);
			},
		}
		// The binding, then the input and output values.
		Ok(model.public_inputs)
	}

	/// The weight of `submit_results` with `results` results, of which
	/// `taken` were verified together (a model with `public_inputs` input
	/// and output values) and, if that failed (`alone`), each again alone:
	/// `submit_result`'s benchmark without its verification per result, one
	/// batch verification, and the single verifications.
	pub fn submit_results_weight(results: u32, taken: u32, public_inputs: u32, alone: bool) -> Weight {
		let singles = if alone { taken } else { 0 };
		T::WeightInfo::submit_result()
			.saturating_sub(T::Models::verification_weight(REFERENCE_PUBLIC_INPUTS))
			.saturating_add(Self::domains_settlement_weight(1))
			.saturating_mul(results.into())
			.saturating_add(T::Models::batch_verification_weight(taken, public_inputs))
			.saturating_add(T::Models::verification_weight(public_inputs).saturating_mul(singles.into()))
	}

	/// Checks each result, skipping those that do not fit their task, then
	/// verifies the rest together: all settle, or, if that fails, each is
	/// verified alone and settled or rejected as by `submit_result`; see
	/// [`Pallet::submit_results`]. Returns the weight used.
	pub(crate) fn do_submit_results(
		signer: &T::AccountId,
		model_hash: ModelHash,
		results: ProvenResults,
	) -> Result<Weight, DispatchError> {
		ensure!(!results.is_empty(), Error::<T>::NoResults);
		let provider =
			<T::Providers as ComputeProviders<_>>::provider_of(signer).ok_or(Error::<T>::NotAComputeKey)?;
		let model = T::Models::model(&model_hash).ok_or(Error::<T>::UnknownModel)?;
		let sent = results.len() as u32;
		let mut taken: Vec<(TaskId, TaskOf<T>, ProvenResult)> = Vec::with_capacity(results.len());
		let mut skipped: Vec<(TaskId, DispatchError)> = Vec::new();
		for (i, result) in results.iter().enumerate() {
			let id = result.task;
			// A repeat is refused before anything is read for it.
			let repeat = results[..i].iter().any(|r| r.task == id);
			let fits = if repeat { Err(Error::<T>::DuplicateResult.into()) } else { Self::assigned_task(signer, id) }
				.and_then(|(_, task)| {
					ensure!(task.model == model_hash, Error::<T>::OtherModel);
					ensure!(BlakeTwo256::hash_of(&task.input) == result.input_hash, Error::<T>::InputChanged);
					ensure!(result.output.len() as u32 == model.output_len, Error::<T>::WrongOutputShape);
					Ok(task)
				});
			match fits {
				Ok(task) => taken.push((id, task, result.clone())),
				Err(error) => skipped.push((id, error)),
			}
		}
		if taken.is_empty() {
			return Err(skipped.first().map(|(_, e)| *e).unwrap_or_else(|| Error::<T>::NoResults.into()));
		}
		for (task, error) in skipped {
			Self::deposit_event(Event::ResultSkipped { task, error });
		}

		let now = frame_system::Pallet::<T>::block_number();
		Running::<T>::mutate(|r| r.retain(|t| taken.iter().all(|(id, ..)| id != t)));
		let claims: Vec<ProofClaim> = taken
			.iter()
			.map(|(id, task, result)| ProofClaim {
				binding: task_binding(*id, &provider),
				input: task.input.to_vec(),
				output: result.output.to_vec(),
				proof: result.proof.to_vec(),
			})
			.collect();
		let count = taken.len() as u32;
		// All verify (the batch check), or each is checked alone: an honest
		// result sent beside a bad one still settles, and each bad one costs
		// its own slash, as it would alone.
		let together = T::Models::verify_many(&model_hash, &claims).is_ok();
		for ((id, task, result), claim) in taken.into_iter().zip(claims) {
			let valid = together ||
				T::Models::verify(&model_hash, &claim.binding, &claim.input, &claim.output, &claim.proof).is_ok();
			if valid {
				let proof_hash = BlakeTwo256::hash(&result.proof);
				let developer = model.developer.clone();
				Self::settle(id, task, &[provider.clone()], result.output, proof_hash, model.flops, developer, now)?;
			} else {
				let slashed = <T::Providers as ReportOutcome<_>>::invalid_result(&provider);
				Self::deposit_event(Event::ResultRejected { task: id, provider: provider.clone(), slashed });
				Self::retry_or_refund(id, task, provider.clone(), now);
			}
		}
		Ok(Self::submit_results_weight(sent, count, model.public_inputs, !together))
	}

	/// The provider whose compute key is `signer` and task `id`, which must be
	/// assigned to it.
	fn assigned_task(signer: &T::AccountId, id: TaskId) -> Result<(T::AccountId, TaskOf<T>), DispatchError> {
		let provider =
			<T::Providers as ComputeProviders<_>>::provider_of(signer).ok_or(Error::<T>::NotAComputeKey)?;
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		match &task.status {
			TaskStatus::Assigned { provider: assigned, .. } =>
				ensure!(*assigned == provider, Error::<T>::NotAssignedProvider),
			TaskStatus::Queued { .. } => return Err(Error::<T>::NotAssignedProvider.into()),
			TaskStatus::Executing { .. } => return Err(Error::<T>::WrongPhase.into()),
			TaskStatus::Completed { .. } => return Err(Error::<T>::TaskClosed.into()),
		}
		Ok((provider, task))
	}

	/// Declines task `id` for the provider whose compute key is `signer`; see
	/// [`Pallet::decline_task`].
	pub(crate) fn do_decline(signer: &T::AccountId, id: TaskId, reason: DeclineReason) -> DispatchResult {
		if matches!(Tasks::<T>::get(id).map(|t| t.status), Some(TaskStatus::Executing { .. })) {
			return Self::decline_execution(signer, id, reason);
		}
		let (provider, task) = Self::assigned_task(signer, id)?;
		<T::Providers as ReportOutcome<_>>::declined(&provider)?;
		Self::deposit_event(Event::TaskDeclined { task: id, provider: provider.clone(), reason });
		Self::retry_or_refund(id, task, provider, frame_system::Pallet::<T>::block_number());
		Ok(())
	}

	/// Whether `provider` submitted `task` itself (from its own account or
	/// its compute key): such a task counts for nothing toward its score or
	/// credits.
	fn own_task(task: &TaskOf<T>, provider: &T::AccountId) -> bool {
		task.owner == *provider ||
			<T::Providers as ComputeProviders<_>>::provider_of(&task.owner).as_ref() == Some(provider)
	}

	/// Pays the executors (in equal shares, the first any remainder) and the
	/// developer from the user's set-aside fee, burns `BurnedShare` of it,
	/// returns the rest, records the result (proven by `proof_hash`: the
	/// proof's or the attestation's) and tells the other pallets.
	/// `executors` is not empty.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn settle(
		id: TaskId,
		mut task: TaskOf<T>,
		executors: &[T::AccountId],
		output: Tensor,
		proof_hash: sp_core::H256,
		flops: u64,
		developer: T::AccountId,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let provider = executors.first().cloned().ok_or(Error::<T>::UnknownTask)?;
		let fee = task.fee;
		let burned = T::BurnedShare::get() * fee;
		let shared = fee.saturating_sub(burned);
		let mut executor_paid = T::ExecutorShare::get() * shared;
		let mut developer_paid = shared.saturating_sub(executor_paid);
		let mut refunded = task.max_fee.saturating_sub(fee);
		match task.payment {
			Payment::Dai => {
				// A share too small to open the developer's account goes to the executor.
				if T::Currency::can_deposit(&developer, developer_paid, Provenance::Extant) !=
					DepositConsequence::Success
				{
					executor_paid = shared;
					developer_paid = Zero::zero();
				}
				let reason = HoldReason::TaskFee.into();
				T::Currency::burn_held(&reason, &task.owner, burned, Precision::Exact, Fortitude::Force)?;
				let crossings = Crossings::<T>::take(id).unwrap_or_default();
				let payees = executors
					.iter()
					.zip(shares(executor_paid, executors.len()))
					.map(|(executor, amount)| Self::across_boundary(&crossings, executor, amount, &mut refunded))
					.chain([(developer.clone(), developer_paid)]);
				for (to, amount) in payees {
					let to = &to;
					if !amount.is_zero() {
						T::Currency::transfer_on_hold(
							&reason,
							&task.owner,
							to,
							amount,
							Precision::Exact,
							Restriction::Free,
							Fortitude::Polite,
						)?;
					}
				}
				T::Currency::release(&reason, &task.owner, refunded, Precision::Exact)?;
			},
			Payment::Credits => {
				for (executor, share) in executors.iter().zip(shares(executor_paid, executors.len())) {
					T::Credits::credit(executor, share.saturated_into());
				}
				T::Credits::credit(&developer, developer_paid.saturated_into());
				T::Credits::credit(&task.owner, refunded.saturated_into());
			},
		}

		// The burned share counts toward the executors' scores, split like the fee.
		let mut counted: BalanceOf<T> = Zero::zero();
		let mut credited = Executors::<T::AccountId, BalanceOf<T>>::default();
		for (executor, share) in executors.iter().zip(shares(burned, executors.len())) {
			let share = if Self::own_task(&task, executor) { Zero::zero() } else { share };
			counted = counted.saturating_add(share);
			// At most `MAX_REDUNDANCY` executors: checked at submission.
			let _ = credited.try_push((executor.clone(), share));
			<T::Providers as ReportOutcome<_>>::verified(executor, flops.into(), share);
			<T::Providers as ComputeProviders<_>>::task_closed(executor);
			let quality = <T::Providers as ComputeProviders<_>>::reputation_of(executor);
			T::Credits::reward_work(executor, flops, quality, share.saturated_into());
		}
		Self::task_ended(&task.owner);

		let result = TaskResult {
			model: task.model,
			input_hash: BlakeTwo256::hash_of(&task.input),
			source: task.source,
			verification: task.verification,
			payment: task.payment,
			provider: provider.clone(),
			executors: credited,
			output_hash: BlakeTwo256::hash_of(&output),
			proof_hash,
			output,
			executor_paid,
			developer_paid,
			burned,
			counted,
			flops,
			submitted_at: task.submitted_at,
			settled_at: now,
		};
		task.status = TaskStatus::Completed { provider: provider.clone(), at: now };
		T::OnSettled::on_settled(id, &task.owner, &result);
		Self::deposit_event(Event::TaskCompleted {
			task: id,
			provider,
			output_hash: result.output_hash,
			proof_hash: result.proof_hash,
			executor_paid,
			developer_paid,
			burned,
			refunded,
		});
		Results::<T>::insert(id, result);
		let owner = task.owner.clone();
		Tasks::<T>::insert(id, task);
		Self::retain(id, &owner, now);
		Ok(())
	}

	/// Where the executor's share `amount` for `executor` goes, and how
	/// much: to the executor itself if the draw found it on its task owner's
	/// side; across a boundary (`crossings`, recorded at the draw), to the
	/// owner's side's gateway (the domains clear it and the executor claims
	/// it from its own side's) with the markup the draw found, at most what
	/// is left of the task's `max_fee` (`headroom`, reduced by it). If the
	/// domains cannot take the crossing, it is paid to the executor directly.
	fn across_boundary(
		crossings: &CrossingsOf<T>,
		executor: &T::AccountId,
		amount: BalanceOf<T>,
		headroom: &mut BalanceOf<T>,
	) -> (T::AccountId, BalanceOf<T>) {
		let Some(crossing) = crossings.iter().find(|c| c.executor == *executor) else {
			return (executor.clone(), amount);
		};
		let surcharge = (crossing.markup * amount).min(*headroom);
		let crossed = amount.saturating_add(surcharge);
		match T::Domains::cross(executor, crossing.home, crossing.to, crossed) {
			Ok(gateway) => {
				*headroom = headroom.saturating_sub(surcharge);
				(gateway, crossed)
			},
			Err(_) => (executor.clone(), amount),
		}
	}

	/// `provider` failed or declined task `id`: it is queued again for another
	/// provider, or refunded when [`MAX_ATTEMPTS`] have failed or the queue is
	/// full.
	pub(crate) fn retry_or_refund(id: TaskId, task: TaskOf<T>, provider: T::AccountId, now: BlockNumberFor<T>) {
		Self::retry_without(id, task, alloc::vec![provider], now)
	}

	/// [`Pallet::retry_or_refund`] for several providers that failed task `id` at once.
	pub(crate) fn retry_without(
		id: TaskId,
		mut task: TaskOf<T>,
		failed: alloc::vec::Vec<T::AccountId>,
		now: BlockNumberFor<T>,
	) {
		Running::<T>::mutate(|r| r.retain(|t| *t != id));
		let retry = Self::record_failed(&mut task, failed) &&
			(task.failed.len() as u32) < MAX_ATTEMPTS &&
			Queue::<T>::try_mutate(|q| q.try_push(id)).is_ok();
		if retry {
			task.status = TaskStatus::Queued { since: now };
			Tasks::<T>::insert(id, task);
		} else {
			Self::refund(id, task, now);
		}
	}

	/// Providers `failed` leave `task`: their open-task count drops, and they
	/// are recorded so that it is not assigned to them again. Returns whether
	/// the record had room for all of them.
	pub(crate) fn record_failed(task: &mut TaskOf<T>, failed: alloc::vec::Vec<T::AccountId>) -> bool {
		let mut all = true;
		for provider in failed {
			<T::Providers as ComputeProviders<_>>::task_closed(&provider);
			all &= task.failed.try_push(provider).is_ok();
		}
		all
	}

	/// Returns everything the user set aside and forgets the task (the
	/// [`Event::TaskRefunded`] records it): refunds are not retained, so
	/// unserved tasks cannot push anyone's results out.
	pub(crate) fn refund(id: TaskId, task: TaskOf<T>, _now: BlockNumberFor<T>) {
		match task.payment {
			Payment::Dai => {
				let released = T::Currency::release(
					&HoldReason::TaskFee.into(),
					&task.owner,
					task.max_fee,
					Precision::Exact,
				);
				debug_assert!(released.is_ok(), "the fee was held at submission");
			},
			Payment::Credits => T::Credits::credit(&task.owner, task.max_fee.saturated_into()),
		}
		Self::task_ended(&task.owner);
		Self::deposit_event(Event::TaskRefunded { task: id, owner: task.owner, amount: task.max_fee });
		Tasks::<T>::remove(id);
		Crossings::<T>::remove(id);
	}

	/// One of `owner`'s open tasks closed.
	fn task_ended(owner: &T::AccountId) {
		OpenTasks::<T>::mutate_exists(owner, |open| {
			*open = open.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
	}

	/// Keeps settled task `id` of `owner` until its retention passes. When
	/// `owner` has `MaxRetainedPerAccount` results kept, its own oldest is
	/// forgotten now; when the whole list is full, the oldest of all.
	fn retain(id: TaskId, owner: &T::AccountId, now: BlockNumberFor<T>) {
		let expiry = now.saturating_add(T::ResultRetention::get());
		let mut retained = Retained::<T>::get();
		let mut mine = RetainedOf::<T>::get(owner);
		if mine.is_full() {
			let oldest = mine.remove(0);
			retained.retain(|(_, t)| *t != oldest);
			Self::forget(oldest);
		}
		if retained.is_full() {
			let (_, oldest) = retained.remove(0);
			if let Some(task) = Tasks::<T>::get(oldest) {
				if task.owner == *owner {
					mine.retain(|t| *t != oldest);
				} else {
					Self::unlist(&task.owner, oldest);
				}
			}
			Self::forget(oldest);
		}
		// Room was made above in both lists.
		let _ = retained.try_push((expiry, id));
		let _ = mine.try_push(id);
		Retained::<T>::put(retained);
		RetainedOf::<T>::insert(owner, mine);
	}

	/// Removes `id` from `owner`'s retained list.
	pub(crate) fn unlist(owner: &T::AccountId, id: TaskId) {
		RetainedOf::<T>::mutate_exists(owner, |list| {
			if let Some(ids) = list {
				ids.retain(|t| *t != id);
				if ids.is_empty() {
					*list = None;
				}
			}
		});
	}

	/// Forgets settled task `id` and its result.
	pub(crate) fn forget(id: TaskId) {
		Results::<T>::remove(id);
		Tasks::<T>::remove(id);
	}
}

/// `total` in `n` equal shares, the first with the remainder: they add up to `total`.
fn shares<B: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(total: B, n: usize) -> impl Iterator<Item = B> {
	let count = B::from(n.max(1) as u32);
	let each = total / count;
	let first = total.saturating_sub(each * (count - B::one()));
	core::iter::once(first).chain(core::iter::repeat(each)).take(n)
}
