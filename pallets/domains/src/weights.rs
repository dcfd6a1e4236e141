//! Weights of the domains pallet.
//!
//! Not measured on reference hardware yet: each is the tricameral pallet's
//! measured cost of a comparable call (a few storage items read and written,
//! one balance transfer or hold) rounded up, plus the database accesses the
//! call makes. `scripts/bench_weights.sh domains` replaces them with
//! measured ones.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions of this pallet.
pub trait WeightInfo {
	fn create() -> Weight;
	fn set_policy() -> Weight;
	fn set_admin() -> Weight;
	fn invite() -> Weight;
	fn join() -> Weight;
	fn remove() -> Weight;
	fn claim() -> Weight;
	fn close_era(p: u32, ) -> Weight;
}

/// Estimated weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create() -> Weight {
		Weight::from_parts(150_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(4, 5))
	}
	fn set_policy() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn set_admin() -> Weight {
		Weight::from_parts(40_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn invite() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	fn join() -> Weight {
		Weight::from_parts(80_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn remove() -> Weight {
		Weight::from_parts(80_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn claim() -> Weight {
		Weight::from_parts(120_000_000, 6_000).saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}
	fn close_era(p: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 2_000)
			.saturating_add(Weight::from_parts(150_000_000, 6_000).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
			.saturating_add(T::DbWeight::get().reads_writes(3, 2).saturating_mul(p.into()))
	}
}

impl WeightInfo for () {
	fn create() -> Weight {
		Weight::from_parts(150_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(4, 5))
	}
	fn set_policy() -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_admin() -> Weight {
		Weight::from_parts(40_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn invite() -> Weight {
		Weight::from_parts(50_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(2, 1))
	}
	fn join() -> Weight {
		Weight::from_parts(80_000_000, 8_000).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn remove() -> Weight {
		Weight::from_parts(80_000_000, 8_000).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn claim() -> Weight {
		Weight::from_parts(120_000_000, 6_000).saturating_add(RocksDbWeight::get().reads_writes(4, 3))
	}
	fn close_era(p: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 2_000)
			.saturating_add(Weight::from_parts(150_000_000, 6_000).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(2, 2))
			.saturating_add(RocksDbWeight::get().reads_writes(3, 2).saturating_mul(p.into()))
	}
}
