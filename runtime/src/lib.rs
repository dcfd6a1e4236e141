//! # DAiFi runtime
//!
//! The state transition function of the DAiFi chain: BABE block production,
//! GRANDPA finality, sessions that can change the validator set every epoch,
//! balances of the native token DAi, transaction payment, timestamp, utility and
//! (in the development and local presets only) sudo.
//!
//! Pallet configurations live in [`configs`], runtime APIs in [`apis`] and the
//! genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` grows past the default recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// The keys a validator registers for a session: BABE for block production,
	/// GRANDPA for finality.
	pub struct SessionKeys {
		/// BABE (sr25519) block production key.
		pub babe: Babe,
		/// GRANDPA (ed25519) finality key.
		pub grandpa: Grandpa,
	}
}

/// The runtime version: bump `spec_version` with every runtime upgrade.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("daifi"),
	impl_name: alloc::borrow::Cow::Borrowed("daifi-node"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Block times and the BABE epoch.
///
/// Two-second slots keep a compute market responsive: a task waits on average
/// one second for the block that includes (and assigns) it, and its proven
/// result is settled one block later; an epoch (and so a session, when the
/// validator set can change) is one minute.
pub mod time {
	use super::BlockNumber;

	/// Target block time. BABE's secondary slots make (almost) every slot a block.
	pub const MILLISECS_PER_BLOCK: u64 = 2000;
	/// A BABE slot is one block time.
	pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
	/// One minute, in blocks.
	pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
	/// One hour, in blocks.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// One day, in blocks.
	pub const DAYS: BlockNumber = HOURS * 24;
	/// Length of a BABE epoch and of a session, in slots: one minute.
	///
	/// Each session Proof-of-Compute re-selects the validators from the
	/// compute verified in the last session, so short sessions let the set
	/// follow the work quickly (a provider that joins validates within two
	/// minutes). Epochs cannot change length after genesis.
	pub const EPOCH_DURATION_IN_SLOTS: u64 = MINUTES as u64;
	/// BABE's probability that a slot has a primary leader: 1/4, the rest of the
	/// slots filled by secondary (round-robin, VRF-proved) authors.
	pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
	/// The BABE epoch configuration at genesis.
	pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
		sp_consensus_babe::BabeEpochConfiguration {
			c: PRIMARY_PROBABILITY,
			allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
		};
}
pub use time::*;

/// The native token DAi has 12 decimals: one DAi is 10^12 of its smallest unit.
pub mod currency {
	use super::Balance;

	/// Decimals of DAi, as announced in the chain properties.
	pub const TOKEN_DECIMALS: u32 = 12;
	/// The token symbol, as announced in the chain properties.
	pub const TOKEN_SYMBOL: &str = "DAi";
	/// One DAi.
	pub const DAI: Balance = 1_000_000_000_000;
	/// One thousandth of a DAi.
	pub const MILLI_DAI: Balance = DAI / 1_000;
	/// One millionth of a DAi.
	pub const MICRO_DAI: Balance = DAI / 1_000_000;
	/// The least balance an account may hold (smaller accounts are reaped).
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_DAI;
}
pub use currency::*;

/// An index to a block.
pub type BlockNumber = u32;
/// Signatures: sr25519, ed25519 or ecdsa, as polkadot.js signs them.
pub type Signature = MultiSignature;
/// An account, the public key of its signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance of DAi, in its smallest unit.
pub type Balance = u128;
/// The index of a transaction in its signer's sequence.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The address format for a transaction's sender.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction passes, in order.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

/// An extrinsic as it travels: unchecked, possibly signed.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run at the next runtime upgrade (none yet).
type Migrations = ();

/// Dispatches extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Babe = pallet_babe;

	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;

	// Compute staking builds its genesis providers before Session asks it for
	// the genesis validators, so it is declared (not indexed) before Session.
	#[runtime::pallet_index(9)]
	pub type ComputeStaking = pallet_compute_staking;

	#[runtime::pallet_index(5)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(10)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(11)]
	pub type Offences = pallet_offences;

	#[runtime::pallet_index(12)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(13)]
	pub type ModelRegistry = pallet_model_registry;

	#[runtime::pallet_index(14)]
	pub type Credits = pallet_credits;

	#[runtime::pallet_index(15)]
	pub type Tasks = pallet_tasks;

	#[runtime::pallet_index(16)]
	pub type PocRewards = pallet_poc_rewards;

	#[runtime::pallet_index(17)]
	pub type Nfts = pallet_nfts;

	#[runtime::pallet_index(18)]
	pub type Cnft = pallet_cnft;

	#[runtime::pallet_index(19)]
	pub type Attestation = pallet_attestation;

	#[runtime::pallet_index(20)]
	pub type Batches = pallet_batches;

	#[runtime::pallet_index(21)]
	pub type Tricameral = pallet_tricameral;

	#[runtime::pallet_index(22)]
	pub type Parameters = pallet_parameters;

	#[runtime::pallet_index(23)]
	pub type Domains = pallet_domains;

	#[runtime::pallet_index(6)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(7)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(8)]
	pub type Sudo = pallet_sudo;
}
