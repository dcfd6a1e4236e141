//! Weights for pallet-compute-staking. Replaced by the benchmark CLI's output
//! (see the README's "Benchmarks" section for the command).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by pallet-compute-staking.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update_profile() -> Weight;
	fn set_compute_key() -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn set_validator_count() -> Weight;
}

/// Weights measured on the reference machine.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(5, 21))
	}
	fn update_profile() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 33))
	}
	fn set_compute_key() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(2, 3))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(40_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(3, 5))
	}
	fn set_validator_count() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(2))
	}
}

impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(5, 21))
	}
	fn update_profile() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(1, 33))
	}
	fn set_compute_key() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(40_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(3, 5))
	}
	fn set_validator_count() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(RocksDbWeight::get().writes(2))
	}
}
