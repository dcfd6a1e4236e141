//! Weights for pallet-model-registry. Replaced by the benchmark CLI's output
//! (see the README's "Benchmarks" section for the command).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by pallet-model-registry.
pub trait WeightInfo {
	fn register_model(k: u32) -> Weight;
	fn retire_model() -> Weight;
}

/// Weights measured on the reference machine.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_model(k: u32) -> Weight {
		Weight::from_parts(20_000_000, 3_500)
			.saturating_add(Weight::from_parts(600_000, 0).saturating_mul(k.into()))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn retire_model() -> Weight {
		Weight::from_parts(15_000_000, 3_500).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
}

impl WeightInfo for () {
	fn register_model(k: u32) -> Weight {
		Weight::from_parts(20_000_000, 3_500)
			.saturating_add(Weight::from_parts(600_000, 0).saturating_mul(k.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn retire_model() -> Weight {
		Weight::from_parts(15_000_000, 3_500).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
}
