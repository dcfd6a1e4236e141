//! A test runtime: balances and domains, whose provider records are a list
//! the tests read ([`PROVIDER_DOMAINS`]).

use crate::{self as pallet_domains, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Hooks},
	PalletId,
};
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

/// Wide enough that every gateway (`modl`, the pallet id, the domain) is its own account.
pub type AccountId = u128;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Domains: pallet_domains,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<ED>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// The existential deposit.
pub const ED: Balance = 5;
/// A domain's deposit.
pub const DEPOSIT: Balance = 100;
/// Blocks in a clearing period.
pub const PERIOD: u64 = 10;
/// Most members of a domain.
pub const MAX_MEMBERS: u32 = 4;
/// Everyone's starting funds.
pub const FUNDS: Balance = 10_000;

thread_local! {
	/// The domain compute staking's records show for each provider.
	pub static PROVIDER_DOMAINS: RefCell<BTreeMap<AccountId, Option<u32>>> = const { RefCell::new(BTreeMap::new()) };
}

/// Compute staking's records, as a map.
pub struct TestProviders;
impl pallet_compute_staking::ProviderDomains<AccountId> for TestProviders {
	fn set_domain(who: &AccountId, domain: Option<u32>) {
		PROVIDER_DOMAINS.with(|p| p.borrow_mut().insert(*who, domain));
	}
}

parameter_types! {
	pub const DomainsPalletId: PalletId = PalletId(*b"dai/doms");
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = TestProviders;
	type PalletId = DomainsPalletId;
	type DomainDeposit = ConstU128<DEPOSIT>;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type ClearingPeriod = ConstU64<PERIOD>;
	type MaxPairs = ConstU32<4>;
	type ClearingHistory = ConstU32<2>;
	type WeightInfo = ();
}

/// Funded accounts 1..=20, the open network's gateway created, block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: (1..=20).map(|a| (a, FUNDS)).collect(), ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_domains::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test`, then checks the invariants and that issuance is the sum of
/// all balances and unchanged (nothing here mints or burns).
pub fn checked(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		test();
		Domains::do_try_state().expect("domain invariants");
		let total: Balance =
			frame_system::Account::<Test>::iter().map(|(_, a)| a.data.free + a.data.reserved).sum();
		assert_eq!(total, pallet_balances::TotalIssuance::<Test>::get(), "issuance is the sum of balances");
		assert_eq!(issuance, pallet_balances::TotalIssuance::<Test>::get(), "no funds created or lost");
	});
}

/// Runs blocks until `n`.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Domains::on_initialize(next);
	}
}

/// This pallet's events.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Domains(e) = r.event { Some(e) } else { None })
		.collect()
}
