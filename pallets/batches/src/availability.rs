//! Data availability: a challenge needs a leaf's data, so anyone may demand
//! it. A batch whose data nobody posts is void, like a batch shown wrong.
//!
//! `request_data(batch, user, executor, nonce)` (with the challenge deposit)
//! asks for the leaf of one request of the batch, its Merkle path, and the input,
//! output and proof it names. Anyone holding them answers with
//! `answer_data` before `AnswerPeriod` blocks pass: the data is then on
//! chain (in the answering transaction), the requester's deposit goes to the
//! answerer, and the batch stays challengeable for `AnswerPeriod` more
//! blocks, time to check it. If nobody answers, anyone may
//! `void_unanswered`: the batch is void, its signers slashed, the requester
//! rewarded. A batch with an open request is not released.

use crate::{pallet::*, types::*};
use frame_support::{
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
};
use pallet_compute_staking::ReportOutcome;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// See [`Pallet::request_data`]: `key` is (user, executor, nonce).
	pub(crate) fn do_request_data(requester: T::AccountId, sequence: u64, key: RequestKeyOf<T>) -> DispatchResult {
		let record = Batches::<T>::get(sequence).ok_or(Error::<T>::UnknownBatch)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= record.challenge_until, Error::<T>::ChallengeClosed);
		ensure!(Self::in_ranges(&record, &key.0, &key.1, key.2), Error::<T>::NotInBatch);
		ensure!(!DataRequests::<T>::contains_key(sequence, &key), Error::<T>::AlreadyRequested);
		ensure!(
			DataRequests::<T>::iter_prefix(sequence).count() < T::MaxDataRequests::get() as usize,
			Error::<T>::TooManyRequests
		);
		T::Currency::hold(&HoldReason::ChallengeDeposit.into(), &requester, T::ChallengeDeposit::get())?;
		let deadline = now.saturating_add(T::AnswerPeriod::get());
		DataRequests::<T>::insert(sequence, &key, (&requester, deadline));
		let (user, executor, nonce) = key;
		Self::deposit_event(Event::DataRequested { sequence, user, executor, nonce, requester, deadline });
		Ok(())
	}

	/// See [`Pallet::answer_data`].
	pub(crate) fn do_answer_data(answerer: T::AccountId, sequence: u64, answer: EvidenceOf<T>) -> DispatchResult {
		let Evidence::Proof { leaf, input, output, proof } = &answer else {
			return Err(Error::<T>::EvidenceMismatch.into());
		};
		let mut record = Batches::<T>::get(sequence).ok_or(Error::<T>::UnknownBatch)?;
		let request = &leaf.leaf.request;
		let key = (request.user.clone(), request.executor.clone(), request.nonce);
		let (requester, _) = DataRequests::<T>::get(sequence, &key).ok_or(Error::<T>::NotRequested)?;
		Self::check_in_tree(&record, leaf)?;
		Self::check_data(&leaf.leaf, input, output, proof)?;
		DataRequests::<T>::remove(sequence, &key);
		T::Currency::transfer_on_hold(
			&HoldReason::ChallengeDeposit.into(),
			&requester,
			&answerer,
			T::ChallengeDeposit::get(),
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)?;
		let until = frame_system::Pallet::<T>::block_number().saturating_add(T::AnswerPeriod::get());
		record.challenge_until = record.challenge_until.max(until);
		Batches::<T>::insert(sequence, record);
		let (user, executor, nonce) = key;
		Self::deposit_event(Event::DataAnswered { sequence, user, executor, nonce, answerer });
		Ok(())
	}

	/// See [`Pallet::void_unanswered`]: `key` is (user, executor, nonce).
	pub(crate) fn do_void_unanswered(sequence: u64, key: RequestKeyOf<T>) -> DispatchResult {
		let record = Batches::<T>::get(sequence).ok_or(Error::<T>::UnknownBatch)?;
		let (requester, deadline) = DataRequests::<T>::get(sequence, &key).ok_or(Error::<T>::NotRequested)?;
		ensure!(frame_system::Pallet::<T>::block_number() > deadline, Error::<T>::AnswerOpen);
		Self::void_and_punish(sequence, &record, &requester);
		Ok(())
	}

	/// Whether `user`'s request `nonce` to `executor` is in the batch.
	pub(crate) fn in_ranges(record: &RecordOf<T>, user: &T::AccountId, executor: &T::AccountId, nonce: u64) -> bool {
		record.ranges.iter().any(|(u, e, first, last)| u == user && e == executor && (*first..=*last).contains(&nonce))
	}

	/// Voids batch `sequence` (its users' debits are theirs again, its open
	/// data requests' deposits returned), slashes each signer as for an
	/// invalid result and rewards `challenger` (not if it signed the batch:
	/// a signer cannot win back its own slash by racing honest challengers).
	pub(crate) fn void_and_punish(sequence: u64, record: &RecordOf<T>, challenger: &T::AccountId) {
		for (user, executor, debit) in record.debits.iter() {
			Escrows::<T>::mutate(user, executor, |e| e.committed = e.committed.saturating_sub(*debit));
		}
		for (_, (requester, _)) in DataRequests::<T>::drain_prefix(sequence) {
			let _ = T::Currency::release(
				&HoldReason::ChallengeDeposit.into(),
				&requester,
				T::ChallengeDeposit::get(),
				Precision::BestEffort,
			);
		}
		Batches::<T>::remove(sequence);
		let slashed = record.signers.iter().fold(BalanceOf::<T>::zero(), |sum, signer| {
			sum.saturating_add(<T::Providers as ReportOutcome<_>>::invalid_result(signer))
		});
		let reward =
			if record.signers.contains(challenger) { Zero::zero() } else { Self::reward(challenger, slashed) };
		Self::deposit_event(Event::BatchVoided { sequence, challenger: challenger.clone(), slashed, reward });
	}
}
