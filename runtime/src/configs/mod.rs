//! Pallet configurations, one file per group: `system` (here), consensus
//! (BABE, GRANDPA, session, timestamp), staking (compute staking, historical
//! sessions, offences), market (model registry, tasks, credits), rewards
//! (Proof-of-Compute emission), cnft (Compute NFTs on pallet-nfts), monetary (balances, fees), governance
//! (the three chambers, dynamic parameters) and administration (utility, sudo).

mod administration;
mod attestation;
mod batches;
mod cnft;
mod consensus;
mod domains;
pub mod governance;
mod market;
mod monetary;
mod offchain;
mod rewards;
mod staking;

pub use consensus::EpochDuration;
pub use governance::{dynamic_params, EnsureChambers, RuntimeParameters, MAX_MEMBERS};
pub use rewards::genesis_reward_params;
pub use staking::MIN_BOND;

use frame_support::{
	derive_impl, dispatch::DispatchClass, parameter_types,
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
};
use frame_system::limits::{BlockLength, BlockWeights};
use sp_runtime::Perbill;
use sp_version::RuntimeVersion;

use super::{
	AccountId, Balance, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, RuntimeTask, VERSION,
};

/// Share of a block's weight and length that ordinary transactions may use;
/// the rest is kept for operational ones (e.g. equivocation reports).
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// One second of compute per two-second block, the rest is for import and
	/// networking (four validators share two cores on the test machine).
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// Blocks of at most 5 MiB, 75% of it for ordinary transactions.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	/// The generic Substrate SS58 prefix: addresses start with 5.
	pub const SS58Prefix: u16 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores its state in ParityDB.
	type DbWeight = frame_support::weights::constants::ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = frame_support::traits::ConstU32<16>;
}

/// Transactions the runtime itself creates: equivocation reports (unsigned,
/// submitted by the node's BABE and GRANDPA workers) and task results (signed
/// by a provider's compute key in its off-chain worker).
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = super::UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> super::UncheckedExtrinsic {
		super::UncheckedExtrinsic::new_bare(call)
	}
}

impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <super::Signature as sp_runtime::traits::Verify>::Signer;
	type Signature = super::Signature;
}

/// A transaction signed in an off-chain worker carries the same extensions as
/// one from polkadot.js: mortal (valid for [`offchain::MORTALITY`] blocks from
/// the parent of the block being processed, whose hash every node has), no
/// tip, the nonce the caller chose.
impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: Self::Public,
		account: AccountId,
		nonce: Nonce,
	) -> Option<super::UncheckedExtrinsic> {
		use codec::Encode;
		let extension: super::TxExtension = (
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::mortal(
				offchain::MORTALITY,
				u64::from(frame_system::Pallet::<Runtime>::block_number().saturating_sub(1)),
			)),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		);
		let payload = super::SignedPayload::new(call, extension).ok()?;
		let signature = payload.using_encoded(|bytes| A::sign(bytes, public))?;
		let (call, extension, _) = payload.deconstruct();
		let address = sp_runtime::MultiAddress::Id(account);
		Some(super::UncheckedExtrinsic::new_signed(call, address, signature, extension))
	}
}
