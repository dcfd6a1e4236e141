//! Weights for pallet-tasks. Replaced by the benchmark CLI's output (see the
//! README's "Benchmarks" section for the command).

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by pallet-tasks.
pub trait WeightInfo {
	fn submit_task(n: u32) -> Weight;
	fn submit_result(n: u32) -> Weight;
	fn assign_task(p: u32) -> Weight;
	fn expire_task() -> Weight;
	fn refund_task() -> Weight;
	fn prune_result() -> Weight;
}

/// Weights measured on the reference machine.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn submit_task(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 40_000)
			.saturating_add(Weight::from_parts(20_000, 8).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(5, 4))
	}
	fn submit_result(n: u32) -> Weight {
		Weight::from_parts(150_000_000, 40_000)
			.saturating_add(Weight::from_parts(20_000, 8).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(10, 10))
	}
	fn assign_task(p: u32) -> Weight {
		Weight::from_parts(30_000_000, 40_000)
			.saturating_add(Weight::from_parts(5_000_000, 600).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3))
			.saturating_add(T::DbWeight::get().reads((p as u64).saturating_mul(2)))
	}
	fn expire_task() -> Weight {
		Weight::from_parts(60_000_000, 40_000).saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn refund_task() -> Weight {
		Weight::from_parts(40_000_000, 40_000).saturating_add(T::DbWeight::get().reads_writes(4, 4))
	}
	fn prune_result() -> Weight {
		Weight::from_parts(10_000_000, 40_000).saturating_add(T::DbWeight::get().writes(2))
	}
}

impl WeightInfo for () {
	fn submit_task(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 40_000)
			.saturating_add(Weight::from_parts(20_000, 8).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(5, 4))
	}
	fn submit_result(n: u32) -> Weight {
		Weight::from_parts(150_000_000, 40_000)
			.saturating_add(Weight::from_parts(20_000, 8).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 10))
	}
	fn assign_task(p: u32) -> Weight {
		Weight::from_parts(30_000_000, 40_000)
			.saturating_add(Weight::from_parts(5_000_000, 600).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn expire_task() -> Weight {
		Weight::from_parts(60_000_000, 40_000).saturating_add(RocksDbWeight::get().reads_writes(6, 6))
	}
	fn refund_task() -> Weight {
		Weight::from_parts(40_000_000, 40_000).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn prune_result() -> Weight {
		Weight::from_parts(10_000_000, 40_000).saturating_add(RocksDbWeight::get().writes(2))
	}
}
