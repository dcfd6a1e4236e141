//! Committees: BLS keys of providers, a committee drawn each BABE epoch
//! (one minute) for the next, and aggregate-signature attestations.

use frame_support::traits::ConstU32;

use alloc::vec::Vec;
use codec::Encode;
use pallet_attestation::bls::{PublicKey, Signature};

use crate::{AccountId, Babe, ComputeStaking, Runtime};

/// The epoch clock and randomness of BABE.
pub struct BabeEpochs;
impl pallet_attestation::EpochRandomness for BabeEpochs {
	fn epoch() -> u64 {
		Babe::epoch_index()
	}
	/// Fixed when the epoch began, from the VRF outputs of the epoch
	/// before; the draw takes the candidates recorded before those outputs
	/// existed (see the pallet's `rotate`).
	fn next_randomness() -> [u8; 32] {
		pallet_babe::NextRandomness::<Runtime>::get()
	}
}

/// The node's compute keys sign for their providers' committee keys, which
/// the node derives from them (`daifi_compute::bls_keys`).
pub struct NodeCommitteeKeys;
impl pallet_attestation::LocalCommitteeKeys<AccountId> for NodeCommitteeKeys {
	fn compute_keys() -> Vec<AccountId> {
		<super::market::NodeCompute as pallet_tasks::LocalCompute<AccountId>>::compute_keys()
	}
	fn committee_key(compute_key: &AccountId, owner: &AccountId) -> Option<(PublicKey, Signature)> {
		let public: &[u8; 32] = compute_key.as_ref();
		let (key, proof) =
			daifi_compute::compute::bls_public_key(&super::market::COMPUTE_KEY_TYPE.0, public, &owner.encode())?;
		Some((PublicKey(key), Signature(proof)))
	}
	fn register(compute_key: &AccountId, key: PublicKey, proof: Signature) -> Result<(), ()> {
		super::offchain::send_signed(compute_key, pallet_attestation::Call::<Runtime>::register_key { key, proof })
	}
	fn sign(compute_key: &AccountId, message: &[u8]) -> Option<Signature> {
		let public: &[u8; 32] = compute_key.as_ref();
		daifi_compute::compute::bls_sign(&super::market::COMPUTE_KEY_TYPE.0, public, message).map(Signature)
	}
	fn publish(topic: [u8; 32], message: Vec<u8>) {
		daifi_compute::compute::committee_publish(&topic, &message)
	}
	fn received(topic: [u8; 32]) -> Vec<Vec<u8>> {
		daifi_compute::compute::committee_received(&topic)
	}
}

/// The committee attests redundantly executed tasks: one aggregate BLS
/// signature of more than two thirds of its weight.
pub struct AttestationCommittee;
impl pallet_tasks::TaskCommittee<AccountId> for AttestationCommittee {
	type Attestation = pallet_attestation::Attestation;
	fn verify(
		attestation: &pallet_attestation::Attestation,
		payload: &[u8],
	) -> Result<Vec<AccountId>, sp_runtime::DispatchError> {
		pallet_attestation::Pallet::<Runtime>::verify(attestation, payload).map_err(Into::into)
	}
	/// The largest committee's check.
	fn verify_weight() -> frame_support::weights::Weight {
		use pallet_attestation::WeightInfo;
		<Runtime as pallet_attestation::Config>::WeightInfo::verify_attestation(MAX_COMMITTEE_SIZE)
	}
	fn is_ready() -> bool {
		pallet_attestation::CurrentCommittee::<Runtime>::get().is_some_and(|c| !c.members.is_empty())
	}
	fn is_local_member() -> bool {
		pallet_attestation::Pallet::<Runtime>::is_local_member()
	}
	fn attest_locally(payload: &[u8]) -> Option<pallet_attestation::Attestation> {
		pallet_attestation::Pallet::<Runtime>::attest_locally(payload)
	}
	fn send(
		task: pallet_tasks::TaskId,
		output: pallet_tasks::Tensor,
		attestation: pallet_attestation::Attestation,
	) -> Result<(), ()> {
		use frame_system::offchain::{CreateBare, SubmitTransaction};
		let call = pallet_tasks::Call::<Runtime>::attest_output { task, output, attestation };
		let xt = <Runtime as CreateBare<crate::RuntimeCall>>::create_bare(call.into());
		SubmitTransaction::<Runtime, crate::RuntimeCall>::submit_transaction(xt)
	}
}

/// The largest committee: 256 members (the largest benchmarked one).
pub const MAX_COMMITTEE_SIZE: u32 = 256;

impl pallet_attestation::Config for Runtime {
	type Providers = ComputeStaking;
	type Epochs = BabeEpochs;
	type LocalKeys = NodeCommitteeKeys;
	/// The three chambers (or the development chain's sudo).
	type AdminOrigin = super::EnsureChambers;
	type MaxCommitteeSize = ConstU32<MAX_COMMITTEE_SIZE>;
	/// One key per provider.
	type MaxKeys = ConstU32<{ super::staking::MAX_PROVIDERS }>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ProviderBenchmarks;
	type WeightInfo = pallet_attestation::weights::SubstrateWeight<Runtime>;
}

/// Registers funded providers with the minimum bond for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ProviderBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_attestation::BenchmarkHelper<crate::AccountId> for ProviderBenchmarks {
	fn provider(i: u32) -> crate::AccountId {
		use frame_support::traits::fungible::Mutate;
		use pallet_compute_staking::{BenchmarkHelper, HardwareProfile, LatencyClass, NodeProfile};
		let who: crate::AccountId = frame_benchmarking::account("provider", i, 0);
		crate::Balances::set_balance(&who, 2 * super::MIN_BOND);
		let profile = NodeProfile {
			hardware: HardwareProfile { gpu_model: Default::default(), vram_mib: 0, flops: 1, cpu_cores: 1, memory_mib: 1 },
			models: Default::default(),
			region: Default::default(),
			latency: LatencyClass::Low,
		};
		let (key, proof) = super::staking::ComputeKeyBenchmarks::compute_key(&who, i);
		ComputeStaking::register(frame_system::RawOrigin::Signed(who.clone()).into(), profile, key, proof, super::MIN_BOND)
			.expect("a funded account registers");
		who
	}
}
