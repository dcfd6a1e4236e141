//! Redundant execution: a task run by `k` providers, who commit to their
//! outputs, then reveal them, and a committee that attests the output.
//!
//! - **Commit**: each executor sends [`output_commitment`] of the task, itself
//!   and its output. The commitment hides the output and is bound to the
//!   executor: a lazy executor can neither read another's output nor copy
//!   its commitment, and whoever has not committed when the phase ends is
//!   out (slashed as for a missed deadline).
//! - **Reveal**: once every executor committed, each reveals its output,
//!   which must match its commitment (so it cannot change its answer after
//!   seeing the others').
//! - **Attest**: once every executor revealed, the committee's members
//!   compare the outputs (re-executing the model where they differ), sign
//!   the output with their BLS keys and share the signatures; one aggregate
//!   signature of more than two thirds of the committee's weight settles
//!   the task ([`Pallet::attest_output`]). The executors that revealed the
//!   attested output share the executor fee; the others are slashed as for
//!   an invalid result.
//!
//! Each phase has `ResultTimeout` blocks. An executor that misses its step
//! is slashed (a missed deadline) and dropped; the others go on. If nobody
//! is left, the task goes back to the queue (or is refunded, after
//! [`MAX_ATTEMPTS`] failed providers). If no attestation comes, the task is
//! refunded: its executors are neither paid nor slashed.

use crate::{pallet::*, types::*, WeightInfo};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{ensure, traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::{ComputeProviders, ReportOutcome};
use pallet_model_registry::ModelCatalog;
use sp_core::H256;
use sp_runtime::{
	traits::{BlakeTwo256, Hash, Saturating},
	DispatchError, DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// The most `attest_output` costs: a result's settlement (the
	/// `submit_result` benchmark without its proof verification), the
	/// committee's signature check, and a slash for each other executor.
	pub fn attest_output_weight() -> Weight {
		use pallet_model_registry::fixtures::MLP_64_32_10_PUBLIC_INPUTS;
		T::WeightInfo::submit_result()
			.saturating_sub(T::Models::verification_weight(MLP_64_32_10_PUBLIC_INPUTS))
			.saturating_add(T::Committee::verify_weight())
			.saturating_add(T::WeightInfo::expire_task().saturating_mul(MAX_REDUNDANCY.into()))
			.saturating_add(Self::domains_settlement_weight(MAX_REDUNDANCY))
	}

	/// Task `id` as executed redundantly, with the executor whose compute key
	/// is `signer` (its index among the executions), in `phase`.
	fn executor_step(
		signer: &T::AccountId,
		id: TaskId,
		phase: Phase,
	) -> Result<(TaskOf<T>, crate::types::ExecutorList<T::AccountId>, usize), DispatchError> {
		let provider =
			<T::Providers as ComputeProviders<_>>::provider_of(signer).ok_or(Error::<T>::NotAComputeKey)?;
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		match task.status {
			TaskStatus::Executing { phase: now, .. } => ensure!(now == phase, Error::<T>::WrongPhase),
			TaskStatus::Completed { .. } => return Err(Error::<T>::TaskClosed.into()),
			TaskStatus::Assigned { .. } => return Err(Error::<T>::WrongPhase.into()),
			TaskStatus::Queued { .. } => return Err(Error::<T>::NotAssignedProvider.into()),
		}
		let executions = Executions::<T>::get(id).unwrap_or_default();
		let index =
			executions.iter().position(|e| e.provider == provider).ok_or(Error::<T>::NotAssignedProvider)?;
		Ok((task, executions, index))
	}

	/// See [`Pallet::commit_output`].
	pub(crate) fn do_commit(signer: &T::AccountId, id: TaskId, input_hash: H256, commitment: H256) -> DispatchResult {
		let (task, mut executions, index) = Self::executor_step(signer, id, Phase::Commit)?;
		ensure!(BlakeTwo256::hash_of(&task.input) == input_hash, Error::<T>::InputChanged);
		ensure!(executions[index].commitment.is_none(), Error::<T>::AlreadyCommitted);
		executions[index].commitment = Some(commitment);
		let provider = executions[index].provider.clone();
		if executions.iter().all(|e| e.commitment.is_some()) {
			Self::enter(id, task, Phase::Reveal);
		}
		Executions::<T>::insert(id, executions);
		Self::deposit_event(Event::OutputCommitted { task: id, provider });
		Ok(())
	}

	/// See [`Pallet::reveal_output`].
	pub(crate) fn do_reveal(signer: &T::AccountId, id: TaskId, output: Tensor, salt: [u8; 32]) -> DispatchResult {
		let (task, mut executions, index) = Self::executor_step(signer, id, Phase::Reveal)?;
		let model = T::Models::model(&task.model).ok_or(Error::<T>::UnknownModel)?;
		ensure!(output.len() as u32 == model.output_len, Error::<T>::WrongOutputShape);
		let execution = &mut executions[index];
		ensure!(execution.output.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			execution.commitment == Some(output_commitment(id, &execution.provider, &salt, &output)),
			Error::<T>::CommitmentMismatch
		);
		let output_hash = BlakeTwo256::hash_of(&output);
		execution.output = Some(output);
		let provider = execution.provider.clone();
		if executions.iter().all(|e| e.output.is_some()) {
			Self::enter(id, task, Phase::Attest);
		}
		Executions::<T>::insert(id, executions);
		Self::deposit_event(Event::OutputRevealed { task: id, provider, output_hash });
		Ok(())
	}

	/// An executor of redundant task `id` declines it before committing (see
	/// [`Pallet::decline_task`]): it pays the decline's reputation cost and
	/// is recorded; the others go on (to the reveal, if they all committed),
	/// and with nobody left the task is queued again or refunded.
	pub(crate) fn decline_execution(signer: &T::AccountId, id: TaskId, reason: DeclineReason) -> DispatchResult {
		let (mut task, mut executions, index) = Self::executor_step(signer, id, Phase::Commit)?;
		ensure!(executions[index].commitment.is_none(), Error::<T>::AlreadyCommitted);
		let provider = executions.remove(index).provider;
		<T::Providers as ReportOutcome<_>>::declined(&provider)?;
		Self::deposit_event(Event::TaskDeclined { task: id, provider: provider.clone(), reason });
		let now = frame_system::Pallet::<T>::block_number();
		if executions.is_empty() {
			Executions::<T>::remove(id);
			Self::retry_without(id, task, alloc::vec![provider], now);
			return Ok(());
		}
		// A full record only means this one is not recorded (the task goes on).
		let _ = Self::record_failed(&mut task, alloc::vec![provider]);
		let all_committed = executions.iter().all(|e| e.commitment.is_some());
		Executions::<T>::insert(id, executions);
		if all_committed {
			Self::enter(id, task, Phase::Reveal);
		} else {
			Tasks::<T>::insert(id, task);
		}
		Ok(())
	}

	/// Moves task `id` into `phase`, due `ResultTimeout` blocks from now
	/// (twice that for the attestation: the window then spans a committee
	/// rotation, so one committee that does not sign cannot block it).
	fn enter(id: TaskId, mut task: TaskOf<T>, phase: Phase) {
		let timeout = T::ResultTimeout::get();
		let timeout = if phase == Phase::Attest { timeout.saturating_add(timeout) } else { timeout };
		let deadline = frame_system::Pallet::<T>::block_number().saturating_add(timeout);
		task.status = TaskStatus::Executing { phase, deadline };
		Tasks::<T>::insert(id, task);
	}

	/// Checks an attestation of `output` for task `id`: the task waits for
	/// one, the output has the model's shape, and the committee signed
	/// [`attested_payload`] of the task, its input and the output. Returns
	/// the task and who signed. Changes nothing.
	pub(crate) fn check_attestation(
		id: TaskId,
		output: &Tensor,
		attestation: &<T::Committee as TaskCommittee<T::AccountId>>::Attestation,
	) -> Result<(TaskOf<T>, Vec<T::AccountId>), DispatchError> {
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		match task.status {
			TaskStatus::Executing { phase: Phase::Attest, .. } => {},
			TaskStatus::Completed { .. } => return Err(Error::<T>::TaskClosed.into()),
			_ => return Err(Error::<T>::WrongPhase.into()),
		}
		let model = T::Models::model(&task.model).ok_or(Error::<T>::UnknownModel)?;
		ensure!(output.len() as u32 == model.output_len, Error::<T>::WrongOutputShape);
		let payload =
			attested_payload(id, &task.model, BlakeTwo256::hash_of(&task.input), BlakeTwo256::hash_of(output));
		let signers = T::Committee::verify(attestation, &payload)?;
		Ok((task, signers))
	}

	/// See [`Pallet::attest_output`].
	pub(crate) fn do_attest(
		id: TaskId,
		output: Tensor,
		attestation: <T::Committee as TaskCommittee<T::AccountId>>::Attestation,
	) -> DispatchResult {
		let (mut task, signers) = Self::check_attestation(id, &output, &attestation)?;
		let model = T::Models::model(&task.model).ok_or(Error::<T>::UnknownModel)?;
		let output_hash = BlakeTwo256::hash_of(&output);
		let executions = Executions::<T>::take(id).unwrap_or_default();
		let now = frame_system::Pallet::<T>::block_number();
		Running::<T>::mutate(|r| r.retain(|t| *t != id));
		// The user pays for the executions that were revealed (those that
		// dropped out earlier are refunded), shared by those that agree.
		task.fee = model.price.saturating_mul(BalanceOf::<T>::from(executions.len() as u32));
		let mut agreed = Vec::new();
		for execution in executions {
			let revealed = execution.output.as_ref().map(BlakeTwo256::hash_of);
			if revealed == Some(output_hash) {
				agreed.push(execution.provider);
				continue;
			}
			let slashed = <T::Providers as ReportOutcome<_>>::invalid_result(&execution.provider);
			<T::Providers as ComputeProviders<_>>::task_closed(&execution.provider);
			Self::deposit_event(Event::ResultRejected { task: id, provider: execution.provider, slashed });
		}
		Self::deposit_event(Event::OutputAttested {
			task: id,
			output_hash,
			signers: signers.len() as u32,
			agreed: agreed.len() as u32,
		});
		if agreed.is_empty() {
			Self::refund(id, task, now);
			return Ok(());
		}
		let proof_hash = BlakeTwo256::hash(&attestation.encode());
		Self::settle(id, task, &agreed, output, proof_hash, model.flops, model.developer, now)
	}

	/// Redundant task `id` whose `phase` ended at `now` without every step:
	/// executors that missed theirs are slashed (a missed deadline) and
	/// dropped, and the others go on to the next phase; with nobody left the
	/// task is queued again or refunded. With no attestation, the task is
	/// refunded. Returns the weight used.
	pub(crate) fn expire_execution(id: TaskId, task: TaskOf<T>, phase: Phase, now: BlockNumberFor<T>) -> Weight {
		let executions = Executions::<T>::take(id).unwrap_or_default();
		let per_executor = T::WeightInfo::expire_task();
		let weight = per_executor.saturating_mul(executions.len().max(1) as u64);
		if phase == Phase::Attest {
			for execution in &executions {
				<T::Providers as ComputeProviders<_>>::task_closed(&execution.provider);
			}
			Running::<T>::mutate(|r| r.retain(|t| *t != id));
			Self::deposit_event(Event::AttestationMissed { task: id });
			Self::refund(id, task, now);
			return weight;
		}
		let (done, missed): (Vec<_>, Vec<_>) = executions.into_iter().partition(|e| match phase {
			Phase::Commit => e.commitment.is_some(),
			_ => e.output.is_some(),
		});
		let mut missed_by = Vec::new();
		for execution in missed {
			let provider = execution.provider;
			let slashed = <T::Providers as ReportOutcome<_>>::missed_deadline(&provider);
			Self::deposit_event(Event::DeadlineMissed { task: id, provider: provider.clone(), slashed });
			missed_by.push(provider);
		}
		if done.is_empty() {
			Self::retry_without(id, task, missed_by, now);
			return weight;
		}
		let mut task = task;
		// A full record only means these are not recorded (the task goes on).
		let _ = Self::record_failed(&mut task, missed_by);
		let next = if phase == Phase::Commit { Phase::Reveal } else { Phase::Attest };
		// `done` is no longer than the executions it came from.
		Executions::<T>::insert(id, crate::types::ExecutorList::<T::AccountId>::truncate_from(done));
		Self::enter(id, task, next);
		weight
	}
}
