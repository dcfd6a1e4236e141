//! The pallets `daifi-node benchmark pallet` measures (node built with
//! `--features runtime-benchmarks`).

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_attestation, Attestation]
	[pallet_balances, Balances]
	[pallet_batches, Batches]
	[pallet_compute_staking, ComputeStaking]
	[pallet_credits, Credits]
	[pallet_model_registry, ModelRegistry]
	[pallet_poc_rewards, PocRewards]
	[pallet_cnft, Cnft]
	[pallet_tasks, Tasks]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_tricameral, Tricameral]
	[pallet_domains, Domains]
	[pallet_utility, Utility]
);
