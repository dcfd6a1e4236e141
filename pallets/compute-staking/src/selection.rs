//! Proof-of-Compute validator selection: this pallet as pallet-session's
//! `SessionManager`.

use crate::pallet::*;
use alloc::vec::Vec;
use frame_support::traits::{Contains, Get};
use sp_runtime::traits::{Convert, SaturatedConversion};
use sp_staking::SessionIndex;

impl<T: Config> Pallet<T> {
	/// FLOPs `provider` had verified in the last completed session.
	pub fn last_session_flops(provider: &ProviderOf<T>) -> u128 {
		match CurrentSession::<T>::get().checked_sub(1) {
			Some(last) => provider.compute.in_session(last),
			None => 0,
		}
	}

	/// The Proof-of-Compute score:
	///
	/// `reputation × (bond × (1 + min(flops / FlopsPerComputeUnit, MaxComputeMultiplier)))`
	///
	/// with `bond` the active bond, `flops` the verified compute of the last
	/// completed session and `reputation` a `Perbill` (rounding down). All
	/// arithmetic saturates in `u128`.
	pub fn score(provider: &ProviderOf<T>) -> u128 {
		let units = Self::last_session_flops(provider) / T::FlopsPerComputeUnit::get();
		let multiplier = units.min(T::MaxComputeMultiplier::get()).saturating_add(1);
		let bond: u128 = provider.active.saturated_into();
		provider.record.reputation() * bond.saturating_mul(multiplier)
	}

	/// Whether `who` may be selected: enough bond, not leaving, session keys
	/// set, not slashed since the last selection.
	fn is_eligible(who: &T::AccountId, provider: &ProviderOf<T>) -> bool {
		provider.active >= T::MinBond::get() && !provider.slashed && T::HasSessionKeys::contains(who)
	}

	/// Plans the validators of session `session`: the top `ValidatorCount`
	/// eligible providers by score, highest first, ties by account id. `None`
	/// (keep the current set) if fewer than `MinimumValidatorCount` are eligible.
	///
	/// Reads every provider once: O(MaxProviders · log MaxProviders).
	pub(crate) fn select_validators(session: SessionIndex) -> Option<Vec<T::AccountId>> {
		let mut candidates: Vec<(u128, T::AccountId)> = Vec::new();
		let mut slashed: Vec<T::AccountId> = Vec::new();
		for (who, provider) in Providers::<T>::iter() {
			if provider.slashed {
				slashed.push(who.clone());
			}
			if Self::is_eligible(&who, &provider) {
				candidates.push((Self::score(&provider), who));
			}
		}
		let eligible = candidates.len() as u32;
		let minimum = MinimumValidatorCount::<T>::get();
		if eligible < minimum || eligible == 0 {
			Self::deposit_event(Event::SelectionSkipped { session, eligible, minimum });
			return None;
		}
		candidates.sort_by(|(score_a, a), (score_b, b)| score_b.cmp(score_a).then_with(|| a.cmp(b)));
		let count = ValidatorCount::<T>::get().min(T::MaxValidators::get()) as usize;
		let validators: Vec<T::AccountId> =
			candidates.into_iter().take(count).map(|(_, who)| who).collect();

		// A slash keeps a provider out of exactly one selection.
		for who in slashed {
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
