//! A test runtime with the real neighbours: balances, compute staking, the
//! model registry (with the committed digits-MLP key and proof) and credits.

use crate::{self as pallet_tasks, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Everything, Randomness},
};
use frame_system::{pallet_prelude::BlockNumberFor, EnsureRoot};
use pallet_model_registry::{fixtures, ModelHash};
use sp_core::H256;
use sp_runtime::{traits::Hash, BuildStorage, Perbill};
use std::{cell::RefCell, collections::BTreeMap};

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
		Credits: pallet_credits,
		TaskMarket: pallet_tasks,
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
	pub const Half: Perbill = Perbill::from_percent(50);
	pub const OnePercent: Perbill = Perbill::from_percent(1);
	pub const EightyPercent: Perbill = Perbill::from_percent(80);
	pub const TenPercent: Perbill = Perbill::from_percent(10);
	/// Room for every assignment the tests make.
	pub const SchedulerWeight: frame_support::weights::Weight = frame_support::weights::Weight::MAX;
	pub const MinReputation: Perbill = Perbill::from_percent(20);
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
	type MaxDeclinesPerSession = ConstU32<MAX_DECLINES>;
	type KeyProof = sp_runtime::testing::TestSignature;
	type DisableOffender = ();
	type Domains = TestDomains;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Self;
	type WeightInfo = ();
}

/// Tasks a provider may decline per session.
pub const MAX_DECLINES: u32 = 2;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_staking::BenchmarkHelper<AccountId, sp_runtime::testing::TestSignature> for Test {
	fn compute_key(provider: &AccountId, seed: u32) -> (AccountId, sp_runtime::testing::TestSignature) {
		let key = 1_000_000 + u64::from(seed);
		(key, sp_runtime::testing::TestSignature(key, pallet_compute_staking::compute_key_message(provider)))
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

impl pallet_credits::Config for Test {
	type GrantOrigin = EnsureRoot<AccountId>;
	type CreditsPerTflop = ConstU128<1_000_000_000_000_000>;
	type WeightInfo = ();
}

/// Per-block randomness like BABE's VRF output: a hash of the block number
/// and [`Salt`]; none when [`NoRandomness`].
pub struct TestRandomness;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for Test {
	fn set_block_randomness(_: u8) {
		NoRandomness::set(false);
	}

	fn one_domain(members: &[AccountId]) {
		TestDomains::set_terms(7, true, None, crate::Preference::Stake);
		for who in members {
			TestDomains::join(*who, Some(7));
		}
	}
}
impl Randomness<Option<H256>, BlockNumberFor<Test>> for TestRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, BlockNumberFor<Test>) {
		let now = System::block_number();
		let value = sp_runtime::traits::BlakeTwo256::hash_of(&(subject, now, Salt::get()));
		((!NoRandomness::get()).then_some(value), now)
	}
}

parameter_types! {
	/// Mixed into the test randomness: another salt, other draws.
	pub static Salt: u64 = 0;
	/// Whether blocks have no randomness.
	pub static NoRandomness: bool = false;
	/// The provider whose compute key this test node holds.
	pub static HeldKey: Option<AccountId> = None;
	/// Whether the test engine fails (as a node whose key is broken would).
	pub static EngineFails: bool = false;
	/// Results the off-chain worker sent: (compute key, task).
	pub static Sent: Vec<(AccountId, TaskId)> = vec![];
	/// Results the off-chain worker sent together: (compute key, tasks).
	pub static SentTogether: Vec<(AccountId, Vec<TaskId>)> = vec![];
	/// Declines the off-chain worker sent: (compute key, task, reason).
	pub static Declined: Vec<(AccountId, TaskId, Vec<u8>)> = vec![];
	/// Models the off-chain worker asked the engine to prepare, in order.
	pub static Prepared: Vec<ModelHash> = vec![];
	/// The number of jobs of each call to the engine.
	pub static Batches: Vec<usize> = vec![];
	/// Outputs the test engine returns for redundant jobs, instead of the
	/// model's, by the provider of the compute key held (a lying executor).
	pub static WrongOutput: bool = false;
	/// Commitments the off-chain worker sent: (compute key, task, commitment).
	pub static Committed: Vec<(AccountId, TaskId, H256)> = vec![];
	/// Reveals the off-chain worker sent: (compute key, task, output, salt).
	pub static Revealed: Vec<(AccountId, TaskId, Vec<i64>, [u8; 32])> = vec![];
	/// Whether this test node's committee members sign what they are asked to.
	pub static CommitteeSigns: bool = false;
	/// Whether no committee has been drawn yet.
	pub static NoCommitteeYet: bool = false;
	/// Attestations the off-chain worker sent: (task, output).
	pub static Attested: Vec<(TaskId, Vec<i64>)> = vec![];
}

/// The test committee: members 30 to 33, of equal weight.
pub const COMMITTEE: [AccountId; 4] = [30, 31, 32, 33];

/// An attestation in tests: who signed which payload (by its hash). The real
/// BLS aggregate is tested in the attestation pallet and end to end.
#[derive(codec::Encode, codec::Decode, codec::DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, scale_info::TypeInfo, codec::MaxEncodedLen)]
pub struct TestAttestation {
	/// blake2-256 of the payload signed.
	pub payload: H256,
	/// The members who signed.
	pub signers: frame_support::BoundedVec<AccountId, ConstU32<4>>,
}

/// An attestation of `output` for task `id` (as it stands) by `signers`.
pub fn attestation(id: TaskId, output: &[i64], signers: &[AccountId]) -> TestAttestation {
	let output: Tensor = output.to_vec().try_into().unwrap();
	let hash = sp_runtime::traits::BlakeTwo256::hash_of(&output);
	let payload = attested_payload(id, &model(), input_hash(id), hash);
	TestAttestation {
		payload: sp_runtime::traits::BlakeTwo256::hash(&payload),
		signers: signers.to_vec().try_into().unwrap(),
	}
}

/// The committee in tests: more than two thirds of [`COMMITTEE`], each
/// signer a member, each once, over the payload given.
pub struct TestCommittee;
impl TaskCommittee<AccountId> for TestCommittee {
	type Attestation = TestAttestation;
	fn verify(attestation: &TestAttestation, payload: &[u8]) -> Result<Vec<AccountId>, sp_runtime::DispatchError> {
		let mut signers = attestation.signers.to_vec();
		signers.sort();
		signers.dedup();
		if signers.len() != attestation.signers.len() || signers.iter().any(|s| !COMMITTEE.contains(s)) {
			return Err("not committee members".into());
		}
		if signers.len() * 3 <= COMMITTEE.len() * 2 {
			return Err("too few signers".into());
		}
		if attestation.payload != sp_runtime::traits::BlakeTwo256::hash(payload) {
			return Err("bad signature".into());
		}
		Ok(signers)
	}
	fn verify_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(4_000_000_000, 0)
	}
	fn is_ready() -> bool {
		!NoCommitteeYet::get()
	}
	fn is_local_member() -> bool {
		CommitteeSigns::get()
	}
	fn attest_locally(payload: &[u8]) -> Option<TestAttestation> {
		CommitteeSigns::get().then(|| TestAttestation {
			payload: sp_runtime::traits::BlakeTwo256::hash(payload),
			signers: COMMITTEE.to_vec().try_into().unwrap(),
		})
	}
	fn send(task: TaskId, output: Tensor, _: TestAttestation) -> Result<(), ()> {
		Attested::mutate(|a| a.push((task, output.into_inner())));
		Ok(())
	}
}

/// The reference model's output on the fixture's input, or a wrong one
/// when [`WrongOutput`].
pub fn redundant_output() -> Vec<i64> {
	let mut output = fixture().output;
	if WrongOutput::get() {
		output[0] += 1;
	}
	output
}

/// The off-chain worker's engine in tests: the key of [`HeldKey`], a
/// real proof of the reference model (or [`EngineFails`]), transactions
/// recorded in [`Sent`], [`SentTogether`] and [`Declined`].
pub struct TestCompute;
impl LocalCompute<AccountId> for TestCompute {
	fn compute_keys() -> Vec<AccountId> {
		HeldKey::get().map(key).into_iter().collect()
	}
	fn prepare(model: &ModelHash) -> ModelReadiness {
		Prepared::mutate(|p| p.push(*model));
		ModelReadiness::Ready
	}
	fn infer_and_prove(jobs: &[ComputeJob]) -> Vec<Result<(Tensor, ProofBytes), Vec<u8>>> {
		Batches::mutate(|b| b.push(jobs.len()));
		jobs.iter()
			.map(|job| {
				if job.model != self::model() || EngineFails::get() {
					return Err(b"no proving key".to_vec());
				}
				let (output, proof) = prove_with(&job.binding, &job.input);
				Ok((output.try_into().unwrap(), proof.try_into().unwrap()))
			})
			.collect()
	}
	fn infer(jobs: &[ComputeJob]) -> Vec<Result<Tensor, Vec<u8>>> {
		Batches::mutate(|b| b.push(jobs.len()));
		jobs.iter()
			.map(|job| {
				if job.model != self::model() || EngineFails::get() {
					return Err(b"model not loaded".to_vec());
				}
				Ok(redundant_output().try_into().unwrap())
			})
			.collect()
	}
	fn commit(key: &AccountId, task: TaskId, _: H256, commitment: H256) -> Result<(), ()> {
		Committed::mutate(|c| c.push((*key, task, commitment)));
		Ok(())
	}
	fn reveal(key: &AccountId, task: TaskId, output: Tensor, salt: [u8; 32]) -> Result<(), ()> {
		Revealed::mutate(|r| r.push((*key, task, output.into_inner(), salt)));
		Ok(())
	}
	fn submit(key: &AccountId, task: TaskId, _: H256, _: Tensor, _: ProofBytes) -> Result<(), ()> {
		Sent::mutate(|s| s.push((*key, task)));
		Ok(())
	}
	fn submit_many(key: &AccountId, _: ModelHash, results: ProvenResults) -> Result<(), ()> {
		SentTogether::mutate(|s| s.push((*key, results.iter().map(|r| r.task).collect())));
		Ok(())
	}
	fn decline(key: &AccountId, task: TaskId, reason: DeclineReason) -> Result<(), ()> {
		Declined::mutate(|d| d.push((*key, task, reason.into_inner())));
		Ok(())
	}
}

/// The reference digits MLP compiled, and the development chain's proving
/// key for it (from its committed ceremony), loaded once per test binary.
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

/// An honest answer to task `id` by `provider`: the fixture's output and a
/// proof bound to the task and the provider.
pub fn proven(id: TaskId, provider: AccountId) -> (Vec<i64>, Vec<u8>) {
	prove_with(&task_binding(id, &provider), &fixture().input)
}

thread_local! {
	static TOKENS: std::cell::RefCell<std::collections::BTreeMap<TaskId, (AccountId, ModelHash, Vec<i64>)>> =
		Default::default();
}

/// Compute NFTs as the tests mint them: id to owner, model and output.
pub struct TestTokens;
impl TestTokens {
	/// Mints Compute NFT `item` to `owner`: `output` of `model`.
	pub fn mint(item: TaskId, owner: AccountId, model: ModelHash, output: Vec<i64>) {
		TOKENS.with(|t| t.borrow_mut().insert(item, (owner, model, output)));
	}
}
impl ComputeTokens<AccountId> for TestTokens {
	fn output_of(item: TaskId, who: &AccountId) -> Result<(ModelHash, Tensor), TokenError> {
		let (owner, model, output) = TOKENS.with(|t| t.borrow().get(&item).cloned()).ok_or(TokenError::Unknown)?;
		if owner != *who {
			return Err(TokenError::NotOwner);
		}
		Ok((model, output.try_into().unwrap()))
	}
}

thread_local! {
	/// Domain members (users and providers).
	pub static DOMAIN_MEMBERS: RefCell<BTreeMap<AccountId, pallet_compute_staking::DomainId>> = RefCell::new(BTreeMap::new());
	/// Domains' terms (any model not in `DOMAIN_BANNED` is allowed).
	pub static DOMAIN_TERMS: RefCell<BTreeMap<pallet_compute_staking::DomainId, crate::DomainTerms>> = RefCell::new(BTreeMap::new());
	/// Models a domain does not allow.
	pub static DOMAIN_BANNED: RefCell<Vec<(pallet_compute_staking::DomainId, ModelHash)>> = RefCell::new(Vec::new());
	/// What crossed a boundary: (home, executor, to, amount).
	pub static CROSSINGS: RefCell<Vec<(Option<u32>, AccountId, Option<u32>, Balance)>> = RefCell::new(Vec::new());
	/// Whether the domains refuse crossings (as past their pair bound).
	pub static REFUSE_CROSSINGS: RefCell<bool> = const { RefCell::new(false) };
}

/// The gateway that receives what crosses a boundary.
pub const GATEWAY: AccountId = 19;

/// Domains as `DOMAIN_MEMBERS` and `DOMAIN_TERMS` say.
pub struct TestDomains;

impl TestDomains {
	/// `who` joins `domain` (its provider record too, if it is one).
	pub fn join(who: AccountId, domain: Option<pallet_compute_staking::DomainId>) {
		DOMAIN_MEMBERS.with(|m| match domain {
			Some(d) => m.borrow_mut().insert(who, d),
			None => m.borrow_mut().remove(&who),
		});
		<ComputeStaking as pallet_compute_staking::ProviderDomains<_>>::set_domain(&who, domain);
	}

	/// `domain` has these terms.
	pub fn set_terms(domain: pallet_compute_staking::DomainId, local: bool, outside_markup: Option<Perbill>, preference: crate::Preference) {
		let terms = crate::DomainTerms { local, outside_markup, model_allowed: true, preference };
		DOMAIN_TERMS.with(|t| t.borrow_mut().insert(domain, terms));
	}
}

impl pallet_compute_staking::DomainOf<AccountId> for TestDomains {
	fn domain_of(who: &AccountId) -> Option<pallet_compute_staking::DomainId> {
		DOMAIN_MEMBERS.with(|m| m.borrow().get(who).copied())
	}
}

impl crate::DomainRules<AccountId, Balance> for TestDomains {
	fn domain_of(who: &AccountId) -> Option<pallet_compute_staking::DomainId> {
		<Self as pallet_compute_staking::DomainOf<_>>::domain_of(who)
	}

	fn terms(domain: pallet_compute_staking::DomainId, model: &ModelHash) -> Option<crate::DomainTerms> {
		let banned = DOMAIN_BANNED.with(|b| b.borrow().contains(&(domain, *model)));
		DOMAIN_TERMS.with(|t| t.borrow().get(&domain).cloned()).map(|mut terms| {
			terms.model_allowed = !banned;
			terms
		})
	}

	fn cross(
		executor: &AccountId,
		home: Option<u32>,
		to: Option<u32>,
		amount: Balance,
	) -> Result<AccountId, sp_runtime::DispatchError> {
		if REFUSE_CROSSINGS.with(|r| *r.borrow()) {
			return Err(sp_runtime::DispatchError::Other("TooManyPairs"));
		}
		CROSSINGS.with(|c| c.borrow_mut().push((home, *executor, to, amount)));
		Ok(GATEWAY)
	}

	fn any() -> bool {
		DOMAIN_TERMS.with(|t| !t.borrow().is_empty())
	}
}

/// Blocks a provider has for its result.
pub const TIMEOUT: u64 = 5;
/// Blocks a task may wait in the queue.
pub const QUEUE_TIMEOUT: u64 = 20;
/// Blocks a result is kept.
pub const RETENTION: u64 = 50;
/// Most open tasks per account.
pub const MAX_OPEN: u32 = 3;
/// Most results kept per account.
pub const MAX_RETAINED_PER_ACCOUNT: u32 = 3;

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = ModelRegistry;
	type Providers = ComputeStaking;
	type Credits = Credits;
	type LocalCompute = TestCompute;
	type Tokens = TestTokens;
	type Committee = TestCommittee;
	type OnSettled = ();
	type Domains = TestDomains;
	type Randomness = TestRandomness;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Self;
	type BurnedShare = TenPercent;
	type ExecutorShare = EightyPercent;
	type MinReputation = MinReputation;
	type ResultTimeout = ConstU64<TIMEOUT>;
	type QueueTimeout = ConstU64<QUEUE_TIMEOUT>;
	type MaxQueued = ConstU32<4>;
	type MaxAssigned = ConstU32<8>;
	type MaxAssignPerBlock = ConstU32<2>;
	type SchedulerWeight = SchedulerWeight;
	type MaxOpenPerAccount = ConstU32<MAX_OPEN>;
	type ResultRetention = ConstU64<RETENTION>;
	type MaxRetained = ConstU32<8>;
	type MaxRetainedPerAccount = ConstU32<MAX_RETAINED_PER_ACCOUNT>;
	type WeightInfo = ();
}

/// The user.
pub const USER: AccountId = 1;
/// The model developer.
pub const DEV: AccountId = 2;
/// Providers 10, 11 (both serve the model), with compute keys 110, 111.
pub const P1: AccountId = 10;
/// The second provider.
pub const P2: AccountId = 11;
/// Everyone starts with this much.
pub const FUNDS: Balance = 1_000_000;
/// The model's price.
pub const PRICE: Balance = 1_000;
/// Each provider's bond.
pub const BOND: Balance = 10_000;

/// The compute key of provider `who`.
pub fn key(who: AccountId) -> AccountId {
	who + 100
}

/// The hash the digits MLP is registered under.
pub fn model() -> ModelHash {
	ModelHash::repeat_byte(7)
}

/// The committed input, output and proof.
pub fn fixture() -> fixtures::Fixture {
	fixtures::mlp_64_32_10()
}

/// State: funded accounts 1..=20; the digits MLP registered (price 1,000,
/// developer 2); providers 10 and 11 serving it; 5,000 credits for the user.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=20).map(|a| (a, FUNDS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut profile = pallet_compute_staking::NodeProfile {
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
	let mut providers = vec![];
	for who in [P1, P2] {
		providers.push((who, key(who), BOND, profile.clone()));
		profile.latency = pallet_compute_staking::LatencyClass::Medium;
	}
	pallet_compute_staking::GenesisConfig::<Test> {
		providers,
		validator_count: 2,
		minimum_validator_count: 1,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_model_registry::GenesisConfig::<Test> {
		phase1: vec![(fixtures::dev_phase1_hash(), fixtures::dev_phase1_result([DEV, DEV + 1, DEV + 2]))],
		models: vec![(model(), fixtures::mlp_64_32_10_model(DEV, PRICE))],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_credits::GenesisConfig::<Test> { credits: vec![(USER, 5_000)] }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test`, then checks every pallet's invariants and that no funds were
/// created or lost: issuance equals the sum of all balances and changed only
/// by slashes and the burned shares of fees paid in DAi.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		test();
		TaskMarket::do_try_state().expect("task invariants");
		ComputeStaking::do_try_state().expect("staking invariants");
		Credits::do_try_state().expect("credit invariants");
		let total: Balance =
			frame_system::Account::<Test>::iter().map(|(_, a)| a.data.free + a.data.reserved).sum();
		let now = pallet_balances::TotalIssuance::<Test>::get();
		assert_eq!(total, now, "issuance equals the sum of balances");
		let mut paid_in_credits = std::collections::BTreeSet::new();
		let mut destroyed: Balance = 0;
		for record in System::events() {
			match record.event {
				RuntimeEvent::TaskMarket(Event::TaskSubmitted { task, payment: Payment::Credits, .. }) => {
					paid_in_credits.insert(task);
				},
				RuntimeEvent::ComputeStaking(pallet_compute_staking::Event::Slashed { amount, .. }) =>
					destroyed += amount,
				RuntimeEvent::TaskMarket(Event::TaskCompleted { task, burned, .. }) if !paid_in_credits.contains(&task) =>
					destroyed += burned,
				_ => {},
			}
		}
		assert_eq!(issuance - now, destroyed, "only slashes and burned fees change issuance");
	});
}

/// Runs `test` as an off-chain worker (with off-chain storage), then
/// forgets what the test engine, keys and committee recorded.
pub fn with_offchain(test: impl FnOnce()) {
	use sp_core::offchain::{testing::TestOffchainExt, OffchainDbExt, OffchainWorkerExt};
	let mut ext = new_test_ext();
	let (offchain, _) = TestOffchainExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.execute_with(test);
	HeldKey::set(None);
	EngineFails::set(false);
	WrongOutput::set(false);
	CommitteeSigns::set(false);
	NoCommitteeYet::set(false);
	Sent::take();
	SentTogether::take();
	Declined::take();
	Prepared::take();
	Batches::take();
	Committed::take();
	Revealed::take();
	Attested::take();
}

/// Advances to block `n`: ends the current block (its assignments), then
/// starts each next one (deadlines, refunds, pruning) and ends each but `n`.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		TaskMarket::on_finalize(System::block_number());
		let next = System::block_number() + 1;
		System::set_block_number(next);
		// A new block starts with nothing used (as `System::initialize` does).
		frame_system::BlockWeight::<Test>::kill();
		TaskMarket::on_initialize(next);
	}
}

/// This pallet's events.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::TaskMarket(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Submits the fixture's input as `USER`, paying `max_fee` in `payment`.
pub fn submit(max_fee: Balance, payment: Payment) -> TaskId {
	submit_as(USER, max_fee, payment)
}

/// Submits the fixture's input as `who`, paying `max_fee` in `payment`.
pub fn submit_as(who: AccountId, max_fee: Balance, payment: Payment) -> TaskId {
	let id = NextTaskId::<Test>::get();
	frame_support::assert_ok!(TaskMarket::submit_task(
		RuntimeOrigin::signed(who),
		model(),
		TaskInput::Values(fixture().input.try_into().unwrap()),
		Verification::Zk,
		max_fee,
		payment
	));
	id
}

/// The other provider.
pub fn other(provider: AccountId) -> AccountId {
	if provider == P1 { P2 } else { P1 }
}

/// The provider task `id` is assigned to.
pub fn assignee(id: TaskId) -> Option<AccountId> {
	match Tasks::<Test>::get(id)?.status {
		TaskStatus::Assigned { provider, .. } => Some(provider),
		_ => None,
	}
}

/// blake2-256 of task `id`'s input (zero for no task): what a result names.
pub fn input_hash(id: TaskId) -> H256 {
	Tasks::<Test>::get(id).map(|t| sp_runtime::traits::BlakeTwo256::hash_of(&t.input)).unwrap_or_default()
}

/// `provider` answers task `id` (as it stands) with `output` and `proof`.
pub fn answer(provider: AccountId, id: TaskId, output: Vec<i64>, proof: Vec<u8>) -> sp_runtime::DispatchResult {
	TaskMarket::submit_result(
		RuntimeOrigin::signed(key(provider)),
		id,
		input_hash(id),
		output.try_into().unwrap(),
		proof.try_into().unwrap(),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// Free balance.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
