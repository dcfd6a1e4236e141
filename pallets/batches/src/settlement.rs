//! Accepting a batch (checks and debits set aside) and paying it out.

use crate::{pallet::*, types::*};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	vec::Vec,
};
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{DepositConsequence, Fortitude, Precision, Provenance, Restriction},
		Get,
	},
	BoundedVec,
};
use pallet_compute_staking::{ComputeProviders, ReportOutcome};
use pallet_model_registry::ModelCatalog;
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Saturating, Zero},
	DispatchResult,
};

/// Where a slice of a user's debit goes.
enum Payee<AccountId> {
	Burn,
	To(AccountId),
}

impl<T: Config> Pallet<T> {
	/// Checks `header` (its attestation already verified, by `signers` of
	/// the committee of `epoch`) and, if it holds, records it and sets the
	/// users' debits aside. Changes nothing on error.
	pub(crate) fn accept(
		header: HeaderOf<T>,
		epoch: u64,
		signers: BoundedVec<T::AccountId, T::MaxSigners>,
	) -> DispatchResult {
		ensure!(header.results > 0 && !header.entries.is_empty(), Error::<T>::EmptyBatch);
		let mut leaves: u32 = 0;
		let mut gross = BalanceOf::<T>::zero();
		// What each executor's entries earn: its users' debits must pay
		// exactly that, so that no escrow pays another executor's work.
		let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for entry in header.entries.iter() {
			ensure!(entry.count > 0, Error::<T>::EntriesDoNotTile);
			leaves = leaves.checked_add(entry.count).ok_or(Error::<T>::EntriesDoNotTile)?;
			gross = gross.checked_add(&entry.gross).ok_or(Error::<T>::Overflow)?;
			let due = owed.entry(entry.executor.clone()).or_insert_with(Zero::zero);
			*due = due.checked_add(&entry.gross).ok_or(Error::<T>::Overflow)?;
			let model = T::Models::model(&entry.model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(!model.retired, Error::<T>::RetiredModel);
		}
		ensure!(leaves == header.results, Error::<T>::EntriesDoNotTile);
		// What a batch moves is covered by what its signers would lose if it
		// were shown wrong.
		let stake = signers.iter().filter_map(|s| T::Providers::view_of(s)).fold(BalanceOf::<T>::zero(), |sum, v| {
			sum.saturating_add(v.bond)
		});
		ensure!(gross <= T::StakeCover::get() * stake, Error::<T>::ExceedsStake);

		let mut seen = BTreeSet::new();
		let mut requests: u64 = 0;
		let mut updates = Vec::with_capacity(header.users.len());
		for debit in header.users.iter() {
			let (user, executor) = (&debit.last.user, &debit.last.executor);
			ensure!(seen.insert((user.clone(), executor.clone())), Error::<T>::DuplicateUser);
			let mut escrow = Escrows::<T>::get(user, executor);
			ensure!(
				debit.first_nonce == escrow.nonce.saturating_add(1) && debit.last.nonce >= debit.first_nonce,
				Error::<T>::WrongNonce
			);
			ensure!(Self::signed_by_user(&debit.last, &debit.signature), Error::<T>::BadUserSignature);
			let amount = debit.last.spent.checked_sub(&escrow.spent).ok_or(Error::<T>::SpentDecreased)?;
			let committed = escrow.committed.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			ensure!(committed <= escrow.held, Error::<T>::InsufficientEscrow);
			requests = requests.saturating_add(debit.last.nonce - debit.first_nonce + 1);
			let due = owed.get_mut(executor).ok_or(Error::<T>::Unbalanced)?;
			*due = due.checked_sub(&amount).ok_or(Error::<T>::Unbalanced)?;
			escrow.committed = committed;
			escrow.nonce = debit.last.nonce;
			escrow.spent = debit.last.spent;
			updates.push((user.clone(), executor.clone(), escrow, amount, debit.first_nonce));
		}
		ensure!(requests == u64::from(header.results), Error::<T>::CountMismatch);
		ensure!(owed.values().all(|due| due.is_zero()), Error::<T>::Unbalanced);

		let until = frame_system::Pallet::<T>::block_number().saturating_add(T::ChallengePeriod::get());
		let mut debits = Vec::with_capacity(updates.len());
		let mut ranges = Vec::with_capacity(updates.len());
		for (user, executor, escrow, amount, first) in updates {
			ranges.push((user.clone(), executor.clone(), first, escrow.nonce));
			debits.push((user.clone(), executor.clone(), amount));
			Escrows::<T>::insert(&user, &executor, escrow);
		}
		let record = BatchRecord {
			epoch,
			root: header.root,
			results: header.results,
			// As many as the header's users, which `MaxUsers` bounds.
			debits: BoundedVec::truncate_from(debits),
			ranges: BoundedVec::truncate_from(ranges),
			entries: header.entries,
			signers,
			challenge_until: until,
		};
		Batches::<T>::insert(header.sequence, record);
		NextSequence::<T>::put(header.sequence.saturating_add(1));
		Self::deposit_event(Event::BatchAccepted {
			sequence: header.sequence,
			epoch,
			root: header.root,
			results: header.results,
			until,
		});
		Ok(())
	}

	/// Pays batch `sequence` out of its users' escrows and removes it,
	/// keeping its root in [`Released`].
	pub(crate) fn release(sequence: u64, record: RecordOf<T>) -> DispatchResult {
		// A provider buying its own results (from its account or its compute
		// key) earns no score for them: entries whose executor is one of the
		// batch's users count nothing.
		let buyers: BTreeSet<T::AccountId> = record
			.debits
			.iter()
			.flat_map(|(user, _, _)| [Some(user.clone()), T::Providers::provider_of(user)])
			.flatten()
			.collect();
		// What each entry owes whom: burned, executor, developer.
		let mut payees: Vec<(Payee<T::AccountId>, BalanceOf<T>)> = Vec::new();
		for entry in record.entries.iter() {
			let burn = T::BurnedShare::get() * entry.gross;
			let shared = entry.gross.saturating_sub(burn);
			let mut to_executor = T::ExecutorShare::get() * shared;
			let model = T::Models::model(&entry.model);
			let developer = model.as_ref().map(|m| m.developer.clone()).unwrap_or_else(|| entry.executor.clone());
			let mut to_developer = shared.saturating_sub(to_executor);
			// A share too small to open the developer's account goes to the
			// executor, as in the market.
			if T::Currency::can_deposit(&developer, to_developer, Provenance::Extant) != DepositConsequence::Success {
				to_executor = shared;
				to_developer = Zero::zero();
			}
			payees.push((Payee::Burn, burn));
			payees.push((Payee::To(entry.executor.clone()), to_executor));
			payees.push((Payee::To(developer), to_developer));
			let flops = u128::from(model.map_or(0, |m| m.flops)).saturating_mul(entry.count.into());
			let counted = if buyers.contains(&entry.executor) { Zero::zero() } else { burn };
			<T::Providers as ReportOutcome<_>>::verified(&entry.executor, flops, counted);
		}

		// Each user's debit pays the payees in order: at most users + payees
		// transfers.
		let reason = HoldReason::Escrow.into();
		let mut payees = payees.into_iter().filter(|(_, a)| !a.is_zero()).peekable();
		let (mut paid, mut burned) = (BalanceOf::<T>::zero(), BalanceOf::<T>::zero());
		for (user, executor, debit) in record.debits.iter() {
			let mut left = *debit;
			while !left.is_zero() {
				let Some((payee, owed)) = payees.peek_mut() else { break };
				let part = left.min(*owed);
				match payee {
					Payee::To(to)
						if T::Currency::can_deposit(to, part, Provenance::Extant) == DepositConsequence::Success =>
					{
						T::Currency::transfer_on_hold(
							&reason,
							user,
							to,
							part,
							Precision::Exact,
							Restriction::Free,
							Fortitude::Force,
						)?;
					},
					// The burned share, and a part too small to open the
					// payee's account.
					_ => {
						T::Currency::burn_held(&reason, user, part, Precision::Exact, Fortitude::Force)?;
						burned = burned.saturating_add(part);
					},
				}
				*owed = owed.saturating_sub(part);
				left = left.saturating_sub(part);
				if owed.is_zero() {
					payees.next();
				}
			}
			// Debits equal the entries' gross (checked at acceptance).
			ensure!(left.is_zero(), Error::<T>::Unbalanced);
			paid = paid.saturating_add(*debit);
			Escrows::<T>::mutate(user, executor, |e| {
				e.held = e.held.saturating_sub(*debit);
				e.committed = e.committed.saturating_sub(*debit);
			});
		}
		Batches::<T>::remove(sequence);
		Released::<T>::insert(sequence, (record.root, record.results, frame_system::Pallet::<T>::block_number()));
		Self::deposit_event(Event::BatchReleased { sequence, paid, burned });
		Ok(())
	}
}
