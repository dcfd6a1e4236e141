//! A test runtime: the attestation pallet with a provider registry and an
//! epoch clock the tests set directly.

use crate::{self as pallet_attestation, bls::SecretKey, *};
use frame_support::{
	derive_impl,
	traits::{ConstU32, Hooks},
};
use frame_system::EnsureRoot;
use pallet_compute_staking::{ComputeProviders, LatencyClass, ModelHash, ProviderView};
use sp_runtime::{BuildStorage, DispatchResult, Perbill};
use std::{cell::RefCell, collections::BTreeMap};

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		AttestationPallet: pallet_attestation,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

thread_local! {
	/// Providers: bond and reputation.
	static PROVIDERS: RefCell<BTreeMap<AccountId, (u128, Perbill)>> = RefCell::new(BTreeMap::new());
	/// Compute keys: key → provider.
	static COMPUTE_KEYS: RefCell<BTreeMap<AccountId, AccountId>> = RefCell::new(BTreeMap::new());
	static EPOCH: RefCell<(u64, [u8; 32])> = RefCell::new((0, [7; 32]));
	/// The compute keys this test node holds.
	static HELD: RefCell<Vec<AccountId>> = RefCell::new(Vec::new());
	/// What the nodes published, by topic: the gossip every node sees.
	static GOSSIP: RefCell<BTreeMap<[u8; 32], Vec<Vec<u8>>>> = RefCell::new(BTreeMap::new());
}

/// This test node holds the compute keys `keys` (and no others).
pub fn hold_keys(keys: &[AccountId]) {
	HELD.with(|h| *h.borrow_mut() = keys.to_vec());
}

/// Everything published under `topic`.
pub fn gossip(topic: [u8; 32]) -> Vec<Vec<u8>> {
	GOSSIP.with(|g| g.borrow().get(&topic).cloned().unwrap_or_default())
}

/// Adds `message` to `topic`'s gossip, as a peer would.
pub fn inject(topic: [u8; 32], message: Vec<u8>) {
	GOSSIP.with(|g| g.borrow_mut().entry(topic).or_default().push(message));
}

/// The node's keys in tests: the held compute keys, each provider's
/// committee key its test [`secret`], and one gossip shared by all.
pub struct TestLocalKeys;
impl LocalCommitteeKeys<AccountId> for TestLocalKeys {
	fn compute_keys() -> Vec<AccountId> {
		HELD.with(|h| h.borrow().clone())
	}
	fn committee_key(_: &AccountId, _: &AccountId) -> Option<(crate::bls::PublicKey, crate::bls::Signature)> {
		None
	}
	fn register(_: &AccountId, _: crate::bls::PublicKey, _: crate::bls::Signature) -> Result<(), ()> {
		Err(())
	}
	fn sign(compute_key: &AccountId, message: &[u8]) -> Option<crate::bls::Signature> {
		let provider = TestProviders::provider_of(compute_key)?;
		Some(secret(provider).sign(message))
	}
	fn publish(topic: [u8; 32], message: Vec<u8>) {
		inject(topic, message);
	}
	fn received(topic: [u8; 32]) -> Vec<Vec<u8>> {
		gossip(topic)
	}
}

/// Makes `who` a provider with `bond` and `reputation` (0 bond: not one).
pub fn set_provider(who: AccountId, bond: u128, reputation: Perbill) {
	PROVIDERS.with(|p| {
		if bond == 0 {
			p.borrow_mut().remove(&who);
		} else {
			p.borrow_mut().insert(who, (bond, reputation));
		}
	});
}

/// Makes `key` the compute key of `provider`.
pub fn set_compute_key(key: AccountId, provider: AccountId) {
	COMPUTE_KEYS.with(|k| k.borrow_mut().insert(key, provider));
}

/// The provider registry as the tests set it.
pub struct TestProviders;
impl ComputeProviders<AccountId> for TestProviders {
	type Balance = u128;
	fn serving(_: &ModelHash) -> Vec<(AccountId, ProviderView<u128>)> {
		Vec::new()
	}
	fn view_of(who: &AccountId) -> Option<ProviderView<u128>> {
		PROVIDERS.with(|p| p.borrow().get(who).copied()).map(|(bond, reputation)| ProviderView {
			vram_mib: 0,
			flops: 0,
			latency: LatencyClass::Low,
			reputation,
			open_tasks: 0,
			bond,
			domain: None,
		})
	}
	fn is_served(_: &ModelHash) -> bool {
		false
	}
	fn count_serving(_: &ModelHash, count: u32, _: impl FnMut(&ProviderView<u128>) -> bool) -> (bool, u32) {
		(count == 0, 0)
	}
	fn max_serving() -> u32 {
		0
	}
	fn reputation_of(who: &AccountId) -> Perbill {
		Self::view_of(who).map(|v| v.reputation).unwrap_or_default()
	}
	fn models_of(_: &AccountId) -> Vec<ModelHash> {
		Vec::new()
	}
	fn provider_of(key: &AccountId) -> Option<AccountId> {
		COMPUTE_KEYS.with(|k| k.borrow().get(key).copied())
	}
	fn task_opened(_: &AccountId) -> DispatchResult {
		Ok(())
	}
	fn task_closed(_: &AccountId) {}
}

/// The epoch clock as the tests set it.
pub struct TestEpochs;
impl EpochRandomness for TestEpochs {
	fn epoch() -> u64 {
		EPOCH.with(|e| e.borrow().0)
	}
	fn next_randomness() -> [u8; 32] {
		EPOCH.with(|e| e.borrow().1)
	}
}

/// Providers for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct TestBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl BenchmarkHelper<AccountId> for TestBenchmarks {
	fn provider(i: u32) -> AccountId {
		let who = 1_000 + i as AccountId;
		set_provider(who, 100, Perbill::from_percent(50));
		who
	}
}

/// The largest committee here.
pub const MAX_COMMITTEE_SIZE: u32 = 16;
/// The most keys here.
pub const MAX_KEYS: u32 = 40;

impl Config for Test {
	type Providers = TestProviders;
	type Epochs = TestEpochs;
	type LocalKeys = TestLocalKeys;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxCommitteeSize = ConstU32<MAX_COMMITTEE_SIZE>;
	type MaxKeys = ConstU32<MAX_KEYS>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestBenchmarks;
	type WeightInfo = ();
}

/// The BLS secret key of provider `who` in the tests.
pub fn secret(who: AccountId) -> SecretKey {
	let mut seed = [0u8; 32];
	seed[..8].copy_from_slice(&who.to_le_bytes());
	SecretKey::from_seed(&seed).expect("non-zero")
}

/// `key`'s proof of possession for provider `owner`.
pub fn pop(key: &SecretKey, owner: AccountId) -> crate::bls::Signature {
	key.prove_possession(&codec::Encode::encode(&owner))
}

/// Registers `who`'s test key (it must be a provider).
pub fn register(who: AccountId) {
	let key = secret(who);
	AttestationPallet::register_key(RuntimeOrigin::signed(who), key.public(), pop(&key, who))
		.expect("a provider registers its key");
}

/// Moves to epoch `epoch` with `randomness` and runs the next block's hook.
pub fn enter_epoch(epoch: u64, randomness: [u8; 32]) {
	EPOCH.with(|e| *e.borrow_mut() = (epoch, randomness));
	next_block();
}

/// Runs the hook of the next block.
pub fn next_block() {
	let n = System::block_number() + 1;
	System::set_block_number(n);
	AttestationPallet::on_initialize(n);
}

/// A test externality with committees of `committee_size` and block 1.
pub fn new_test_ext(committee_size: u32) -> sp_io::TestExternalities {
	PROVIDERS.with(|p| p.borrow_mut().clear());
	COMPUTE_KEYS.with(|k| k.borrow_mut().clear());
	HELD.with(|h| h.borrow_mut().clear());
	GOSSIP.with(|g| g.borrow_mut().clear());
	EPOCH.with(|e| *e.borrow_mut() = (0, [7; 32]));
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_attestation::GenesisConfig::<Test> { committee_size, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
