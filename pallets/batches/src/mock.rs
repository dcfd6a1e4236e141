//! A test runtime with the real neighbours (balances, compute staking, the
//! model registry with the digits MLP's key) and a test committee; helpers
//! that build batches as a committee would.

use crate::{self as pallet_batches, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Everything},
};
use frame_system::EnsureRoot;
use pallet_model_registry::{fixtures, ModelHash};
use sp_core::H256;
use sp_runtime::{
	testing::TestSignature,
	traits::{BlakeTwo256, Hash},
	BuildStorage, Perbill,
};

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
		ModelRegistry: pallet_model_registry,
		BatchLane: pallet_batches,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Real database weights, so that pruning's weight bound is tested.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const Half: Perbill = Perbill::from_percent(50);
	pub const OnePercent: Perbill = Perbill::from_percent(1);
	pub const EightyPercent: Perbill = Perbill::from_percent(80);
	pub const TenPercent: Perbill = Perbill::from_percent(10);
}

impl pallet_compute_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type OnSlash = ();
	type AdminOrigin = EnsureRoot<AccountId>;
	type HasSessionKeys = Everything;
	type MinBond = ConstU128<100>;
	type UnbondingDelay = ConstU64<10>;
	type MaxProviders = ConstU32<1_024>;
	type MaxValidators = ConstU32<10>;
	type InvalidResultSlash = Half;
	type MissedDeadlineSlash = OnePercent;
	type MaxSlash = Half;
	type MaxComputeMultiplier = ConstU128<4>;
	type MaxDeclinesPerSession = ConstU32<2>;
	type KeyProof = TestSignature;
	type DisableOffender = ();
	type Domains = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Self;
	type WeightInfo = ();
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_staking::BenchmarkHelper<AccountId, TestSignature> for Test {
	fn compute_key(provider: &AccountId, seed: u32) -> (AccountId, TestSignature) {
		let key = 1_000_000 + u64::from(seed);
		(key, TestSignature(key, pallet_compute_staking::compute_key_message(provider)))
	}
}

impl pallet_model_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Phase1Deposit = ConstU128<100>;
	type BeaconDelay = ConstU64<10>;
	type WeightInfo = ();
}

/// The test committee: members 30 to 33, of equal weight, in epoch
/// [`EPOCH`]; more than two thirds must sign.
pub const COMMITTEE: [AccountId; 4] = [30, 31, 32, 33];
/// The committee's epoch.
pub const EPOCH: u64 = 7;

/// An attestation in tests: who signed which payload (by its hash), in which
/// epoch. The real BLS aggregate is tested in the attestation pallet and end
/// to end.
#[derive(codec::Encode, codec::Decode, codec::DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, scale_info::TypeInfo, codec::MaxEncodedLen)]
pub struct TestAttestation {
	/// The committee's epoch.
	pub epoch: u64,
	/// blake2-256 of the payload signed.
	pub payload: H256,
	/// The members who signed.
	pub signers: frame_support::BoundedVec<AccountId, ConstU32<4>>,
}

/// A member's signature in tests: the member and the payload's hash.
pub type MemberSignature = (AccountId, H256);

/// The test committee.
pub struct TestCommittee;
impl BatchCommittee<AccountId> for TestCommittee {
	type Attestation = TestAttestation;
	type MemberSignature = MemberSignature;
	fn epoch(attestation: &TestAttestation) -> u64 {
		attestation.epoch
	}
	fn current_epoch() -> u64 {
		CurrentEpoch::get()
	}
	fn verify(attestation: &TestAttestation, payload: &[u8]) -> Result<Vec<AccountId>, sp_runtime::DispatchError> {
		let mut signers = attestation.signers.to_vec();
		signers.sort();
		signers.dedup();
		if attestation.epoch != EPOCH {
			return Err("unknown epoch".into());
		}
		if signers.len() != attestation.signers.len() || signers.iter().any(|s| !COMMITTEE.contains(s)) {
			return Err("not committee members".into());
		}
		if signers.len() * 3 <= COMMITTEE.len() * 2 {
			return Err("too few signers".into());
		}
		if attestation.payload != BlakeTwo256::hash(payload) {
			return Err("bad signature".into());
		}
		Ok(signers)
	}
	fn verify_member(
		epoch: u64,
		member: &AccountId,
		payload: &[u8],
		signature: &MemberSignature,
	) -> Result<(), sp_runtime::DispatchError> {
		// As the attestation pallet: the current committee and the previous one.
		let current = CurrentEpoch::get();
		if epoch != current && epoch.saturating_add(1) != current {
			return Err("unknown epoch".into());
		}
		if epoch != EPOCH || !COMMITTEE.contains(member) {
			return Err("not a member".into());
		}
		if *signature != (*member, BlakeTwo256::hash(payload)) {
			return Err("bad signature".into());
		}
		Ok(())
	}
	fn verify_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(4_000_000_000, 0)
	}
	fn verify_member_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(2_000_000_000, 0)
	}
}

/// Blocks a batch may be challenged.
pub const PERIOD: u64 = 10;
/// Blocks before escrow can be withdrawn.
pub const UNLOCK: u64 = 20;
/// A challenger's deposit.
pub const DEPOSIT: Balance = 500;
/// Blocks to answer a data request.
pub const ANSWER: u64 = 5;

parameter_types! {
	/// The share of its signers' bonds a batch may move.
	pub static StakeCover: Perbill = Perbill::from_percent(40);
	/// The epoch in progress (the test committee's, [`EPOCH`], unless moved on).
	pub static CurrentEpoch: u64 = EPOCH;
	/// The providers whose compute keys the test node holds.
	pub static LocalProviders: Vec<AccountId> = Vec::new();
	/// What the test node's off-chain worker sent.
	pub static Sent: Vec<Call<Test>> = Vec::new();
}

/// The test node: its providers are [`LocalProviders`]; what it sends is
/// recorded in [`Sent`].
pub struct TestAnswerer;
impl crate::LocalAnswerer<AccountId, Call<Test>> for TestAnswerer {
	fn local_providers() -> Vec<AccountId> {
		LocalProviders::get()
	}
	fn send(call: Call<Test>) -> Result<(), ()> {
		Sent::mutate(|sent| sent.push(call));
		Ok(())
	}
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Signature = TestSignature;
	type Models = ModelRegistry;
	type Providers = ComputeStaking;
	type Committee = TestCommittee;
	type Answerer = TestAnswerer;
	type BurnedShare = TenPercent;
	type ExecutorShare = EightyPercent;
	type ChallengePeriod = ConstU64<PERIOD>;
	type UnlockDelay = ConstU64<UNLOCK>;
	type ChallengeDeposit = ConstU128<DEPOSIT>;
	type ChallengeReward = TenPercent;
	type AnswerPeriod = ConstU64<ANSWER>;
	type MaxDataRequests = ConstU32<2>;
	type StakeCover = StakeCover;
	type MaxUsers = ConstU32<8>;
	type MaxEntries = ConstU32<8>;
	type MaxSigners = ConstU32<4>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Self;
	type WeightInfo = ();
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, TestSignature> for Test {
	fn user(i: u32) -> AccountId {
		5_000 + u64::from(i)
	}
	fn sign(user: &AccountId, message: &[u8]) -> TestSignature {
		TestSignature(*user, message.to_vec())
	}
	fn provider(i: u32) -> AccountId {
		[P1, P2][i as usize % 2]
	}
	fn model() -> ModelHash {
		model()
	}
}

/// The users.
pub const USERS: [AccountId; 3] = [1, 2, 3];
/// The model developer.
pub const DEV: AccountId = 4;
/// Providers 10 and 11 serve the model; the committee's members are
/// providers too.
pub const P1: AccountId = 10;
/// The second provider.
pub const P2: AccountId = 11;
/// Everyone starts with this much.
pub const FUNDS: Balance = 1_000_000;
/// The model's price.
pub const PRICE: Balance = 1_000;
/// Each provider's bond.
pub const BOND: Balance = 10_000;

/// The hash the digits MLP is registered under.
pub fn model() -> ModelHash {
	ModelHash::repeat_byte(7)
}

/// The committed input, output and proof.
pub fn fixture() -> fixtures::Fixture {
	fixtures::mlp_64_32_10()
}

/// State: funded accounts 1..=40; the digits MLP registered (price 1,000,
/// developer 4); providers 10 and 11 serving it, and the committee 30..=33
/// bonded; the next batch is number 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=40).map(|a| (a, FUNDS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let profile = pallet_compute_staking::NodeProfile {
		hardware: pallet_compute_staking::HardwareProfile {
			gpu_model: Default::default(),
			vram_mib: 0,
			flops: 1_000_000_000,
			cpu_cores: 4,
			memory_mib: 8_192,
		},
		models: vec![model()].try_into().unwrap(),
		region: Default::default(),
		latency: pallet_compute_staking::LatencyClass::Low,
	};
	let providers = [P1, P2].into_iter().chain(COMMITTEE).map(|who| (who, who + 100, BOND, profile.clone())).collect();
	pallet_compute_staking::GenesisConfig::<Test> { providers, validator_count: 2, minimum_validator_count: 1 }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_model_registry::GenesisConfig::<Test> {
		phase1: vec![(fixtures::dev_phase1_hash(), fixtures::dev_phase1_result([DEV, DEV + 1, DEV + 2]))],
		models: vec![(model(), fixtures::mlp_64_32_10_model(DEV, PRICE))],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_batches::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// A node's off-chain database, for its off-chain worker ([`crate::keeping`]).
	let (offchain, _) = sp_core::offchain::testing::TestOffchainExt::new();
	ext.register_extension(sp_core::offchain::OffchainDbExt::new(offchain.clone()));
	ext.register_extension(sp_core::offchain::OffchainWorkerExt::new(offchain));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test`, then checks the pallets' invariants and that no funds were
/// created or lost: issuance equals the sum of all balances and changed
/// only by slashes, burned fees and deposits, and minted rewards.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		test();
		BatchLane::do_try_state().expect("batch invariants");
		ComputeStaking::do_try_state().expect("staking invariants");
		let total: Balance =
			frame_system::Account::<Test>::iter().map(|(_, a)| a.data.free + a.data.reserved).sum();
		let now = pallet_balances::TotalIssuance::<Test>::get();
		assert_eq!(total, now, "issuance equals the sum of balances");
		let mut change: i128 = 0;
		for record in System::events() {
			match record.event {
				RuntimeEvent::ComputeStaking(pallet_compute_staking::Event::Slashed { amount, .. }) =>
					change -= amount as i128,
				RuntimeEvent::BatchLane(Event::BatchReleased { burned, .. }) => change -= burned as i128,
				RuntimeEvent::BatchLane(Event::ChallengeFailed { burned, .. }) => change -= burned as i128,
				RuntimeEvent::BatchLane(Event::BatchVoided { reward, .. }) => change += reward as i128,
				RuntimeEvent::BatchLane(Event::Equivocated { reward, .. }) => change += reward as i128,
				_ => {},
			}
		}
		assert_eq!(now as i128 - issuance as i128, change, "only slashes, burns and rewards change issuance");
	});
}

/// Goes to block `n`.
pub fn run_to(n: u64) {
	System::set_block_number(n);
}

/// The signature of `request` by its user.
pub fn sign(request: &RequestOf<Test>) -> TestSignature {
	TestSignature(request.user, BatchLane::request_message(request).to_vec())
}

/// One request: `user`'s `nonce`-th to `executor`, on the digits model,
/// for [`PRICE`], with `spent` the user's total to that executor after it.
pub fn request(user: AccountId, executor: AccountId, nonce: u64, spent: Balance) -> RequestOf<Test> {
	Request {
		user,
		executor,
		nonce,
		model: model(),
		input_hash: BlakeTwo256::hash_of(&fixture().input),
		fee: PRICE,
		spent,
	}
}

/// A result as an honest committee would include it: the request's
/// executor's real proof for its binding (proofs are cached by binding).
pub fn proven(request: &RequestOf<Test>) -> (Vec<i64>, Vec<u8>) {
	thread_local! {
		static PROOFS: std::cell::RefCell<std::collections::BTreeMap<[u8; 32], (Vec<i64>, Vec<u8>)>> = Default::default();
	}
	let binding = leaf_binding(&request.user, request.nonce, &request.executor);
	if let Some(found) = PROOFS.with(|p| p.borrow().get(&binding).cloned()) {
		return found;
	}
	let made = prove_with(&binding, &fixture().input);
	PROOFS.with(|p| p.borrow_mut().insert(binding, made.clone()));
	made
}

/// The reference digits MLP compiled, and the development chain's proving
/// key for it, loaded once per test binary.
fn prover() -> &'static (daifi_zk::Circuit, daifi_zk::ProvingKey) {
	static PROVER: std::sync::OnceLock<(daifi_zk::Circuit, daifi_zk::ProvingKey)> = std::sync::OnceLock::new();
	PROVER.get_or_init(|| {
		let root = format!("{}/../..", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
		let onnx = std::fs::read(format!("{root}/zk-circuits/models/mlp_64_32_10.onnx")).unwrap();
		let pk = std::fs::read(format!("{root}/chain-spec/dev-ceremony/mlp_64_32_10.pk")).unwrap();
		(daifi_zk::compile(&onnx).unwrap(), daifi_zk::from_bytes(&pk).unwrap())
	})
}

/// Runs and proves the reference model on `input`, bound to `binding`.
pub fn prove_with(binding: &[u8; 32], input: &[i64]) -> (Vec<i64>, Vec<u8>) {
	use rand::SeedableRng;
	let (circuit, pk) = prover();
	let rng = &mut rand::rngs::StdRng::seed_from_u64(1);
	let (output, proof) = daifi_zk::prove(circuit, pk, binding, input, rng).unwrap();
	(output, daifi_zk::to_bytes(&proof))
}

/// A batch being built: its leaves (with their proofs' data) and header.
pub struct Built {
	/// The header.
	pub header: HeaderOf<Test>,
	/// The leaves, in order.
	pub leaves: Vec<LeafOf<Test>>,
	/// Each leaf's input, output and proof.
	pub data: Vec<(Vec<i64>, Vec<i64>, Vec<u8>)>,
}

impl Built {
	/// Leaf `index` with its Merkle path.
	pub fn proof(&self, index: u32) -> LeafProofOf<Test> {
		let levels = merkle::levels(self.leaves.iter().map(merkle::leaf_hash).collect());
		LeafProof {
			leaf: self.leaves[index as usize].clone(),
			index,
			path: merkle::path(&levels, index).try_into().unwrap(),
		}
	}

	/// Evidence of leaf `index`'s proof.
	pub fn proof_evidence(&self, index: u32) -> EvidenceOf<Test> {
		let (input, output, proof) = self.data[index as usize].clone();
		Evidence::Proof {
			leaf: self.proof(index),
			input: input.try_into().unwrap(),
			output: output.try_into().unwrap(),
			proof: proof.try_into().unwrap(),
		}
	}

	/// Recomputes the root and the header's tables from the leaves (after a
	/// test changed them), as a committee would that signs what it built.
	pub fn seal(&mut self) {
		self.header.root = merkle::root(self.leaves.iter().map(merkle::leaf_hash).collect());
		self.header.results = self.leaves.len() as u32;
	}

	/// The committee's attestation of the header (signed by `signers`).
	pub fn attest(&self, signers: &[AccountId]) -> TestAttestation {
		let payload = batch_payload(self.header.sequence, BlakeTwo256::hash_of(&self.header));
		TestAttestation {
			epoch: EPOCH,
			payload: BlakeTwo256::hash(&payload),
			signers: signers.to_vec().try_into().unwrap(),
		}
	}

	/// Submits it, signed by three of the four members.
	pub fn submit(&self) -> frame_support::dispatch::DispatchResultWithPostInfo {
		BatchLane::submit_batch(RuntimeOrigin::signed(40), self.header.clone(), self.attest(&COMMITTEE[..3]))
	}
}

/// An honest batch numbered `sequence`: `requests[i]` requests from user
/// `USERS[i]`, sent in turn to `executors` (each following the user's last
/// settled request to its executor; entries grouped by executor), each
/// proven.
pub fn build(sequence: u64, requests: &[u64], executors: &[AccountId]) -> Built {
	let requests: Vec<_> = USERS.iter().copied().zip(requests.iter().copied()).collect();
	build_for(sequence, &requests, executors)
}

/// An honest batch numbered `sequence` of `count` requests from each
/// `(user, count)`, sent in turn to `executors`.
pub fn build_for(sequence: u64, requests: &[(AccountId, u64)], executors: &[AccountId]) -> Built {
	// Request k (in user order) goes to executor k mod n.
	let mut all: Vec<RequestOf<Test>> = vec![];
	let mut users = vec![];
	let mut k = 0;
	for &(user, count) in requests {
		let mut mine: Vec<Vec<RequestOf<Test>>> = vec![vec![]; executors.len()];
		for _ in 0..count {
			let e = k % executors.len();
			let escrow = Escrows::<Test>::get(user, executors[e]);
			let (nonce, spent) =
				mine[e].last().map_or((escrow.nonce, escrow.spent), |r: &RequestOf<Test>| (r.nonce, r.spent));
			mine[e].push(request(user, executors[e], nonce + 1, spent + PRICE));
			k += 1;
		}
		for requests in mine.into_iter().filter(|r| !r.is_empty()) {
			let last = requests.last().unwrap().clone();
			users.push(UserDebit { first_nonce: requests[0].nonce, signature: sign(&last), last });
			all.extend(requests);
		}
	}
	// Leaves grouped by executor.
	let mut leaves = vec![];
	let mut data = vec![];
	let mut entries = vec![];
	for &executor in executors {
		let mine: Vec<_> = all.iter().filter(|r| r.executor == executor).collect();
		if mine.is_empty() {
			continue;
		}
		let mut running = 0;
		for r in &mine {
			let (output, proof) = proven(r);
			running += r.fee;
			leaves.push(Leaf {
				request: (*r).clone(),
				signature: sign(r),
				output_hash: BlakeTwo256::hash_of(&output),
				proof_hash: BlakeTwo256::hash(&proof),
				running,
			});
			data.push((fixture().input, output, proof));
		}
		entries.push(Entry { executor, model: model(), count: mine.len() as u32, gross: running });
	}
	let mut built = Built {
		header: BatchHeader {
			sequence,
			root: H256::zero(),
			results: 0,
			users: users.try_into().unwrap(),
			entries: entries.try_into().unwrap(),
		},
		leaves,
		data,
	};
	built.seal();
	built
}

/// Deposits `amount` into each user's escrow for each of [`P1`] and [`P2`].
pub fn fund(amount: Balance) {
	for user in USERS {
		for executor in [P1, P2] {
			BatchLane::deposit(RuntimeOrigin::signed(user), executor, amount).unwrap();
		}
	}
}

/// `user`'s escrow for `executor`.
pub fn escrow(user: AccountId, executor: AccountId) -> Escrow<Balance, u64> {
	Escrows::<Test>::get(user, executor)
}

/// The free balance of `who`.
pub fn free(who: AccountId) -> Balance {
	pallet_balances::Pallet::<Test>::free_balance(who)
}

/// The bond of provider `who`.
pub fn bond(who: AccountId) -> Balance {
	pallet_compute_staking::Providers::<Test>::get(who).map_or(0, |p| p.active)
}
