//! Work done in pages over the blocks after an era ends: scoring its
//! providers, and pruning an expired era's records.

use crate::{pallet::*, types::*, WeightInfo};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::{Convert, Saturating};

/// Where a paged job stopped: the last storage key it handled.
pub type Cursor = BoundedVec<u8, ConstU32<256>>;

/// One paged job.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum Job {
	/// Score the providers of ended era `era`, then open it for claims.
	Score { era: EraIndex, cursor: Option<Cursor> },
	/// Remove the records of expired era `era`; what it left unpaid goes to
	/// the next era's payout.
	Prune { era: EraIndex, cursor: Option<Cursor> },
}

/// The jobs waiting, oldest first (two at most in practice: one era scored,
/// one pruned, each finished well within an era).
pub type Queue = BoundedVec<Job, ConstU32<8>>;

impl<T: Config> Pallet<T> {
	/// Does one page of the oldest job. Returns the weight used.
	pub(crate) fn work_a_page() -> Weight {
		let mut queue = Pages::<T>::get();
		let Some(job) = queue.first().cloned() else {
			return T::DbWeight::get().reads(1);
		};
		let (weight, next) = match job {
			Job::Score { era, cursor } => Self::score_page(era, cursor),
			Job::Prune { era, cursor } => Self::prune_page(era, cursor),
		};
		match next {
			Some(job) => queue[0] = job,
			None => {
				queue.remove(0);
			},
		}
		Pages::<T>::put(queue);
		weight
	}

	/// Scores up to `ScorePage` providers of era `era` after `cursor`.
	/// Returns the weight and the job left, if any.
	fn score_page(era: EraIndex, cursor: Option<Cursor>) -> (Weight, Option<Job>) {
		let Some(mut record) = Eras::<T>::get(era) else {
			return (T::DbWeight::get().reads(1), None);
		};
		let page = T::ScorePage::get();
		let mut iter = match &cursor {
			Some(from) => Work::<T>::iter_prefix_from(era, from.to_vec()),
			None => Work::<T>::iter_prefix(era),
		};
		let mut batch = alloc::vec::Vec::new();
		for entry in iter.by_ref().take(page as usize) {
			batch.push(entry);
		}
		let done = batch.len() < page as usize;
		let last = iter.last_raw_key().to_vec();
		for (who, mut work) in batch.iter().cloned() {
			let score = Score { compute: work.compute_score(record.tau), reputation: T::Reputation::convert(who.clone()) };
			record.add(&score);
			work.score = Some(score);
			Work::<T>::insert(era, &who, work);
		}
		let weight = T::WeightInfo::score_page(batch.len() as u32);
		if done {
			record.scored = true;
			let providers = record.progress.providers;
			Eras::<T>::insert(era, record);
			Self::deposit_event(Event::EraScored { era, providers });
			return (weight, None);
		}
		Eras::<T>::insert(era, record);
		// A key is at most 8 + 16 + a 32-byte account id + its encoding.
		let cursor = Cursor::try_from(last).ok();
		(weight, cursor.map(|c| Job::Score { era, cursor: Some(c) }))
	}

	/// Removes up to `ScorePage` records of expired era `era`; once none is
	/// left, its unpaid payout goes to the next era and the era is removed.
	fn prune_page(era: EraIndex, cursor: Option<Cursor>) -> (Weight, Option<Job>) {
		let Some(mut record) = Eras::<T>::get(era) else {
			return (T::DbWeight::get().reads(1), None);
		};
		if !record.expired {
			record.expired = true;
			Eras::<T>::insert(era, &record);
		}
		let page = T::ScorePage::get();
		let work = Work::<T>::clear_prefix(era, page, cursor.as_ref().map(|c| c.as_slice()));
		if let Some(next) = work.maybe_cursor {
			let next = Cursor::try_from(next).ok().map(|c| Job::Prune { era, cursor: Some(c) });
			return (T::WeightInfo::prune_page(work.backend), next);
		}
		// The work records are gone; then the authorship records.
		let left = page.saturating_sub(work.backend);
		if left == 0 {
			return (T::WeightInfo::prune_page(work.backend), Some(Job::Prune { era, cursor: None }));
		}
		let authored = Authored::<T>::clear_prefix(era, left, None);
		let weight = T::WeightInfo::prune_page(work.backend.saturating_add(authored.backend));
		if authored.maybe_cursor.is_some() {
			return (weight, Some(Job::Prune { era, cursor: None }));
		}
		let unpaid = record.payout.saturating_sub(record.paid);
		Unpaid::<T>::mutate(|u| *u = u.saturating_add(unpaid));
		Eras::<T>::remove(era);
		Self::deposit_event(Event::EraExpired { era, unpaid });
		(weight, None)
	}
}
