//! Results reported by other pallets, slashing, and consensus offences.

use crate::{
	pallet::*,
	traits::{ComputeProviders, DisableOffender, ProviderDomains, ReportOutcome},
	types::*,
};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	traits::{fungible::BalancedHold, Get, OnUnbalanced},
	weights::Weight,
};
use sp_runtime::{
	traits::{SaturatedConversion, Saturating, Zero},
	DispatchError, DispatchResult, Perbill,
};
use sp_staking::{
	offence::{OffenceDetails, OnOffenceHandler},
	SessionIndex,
};

impl<T: Config> Pallet<T> {
	/// Slashes `fraction` (capped at `MaxSlash`) of `who`'s bond, active and
	/// unbonding alike, pro rata: each part loses `fraction` of itself,
	/// rounded down. Nothing else of `who`'s balance is touched. The provider
	/// is left out of the next validator selection. Returns the amount
	/// slashed (zero for an account that is not a provider).
	pub(crate) fn slash(who: &T::AccountId, fraction: Perbill, reason: SlashReason) -> BalanceOf<T> {
		let Some(mut provider) = Providers::<T>::get(who) else { return Zero::zero() };
		let fraction = fraction.min(T::MaxSlash::get());

		let mut amount = fraction * provider.active;
		provider.active = provider.active.saturating_sub(amount);
		for chunk in provider.unlocking.iter_mut() {
			let cut = fraction * chunk.amount;
			chunk.amount = chunk.amount.saturating_sub(cut);
			amount = amount.saturating_add(cut);
		}
		provider.unlocking.retain(|chunk| !chunk.amount.is_zero());
		provider.slashed = true;

		let (credit, missing) = T::Currency::slash(&HoldReason::Bonded.into(), who, amount);
		debug_assert!(missing.is_zero(), "the bond is held in full");
		T::OnSlash::on_unbalanced(credit);
		Providers::<T>::insert(who, provider);
		Self::deposit_event(Event::Slashed { provider: who.clone(), amount, reason });
		amount
	}
}

impl<T: Config> Pallet<T> {
	/// Adds a bad outcome to `who`'s record: `count` picks the counter,
	/// `points` the penalty.
	fn penalise(who: &T::AccountId, points: u32, count: impl FnOnce(&mut Record)) {
		let now = CurrentSession::<T>::get();
		Providers::<T>::mutate(who, |p| {
			if let Some(p) = p {
				count(&mut p.record);
				p.record.penalise(now, points);
			}
		});
	}

	/// Whether `provider` may be given tasks: at least `MinBond` active (a
	/// provider slashed to almost nothing gets none; a leaving one has none).
	pub(crate) fn may_serve(provider: &ProviderOf<T>) -> bool {
		provider.active >= T::MinBond::get()
	}
}

impl<T: Config> ReportOutcome<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn verified(who: &T::AccountId, flops: u128, counted: BalanceOf<T>) {
		let session = CurrentSession::<T>::get();
		let counted: u128 = counted.saturated_into();
		let found = Providers::<T>::mutate(who, |p| {
			let Some(p) = p else { return false };
			p.record.verified = p.record.verified.saturating_add(1);
			p.compute.record(session, flops);
			p.counted.record(session, counted);
			true
		});
		if found {
			Self::deposit_event(Event::ResultVerified { provider: who.clone(), flops, counted });
		}
	}

	fn declined(who: &T::AccountId) -> DispatchResult {
		let now = CurrentSession::<T>::get();
		Providers::<T>::try_mutate(who, |p| {
			let p = p.as_mut().ok_or(Error::<T>::NotRegistered)?;
			let count = if p.declines.session == now { p.declines.count } else { 0 };
			ensure!(count < T::MaxDeclinesPerSession::get(), Error::<T>::TooManyDeclines);
			p.declines = SessionDeclines { session: now, count: count.saturating_add(1) };
			p.record.declined = p.record.declined.saturating_add(1);
			p.record.penalise(now, Record::DECLINED_POINTS);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::Declined { provider: who.clone() });
		Ok(())
	}

	fn invalid_result(who: &T::AccountId) -> BalanceOf<T> {
		Self::penalise(who, Record::FAILED_POINTS, |r| r.failed = r.failed.saturating_add(1));
		Self::slash(who, T::InvalidResultSlash::get(), SlashReason::InvalidResult)
	}

	fn missed_deadline(who: &T::AccountId) -> BalanceOf<T> {
		Self::penalise(who, Record::MISSED_POINTS, |r| r.missed = r.missed.saturating_add(1));
		Self::slash(who, T::MissedDeadlineSlash::get(), SlashReason::MissedDeadline)
	}
}

impl<T: Config> ComputeProviders<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn serving(model: &ModelHash) -> Vec<(T::AccountId, ProviderView<BalanceOf<T>>)> {
		ModelProviders::<T>::iter_key_prefix(model)
			.take(T::MaxProviders::get() as usize)
			.filter_map(|who| Some((who.clone(), Self::view_of(&who)?)))
			.collect()
	}

	fn view_of(who: &T::AccountId) -> Option<ProviderView<BalanceOf<T>>> {
		let p = Providers::<T>::get(who).filter(Self::may_serve)?;
		Some(ProviderView {
			vram_mib: p.profile.hardware.vram_mib,
			flops: p.profile.hardware.flops,
			latency: p.profile.latency,
			reputation: p.record.at(CurrentSession::<T>::get()).reputation(),
			open_tasks: p.open_tasks,
			bond: p.active,
			domain: p.domain,
		})
	}

	fn is_served(model: &ModelHash) -> bool {
		ModelProviders::<T>::iter_key_prefix(model)
			.take(T::MaxProviders::get() as usize)
			.any(|who| Providers::<T>::get(&who).is_some_and(|p| Self::may_serve(&p)))
	}

	fn serves_at_least(model: &ModelHash, count: u32) -> bool {
		ModelProviders::<T>::iter_key_prefix(model)
			.take(T::MaxProviders::get() as usize)
			.filter(|who| Providers::<T>::get(who).is_some_and(|p| Self::may_serve(&p)))
			.take(count as usize)
			.count() >= count as usize
	}

	fn count_serving(
		model: &ModelHash,
		count: u32,
		mut accept: impl FnMut(&ProviderView<BalanceOf<T>>) -> bool,
	) -> (bool, u32) {
		let (mut found, mut read) = (0u32, 0u32);
		for who in ModelProviders::<T>::iter_key_prefix(model).take(T::MaxProviders::get() as usize) {
			if found >= count {
				break;
			}
			read += 1;
			if Self::view_of(&who).is_some_and(|view| accept(&view)) {
				found += 1;
			}
		}
		(found >= count, read)
	}

	fn max_serving() -> u32 {
		T::MaxProviders::get()
	}

	fn reputation_of(who: &T::AccountId) -> Perbill {
		Self::reputation(who).unwrap_or_default()
	}

	fn models_of(who: &T::AccountId) -> Vec<ModelHash> {
		Providers::<T>::get(who).map(|p| p.profile.models.into_inner()).unwrap_or_default()
	}

	fn provider_of(compute_key: &T::AccountId) -> Option<T::AccountId> {
		ComputeKeys::<T>::get(compute_key)
	}

	fn task_opened(who: &T::AccountId) -> DispatchResult {
		Providers::<T>::try_mutate(who, |p| {
			let p = p.as_mut().ok_or(Error::<T>::NotRegistered)?;
			ensure!(!p.is_leaving(), Error::<T>::Leaving);
			p.open_tasks = p.open_tasks.saturating_add(1);
			Ok(())
		})
	}

	fn task_closed(who: &T::AccountId) {
		Providers::<T>::mutate(who, |p| {
			if let Some(p) = p {
				p.open_tasks = p.open_tasks.saturating_sub(1);
			}
		});
	}
}

impl<T: Config> ProviderDomains<T::AccountId> for Pallet<T> {
	fn set_domain(who: &T::AccountId, domain: Option<DomainId>) {
		Providers::<T>::mutate(who, |p| {
			if let Some(p) = p {
				p.domain = domain;
			}
		});
	}
}

/// BABE and GRANDPA equivocations, reported through pallet-offences, slash the
/// offender by the fraction the offence computes (capped at `MaxSlash`) and
/// disable it for the rest of the session.
impl<T: Config> OnOffenceHandler<T::AccountId, (T::AccountId, ()), Weight> for Pallet<T> {
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, ())>],
		slash_fraction: &[Perbill],
		_session: SessionIndex,
	) -> Weight {
		for (details, fraction) in offenders.iter().zip(slash_fraction) {
			Self::slash(&details.offender.0, *fraction, SlashReason::Offence);
			T::DisableOffender::disable(&details.offender.0, *fraction);
		}
		// Per offender: read the provider and the hold, write both and the
		// account, deposit one event; disabling reads the validators and
		// reads and writes the disabled list.
		let n = offenders.len() as u64;
		T::DbWeight::get().reads_writes(4 * n, 4 * n)
	}
}
