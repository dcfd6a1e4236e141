//! Results: verification, settlement, retries and refunds.

use crate::{pallet::*, types::*, WeightInfo};
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
use pallet_model_registry::{fixtures::MLP_64_32_10_PUBLIC_INPUTS as REFERENCE_PUBLIC_INPUTS, ModelCatalog};
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
	}

	/// Checks, verifies and settles (or rejects) a result; see
	/// [`Pallet::submit_result`]. Returns the model's public inputs (what the
	/// verification cost).
	pub(crate) fn do_submit_result(
		signer: &T::AccountId,
		id: TaskId,
		output: Tensor,
		proof: ProofBytes,
	) -> Result<u32, DispatchError> {
		let provider =
			<T::Providers as ComputeProviders<_>>::provider_of(signer).ok_or(Error::<T>::NotAComputeKey)?;
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		match &task.status {
			TaskStatus::Assigned { provider: assigned, .. } =>
				ensure!(*assigned == provider, Error::<T>::NotAssignedProvider),
			TaskStatus::Queued { .. } => return Err(Error::<T>::NotAssignedProvider.into()),
			TaskStatus::Completed { .. } | TaskStatus::Refunded { .. } =>
				return Err(Error::<T>::TaskClosed.into()),
		}
		let model = T::Models::model(&task.model).ok_or(Error::<T>::UnknownModel)?;
		ensure!(output.len() as u32 == model.output_len, Error::<T>::WrongOutputShape);

		let now = frame_system::Pallet::<T>::block_number();
		Running::<T>::mutate(|r| r.retain(|t| *t != id));
		match T::Models::verify(&task.model, &task.input, &output, &proof) {
			Ok(()) => Self::settle(id, task, provider, output, &proof, model.flops, model.developer, now)?,
			Err(_) => {
				let slashed = <T::Providers as ReportOutcome<_>>::invalid_result(&provider);
				Self::deposit_event(Event::ResultRejected { task: id, provider: provider.clone(), slashed });
				Self::retry_or_refund(id, task, provider, now);
			},
		}
		Ok(model.input_len.saturating_add(model.output_len))
	}

	/// Pays the executor and the developer from the user's set-aside fee,
	/// returns the rest, records the result and tells the other pallets.
	#[allow(clippy::too_many_arguments)]
	fn settle(
		id: TaskId,
		mut task: TaskOf<T>,
		provider: T::AccountId,
		output: Tensor,
		proof: &[u8],
		flops: u64,
		developer: T::AccountId,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let fee = task.fee;
		let mut executor_paid = T::ExecutorShare::get() * fee;
		let mut developer_paid = fee.saturating_sub(executor_paid);
		let refunded = task.max_fee.saturating_sub(fee);
		match task.payment {
			Payment::Dai => {
				// A share too small to open the developer's account goes to the executor.
				if T::Currency::can_deposit(&developer, developer_paid, Provenance::Extant) !=
					DepositConsequence::Success
				{
					executor_paid = fee;
					developer_paid = Zero::zero();
				}
				let reason = HoldReason::TaskFee.into();
				for (to, amount) in [(&provider, executor_paid), (&developer, developer_paid)] {
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
				T::Credits::credit(&provider, executor_paid.saturated_into());
				T::Credits::credit(&developer, developer_paid.saturated_into());
				T::Credits::credit(&task.owner, refunded.saturated_into());
			},
		}

		<T::Providers as ReportOutcome<_>>::verified(&provider, flops.into());
		<T::Providers as ComputeProviders<_>>::task_closed(&provider);
		let quality = <T::Providers as ComputeProviders<_>>::reputation_of(&provider);
		T::Credits::reward_work(&provider, flops, quality);

		let result = TaskResult {
			model: task.model,
			provider: provider.clone(),
			output_hash: BlakeTwo256::hash_of(&output),
			proof_hash: BlakeTwo256::hash(proof),
			output,
			executor_paid,
			developer_paid,
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
			refunded,
		});
		Results::<T>::insert(id, result);
		Tasks::<T>::insert(id, task);
		Self::retain(id, now);
		Ok(())
	}

	/// `provider` failed task `id`: it is queued again for another provider,
	/// or refunded when [`MAX_ATTEMPTS`] have failed or the queue is full.
	pub(crate) fn retry_or_refund(
		id: TaskId,
		mut task: TaskOf<T>,
		provider: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		<T::Providers as ComputeProviders<_>>::task_closed(&provider);
		Running::<T>::mutate(|r| r.retain(|t| *t != id));
		let retry = task.failed.try_push(provider).is_ok() &&
			(task.failed.len() as u32) < MAX_ATTEMPTS &&
			Queue::<T>::try_mutate(|q| q.try_push(id)).is_ok();
		if retry {
			task.status = TaskStatus::Queued { since: now };
			Tasks::<T>::insert(id, task);
		} else {
			Self::refund(id, task, now);
		}
	}

	/// Returns everything the user set aside and closes the task.
	pub(crate) fn refund(id: TaskId, mut task: TaskOf<T>, now: BlockNumberFor<T>) {
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
		Self::deposit_event(Event::TaskRefunded {
			task: id,
			owner: task.owner.clone(),
			amount: task.max_fee,
		});
		task.status = TaskStatus::Refunded { at: now };
		Tasks::<T>::insert(id, task);
		Self::retain(id, now);
	}

	/// Keeps closed task `id` until its retention passes; when the list is
	/// full the oldest is forgotten now.
	fn retain(id: TaskId, now: BlockNumberFor<T>) {
		let expiry = now.saturating_add(T::ResultRetention::get());
		Retained::<T>::mutate(|retained| {
			if retained.is_full() {
				let (_, oldest) = retained.remove(0);
				Results::<T>::remove(oldest);
				Tasks::<T>::remove(oldest);
			}
			// Room was made above.
			let _ = retained.try_push((expiry, id));
		});
	}
}
