//! Registration, profile changes and the bond's life: hold, unbond, withdraw.
//!
//! Each `do_*` checks everything first and writes last, so a failed call
//! changes nothing.

use crate::{pallet::*, traits::DomainOf, types::*};
use frame_support::{
	ensure,
	traits::{
		Get,
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
	},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// Registers `who` with `bond` held. See [`Pallet::register`].
	pub(crate) fn do_register(
		who: &T::AccountId,
		profile: NodeProfile,
		compute_key: T::AccountId,
		bond: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(who), Error::<T>::AlreadyRegistered);
		ensure!(!ComputeKeys::<T>::contains_key(&compute_key), Error::<T>::ComputeKeyInUse);
		ensure!(bond >= T::MinBond::get(), Error::<T>::BondBelowMinimum);
		ensure!(Providers::<T>::count() < T::MaxProviders::get(), Error::<T>::TooManyProviders);
		Self::check_profile(&profile)?;
		Self::ensure_can_bond(who, bond)?;

		Self::hold(who, bond)?;
		for model in profile.models.iter() {
			ModelProviders::<T>::insert(model, who, ());
		}
		ComputeKeys::<T>::insert(&compute_key, who);
		Providers::<T>::insert(
			who,
			Provider {
				profile,
				compute_key: compute_key.clone(),
				domain: T::Domains::domain_of(who),
				active: bond,
				unlocking: Default::default(),
				record: Record::default(),
				compute: SessionCompute::default(),
				counted: SessionCompute::default(),
				declines: SessionDeclines::default(),
				open_tasks: 0,
				slashed: false,
			},
		);
		Self::deposit_event(Event::Registered { provider: who.clone(), compute_key, bond });
		Ok(())
	}

	/// Replaces `who`'s profile. See [`Pallet::update_profile`].
	pub(crate) fn do_update_profile(who: &T::AccountId, profile: NodeProfile) -> DispatchResult {
		let mut provider = Providers::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(!provider.is_leaving(), Error::<T>::Leaving);
		Self::check_profile(&profile)?;

		for model in provider.profile.models.iter() {
			ModelProviders::<T>::remove(model, who);
		}
		for model in profile.models.iter() {
			ModelProviders::<T>::insert(model, who, ());
		}
		provider.profile = profile;
		Providers::<T>::insert(who, provider);
		Self::deposit_event(Event::ProfileUpdated { provider: who.clone() });
		Ok(())
	}

	/// Replaces `who`'s compute key. See [`Pallet::set_compute_key`].
	pub(crate) fn do_set_compute_key(who: &T::AccountId, compute_key: T::AccountId) -> DispatchResult {
		let mut provider = Providers::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(!ComputeKeys::<T>::contains_key(&compute_key), Error::<T>::ComputeKeyInUse);

		ComputeKeys::<T>::remove(&provider.compute_key);
		ComputeKeys::<T>::insert(&compute_key, who);
		provider.compute_key = compute_key.clone();
		Providers::<T>::insert(who, provider);
		Self::deposit_event(Event::ComputeKeyChanged { provider: who.clone(), compute_key });
		Ok(())
	}

	/// Holds `amount` more. See [`Pallet::bond_extra`].
	pub(crate) fn do_bond_extra(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut provider = Providers::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(!provider.is_leaving(), Error::<T>::Leaving);
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		Self::ensure_can_bond(who, amount)?;

		Self::hold(who, amount)?;
		provider.active = provider.active.saturating_add(amount);
		Providers::<T>::insert(who, provider);
		Self::deposit_event(Event::Bonded { provider: who.clone(), amount });
		Ok(())
	}

	/// Moves `amount` of the active bond to an unlocking chunk. See [`Pallet::unbond`].
	pub(crate) fn do_unbond(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut provider = Providers::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		ensure!(amount <= provider.active, Error::<T>::InsufficientBond);
		let remaining = provider.active.saturating_sub(amount);
		if remaining.is_zero() {
			ensure!(provider.open_tasks == 0, Error::<T>::HasOpenTasks);
		} else {
			ensure!(remaining >= T::MinBond::get(), Error::<T>::BondBelowMinimum);
		}
		let unlock_at = frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
		provider
			.unlocking
			.try_push(UnlockChunk { amount, unlock_at })
			.map_err(|_| Error::<T>::TooManyUnlockingChunks)?;

		provider.active = remaining;
		if remaining.is_zero() {
			// A leaving provider is no longer offered tasks.
			for model in provider.profile.models.iter() {
				ModelProviders::<T>::remove(model, who);
			}
			provider.profile.models = Default::default();
		}
		Providers::<T>::insert(who, provider);
		Self::deposit_event(Event::Unbonding { provider: who.clone(), amount, unlock_at });
		Ok(())
	}

	/// Releases matured chunks. See [`Pallet::withdraw_unbonded`].
	pub(crate) fn do_withdraw_unbonded(who: &T::AccountId) -> DispatchResult {
		let mut provider = Providers::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		let now = frame_system::Pallet::<T>::block_number();
		let mut amount = BalanceOf::<T>::zero();
		provider.unlocking.retain(|chunk| {
			let matured = chunk.unlock_at <= now;
			if matured {
				amount = amount.saturating_add(chunk.amount);
			}
			!matured
		});
		ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);

		T::Currency::release(&HoldReason::Bonded.into(), who, amount, Precision::Exact)?;
		let done = provider.is_leaving() && provider.unlocking.is_empty();
		if done {
			Self::remove_provider(who, &provider);
		} else {
			Providers::<T>::insert(who, provider);
		}
		Self::deposit_event(Event::Withdrawn { provider: who.clone(), amount });
		if done {
			Self::deposit_event(Event::Deregistered { provider: who.clone() });
		}
		Ok(())
	}

	/// Removes `who` and its index entries.
	pub(crate) fn remove_provider(who: &T::AccountId, provider: &ProviderOf<T>) {
		for model in provider.profile.models.iter() {
			ModelProviders::<T>::remove(model, who);
		}
		ComputeKeys::<T>::remove(&provider.compute_key);
		Providers::<T>::remove(who);
	}

	fn check_profile(profile: &NodeProfile) -> DispatchResult {
		let hw = &profile.hardware;
		ensure!(
			hw.cpu_cores > 0 && hw.memory_mib > 0 && hw.flops > 0,
			Error::<T>::InvalidProfile
		);
		let models = &profile.models;
		for (i, model) in models.iter().enumerate() {
			ensure!(!models[..i].contains(model), Error::<T>::DuplicateModel);
		}
		Ok(())
	}

	/// Checks that `who` can hold `amount` more and keep its account alive.
	fn ensure_can_bond(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let free = T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite);
		ensure!(free >= amount, Error::<T>::InsufficientBalance);
		Ok(())
	}

	fn hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::Bonded.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}
}
