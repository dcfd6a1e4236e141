//! A test runtime: balances and the rewards pallet; tasks are settled and
//! blocks authored by calling the pallet's hooks directly.

use crate::{self as pallet_poc_rewards, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Hooks},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::{traits::Convert, BuildStorage, Perbill, Perquintill};
use std::{cell::RefCell, collections::BTreeMap};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		PocRewards: pallet_poc_rewards,
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
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
}

thread_local! {
	static REPUTATION: RefCell<BTreeMap<AccountId, Perbill>> = RefCell::new(BTreeMap::new());
}

/// Sets `who`'s reputation (50% unless set).
pub fn set_reputation(who: AccountId, reputation: Perbill) {
	REPUTATION.with(|r| r.borrow_mut().insert(who, reputation));
}

/// Reputations as the tests set them.
pub struct TestReputation;
impl Convert<AccountId, Perbill> for TestReputation {
	fn convert(who: AccountId) -> Perbill {
		REPUTATION.with(|r| r.borrow().get(&who).copied().unwrap_or(Perbill::from_percent(50)))
	}
}

parameter_types! {
	pub const Pot: PalletId = PalletId(*b"daifi/rw");
}

/// Blocks per era.
pub const ERA: u64 = 20;
/// Eras a reward stays claimable.
pub const HISTORY: u32 = 3;
/// Most providers per era.
pub const MAX_PROVIDERS: u32 = 20;
/// Providers scored per block.
pub const PAGE: u32 = 5;

impl Config for Test {
	type Currency = Balances;
	type ParamsOrigin = EnsureRoot<AccountId>;
	type Reputation = TestReputation;
	type PotId = Pot;
	type EraLength = ConstU64<ERA>;
	type HistoryDepth = ConstU32<HISTORY>;
	type MaxProvidersPerEra = ConstU32<MAX_PROVIDERS>;
	type ScorePage = ConstU32<PAGE>;
	type WeightInfo = ();
}

/// E0 in the tests.
pub const E0: Balance = 1_000_000_000;

/// The parameters the tests start with: λ = 0.01, α 70%, β 30%, τ 100
/// blocks², 10% to authors, the cap at 90% of the burn.
pub fn params() -> RewardParams<Balance> {
	RewardParams {
		initial: E0,
		lambda: Perquintill::from_percent(1),
		alpha: Perbill::from_percent(70),
		beta: Perbill::from_percent(30),
		tau: 100,
		author_share: Perbill::from_percent(10),
		reward_cap: Perbill::from_percent(90),
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(1, 1_000)], ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_poc_rewards::GenesisConfig::<Test> { params: Some(params()) }.assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	REPUTATION.with(|r| r.borrow_mut().clear());
	ext
}

/// Runs `test`, then checks the pallet's invariants.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		PocRewards::do_try_state().expect("the pot holds what it owes");
	});
}

/// Runs blocks up to `n`, each authored by `author` if given.
pub fn run_to(n: u64, author: Option<AccountId>) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		PocRewards::on_initialize(next);
		if let Some(author) = author {
			<PocRewards as pallet_authorship::EventHandler<AccountId, u64>>::note_author(author);
		}
	}
}

/// Runs to the first block of era `era` (its predecessor ended there), and
/// `pages` blocks more for the paged work.
pub fn run_to_era(era: EraIndex, pages: u64) {
	run_to(u64::from(era) * ERA + pages, None);
}

/// A verified task of `provider`: `flops` FLOPs, `counted` burned, submitted
/// `latency` blocks before now.
pub fn settle(provider: AccountId, flops: u64, counted: Balance, latency: u64) {
	let now = System::block_number();
	let result = pallet_tasks::TaskResult {
		model: Default::default(),
		input_hash: Default::default(),
		source: None,
		verification: pallet_tasks::Verification::Zk,
		payment: pallet_tasks::Payment::Dai,
		provider,
		executors: vec![(provider, counted)].try_into().unwrap(),
		output: Default::default(),
		output_hash: Default::default(),
		proof_hash: Default::default(),
		executor_paid: 0,
		developer_paid: 0,
		burned: counted,
		counted,
		flops,
		submitted_at: now - latency,
		settled_at: now,
	};
	<PocRewards as pallet_tasks::OnTaskSettled<AccountId, Balance, u64>>::on_settled(0, &1, &result);
}

/// The pallet's events, newest last.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::PocRewards(e) => Some(e),
			_ => None,
		})
		.collect()
}
