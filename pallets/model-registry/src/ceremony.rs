//! The phase-1 trusted-setup ceremony: what the chain records of it.
//!
//! The accumulators are files (megabytes to gigabytes); the chain holds only
//! their blake2b-256 hashes, where to download them, who contributed, and the
//! beacon. Whoever checks the ceremony downloads the files, checks their
//! hashes against these records and verifies each step with `daifi-zk`.
//!
//! Contributions form a chain: each one names the hash it builds on
//! (`previous`), which must be the current head. Two contributors who
//! download the same head race; the first transaction is recorded and the
//! second is refused with `NotTheHead` (optimistic concurrency), so no
//! contribution is ever silently discarded off chain.
//!
//! Each contribution holds [`Config::Phase1Deposit`]. A contribution that
//! fails verification is rejected by the manager: its deposit is burned, and
//! the contributions after it (which built on a bad accumulator) are removed
//! and their deposits released, so honest contributors lose nothing but the
//! need to contribute again.
//!
//! The beacon that closes the ceremony is the hash of a block
//! [`Config::BeaconDelay`] blocks after closing: it does not exist when the
//! last contribution is made, so nobody who contributed could choose it.

use crate::{pallet::*, types::*};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// Opens a ceremony of `2^power` powers from the accumulator `initial`.
	pub(crate) fn do_open_phase1(power: u8, initial: H256) -> DispatchResult {
		ensure!(!Phase1InProgress::<T>::exists(), Error::<T>::Phase1InProgress);
		ensure!((1..=MAX_PHASE1_POWER).contains(&power), Error::<T>::InvalidPower);

		Phase1InProgress::<T>::put(Phase1Ceremony {
			power,
			initial,
			contributions: BoundedVec::new(),
			closing: None,
		});
		Self::deposit_event(Event::Phase1Opened { power, initial });
		Ok(())
	}

	/// Appends `who`'s contribution `hash` on top of `previous` (which must
	/// be the head) and holds its deposit.
	pub(crate) fn do_contribute_phase1(who: T::AccountId, previous: H256, hash: H256, url: Url) -> DispatchResult {
		let mut ceremony = Phase1InProgress::<T>::get().ok_or(Error::<T>::NoPhase1InProgress)?;
		ensure!(ceremony.closing.is_none(), Error::<T>::Phase1Closed);
		ensure!(previous == ceremony.head(), Error::<T>::NotTheHead);
		ensure!(
			!ceremony.contributions.iter().any(|c| c.contributor == who),
			Error::<T>::AlreadyContributed
		);
		ensure!(
			hash != ceremony.initial && !ceremony.contributions.iter().any(|c| c.hash == hash),
			Error::<T>::DuplicateHash
		);
		let index = ceremony.contributions.len() as u32;
		ceremony
			.contributions
			.try_push(Phase1Contribution { contributor: who.clone(), hash, url })
			.map_err(|_| Error::<T>::TooManyContributions)?;

		T::Currency::hold(&HoldReason::Phase1Contribution.into(), &who, T::Phase1Deposit::get())
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Phase1InProgress::<T>::put(ceremony);
		Self::deposit_event(Event::Phase1Contributed { index, contributor: who, hash });
		Ok(())
	}

	/// Removes contribution `index` and every later one; burns the deposit
	/// of `index`, releases the others. A closed ceremony reopens (the beacon
	/// block is dropped): otherwise a bad contribution slipped in just before
	/// closing would freeze the ceremony.
	pub(crate) fn do_reject_phase1_contribution(index: u32) -> DispatchResult {
		let mut ceremony = Phase1InProgress::<T>::get().ok_or(Error::<T>::NoPhase1InProgress)?;
		ceremony.closing = None;
		let at = index as usize;
		ensure!(at < ceremony.contributions.len(), Error::<T>::NoSuchContribution);

		let removed = ceremony.contributions[at..].to_vec();
		ceremony.contributions.truncate(at);
		let mut removed_iter = removed.iter();
		let rejected = removed_iter.next().ok_or(Error::<T>::NoSuchContribution)?;
		Self::burn_deposit(&rejected.contributor)?;
		for later in removed_iter {
			Self::release_deposit(&later.contributor)?;
		}
		Phase1InProgress::<T>::put(ceremony);
		Self::deposit_event(Event::Phase1ContributionRejected {
			index,
			contributor: rejected.contributor.clone(),
			removed: removed.len() as u32,
		});
		Ok(())
	}

	/// Closes the ceremony: its beacon is the hash of block `now + BeaconDelay`.
	/// A closed ceremony is closed again (a new beacon block) only if its
	/// beacon was lost: not sealed while the chain still kept that block's
	/// hash (`BlockHashCount` blocks).
	pub(crate) fn do_close_phase1() -> DispatchResult {
		let mut ceremony = Phase1InProgress::<T>::get().ok_or(Error::<T>::NoPhase1InProgress)?;
		let now = frame_system::Pallet::<T>::block_number();
		if let Some(beacon_block) = ceremony.closing {
			let lost = beacon_block < now && Self::beacon(beacon_block).is_zero();
			ensure!(lost, Error::<T>::Phase1Closed);
		}
		ensure!(!ceremony.contributions.is_empty(), Error::<T>::NoContributions);

		let beacon_block = now.saturating_add(T::BeaconDelay::get());
		ceremony.closing = Some(beacon_block);
		Phase1InProgress::<T>::put(ceremony);
		Self::deposit_event(Event::Phase1Closing { beacon_block });
		Ok(())
	}

	/// Records the closed ceremony under `final_hash` with its beacon, ends
	/// it and releases every deposit.
	pub(crate) fn do_seal_phase1(final_hash: H256, url: Url) -> DispatchResult {
		let ceremony = Phase1InProgress::<T>::get().ok_or(Error::<T>::NoPhase1InProgress)?;
		let beacon_block = ceremony.closing.ok_or(Error::<T>::Phase1NotClosed)?;
		ensure!(beacon_block < frame_system::Pallet::<T>::block_number(), Error::<T>::BeaconNotYetAvailable);
		let beacon = Self::beacon(beacon_block);
		ensure!(!beacon.is_zero(), Error::<T>::BeaconNotYetAvailable);
		ensure!(!Phase1Results::<T>::contains_key(final_hash), Error::<T>::Phase1Exists);

		let contributions: BoundedVec<_, _> = ceremony
			.contributions
			.iter()
			.map(|c| (c.contributor.clone(), c.hash))
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.map_err(|_| Error::<T>::TooManyContributions)?;
		for c in ceremony.contributions.iter() {
			Self::release_deposit(&c.contributor)?;
		}
		Phase1Results::<T>::insert(
			final_hash,
			Phase1Result { power: ceremony.power, initial: ceremony.initial, contributions, beacon, url },
		);
		Phase1InProgress::<T>::kill();
		Self::deposit_event(Event::Phase1Sealed { final_hash, beacon });
		Ok(())
	}

	/// The hash of `block` as a beacon: zero until the block is produced, and
	/// again once `BlockHashCount` blocks have passed (a runtime whose hashes
	/// are not 32 bytes has no beacon either).
	fn beacon(block: BlockNumberFor<T>) -> H256 {
		<[u8; 32]>::try_from(frame_system::Pallet::<T>::block_hash(block).as_ref())
			.map(H256::from)
			.unwrap_or_default()
	}

	/// What `who` has on hold for its phase-1 contribution. One contribution
	/// per account per ceremony and one ceremony at a time, so this is that
	/// contribution's whole deposit, even if `Phase1Deposit` changed since.
	fn held_deposit(who: &T::AccountId) -> BalanceOf<T> {
		T::Currency::balance_on_hold(&HoldReason::Phase1Contribution.into(), who)
	}

	/// Releases `who`'s contribution deposit.
	fn release_deposit(who: &T::AccountId) -> DispatchResult {
		let amount = Self::held_deposit(who);
		T::Currency::release(&HoldReason::Phase1Contribution.into(), who, amount, Precision::Exact)?;
		Ok(())
	}

	/// Burns `who`'s contribution deposit (total issuance drops by it).
	fn burn_deposit(who: &T::AccountId) -> DispatchResult {
		let amount = Self::held_deposit(who);
		T::Currency::burn_held(
			&HoldReason::Phase1Contribution.into(),
			who,
			amount,
			Precision::Exact,
			Fortitude::Force,
		)?;
		Ok(())
	}

	/// Checks the ceremony's storage invariants:
	/// - an open ceremony has a valid power; its contributions have distinct
	///   contributors and distinct hashes, none equal to the initial one;
	///   only a ceremony with contributions is closed;
	/// - each contributor holds exactly `Phase1Deposit` under
	///   [`HoldReason::Phase1Contribution`] (so the held total is the deposit
	///   times the contributions);
	/// - every sealed result has a valid power and at least one contribution;
	/// - every model names a sealed phase 1 and a non-zero transcript.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		if let Some(ceremony) = Phase1InProgress::<T>::get() {
			ensure!((1..=MAX_PHASE1_POWER).contains(&ceremony.power), "open ceremony has an invalid power");
			ensure!(
				ceremony.closing.is_none() || !ceremony.contributions.is_empty(),
				"closed ceremony without contributions"
			);
			let mut held_total = BalanceOf::<T>::zero();
			for (i, c) in ceremony.contributions.iter().enumerate() {
				ensure!(c.hash != ceremony.initial, "contribution repeats the initial hash");
				let earlier = &ceremony.contributions[..i];
				ensure!(earlier.iter().all(|e| e.hash != c.hash), "duplicate contribution hash");
				ensure!(earlier.iter().all(|e| e.contributor != c.contributor), "duplicate contributor");
				let held = Self::held_deposit(&c.contributor);
				ensure!(held == T::Phase1Deposit::get(), "contributor's held deposit differs from Phase1Deposit");
				held_total = held_total.saturating_add(held);
			}
			let count: BalanceOf<T> = (ceremony.contributions.len() as u32).into();
			ensure!(
				held_total == T::Phase1Deposit::get().saturating_mul(count),
				"held deposits differ from deposit x contributions"
			);
		}
		for (_, result) in Phase1Results::<T>::iter() {
			ensure!((1..=MAX_PHASE1_POWER).contains(&result.power), "sealed phase 1 has an invalid power");
			ensure!(!result.contributions.is_empty(), "sealed phase 1 without contributions");
		}
		for (_, model) in Models::<T>::iter() {
			ensure!(Phase1Results::<T>::contains_key(model.phase1), "model names an unknown phase 1");
			ensure!(!model.transcript.is_zero(), "model without a transcript");
		}
		Ok(())
	}
}
