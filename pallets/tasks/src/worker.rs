//! The off-chain worker: answers the tasks assigned to the providers whose
//! compute keys this node holds.
//!
//! Each block, it first has the engine prepare every model the provider's
//! profile lists (fetched, compiled, key traced, in the background), so a
//! model's first task does not wait for that. Then it hands the engine all
//! the provider's tasks not answered recently at once (the engine proves
//! them in parallel), each proof bound to its task and the provider, and
//! sends the results as transactions signed with the compute key: one
//! `submit_results` per model for several (their proofs verified together
//! on chain, about a third of the cost each), `submit_result` for one. The
//! engine checks the proof against the registered key first: a proof the
//! chain would reject (and slash) is never sent. When the engine cannot
//! answer, the worker declines the task with the engine's reason (a small
//! reputation cost) instead of letting its deadline pass (a slash). What it
//! sent is remembered in the node's persistent off-chain storage, so a task
//! is not computed twice while its answer is on its way; a node restarted
//! mid-task finds the task still assigned and answers it then.
//!
//! Redundant tasks (see `redundant.rs`): an executor's worker runs the model
//! (no proof), keeps the output in the node's persistent off-chain storage,
//! commits to it, and reveals it once every executor has committed. A node
//! with a key in the current committee attests each task whose outputs are
//! all revealed: the output they agree on, or, where they differ, the
//! output its own engine computes; its signature is shared with the other
//! members and, once a quorum's signatures are in, the attestation is sent.

use crate::{pallet::*, types::*};
use alloc::{string::String, vec::Vec};
use codec::Encode;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute_staking::ComputeProviders;
use pallet_model_registry::ModelHash;
use sp_runtime::{
	offchain::storage::StorageValueRef,
	traits::{BlakeTwo256, Hash, Saturating},
};

/// The committee's step of a task, as [`Pallet::claim_step`] names it (an
/// executor's steps are its phase's index).
const ATTEST_STEP: u8 = u8::MAX;

impl<T: Config> Pallet<T> {
	/// One run of the off-chain worker at block `now`.
	pub(crate) fn answer_assigned_tasks(now: BlockNumberFor<T>) {
		for key in T::LocalCompute::compute_keys() {
			let Some(provider) = <T::Providers as ComputeProviders<_>>::provider_of(&key) else {
				continue;
			};
			Self::prepare_models(&provider);
			Self::execute_redundant(&key, &provider, now);
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
			let mut proven: alloc::collections::BTreeMap<ModelHash, Vec<ProvenResult>> = Default::default();
			for ((id, task), result) in claimed.into_iter().zip(results) {
				let input_hash = BlakeTwo256::hash_of(&task.input);
				match result {
					Ok((output, proof)) =>
						proven.entry(task.model).or_default().push(ProvenResult { task: id, input_hash, output, proof }),
					Err(reason) => Self::decline_with(&key, id, reason),
				}
			}
			for (model, results) in proven {
				Self::send_results(&key, model, results);
			}
		}
	}

	/// Takes `provider`'s steps in the redundant tasks it executes: runs the
	/// model and commits to the output, or reveals the output it committed to.
	fn execute_redundant(key: &T::AccountId, provider: &T::AccountId, now: BlockNumberFor<T>) {
		let due: Vec<_> = Self::executing_for(provider)
			.into_iter()
			.filter(|(id, task, phase)| Self::claim_step(*phase as u8, *id, task, now))
			.collect();
		if due.is_empty() {
			return;
		}
		let mut outputs: Vec<Option<(Tensor, [u8; 32])>> =
			due.iter().map(|(id, task, _)| Self::kept_output(*id, task, provider)).collect();
		let missing: Vec<usize> = (0..due.len()).filter(|i| outputs[*i].is_none()).collect();
		let jobs: Vec<ComputeJob> = missing
			.iter()
			.map(|i| {
				let (id, task, _) = &due[*i];
				ComputeJob { model: task.model, binding: task_binding(*id, provider), input: task.input.to_vec() }
			})
			.collect();
		let results = if jobs.is_empty() { Vec::new() } else { T::LocalCompute::infer(&jobs) };
		for (i, result) in missing.into_iter().zip(results) {
			let (id, task, _) = &due[i];
			match result {
				Ok(output) => {
					let kept = (output, sp_io::offchain::random_seed());
					Self::keep_output(*id, task, provider, &kept);
					outputs[i] = Some(kept);
				},
				Err(reason) =>
					log::warn!(target: "daifi-tasks", "task {id}: not executed: {}", String::from_utf8_lossy(&reason)),
			}
		}
		for ((id, task, phase), output) in due.into_iter().zip(outputs) {
			let Some((output, salt)) = output else { continue };
			let sent = match phase {
				Phase::Commit => {
					let commitment = output_commitment(id, provider, &salt, &output);
					T::LocalCompute::commit(key, id, BlakeTwo256::hash_of(&task.input), commitment)
				},
				_ => T::LocalCompute::reveal(key, id, output, salt),
			};
			log::info!(target: "daifi-tasks", "task {id}: {phase:?} step sent ({sent:?})");
		}
	}

	/// The output `provider` computed for task `id` (this version of it) and
	/// the salt of its commitment, if kept.
	fn kept_output(id: TaskId, task: &TaskOf<T>, provider: &T::AccountId) -> Option<(Tensor, [u8; 32])> {
		let key = (b"daifi/tasks/output", id, BlakeTwo256::hash_of(&task.input), provider).encode();
		StorageValueRef::persistent(&key).get::<(Tensor, [u8; 32])>().ok().flatten()
	}

	/// Keeps the output `provider` computed for task `id` and its salt, to reveal them later.
	fn keep_output(id: TaskId, task: &TaskOf<T>, provider: &T::AccountId, output: &(Tensor, [u8; 32])) {
		let key = (b"daifi/tasks/output", id, BlakeTwo256::hash_of(&task.input), provider).encode();
		StorageValueRef::persistent(&key).set(output);
	}

	/// As a committee member: attests every redundant task whose outputs are
	/// all revealed, until its attestation has been sent.
	pub(crate) fn attest_revealed_tasks(now: BlockNumberFor<T>) {
		if !T::Committee::is_local_member() {
			return;
		}
		for id in Running::<T>::get() {
			let Some(task) = Tasks::<T>::get(id) else { continue };
			if !matches!(task.status, TaskStatus::Executing { phase: Phase::Attest, .. }) ||
				Self::sent_recently(ATTEST_STEP, id, &task, now)
			{
				continue;
			}
			let Some(output) = Self::output_to_attest(id, &task) else { continue };
			let input_hash = BlakeTwo256::hash_of(&task.input);
			let payload = attested_payload(id, &task.model, input_hash, BlakeTwo256::hash_of(&output));
			let Some(attestation) = T::Committee::attest_locally(&payload) else { continue };
			if Self::claim_step(ATTEST_STEP, id, &task, now) {
				let sent = T::Committee::send(id, output, attestation);
				log::info!(target: "daifi-tasks", "task {id}: attestation sent ({sent:?})");
			}
		}
	}

	/// The output this member attests for task `id`: the one every executor
	/// revealed, when all the task asked for did; where they differ, or some
	/// dropped out (a lone executor is never taken on its word), the one
	/// this node's engine computes (kept, so it is computed once).
	fn output_to_attest(id: TaskId, task: &TaskOf<T>) -> Option<Tensor> {
		let revealed: Vec<Tensor> =
			Executions::<T>::get(id)?.into_iter().filter_map(|e| e.output).collect();
		let asked = match task.verification {
			Verification::Redundant(k) => usize::from(k),
			Verification::Zk => 1,
		};
		let first = revealed.first()?;
		if revealed.len() >= asked && revealed.iter().all(|o| o == first) {
			return Some(first.clone());
		}
		let key = (b"daifi/tasks/attested-output", id, BlakeTwo256::hash_of(&task.input)).encode();
		let store = StorageValueRef::persistent(&key);
		if let Ok(Some(output)) = store.get::<Tensor>() {
			return Some(output);
		}
		let job = ComputeJob { model: task.model, binding: [0; 32], input: task.input.to_vec() };
		match T::LocalCompute::infer(&[job]).pop()? {
			Ok(output) => {
				store.set(&output);
				Some(output)
			},
			Err(reason) => {
				log::warn!(target: "daifi-tasks", "task {id}: cannot re-execute: {}", String::from_utf8_lossy(&reason));
				None
			},
		}
	}

	/// Sends the proven results of tasks of `model`: alone, or together in
	/// calls of up to [`MAX_BATCHED_RESULTS`].
	fn send_results(key: &T::AccountId, model: ModelHash, mut results: Vec<ProvenResult>) {
		if let [_] = results[..] {
			let ProvenResult { task, input_hash, output, proof } = results.remove(0);
			let sent = T::LocalCompute::submit(key, task, input_hash, output, proof);
			log::info!(target: "daifi-tasks", "task {task}: result sent ({sent:?})");
			return;
		}
		while !results.is_empty() {
			let rest = results.split_off(results.len().min(MAX_BATCHED_RESULTS as usize));
			let tasks: Vec<TaskId> = results.iter().map(|r| r.task).collect();
			let sent = T::LocalCompute::submit_many(key, model, ProvenResults::truncate_from(results));
			log::info!(target: "daifi-tasks", "tasks {tasks:?}: results sent together ({sent:?})");
			results = rest;
		}
	}

	/// Declines task `id` with the engine's reason.
	fn decline_with(key: &T::AccountId, id: TaskId, reason: Vec<u8>) {
		log::warn!(target: "daifi-tasks", "task {id}: not answered: {}", String::from_utf8_lossy(&reason));
		let sent = T::LocalCompute::decline(key, id, DeclineReason::truncate_from(reason));
		log::info!(target: "daifi-tasks", "task {id}: declined ({sent:?})");
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
		Self::claim_step(b'z', id, task, now)
	}

	/// Whether `step` of task `id` was claimed within the last half of the
	/// result timeout.
	fn sent_recently(step: u8, id: TaskId, task: &TaskOf<T>, now: BlockNumberFor<T>) -> bool {
		let key = (b"daifi/tasks/sent", step, id, BlakeTwo256::hash_of(&task.input)).encode();
		let retry_after = T::ResultTimeout::get() / 2u32.into();
		matches!(StorageValueRef::persistent(&key).get::<BlockNumberFor<T>>(), Ok(Some(at)) if now < at.saturating_add(retry_after))
	}

	/// [`Pallet::claim`] for one `step` of task `id` (each step is claimed
	/// on its own).
	fn claim_step(step: u8, id: TaskId, task: &TaskOf<T>, now: BlockNumberFor<T>) -> bool {
		let key = (b"daifi/tasks/sent", step, id, BlakeTwo256::hash_of(&task.input)).encode();
		let retry_after = T::ResultTimeout::get() / 2u32.into();
		StorageValueRef::persistent(&key)
			.mutate(|sent: Result<Option<BlockNumberFor<T>>, _>| match sent {
				Ok(Some(at)) if now < at.saturating_add(retry_after) => Err(()),
				_ => Ok(now),
			})
			.is_ok()
	}
}
