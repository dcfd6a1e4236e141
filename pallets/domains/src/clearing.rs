//! The boundary gateway's books: crossings recorded per period, and each
//! period closed with one net transfer per pair of sides.

use crate::{pallet::*, types::*, WeightInfo};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::Preservation,
		Get,
	},
	weights::Weight,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// `amount` for `executor` crossed from side `from` to side `to`: the
	/// flow grows and the executor's pending pay at `to`'s gateway too.
	/// Fails (`TooManyPairs`) if the pair is new and the period has
	/// `MaxPairs` pairs already: the market then pays the executor directly.
	pub(crate) fn record_crossing(
		from: Side,
		executor: &T::AccountId,
		to: Side,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		// Both gateways exist (they hold at least the existential deposit),
		// so that the period's net transfer between them can be made.
		let ed = T::Currency::minimum_balance();
		ensure!(
			T::Currency::balance(&Self::gateway(from)) >= ed && T::Currency::balance(&Self::gateway(to)) >= ed,
			sp_runtime::DispatchError::Other("NoGateway")
		);
		let era = CurrentEra::<T>::get();
		let pair = (from, to);
		let mut pairs = Pairs::<T>::get();
		if !pairs.contains(&pair) {
			pairs.try_push(pair).map_err(|_| sp_runtime::DispatchError::Other("TooManyPairs"))?;
			Pairs::<T>::put(pairs);
		}
		Clearing::<T>::mutate(era, pair, |flow| {
			let flow = flow.get_or_insert_with(Default::default);
			flow.volume = flow.volume.saturating_add(amount);
			flow.count = flow.count.saturating_add(1);
		});
		Earnings::<T>::mutate(executor, to, |earning| {
			let earning = earning.get_or_insert_with(|| Earning { era, ..Default::default() });
			Self::roll(earning);
			earning.pending = earning.pending.saturating_add(amount);
			earning.era = era;
		});
		Self::deposit_event(Event::Crossed { from, to, executor: executor.clone(), amount });
		Ok(())
	}

	/// Ends the current period: for each pair of sides, what one owes the
	/// other net moves in one transfer between their gateways; the executors'
	/// pay of the period becomes claimable; records older than
	/// `ClearingHistory` periods go. Returns the weight used.
	pub(crate) fn close_era() -> Weight {
		let era = CurrentEra::<T>::get();
		let pairs = Pairs::<T>::take();
		let mut failed = alloc::vec::Vec::new();
		// Per unordered pair (lower side first): what each direction carried.
		let mut both: BTreeMap<(Side, Side), (BalanceOf<T>, BalanceOf<T>)> = BTreeMap::new();
		for (from, to) in pairs.iter().copied() {
			let volume = Clearing::<T>::get(era, (from, to)).map(|f| f.volume).unwrap_or_else(Zero::zero);
			if from < to {
				both.entry((from, to)).or_insert_with(Default::default).0 = volume;
			} else {
				both.entry((to, from)).or_insert_with(Default::default).1 = volume;
			}
		}
		for ((low, high), (up, down)) in both {
			let (from, to, net) = if up >= down { (low, high, up - down) } else { (high, low, down - up) };
			// The paying gateway collected `up` (or `down`) in the period, so it holds the net.
			if net.is_zero() {
				continue;
			}
			if Self::clear(from, to, net).is_ok() {
				Self::deposit_event(Event::Cleared { era, from, to, net });
			} else {
				failed.push((from, to, net));
				Self::deposit_event(Event::ClearFailed { era, from, to, net });
			}
		}
		let next = era.saturating_add(1);
		CurrentEra::<T>::put(next);
		// What could not move is owed still: it opens the next period's flows.
		for (from, to, net) in failed {
			Clearing::<T>::insert(next, (from, to), Flow { volume: net, count: 0 });
			Pairs::<T>::mutate(|pairs| {
				// The period's pairs were taken: there is room.
				let _ = pairs.try_push((from, to));
			});
		}
		let mut weight = T::WeightInfo::close_era(pairs.len() as u32);
		if let Some(old) = era.checked_sub(T::ClearingHistory::get()) {
			let removed = Clearing::<T>::clear_prefix(old, T::MaxPairs::get(), None).backend;
			weight.saturating_accrue(T::DbWeight::get().writes(u64::from(removed)));
		}
		weight
	}

	/// One net transfer from `from`'s gateway to `to`'s.
	fn clear(from: Side, to: Side, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(from != to, sp_runtime::DispatchError::Other("same side"));
		T::Currency::transfer(&Self::gateway(from), &Self::gateway(to), amount, Preservation::Preserve)?;
		Ok(())
	}
}

