//! The batch lane: prepaid escrows, results settled a batch at a time under
//! one committee signature, challenges and equivocation reports.

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::Perbill;

use super::attestation::{AttestationCommittee, BabeEpochs, MAX_COMMITTEE_SIZE};
use crate::{AccountId, Balance, BlockNumber, ComputeStaking, ModelRegistry, Runtime, DAI, HOURS, MINUTES};

impl pallet_batches::BatchCommittee<AccountId> for AttestationCommittee {
	type Attestation = pallet_attestation::Attestation;
	type MemberSignature = pallet_attestation::bls::Signature;
	fn epoch(attestation: &pallet_attestation::Attestation) -> u64 {
		attestation.epoch
	}
	fn current_epoch() -> u64 {
		<BabeEpochs as pallet_attestation::EpochRandomness>::epoch()
	}
	fn verify(
		attestation: &pallet_attestation::Attestation,
		payload: &[u8],
	) -> Result<alloc::vec::Vec<AccountId>, sp_runtime::DispatchError> {
		pallet_attestation::Pallet::<Runtime>::verify(attestation, payload).map_err(Into::into)
	}
	fn verify_member(
		epoch: u64,
		member: &AccountId,
		payload: &[u8],
		signature: &pallet_attestation::bls::Signature,
	) -> Result<(), sp_runtime::DispatchError> {
		pallet_attestation::Pallet::<Runtime>::verify_member(epoch, member, payload, signature).map_err(Into::into)
	}
	/// The largest committee's check.
	fn verify_weight() -> frame_support::weights::Weight {
		use pallet_attestation::WeightInfo;
		<Runtime as pallet_attestation::Config>::WeightInfo::verify_attestation(MAX_COMMITTEE_SIZE)
	}
	/// One key's check, with the largest committee read (bounded above by the
	/// aggregate check over it).
	fn verify_member_weight() -> frame_support::weights::Weight {
		use pallet_attestation::WeightInfo;
		<Runtime as pallet_attestation::Config>::WeightInfo::verify_attestation(MAX_COMMITTEE_SIZE)
	}
}

/// The node's compute keys answer data requests with the data its members
/// kept (`pallet_batches::keeping`), the first of them signing.
pub struct NodeAnswerer;
impl pallet_batches::LocalAnswerer<AccountId, pallet_batches::Call<Runtime>> for NodeAnswerer {
	fn local_providers() -> alloc::vec::Vec<AccountId> {
		use pallet_compute_staking::ComputeProviders;
		compute_keys().iter().filter_map(ComputeStaking::provider_of).collect()
	}
	fn send(call: pallet_batches::Call<Runtime>) -> Result<(), ()> {
		let key = compute_keys().into_iter().next().ok_or(())?;
		super::offchain::send_signed(&key, call)
	}
}

/// The compute keys in this node's keystore.
fn compute_keys() -> alloc::vec::Vec<AccountId> {
	<super::market::NodeCompute as pallet_tasks::LocalCompute<AccountId>>::compute_keys()
}

parameter_types! {
	/// An hour to challenge a batch before it is paid out: time for any
	/// user, executor or member to fetch and check its leaves, and for a
	/// challenge to get past a few colluding block authors.
	pub const ChallengePeriod: BlockNumber = HOURS;
	/// Ten minutes to post the data of a requested leaf.
	pub const AnswerPeriod: BlockNumber = 10 * MINUTES;
	/// Two hours between asking escrow back and taking it: longer than any
	/// batch takes to land, so signed requests stay covered.
	pub const UnlockDelay: BlockNumber = 2 * HOURS;
	/// A batch moves at most 40% of its signers' bonds: showing it wrong
	/// slashes them 50%, of which a tenth may go to a colluding challenger
	/// (45% lost), so neither a fraud nor a deliberately voided batch pays.
	pub const StakeCover: Perbill = Perbill::from_percent(40);
	/// A challenger puts down 1 DAi, burned if the batch was right.
	pub const ChallengeDeposit: Balance = DAI;
	/// A successful challenger (or equivocation reporter) receives a tenth
	/// of the slashes (minted; the slashes are burned).
	pub const ChallengeReward: Perbill = Perbill::from_percent(10);
}

impl pallet_batches::Config for Runtime {
	type Currency = crate::Balances;
	type RuntimeHoldReason = crate::RuntimeHoldReason;
	/// Users sign requests as they sign transactions (sr25519 from polkadot.js).
	type Signature = crate::Signature;
	type Models = ModelRegistry;
	type Providers = ComputeStaking;
	type Committee = AttestationCommittee;
	type Answerer = NodeAnswerer;
	type BurnedShare = super::governance::BurnedShare;
	type ExecutorShare = super::governance::ExecutorShare;
	type ChallengePeriod = ChallengePeriod;
	type UnlockDelay = UnlockDelay;
	type ChallengeDeposit = ChallengeDeposit;
	type ChallengeReward = ChallengeReward;
	type AnswerPeriod = AnswerPeriod;
	/// 16 open data requests per batch (each with its deposit).
	type MaxDataRequests = ConstU32<16>;
	type StakeCover = StakeCover;
	/// 256 users and 256 executor-model entries per batch, whatever its
	/// number of results.
	type MaxUsers = ConstU32<256>;
	type MaxEntries = ConstU32<256>;
	type MaxSigners = ConstU32<MAX_COMMITTEE_SIZE>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BatchBenchmarks;
	type WeightInfo = pallet_batches::weights::SubstrateWeight<Runtime>;
}

/// Users with real sr25519 keys in the benchmark's keystore, providers with
/// the minimum bond, and the development preset's model.
#[cfg(feature = "runtime-benchmarks")]
pub struct BatchBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_batches::BenchmarkHelper<AccountId, crate::Signature> for BatchBenchmarks {
	fn user(i: u32) -> AccountId {
		use sp_runtime::RuntimeAppPublic;
		let seed = alloc::format!("//batch-user{i}").into_bytes();
		let public: sp_core::sr25519::Public = UserKey::generate_pair(Some(seed)).into();
		AccountId::from(public)
	}
	fn sign(user: &AccountId, message: &[u8]) -> crate::Signature {
		use sp_runtime::RuntimeAppPublic;
		let public = UserKey::from(sp_core::sr25519::Public::from_raw(*user.as_ref()));
		let signature: sp_core::sr25519::Signature = public.sign(&message).expect("the key was made by user()").into();
		signature.into()
	}
	fn provider(i: u32) -> AccountId {
		<super::attestation::ProviderBenchmarks as pallet_attestation::BenchmarkHelper<AccountId>>::provider(
			50_000 + i,
		)
	}
	fn model() -> pallet_compute_staking::ModelHash {
		pallet_model_registry::Models::<Runtime>::iter_keys().next().expect("the development preset has a model")
	}
}

/// The benchmarks' users sign with sr25519 keys in the keystore (under the
/// compute key type; their seeds are their own).
#[cfg(feature = "runtime-benchmarks")]
type UserKey = super::market::compute_key::Public;
