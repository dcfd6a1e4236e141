//! A test runtime: balances, `pallet-nfts` and Compute NFTs; tasks are
//! settled by calling the settlement hook directly.

use crate::{self as pallet_cnft, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, ConstU64},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned};
use pallet_nfts::PalletFeatures;
use pallet_tasks::{OnTaskSettled, TaskResult, Verification};
use sp_core::H256;
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage,
};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Nfts: pallet_nfts,
		Cnft: pallet_cnft,
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

parameter_types! {
	pub Features: PalletFeatures = PalletFeatures::all_enabled();
	pub const CnftPallet: PalletId = PalletId(*b"daifi/nf");
}

/// The token deposit `pallet-nfts` reserves per item.
pub const ITEM_DEPOSIT: Balance = 7;
/// The certificate deposit, whatever its size.
pub const BASE: Balance = 100;
/// The certificate deposit per output value.
pub const PER_VALUE: Balance = 2;

impl pallet_nfts::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type CollectionId = u32;
	type ItemId = u64;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type Locker = ();
	type CollectionDeposit = ConstU128<50>;
	type ItemDeposit = ConstU128<ITEM_DEPOSIT>;
	type MetadataDepositBase = ConstU128<1>;
	type AttributeDepositBase = ConstU128<1>;
	type DepositPerByte = ConstU128<1>;
	type StringLimit = ConstU32<64>;
	type KeyLimit = ConstU32<32>;
	type ValueLimit = ConstU32<64>;
	type ApprovalsLimit = ConstU32<4>;
	type ItemAttributesApprovalsLimit = ConstU32<4>;
	type MaxTips = ConstU32<4>;
	type MaxDeadlineDuration = ConstU64<1_000>;
	type MaxAttributesPerCall = ConstU32<4>;
	type Features = Features;
	type OffchainSignature = TestSignature;
	type OffchainPublic = UintAuthorityId;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type Helper = ();
	type BlockNumberProvider = System;
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type PalletId = CnftPallet;
	type DepositBase = ConstU128<BASE>;
	type DepositPerValue = ConstU128<PER_VALUE>;
	type WeightInfo = ();
}

/// The user who pays for tasks.
pub const USER: AccountId = 1;
/// Another user.
pub const OTHER: AccountId = 2;
/// An account with almost nothing.
pub const POOR: AccountId = 3;
/// The provider.
pub const PROVIDER: AccountId = 10;
/// What users start with.
pub const FUNDS: Balance = 10_000;

/// Funded accounts, the collection created.
pub fn execute(test: impl FnOnce()) {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(USER, FUNDS), (OTHER, FUNDS), (POOR, 50), (PROVIDER, FUNDS)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_cnft::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		test();
		Cnft::do_try_state().expect("certificate invariants");
		assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance, "no funds created or lost");
	});
}

/// The result of task `task` with output `output`, as settlement reports it.
pub fn result(task: u64, output: Vec<i64>) -> TaskResult<AccountId, Balance, u64> {
	TaskResult {
		model: H256::repeat_byte(1),
		input_hash: H256::repeat_byte(task as u8),
		source: Some(task + 100),
		verification: Verification::Zk,
		provider: PROVIDER,
		executors: vec![(PROVIDER, 10)].try_into().unwrap(),
		output_hash: sp_runtime::traits::BlakeTwo256::hash_of(&output),
		output: output.try_into().unwrap(),
		proof_hash: H256::repeat_byte(9),
		executor_paid: 72,
		developer_paid: 18,
		burned: 10,
		counted: 10,
		flops: 4_160,
		submitted_at: 1,
		settled_at: 3,
	}
}

/// Settles task `task` of `owner` with `output`.
pub fn settle(task: u64, owner: AccountId, output: Vec<i64>) {
	<Cnft as OnTaskSettled<AccountId, Balance, u64>>::on_settled(task, &owner, &result(task, output));
}

/// The Compute NFT collection.
pub fn collection() -> u32 {
	CollectionId::<Test>::get().unwrap()
}

/// This pallet's events.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Cnft(e) => Some(e),
			_ => None,
		})
		.collect()
}

use sp_runtime::traits::Hash;
