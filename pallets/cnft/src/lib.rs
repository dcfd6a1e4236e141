//! # Compute NFTs
//!
//! Every verified task leaves its owner a token: one item of the Compute NFT
//! collection in `pallet-nfts`, whose id is the task's id, and a
//! [`Certificate`] in this pallet that records what was computed and how it
//! was verified (task, model, input and output hashes, the output itself,
//! FLOPs, block, proof hash, verification mode, executor).
//!
//! - **Minting** follows settlement ([`pallet_tasks::OnTaskSettled`]). It
//!   holds a deposit from the task's owner for the certificate's storage
//!   (`DepositBase` plus `DepositPerValue` per output value) and the
//!   token's (`pallet-nfts`' `ItemDeposit`). A mint that cannot happen (too
//!   little free balance for the deposits) changes nothing and emits
//!   [`Event::MintFailed`]: settlement never fails because of it.
//! - **Transfer** like any NFT: `nfts.transfer`, approvals, sales. The
//!   collection belongs to this pallet's account, which nobody can sign
//!   for: nobody else mints into it or changes its items. The deposits stay
//!   with who paid them until the token is burned (as `pallet-nfts`' own
//!   item deposit does): whoever sells a token leaves its deposits locked
//!   until the buyer burns it.
//! - **Composition**: `tasks.submit_task` takes `TaskInput::Cnft(id)` to use
//!   a token's output as the input of a later task; only the token's
//!   current owner may ([`pallet_tasks::ComputeTokens`]), and the new task,
//!   its result and its token record the token as their `source`: a
//!   workflow's steps are linked on chain.
//! - **Batched results** (`pallet-batches`) never touch the chain one by
//!   one, so nothing mints them at settlement: once their batch is
//!   released, the result's user mints its token with
//!   [`Pallet::mint_batched`], showing the result's leaf, its Merkle path
//!   and its output values. The token's id is [`batched_item`] of the
//!   batch and leaf; a user's request is minted once, ever (even after a
//!   burn, or if a wrong batch carried it twice).
//! - **Burning**: [`Pallet::burn`] burns the token and removes the
//!   certificate; both deposits go back to who paid them. A token burned
//!   through `nfts.burn` leaves its certificate behind, which anyone may
//!   remove with [`Pallet::reap`], returning the deposit to its payer.
//!
//! Why `pallet-nfts`: ownership, transfers, approvals, marketplace calls and
//! polkadot.js support exist there and are audited; this pallet adds only
//! what is specific to compute (the certificate, minting on settlement, the
//! ownership check for composition).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		storage::{with_transaction, TransactionOutcome},
		traits::{
			fungible::{self, Inspect, Mutate, MutateHold},
			nonfungibles_v2::{Create, Inspect as NftInspect, Mutate as NftMutate},
			tokens::Precision,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use pallet_nfts::{CollectionConfig, CollectionSettings, ItemConfig, MintSettings};
	use pallet_tasks::{ComputeTokens, TaskId, TaskResult, Tensor, TokenError};
	use sp_runtime::traits::{AccountIdConversion, Saturating};

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A certificate in this runtime.
	pub type CertificateOf<T> = Certificate<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A certificate's storage.
		#[codec(index = 0)]
		CertificateDeposit,
	}

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>> + pallet_nfts::Config<ItemId = TaskId>
	{
		/// The currency certificate deposits are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// This pallet's id: its account owns the Compute NFT collection.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The deposit of a certificate, whatever its size.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// The deposit of each output value a certificate stores.
		#[pallet::constant]
		type DepositPerValue: Get<BalanceOf<Self>>;

		/// Released batches, whose results are minted with their Merkle paths.
		type Batches: pallet_batches::ReleasedResults<Self::AccountId, BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The Compute NFT collection in `pallet-nfts` (created at genesis).
	#[pallet::storage]
	pub type CollectionId<T: Config> = StorageValue<_, T::CollectionId, OptionQuery>;

	/// The certificate of each Compute NFT, by item (= task) id.
	#[pallet::storage]
	pub type Certificates<T: Config> = StorageMap<_, Twox64Concat, TaskId, CertificateOf<T>, OptionQuery>;

	/// Batched results minted so far, by user, executor and request number (the item
	/// id each got), kept after a burn: a request is minted once, ever, even
	/// if a wrong batch carried it at two places and nobody challenged it.
	#[pallet::storage]
	pub type MintedBatchResults<T: Config> =
		StorageMap<_, Blake2_128Concat, (T::AccountId, T::AccountId, u64), TaskId, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		/// Creates the collection, minting the collection deposit (and the
		/// existential deposit) for this pallet's account.
		fn build(&self) {
			let account = Pallet::<T>::account();
			let deposit: u128 = T::CollectionDeposit::get().saturated_into();
			let needed = deposit.saturating_add(<T as Config>::Currency::minimum_balance().saturated_into());
			<T as Config>::Currency::mint_into(&account, needed.saturated_into()).expect("genesis funds the collection");
			let config = CollectionConfig {
				settings: CollectionSettings::all_enabled(),
				max_supply: None,
				mint_settings: MintSettings::default(),
			};
			let id = <pallet_nfts::Pallet<T> as Create<_, _>>::create_collection(&account, &account, &config)
				.expect("the collection deposit was minted");
			CollectionId::<T>::put(id);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Task `item`'s Compute NFT was minted to `owner`.
		Minted { item: TaskId, owner: T::AccountId, model: pallet_model_registry::ModelHash },
		/// Task `task` was settled but no Compute NFT was minted to `owner`
		/// (`error` says why, usually too little free balance for the
		/// deposits). The result and its payment stand.
		MintFailed { task: TaskId, owner: T::AccountId, error: DispatchError },
		/// The certificate of `item` was removed and `deposit` returned to `depositor`.
		Removed { item: TaskId, depositor: T::AccountId, deposit: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No certificate has this id.
		UnknownCertificate,
		/// The signer does not own this Compute NFT.
		NotOwner,
		/// The token still exists: only the certificate of a burned token can be reaped.
		StillExists,
		/// The Compute NFT collection was not created at genesis.
		NoCollection,
		/// The batched result is another account's: only its user mints it.
		NotYourResult,
		/// The output values do not hash to the result's output hash.
		OutputMismatch,
		/// The batched result (its user's request) was minted already.
		AlreadyMinted,
		/// The batch's number is past the batched item ids (2^31 batches).
		NoItemId,
	}

	/// A leaf of a released batch with its path.
	pub type BatchProofOf<T> = <<T as Config>::Batches as pallet_batches::ReleasedResults<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
	>>::Proof;

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Burn a Compute NFT and its certificate; both deposits go back to
		/// who paid them. Signed by its owner. Emits [`Event::Removed`] (and
		/// `pallet-nfts`' `Burned`). Errors: `UnknownCertificate`, `NotOwner`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::burn())]
		pub fn burn(origin: OriginFor<T>, item: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Certificates::<T>::contains_key(item), Error::<T>::UnknownCertificate);
			let collection = CollectionId::<T>::get().ok_or(Error::<T>::NoCollection)?;
			ensure!(
				<pallet_nfts::Pallet<T> as NftInspect<_>>::owner(&collection, &item) == Some(who.clone()),
				Error::<T>::NotOwner
			);
			<pallet_nfts::Pallet<T> as NftMutate<_, _>>::burn(&collection, &item, Some(&who))?;
			Self::remove(item)
		}

		/// Remove the certificate of a Compute NFT burned through
		/// `nfts.burn`; its deposit goes back to who paid it. Signed by
		/// anyone. Emits [`Event::Removed`]. Errors: `UnknownCertificate`,
		/// `StillExists`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::reap())]
		pub fn reap(origin: OriginFor<T>, item: TaskId) -> DispatchResult {
			ensure_signed(origin)?;
			ensure!(Certificates::<T>::contains_key(item), Error::<T>::UnknownCertificate);
			ensure!(Self::owner(item).is_none(), Error::<T>::StillExists);
			Self::remove(item)
		}

		/// Mint the Compute NFT of a result of released batch `sequence`:
		/// `proof` is its leaf with the leaf's index and Merkle path, and
		/// `output` its output values. Signed by the result's user, who
		/// pays the deposits as for a task's token. Emits [`Event::Minted`].
		///
		/// Errors (nothing changes): the batches' `NotReleased` or `BadPath`,
		/// `NotYourResult`, `OutputMismatch`, `AlreadyMinted`, `NoItemId`, or
		/// the currency's if the deposits cannot be held.
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::mint_batched())]
		pub fn mint_batched(
			origin: OriginFor<T>,
			sequence: u64,
			proof: alloc::boxed::Box<BatchProofOf<T>>,
			output: Tensor,
		) -> DispatchResult {
			use pallet_batches::ReleasedResults;
			use sp_runtime::traits::{BlakeTwo256, Hash};
			let who = ensure_signed(origin)?;
			let result = T::Batches::released(sequence, &proof)?;
			ensure!(result.user == who, Error::<T>::NotYourResult);
			ensure!(BlakeTwo256::hash_of(&output) == result.output_hash, Error::<T>::OutputMismatch);
			let item = batched_item(sequence, result.index).ok_or(Error::<T>::NoItemId)?;
			let minted = (who.clone(), result.executor.clone(), result.nonce);
			ensure!(!MintedBatchResults::<T>::contains_key(&minted), Error::<T>::AlreadyMinted);
			Self::issue(Certificate {
				task: item,
				model: result.model,
				input_hash: result.input_hash,
				source: None,
				output_hash: result.output_hash,
				deposit: Self::deposit_for(output.len() as u32),
				output,
				flops: result.flops,
				block: result.released_at,
				// Proven with Groth16, as a task's: the committee checked the
				// proof off chain and anyone could challenge it until the
				// batch was released (the evidence says so; the chain itself
				// verified only a challenged proof).
				verification: pallet_tasks::Verification::Zk,
				evidence: Evidence::Batch {
					sequence,
					index: result.index,
					root: result.root,
					proof_hash: result.proof_hash,
				},
				executor: result.executor,
				depositor: who,
			})?;
			MintedBatchResults::<T>::insert(minted, item);
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// This pallet's account: the collection's owner and admin.
		pub fn account() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}

		/// The owner of Compute NFT `item`, if it exists.
		pub fn owner(item: TaskId) -> Option<T::AccountId> {
			let collection = CollectionId::<T>::get()?;
			<pallet_nfts::Pallet<T> as NftInspect<_>>::owner(&collection, &item)
		}

		/// The deposit of a certificate with `values` output values.
		pub fn deposit_for(values: u32) -> BalanceOf<T> {
			T::DepositPerValue::get().saturating_mul(values.into()).saturating_add(T::DepositBase::get())
		}

		/// Mints task `task`'s Compute NFT to `owner`, or nothing and an error.
		fn mint<B>(
			task: TaskId,
			owner: &T::AccountId,
			result: &TaskResult<T::AccountId, B, BlockNumberFor<T>>,
		) -> DispatchResult {
			Self::issue(Certificate {
				task,
				model: result.model,
				input_hash: result.input_hash,
				source: result.source,
				output_hash: result.output_hash,
				output: result.output.clone(),
				flops: result.flops,
				block: result.settled_at,
				verification: result.verification,
				evidence: Evidence::ProofHash(result.proof_hash),
				executor: result.provider.clone(),
				depositor: owner.clone(),
				deposit: Self::deposit_for(result.output.len() as u32),
			})
		}

		/// Holds `certificate`'s deposit from its depositor, mints its item
		/// to the depositor and stores it. Not transactional: callers roll
		/// back on error.
		fn issue(certificate: CertificateOf<T>) -> DispatchResult {
			let collection = CollectionId::<T>::get().ok_or(Error::<T>::NoCollection)?;
			let (item, owner, model) = (certificate.task, certificate.depositor.clone(), certificate.model);
			<T as Config>::Currency::hold(&HoldReason::CertificateDeposit.into(), &owner, certificate.deposit)?;
			<pallet_nfts::Pallet<T> as NftMutate<_, _>>::mint_into(
				&collection,
				&item,
				&owner,
				&ItemConfig::default(),
				false,
			)?;
			Certificates::<T>::insert(item, certificate);
			Self::deposit_event(Event::Minted { item, owner, model });
			Ok(())
		}

		/// Removes `item`'s certificate and releases its deposit.
		fn remove(item: TaskId) -> DispatchResult {
			let certificate = Certificates::<T>::take(item).ok_or(Error::<T>::UnknownCertificate)?;
			<T as Config>::Currency::release(
				&HoldReason::CertificateDeposit.into(),
				&certificate.depositor,
				certificate.deposit,
				Precision::Exact,
			)?;
			Self::deposit_event(Event::Removed {
				item,
				depositor: certificate.depositor,
				deposit: certificate.deposit,
			});
			Ok(())
		}

		/// Checks that the collection exists and belongs to this pallet's
		/// account, and that every certificate's deposit is held from its payer.
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			use frame_support::traits::fungible::InspectHold;
			let collection = CollectionId::<T>::get().ok_or("no Compute NFT collection")?;
			ensure!(
				<pallet_nfts::Pallet<T> as NftInspect<_>>::collection_owner(&collection) == Some(Self::account()),
				"the Compute NFT collection belongs to someone else"
			);
			let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			for (item, certificate) in Certificates::<T>::iter() {
				ensure!(certificate.task == item, "a certificate under another item's id");
				let entry = owed.entry(certificate.depositor).or_default();
				*entry = entry.saturating_add(certificate.deposit);
			}
			for (who, amount) in owed {
				let held = <T as Config>::Currency::balance_on_hold(&HoldReason::CertificateDeposit.into(), &who);
				ensure!(held == amount, "certificate deposits differ from holds");
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	/// Each settled task mints its Compute NFT to the task's owner; a mint
	/// that fails changes nothing and is reported as [`Event::MintFailed`].
	impl<T: Config, B> pallet_tasks::OnTaskSettled<T::AccountId, B, BlockNumberFor<T>> for Pallet<T> {
		fn on_settled(task: TaskId, owner: &T::AccountId, result: &TaskResult<T::AccountId, B, BlockNumberFor<T>>) {
			let minted = with_transaction(|| match Self::mint(task, owner, result) {
				Ok(()) => TransactionOutcome::Commit(Ok(())),
				Err(error) => TransactionOutcome::Rollback(Err(error)),
			});
			if let Err(error) = minted {
				Self::deposit_event(Event::MintFailed { task, owner: owner.clone(), error });
			}
		}
	}

	/// The market reads Compute NFTs through this to chain tasks.
	impl<T: Config> ComputeTokens<T::AccountId> for Pallet<T> {
		fn output_of(item: TaskId, who: &T::AccountId) -> Result<(pallet_model_registry::ModelHash, Tensor), TokenError> {
			let owner = Self::owner(item).ok_or(TokenError::Unknown)?;
			let certificate = Certificates::<T>::get(item).ok_or(TokenError::Unknown)?;
			if owner != *who {
				return Err(TokenError::NotOwner);
			}
			Ok((certificate.model, certificate.output))
		}
	}

	use sp_runtime::SaturatedConversion;
}
