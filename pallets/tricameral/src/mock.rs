//! A test runtime: balances and the three chambers, whose Compute and Model
//! sources are lists the tests set; an approved call may set a value only
//! the chambers may set ([`Guarded`]).

use crate::{self as pallet_tricameral, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
	weights::Weight,
};
use sp_runtime::BuildStorage;
use std::cell::RefCell;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Tricameral: pallet_tricameral,
		Guarded: guarded,
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
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// The base deposit of a proposal.
pub const DEPOSIT: Balance = 100;
/// The least a User Chamber candidate burns in a term.
pub const MIN_PATRONAGE: Balance = 5;
/// Blocks a proposal stays open.
pub const VOTING_PERIOD: u64 = 20;
/// Blocks between refreshes.
pub const TERM: u64 = 50;

thread_local! {
	static COMPUTE: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static MODEL: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// The Compute Chamber's candidates, as the tests set them.
pub struct ComputeList;
impl ComputeList {
	pub fn set(accounts: Vec<AccountId>) {
		COMPUTE.with(|c| *c.borrow_mut() = accounts);
	}
}
impl ChamberSource<AccountId> for ComputeList {
	fn candidates(max: u32) -> Vec<AccountId> {
		COMPUTE.with(|c| c.borrow().iter().take(max as usize).copied().collect())
	}
	fn weight(_: u32) -> Weight {
		Weight::zero()
	}
}

/// The Model Chamber's candidates, as the tests set them.
pub struct ModelList;
impl ModelList {
	pub fn set(accounts: Vec<AccountId>) {
		MODEL.with(|c| *c.borrow_mut() = accounts);
	}
}
impl ChamberSource<AccountId> for ModelList {
	fn candidates(max: u32) -> Vec<AccountId> {
		MODEL.with(|c| c.borrow().iter().take(max as usize).copied().collect())
	}
	fn weight(_: u32) -> Weight {
		Weight::zero()
	}
}

parameter_types! {
	pub const MaxCall: u32 = 40 * 1024;
}

impl Config for Test {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UpgradeOrigin = EnsureTricameral;
	type ComputeSource = ComputeList;
	type ModelSource = ModelList;
	type MinPatronage = ConstU128<MIN_PATRONAGE>;
	type ProposalDeposit = ConstU128<DEPOSIT>;
	type DepositPerByte = ConstU128<1>;
	type VotingPeriod = ConstU64<VOTING_PERIOD>;
	type TermLength = ConstU64<TERM>;
	type MaxMembers = ConstU32<100>;
	type MinMembers = ConstU32<3>;
	type MaxProposals = ConstU32<4>;
	type MaxCallSize = MaxCall;
	type WeightInfo = ();
}

/// A pallet with one value that only the chambers may set.
#[frame_support::pallet]
pub mod guarded {
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
	}

	/// The value.
	#[pallet::storage]
	pub type Value<T> = StorageValue<_, u32, ValueQuery>;

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets the value (admin only).
		#[pallet::call_index(0)]
		#[pallet::weight(Weight::from_parts(1_000, 0))]
		pub fn set(origin: OriginFor<T>, value: u32) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Value::<T>::put(value);
			Ok(())
		}

		/// Always fails, for the admin too.
		#[pallet::call_index(1)]
		#[pallet::weight(Weight::from_parts(1_000, 0))]
		pub fn fail(origin: OriginFor<T>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Err(DispatchError::Unavailable)
		}
	}
}

impl guarded::Config for Test {
	type AdminOrigin = EnsureTricameral;
}

/// Compute members at genesis.
pub const COMPUTE_MEMBERS: [AccountId; 3] = [1, 2, 3];
/// Model members at genesis.
pub const MODEL_MEMBERS: [AccountId; 3] = [11, 12, 13];
/// User members at genesis.
pub const USER_MEMBERS: [AccountId; 3] = [21, 22, 23];
/// Someone in no chamber, with funds.
pub const OUTSIDER: AccountId = 99;
/// Funds of every account at genesis.
pub const FUNDS: Balance = 1_000_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let everyone = COMPUTE_MEMBERS.iter().chain(&MODEL_MEMBERS).chain(&USER_MEMBERS).chain(&[OUTSIDER]);
	pallet_balances::GenesisConfig::<Test> {
		balances: everyone.map(|who| (*who, FUNDS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_tricameral::GenesisConfig::<Test> {
		members: vec![
			(Chamber::Compute, COMPUTE_MEMBERS.to_vec()),
			(Chamber::Model, MODEL_MEMBERS.to_vec()),
			(Chamber::User, USER_MEMBERS.to_vec()),
		],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		ComputeList::set(Vec::new());
		ModelList::set(Vec::new());
	});
	ext
}
