//! Weights for pallet-credits. Replaced by the benchmark CLI's output (see the
//! README's "Benchmarks" section for the command).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by pallet-credits.
pub trait WeightInfo {
	fn grant() -> Weight;
}

/// Weights measured on the reference machine.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn grant() -> Weight {
		Weight::from_parts(10_000_000, 3_500).saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
}

impl WeightInfo for () {
	fn grant() -> Weight {
		Weight::from_parts(10_000_000, 3_500).saturating_add(RocksDbWeight::get().reads_writes(2, 2))
	}
}
