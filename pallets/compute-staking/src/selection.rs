//! Proof-of-Compute validator selection: this pallet as pallet-session's
//! `SessionManager`.

use crate::pallet::*;
use alloc::vec::Vec;
use frame_support::traits::{Contains, Get};
use sp_runtime::traits::{Convert, SaturatedConversion};
use sp_staking::SessionIndex;

impl<T: Config> Pallet<T> {
	/// The last completed session, if any.
	fn last_session() -> Option<SessionIndex> {
		CurrentSession::<T>::get().checked_sub(1)
	}

	/// FLOPs `provider` had verified in the last completed session.
	pub fn last_session_flops(provider: &ProviderOf<T>) -> u128 {
		Self::last_session().map_or(0, |last| provider.compute.in_session(last))
	}

	/// Work `provider` had counted toward selection in the last completed
	/// session (the share of others' fees burned for its results).
	pub fn last_session_counted(provider: &ProviderOf<T>) -> u128 {
		Self::last_session().map_or(0, |last| provider.counted.in_session(last))
	}

	/// Work counted toward selection for `who` in the current session.
	pub fn counted_this_session(who: &T::AccountId) -> u128 {
		Providers::<T>::get(who).map_or(0, |p| p.counted.in_session(CurrentSession::<T>::get()))
	}

	/// The Proof-of-Compute score:
	///
	/// `reputation × min(bond + counted, MaxComputeMultiplier × bond)`
	///
	/// with `bond` the active bond, `counted` the work counted toward
	/// selection in the last completed session (in the currency's units: the
	/// share of other users' fees burned for the provider's verified results)
	/// and `reputation` a `Perbill` as of the current session (rounding down).
	///
	/// Why this form: a unit of counted work was burned, a unit of bond is
	/// only locked, and both add one unit to the score. So raising one's
	/// score by paying for one's own tasks costs at least as much as bonding
	/// the same score (and the bought part lasts one session, the bond's
	/// stays). The cap keeps verified work from outweighing the capital at
	/// stake by more than `MaxComputeMultiplier`. All arithmetic saturates
	/// in `u128`.
	pub fn score(provider: &ProviderOf<T>) -> u128 {
		let bond: u128 = provider.active.saturated_into();
		let work = bond
			.saturating_add(Self::last_session_counted(provider))
			.min(bond.saturating_mul(T::MaxComputeMultiplier::get()));
		provider.record.at(CurrentSession::<T>::get()).reputation() * work
	}

	/// Whether `who` may be selected: enough bond, not leaving, session keys
	/// set. A provider slashed since it last sat out a selection is
	/// selected only where no other eligible provider can take the seat.
	fn is_eligible(who: &T::AccountId, provider: &ProviderOf<T>) -> bool {
		provider.active >= T::MinBond::get() && T::HasSessionKeys::contains(who)
	}

	/// Plans the validators of session `session`: the top `ValidatorCount`
	/// eligible providers by score, highest first, ties by account id, those
	/// slashed since they last sat out ranked after all others. `None` (keep
	/// the current set) if fewer than `MinimumValidatorCount` are eligible.
	///
	/// A slashed provider keeps its mark until a selection leaves it out: a
	/// skipped selection keeps the set it was in, so it clears nothing (a
	/// coalition cannot wash its slashes by forcing a skip), and a set
	/// slashed together is replaced by whoever is eligible, never frozen.
	///
	/// Reads every provider once: O(MaxProviders · log MaxProviders).
	pub(crate) fn select_validators(session: SessionIndex) -> Option<Vec<T::AccountId>> {
		// (slashed, score, account): unslashed first, then by score, then by id.
		let mut candidates: Vec<(bool, u128, T::AccountId)> = Vec::new();
		let mut slashed: Vec<T::AccountId> = Vec::new();
		for (who, provider) in Providers::<T>::iter() {
			if provider.slashed {
				slashed.push(who.clone());
			}
			if Self::is_eligible(&who, &provider) {
				candidates.push((provider.slashed, Self::score(&provider), who));
			}
		}
		let eligible = candidates.len() as u32;
		let minimum = MinimumValidatorCount::<T>::get();
		if eligible < minimum || eligible == 0 {
			Self::deposit_event(Event::SelectionSkipped { session, eligible, minimum });
			return None;
		}
		candidates.sort_by(|(slashed_a, score_a, a), (slashed_b, score_b, b)| {
			slashed_a.cmp(slashed_b).then_with(|| score_b.cmp(score_a)).then_with(|| a.cmp(b))
		});
		let count = ValidatorCount::<T>::get().min(T::MaxValidators::get()) as usize;
		let validators: Vec<T::AccountId> =
			candidates.into_iter().take(count).map(|(_, _, who)| who).collect();
		// Those left out have sat out their selection.
		for who in slashed.into_iter().filter(|who| !validators.contains(who)) {
			Providers::<T>::mutate(&who, |p| {
				if let Some(p) = p {
					p.slashed = false;
				}
			});
		}
		Self::deposit_event(Event::ValidatorsSelected { session, validators: validators.clone() });
		Some(validators)
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Self::select_validators(new_index)
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(start_index: SessionIndex) {
		CurrentSession::<T>::put(start_index);
	}
}

/// With pallet-session's historical module (needed for equivocation proofs),
/// a validator's full identification is `()`: slashes are computed from the
/// bond at the time of the report.
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		Self::select_validators(new_index).map(|v| v.into_iter().map(|who| (who, ())).collect())
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}
}

/// `FullIdentificationOf` for pallet-session's historical module: a
/// registered provider is identified by `()`.
pub struct ProviderIdentification<T>(core::marker::PhantomData<T>);

impl<T: Config> Convert<T::AccountId, Option<()>> for ProviderIdentification<T> {
	fn convert(who: T::AccountId) -> Option<()> {
		Providers::<T>::contains_key(&who).then_some(())
	}
}
