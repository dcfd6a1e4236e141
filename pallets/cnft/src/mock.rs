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
	type Helper = NftsHelper;
	type BlockNumberProvider = System;
}

/// What `pallet-nfts`' benchmarks need of the test runtime's types.
#[cfg(feature = "runtime-benchmarks")]
pub struct NftsHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_nfts::BenchmarkHelper<u32, u64, UintAuthorityId, AccountId, TestSignature> for NftsHelper {
	fn collection(i: u16) -> u32 {
		i.into()
	}
	fn item(i: u16) -> u64 {
		i.into()
	}
	fn signer() -> (UintAuthorityId, AccountId) {
		(UintAuthorityId(USER), USER)
	}
	fn sign(signer: &UintAuthorityId, message: &[u8]) -> TestSignature {
		TestSignature(signer.0, message.to_vec())
	}
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type PalletId = CnftPallet;
	type DepositBase = ConstU128<BASE>;
	type DepositPerValue = ConstU128<PER_VALUE>;
	type Batches = MockBatches;
	type WeightInfo = ();
}

/// A leaf of the batch lane in this test runtime.
pub type BatchLeaf = pallet_batches::Leaf<AccountId, Balance, TestSignature>;
/// A leaf with its path.
pub type BatchProof = pallet_batches::LeafProof<AccountId, Balance, TestSignature>;

std::thread_local! {
	/// Released batches: number to root and leaf count.
	static RELEASED: core::cell::RefCell<std::collections::BTreeMap<u64, (H256, u32)>> = Default::default();
}

/// Released batches as `pallet-batches` keeps them: a root and a leaf
/// count per number, leaves checked against them with their paths.
pub struct MockBatches;

impl pallet_batches::ReleasedResults<AccountId, u64> for MockBatches {
	type Proof = BatchProof;

	fn released(
		sequence: u64,
		proof: &BatchProof,
	) -> Result<pallet_batches::ReleasedResult<AccountId, u64>, sp_runtime::DispatchError> {
		use pallet_batches::merkle;
		let (root, results) = RELEASED.with(|r| r.borrow().get(&sequence).copied()).ok_or("NotReleased")?;
		if merkle::root_from_path(merkle::leaf_hash(&proof.leaf), proof.index, &proof.path, results) != Some(root) {
			return Err("BadPath".into());
		}
		let leaf = &proof.leaf;
		Ok(pallet_batches::ReleasedResult {
			sequence,
			index: proof.index,
			root,
			user: leaf.request.user,
			executor: leaf.request.executor,
			nonce: leaf.request.nonce,
			model: leaf.request.model,
			input_hash: leaf.request.input_hash,
			output_hash: leaf.output_hash,
			proof_hash: leaf.proof_hash,
			flops: 4_160,
			released_at: 7,
		})
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_result(user: &AccountId, model: H256, output_hash: H256) -> (u64, BatchProof) {
		let leaf = batch_leaf(*user, 1, model, output_hash);
		let proofs = release_batch(1, vec![leaf]);
		(1, proofs.into_iter().next().unwrap())
	}
}

/// A leaf of `user`'s request `nonce` on `model` with output hash `output_hash`.
pub fn batch_leaf(user: AccountId, nonce: u64, model: H256, output_hash: H256) -> BatchLeaf {
	pallet_batches::Leaf {
		request: pallet_batches::Request {
			user,
			executor: PROVIDER,
			nonce,
			model,
			input_hash: H256::repeat_byte(nonce as u8),
			fee: 10,
			spent: 10 * nonce as Balance,
		},
		signature: TestSignature(user, vec![]),
		output_hash,
		proof_hash: H256::repeat_byte(3),
		running: 10,
	}
}

/// Releases batch `sequence` of `leaves`; returns each leaf with its path.
pub fn release_batch(sequence: u64, leaves: Vec<BatchLeaf>) -> Vec<BatchProof> {
	use pallet_batches::merkle;
	let levels = merkle::levels(leaves.iter().map(merkle::leaf_hash).collect());
	let root = *levels.last().unwrap().first().unwrap();
	RELEASED.with(|r| r.borrow_mut().insert(sequence, (root, leaves.len() as u32)));
	leaves
		.into_iter()
		.enumerate()
		.map(|(i, leaf)| pallet_batches::LeafProof {
			leaf,
			index: i as u32,
			path: merkle::path(&levels, i as u32).try_into().unwrap(),
		})
		.collect()
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

/// Funded accounts, the collection created, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(USER, FUNDS), (OTHER, FUNDS), (POOR, 50), (PROVIDER, FUNDS)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_cnft::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in [`new_test_ext`], then checks the certificate invariants
/// and that no funds were created or lost.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
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
		payment: pallet_tasks::Payment::Dai,
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
