//! Compute NFTs (one per verified result) on `pallet-nfts`. The chain is
//! not a general NFT platform: no one creates collections (the Compute NFT
//! collection is made at genesis), and attributes and swaps are off, so a
//! token carries nothing but its certificate; transfers, approvals and sales
//! work.

use frame_support::{
	parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU32, NeverEnsureOrigin},
	PalletId,
};
use frame_system::EnsureRoot;
use pallet_nfts::{PalletFeature, PalletFeatures};
use sp_runtime::traits::Verify;

use crate::{AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeEvent, RuntimeHoldReason, Signature, System, DAI, DAYS, MILLI_DAI};

/// Storage deposits are 0.1 milli-DAi per byte (10 DAi a 100 KB), returned
/// when the storage is freed.
const PER_BYTE: Balance = MILLI_DAI / 10;

parameter_types! {
	pub Features: PalletFeatures = PalletFeatures::from_disabled(PalletFeature::Attributes | PalletFeature::Swaps);
	pub const CollectionDeposit: Balance = 10 * DAI;
	pub const ItemDeposit: Balance = 10 * MILLI_DAI;
	pub const MetadataDepositBase: Balance = 10 * MILLI_DAI;
	pub const AttributeDepositBase: Balance = 10 * MILLI_DAI;
	pub const DepositPerByte: Balance = PER_BYTE;
	pub const MaxDeadlineDuration: BlockNumber = 30 * DAYS;
	pub const CnftPalletId: PalletId = PalletId(*b"daifi/nf");
	/// A certificate without its output is about 250 bytes.
	pub const CertificateDepositBase: Balance = 250 * PER_BYTE;
	/// Each output value takes 8 bytes.
	pub const CertificateDepositPerValue: Balance = 8 * PER_BYTE;
}

impl pallet_nfts::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type CollectionId = u32;
	/// A Compute NFT's item id is its task's id.
	type ItemId = pallet_tasks::TaskId;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<NeverEnsureOrigin<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type Locker = ();
	type CollectionDeposit = CollectionDeposit;
	type ItemDeposit = ItemDeposit;
	type MetadataDepositBase = MetadataDepositBase;
	type AttributeDepositBase = AttributeDepositBase;
	type DepositPerByte = DepositPerByte;
	type StringLimit = ConstU32<256>;
	type KeyLimit = ConstU32<64>;
	type ValueLimit = ConstU32<256>;
	/// Approvals live in the item's record, which the item deposit pays for.
	type ApprovalsLimit = ConstU32<4>;
	type ItemAttributesApprovalsLimit = ConstU32<1>;
	type MaxTips = ConstU32<10>;
	type MaxDeadlineDuration = MaxDeadlineDuration;
	type MaxAttributesPerCall = ConstU32<10>;
	type Features = Features;
	type OffchainSignature = Signature;
	type OffchainPublic = <Signature as Verify>::Signer;
	type WeightInfo = pallet_nfts::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type Helper = ();
	type BlockNumberProvider = System;
}

impl pallet_cnft::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type PalletId = CnftPalletId;
	type DepositBase = CertificateDepositBase;
	type DepositPerValue = CertificateDepositPerValue;
	type Batches = crate::Batches;
	type WeightInfo = pallet_cnft::weights::SubstrateWeight<Runtime>;
}
