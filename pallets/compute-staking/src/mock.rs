//! A test runtime: frame-system, pallet-balances and compute staking.

use crate::{self as pallet_compute_staking, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Contains},
};
use frame_system::EnsureRoot;
use sp_core::H256;
use sp_runtime::{testing::TestSignature, BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
/// Account ids in tests.
pub type AccountId = u64;
/// Balances in tests.
pub type Balance = u128;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ComputeStaking: pallet_compute_staking,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<ED>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// Existential deposit.
pub const ED: Balance = 1;
/// Minimum bond.
pub const MIN_BOND: Balance = 100;
/// Unbonding delay in blocks.
pub const DELAY: u64 = 10;
/// Every funded account starts with this much.
pub const FUNDS: Balance = 1_000_000;

parameter_types! {
	/// Accounts whose session keys are not set.
	pub static WithoutKeys: Vec<AccountId> = vec![];
	/// At most this many providers.
	pub static MaxProviders: u32 = 32;
}

/// Every account has session keys except those in [`WithoutKeys`].
pub struct SessionKeysSet;
impl Contains<AccountId> for SessionKeysSet {
	fn contains(who: &AccountId) -> bool {
		!WithoutKeys::get().contains(who)
	}
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type OnSlash = ();
	type AdminOrigin = EnsureRoot<AccountId>;
	type HasSessionKeys = SessionKeysSet;
	type MinBond = ConstU128<MIN_BOND>;
	type UnbondingDelay = ConstU64<DELAY>;
	type MaxProviders = MaxProviders;
	type MaxValidators = ConstU32<10>;
	type InvalidResultSlash = InvalidResultSlash;
	type MissedDeadlineSlash = MissedDeadlineSlash;
	type MaxSlash = MaxSlash;
	type MaxComputeMultiplier = ConstU128<MULTIPLIER>;
	type MaxDeclinesPerSession = ConstU32<MAX_DECLINES>;
	type KeyProof = TestSignature;
	type DisableOffender = RecordDisabled;
	type Domains = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Self;
	type WeightInfo = ();
}

/// The score is at most this many times the bond.
pub const MULTIPLIER: u128 = 4;
/// Declines per session.
pub const MAX_DECLINES: u32 = 2;

parameter_types! {
	/// Offenders disabled so far, with the severity.
	pub static Disabled: Vec<(AccountId, Perbill)> = vec![];
}

/// Records whom an offence disabled.
pub struct RecordDisabled;
impl DisableOffender<AccountId> for RecordDisabled {
	fn disable(who: &AccountId, severity: Perbill) {
		Disabled::mutate(|d| d.push((*who, severity)));
	}
}

/// A compute key's proof of possession for provider `who`: a test signature
/// by `key` over the compute-key message.
pub fn key_proof(key: AccountId, who: AccountId) -> TestSignature {
	TestSignature(key, compute_key_message(&who))
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, TestSignature> for Test {
	fn compute_key(provider: &AccountId, seed: u32) -> (AccountId, TestSignature) {
		let key = 1_000_000 + u64::from(seed);
		(key, key_proof(key, *provider))
	}
}

parameter_types! {
	pub const InvalidResultSlash: Perbill = Perbill::from_percent(50);
	pub const MissedDeadlineSlash: Perbill = Perbill::from_percent(1);
	pub const MaxSlash: Perbill = Perbill::from_percent(50);
}

/// A valid profile serving `models` (numbered models `H256::repeat_byte(m)`).
pub fn profile(models: &[u8]) -> NodeProfile {
	NodeProfile {
		hardware: HardwareProfile {
			gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
			vram_mib: 24_576,
			flops: 82_000_000_000_000,
			cpu_cores: 16,
			memory_mib: 65_536,
		},
		models: models.iter().map(|m| H256::repeat_byte(*m)).collect::<Vec<_>>().try_into().unwrap(),
		region: b"eu-west".to_vec().try_into().unwrap(),
		latency: LatencyClass::Low,
	}
}

/// The compute key tests give provider `who`.
pub fn key_of(who: AccountId) -> AccountId {
	who + 1_000
}

/// Builds test state: accounts 1..=20 funded; `providers` registered with
/// the given bonds; validator counts (minimum 1, target 3).
#[derive(Default)]
pub struct ExtBuilder {
	providers: Vec<(AccountId, Balance)>,
	rich: Vec<(AccountId, Balance)>,
	minimum: Option<u32>,
}

impl ExtBuilder {
	/// Registers `who` at genesis with `bond`.
	pub fn provider(mut self, who: AccountId, bond: Balance) -> Self {
		self.providers.push((who, bond));
		self
	}

	/// Funds account `who` (above 20) with `amount` at genesis.
	pub fn rich(mut self, who: AccountId, amount: Balance) -> Self {
		self.rich.push((who, amount));
		self
	}

	/// Sets the minimum validator count.
	pub fn minimum(mut self, minimum: u32) -> Self {
		self.minimum = Some(minimum);
		self
	}

	/// The externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=20).map(|a| (a, FUNDS)).chain(self.rich.iter().copied()).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_compute_staking::GenesisConfig::<Test> {
			providers: self
				.providers
				.iter()
				.map(|(who, bond)| (*who, key_of(*who), *bond, profile(&[1])))
				.collect(),
			validator_count: 3,
			minimum_validator_count: self.minimum.unwrap_or(1),
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then checks the pallet's invariants and that no funds were
	/// created: total issuance equals the sum of all balances, and nothing
	/// but a slash changed it.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			let issuance_before = pallet_balances::TotalIssuance::<Test>::get();
			test();
			ComputeStaking::do_try_state().expect("invariants hold");
			let total: Balance = frame_system::Account::<Test>::iter()
				.map(|(_, a)| a.data.free + a.data.reserved)
				.sum();
			let issuance = pallet_balances::TotalIssuance::<Test>::get();
			assert_eq!(total, issuance, "issuance equals the sum of balances");
			let slashed: Balance = events()
				.into_iter()
				.filter_map(|e| match e {
					Event::Slashed { amount, .. } => Some(amount),
					_ => None,
				})
				.sum();
			assert_eq!(issuance_before - issuance, slashed, "only slashes change issuance");
		})
	}
}

/// A bare test state with nobody registered.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ExtBuilder::default().build()
}

/// This pallet's events so far.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::ComputeStaking(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Held bond of `who`.
pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&HoldReason::Bonded.into(), &who)
}

/// Free balance of `who`.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
