//! # Attestation: BLS keys, committees and aggregate signatures
//!
//! The second way a result is verified: not by a proof, but by a committee
//! of providers that checked it and signed. This pallet keeps what the
//! chain needs to trust such a statement with one signature check.
//!
//! - **Keys**: a provider (or its compute key, so its node can do it
//!   unattended) registers one BLS12-381 public key with a proof of
//!   possession ([`bls`]); a key without a valid proof, which is how a
//!   rogue key built from other members' keys would arrive, is refused
//!   (`BadPossession`), and no two providers share a key (`KeyInUse`).
//!   A provider's node derives its key from its compute key and its
//!   off-chain worker registers it ([`LocalCommitteeKeys`]); anyone may reap
//!   the key of an account that is no longer a provider.
//! - **Committees**: at each BABE epoch the committee for the *next* epoch is
//!   drawn, with the randomness BABE fixed for that epoch, weighted by
//!   bond × reputation, without replacement (no provider twice), from the
//!   **candidates recorded one epoch earlier**: the providers that had a key
//!   and at least the minimum bond when the epoch before began, with their
//!   keys and weights then. The randomness comes from that earlier epoch's
//!   VRF outputs, so when it becomes known the candidates are fixed: the
//!   author of the block that completes it cannot try bonds or keys against
//!   it. Keys and weights are copied into the committee, so a key changed
//!   later counts from a later draw. The runtime API shows the current and
//!   the next committee.
//! - **Attestations**: [`Pallet::verify`] checks an [`Attestation`] of a
//!   payload: the committee of the named epoch (the current one, or the
//!   previous one for a statement signed as the epoch ended), a signer
//!   bitfield of exactly the committee's length, signers holding more than
//!   two thirds of the committee's weight (by weight, not head count, so
//!   that splitting a bond over many accounts wins seats but no say), and
//!   one aggregate signature over
//!   [`Pallet::message`]`(epoch, payload)`, which names the chain (its genesis
//!   hash) and the epoch, so a statement is not valid on another chain or
//!   for another committee. The pallets that settle attested work (tasks,
//!   batches) call it with the payload they act on, so an attestation for
//!   one task or batch proves nothing about another.
//!
//! Weights: adding k keys is k G2 additions in wasm; the pairing check
//! runs through polkadot-sdk's BLS12-381 host functions
//! (`sp-crypto-ec-utils`, which every validator's `daifi-node` provides).
//! The draw reads every key holder once: `MaxKeys` bounds it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

pub mod bls;
pub mod gathering;

/// What a committee member signs to attest `payload` in `epoch` on the chain
/// with genesis hash `genesis` ([`Pallet::message`] on chain; off chain, for
/// tools that sign as members do).
pub fn attest_message<Hash: codec::Encode>(genesis: &Hash, epoch: u64, payload: &[u8]) -> [u8; 32] {
	sp_io::hashing::blake2_256(&codec::Encode::encode(&(b"daifi/attest", genesis, epoch, payload)))
}
pub mod runtime_api;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

/// What the committee draw needs from the consensus engine: the epoch in
/// progress and the randomness of the next one (BABE's `NextRandomness`,
/// fixed when the epoch began).
pub trait EpochRandomness {
	/// The index of the epoch in progress.
	fn epoch() -> u64;
	/// The randomness the next epoch's committee is drawn with.
	fn next_randomness() -> [u8; 32];
}

/// What a node's off-chain worker needs for its providers' committee keys,
/// and to share signatures with the other members ([`gathering`]).
pub trait LocalCommitteeKeys<AccountId> {
	/// The compute keys this node holds.
	fn compute_keys() -> alloc::vec::Vec<AccountId>;
	/// The committee key of `compute_key` (derived from it by the node) and
	/// its proof of possession for `owner`.
	fn committee_key(compute_key: &AccountId, owner: &AccountId) -> Option<(bls::PublicKey, bls::Signature)>;
	/// Sends `register_key(key, proof)` signed with `compute_key`.
	fn register(compute_key: &AccountId, key: bls::PublicKey, proof: bls::Signature) -> Result<(), ()>;
	/// `message` signed with the committee key of `compute_key`.
	fn sign(compute_key: &AccountId, message: &[u8]) -> Option<bls::Signature>;
	/// Shares `message` with the other nodes under `topic`.
	fn publish(topic: [u8; 32], message: alloc::vec::Vec<u8>);
	/// What this node and its peers published under `topic`.
	fn received(topic: [u8; 32]) -> alloc::vec::Vec<alloc::vec::Vec<u8>>;
}

impl<AccountId> LocalCommitteeKeys<AccountId> for () {
	fn compute_keys() -> alloc::vec::Vec<AccountId> {
		alloc::vec::Vec::new()
	}
	fn committee_key(_: &AccountId, _: &AccountId) -> Option<(bls::PublicKey, bls::Signature)> {
		None
	}
	fn register(_: &AccountId, _: bls::PublicKey, _: bls::Signature) -> Result<(), ()> {
		Err(())
	}
	fn sign(_: &AccountId, _: &[u8]) -> Option<bls::Signature> {
		None
	}
	fn publish(_: [u8; 32], _: alloc::vec::Vec<u8>) {}
	fn received(_: [u8; 32]) -> alloc::vec::Vec<alloc::vec::Vec<u8>> {
		alloc::vec::Vec::new()
	}
}

/// Blocks the off-chain worker waits before sending a provider's key again
/// (its transaction may still be in the pool).
pub const RESEND_AFTER: u32 = 10;

/// What the benchmarks need the runtime to prepare.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A provider (numbered `i`) with the minimum bond and some reputation.
	fn provider(i: u32) -> AccountId;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::bls::{self, BlsError, PublicKey, Signature};
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use pallet_compute_staking::ComputeProviders;
	use sp_runtime::traits::{Saturating, UniqueSaturatedInto};

	/// A committee in this runtime.
	pub type CommitteeOf<T> = Committee<<T as frame_system::Config>::AccountId, <T as Config>::MaxCommitteeSize>;
	/// The candidates of a draw in this runtime.
	pub type CandidatesOf<T> =
		BoundedVec<CommitteeMember<<T as frame_system::Config>::AccountId>, <T as Config>::MaxKeys>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The provider registry: who is a provider, its compute key, its bond
		/// and reputation.
		type Providers: ComputeProviders<Self::AccountId, Balance: UniqueSaturatedInto<u128>>;

		/// The epoch and the randomness committees are drawn with.
		type Epochs: EpochRandomness;

		/// The node's compute keys and their committee keys (off-chain
		/// workers only).
		type LocalKeys: LocalCommitteeKeys<Self::AccountId>;

		/// Who may change the committee size (root until the chambers govern).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The largest committee (at most [`MAX_COMMITTEE`]).
		#[pallet::constant]
		type MaxCommitteeSize: Get<u32>;

		/// The most providers with a registered key.
		#[pallet::constant]
		type MaxKeys: Get<u32>;

		/// Makes providers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Each provider's BLS key.
	#[pallet::storage]
	pub type Keys<T: Config> = CountedStorageMap<_, Blake2_128Concat, T::AccountId, RegisteredKey, OptionQuery>;

	/// Who registered each key (a key belongs to one provider).
	#[pallet::storage]
	pub type KeyOwners<T: Config> = StorageMap<_, Blake2_128Concat, PublicKey, T::AccountId, OptionQuery>;

	/// How many members the next committees have (fewer if fewer providers
	/// qualify).
	#[pallet::storage]
	pub type CommitteeSize<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The committee of the epoch in progress.
	#[pallet::storage]
	pub type CurrentCommittee<T: Config> = StorageValue<_, CommitteeOf<T>, OptionQuery>;

	/// The committee of the epoch before (its attestations are still taken).
	#[pallet::storage]
	pub type PreviousCommittee<T: Config> = StorageValue<_, CommitteeOf<T>, OptionQuery>;

	/// The committee of the next epoch, already drawn.
	#[pallet::storage]
	pub type NextCommittee<T: Config> = StorageValue<_, CommitteeOf<T>, OptionQuery>;

	/// The epoch [`NextCommittee`] serves (read every block, so kept apart
	/// from the committee itself).
	#[pallet::storage]
	pub type DrawnFor<T: Config> = StorageValue<_, u64, OptionQuery>;

	/// The candidates of the next draw, recorded when this epoch began, and
	/// that epoch.
	#[pallet::storage]
	pub type Candidates<T: Config> = StorageValue<_, (u64, CandidatesOf<T>), OptionQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The committee size.
		pub committee_size: u32,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		/// Committees of 16 (or `MaxCommitteeSize` if smaller).
		fn default() -> Self {
			Self { committee_size: T::MaxCommitteeSize::get().min(16), _config: Default::default() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				(1..=T::MaxCommitteeSize::get()).contains(&self.committee_size),
				"the committee size is between 1 and MaxCommitteeSize"
			);
			CommitteeSize::<T>::put(self.committee_size);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `provider` registered `key` (replacing any key it had).
		KeyRegistered { provider: T::AccountId, key: PublicKey },
		/// `provider`'s key was removed (by itself, or by anyone once it was
		/// no longer a provider).
		KeyRemoved { provider: T::AccountId },
		/// The committee of `epoch` was drawn.
		CommitteeDrawn { epoch: u64, members: Vec<T::AccountId> },
		/// Committees from the next draw have `size` members.
		CommitteeSizeSet { size: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is neither a provider with the minimum bond nor the
		/// compute key of one.
		NotAProvider,
		/// The key is not a valid G2 point (or is the identity).
		BadKey,
		/// The proof of possession does not verify for the key.
		BadPossession,
		/// Another provider registered this key.
		KeyInUse,
		/// As many providers as `MaxKeys` have keys.
		TooManyKeys,
		/// The provider has no key.
		NoKey,
		/// The key's owner is still a provider: only it may remove its key.
		StillAProvider,
		/// The committee size is zero or above `MaxCommitteeSize`.
		BadCommitteeSize,
		/// No committee of this epoch can attest now.
		UnknownEpoch,
		/// The bitfield is not the committee's length, or names members it
		/// does not have.
		BadBitfield,
		/// Signers of two thirds of the committee's weight or less.
		TooFewSigners,
		/// The aggregate signature is not a valid G1 point.
		BadSignaturePoint,
		/// The aggregate signature does not verify for the signers and the
		/// payload.
		BadSignature,
		/// The account is not a member of that epoch's committee.
		NotAMember,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			let epoch = T::Epochs::epoch();
			let drawn_for = DrawnFor::<T>::get();
			if drawn_for.is_some_and(|next| next > epoch) {
				return T::DbWeight::get().reads(1);
			}
			let candidates = Self::rotate(epoch);
			// After skipped epochs (or at the first block) the current
			// committee is drawn too: two draws.
			let draws = if drawn_for == Some(epoch) { 1 } else { 2 };
			T::WeightInfo::rotate(candidates, CommitteeSize::<T>::get()).saturating_mul(draws)
		}

		/// Registers the committee key of each provider whose compute key this
		/// node holds, when the chain does not have it yet (or has another):
		/// a provider's node joins committees without its operator doing
		/// anything. Sent again after [`RESEND_AFTER`] blocks if it did not
		/// land.
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::register_local_keys(now);
		}

		fn integrity_test() {
			assert!(T::MaxCommitteeSize::get() <= MAX_COMMITTEE, "MaxCommitteeSize fits the bitfield");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers `key` for the caller's provider, with `proof`, the key's
		/// signature over its own bytes and the provider's account under the
		/// possession tag ([`bls::SecretKey::prove_possession`]). Signed by
		/// the provider or by its compute key. Replaces the provider's key
		/// (for the candidates recorded from the next epoch on).
		///
		/// Errors: `NotAProvider`, `BadKey`, `BadPossession`, `KeyInUse`,
		/// `TooManyKeys`. Event: `KeyRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_key())]
		pub fn register_key(origin: OriginFor<T>, key: PublicKey, proof: Signature) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let provider = Self::provider_for(&who)?;
			let stored = key.check_possession(&proof, &provider.encode()).map_err(|e| match e {
				BlsError::BadPossession => Error::<T>::BadPossession,
				_ => Error::<T>::BadKey,
			})?;
			match KeyOwners::<T>::get(key) {
				Some(owner) if owner != provider => return Err(Error::<T>::KeyInUse.into()),
				_ => {},
			}
			match Keys::<T>::get(&provider) {
				Some(old) => KeyOwners::<T>::remove(old.public),
				None => ensure!(Keys::<T>::count() < T::MaxKeys::get(), Error::<T>::TooManyKeys),
			}
			Keys::<T>::insert(&provider, RegisteredKey { public: key, stored });
			KeyOwners::<T>::insert(key, &provider);
			Self::deposit_event(Event::KeyRegistered { provider, key });
			Ok(())
		}

		/// Removes the caller's provider's key (signed by the provider or its
		/// compute key): it is not drawn again. A committee it sits on keeps
		/// it until its epoch ends.
		///
		/// Errors: `NoKey`. Event: `KeyRemoved`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_key())]
		pub fn remove_key(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let provider = T::Providers::provider_of(&who).unwrap_or(who);
			let old = Keys::<T>::take(&provider).ok_or(Error::<T>::NoKey)?;
			KeyOwners::<T>::remove(old.public);
			Self::deposit_event(Event::KeyRemoved { provider });
			Ok(())
		}

		/// Removes the key of `provider`, which is no longer a provider (it
		/// left, or fell below the minimum bond): anyone may, so keys of
		/// departed providers do not fill `MaxKeys`.
		///
		/// Errors: `StillAProvider`, `NoKey`. Event: `KeyRemoved`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::reap_key())]
		pub fn reap_key(origin: OriginFor<T>, provider: T::AccountId) -> DispatchResult {
			ensure_signed(origin)?;
			ensure!(T::Providers::view_of(&provider).is_none(), Error::<T>::StillAProvider);
			let old = Keys::<T>::take(&provider).ok_or(Error::<T>::NoKey)?;
			KeyOwners::<T>::remove(old.public);
			Self::deposit_event(Event::KeyRemoved { provider });
			Ok(())
		}

		/// Sets the size of the committees drawn from now on.
		///
		/// Errors: `BadCommitteeSize`. Event: `CommitteeSizeSet`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_committee_size())]
		pub fn set_committee_size(origin: OriginFor<T>, size: u32) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!((1..=T::MaxCommitteeSize::get()).contains(&size), Error::<T>::BadCommitteeSize);
			CommitteeSize::<T>::put(size);
			Self::deposit_event(Event::CommitteeSizeSet { size });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// What a committee member signs to attest `payload` in `epoch`:
		/// blake2-256 of a tag, the chain's genesis hash, the epoch and the
		/// payload. A digest, so that a node can check a member's signature
		/// from it alone (it is also the gossip topic the signatures travel
		/// under, see [`gathering`]).
		pub fn message(epoch: u64, payload: &[u8]) -> [u8; 32] {
			attest_message(&frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::from(0u32)), epoch, payload)
		}

		/// Checks `attestation` of `payload` and returns who signed it, in
		/// committee order. Changes nothing.
		///
		/// Errors: `UnknownEpoch` (neither the current nor the previous
		/// epoch), `BadBitfield`, `TooFewSigners`, `BadSignaturePoint`,
		/// `BadSignature`.
		pub fn verify(attestation: &Attestation, payload: &[u8]) -> Result<Vec<T::AccountId>, Error<T>> {
			let committee = Self::committee_of(attestation.epoch)?;
			let members = &committee.members;
			let bits = &attestation.signers;
			ensure!(bits.len() == members.len().div_ceil(8), Error::<T>::BadBitfield);
			let signed = |i: usize| bits[i / 8] & (1 << (i % 8)) != 0;
			let count = (0..bits.len() * 8).filter(|&i| signed(i)).count();
			let signers: Vec<&CommitteeMember<T::AccountId>> =
				members.iter().enumerate().filter(|(i, _)| signed(*i)).map(|(_, m)| m).collect();
			// A bit past the last member names nobody.
			ensure!(signers.len() == count, Error::<T>::BadBitfield);
			let signed = signers.iter().fold(0u128, |sum, m| sum.saturating_add(m.weight));
			ensure!(committee.is_quorum(signed), Error::<T>::TooFewSigners);
			let message = Self::message(attestation.epoch, payload);
			bls::verify_aggregate(signers.iter().map(|m| &m.key), &message, &attestation.signature).map_err(
				|e| match e {
					BlsError::BadPoint => Error::<T>::BadSignaturePoint,
					_ => Error::<T>::BadSignature,
				},
			)?;
			Ok(signers.into_iter().map(|m| m.who.clone()).collect())
		}

		/// Checks that `member` of the committee of `epoch` (the current or
		/// the previous one) signed `payload` ([`Pallet::message`]) alone: the
		/// evidence of an equivocation. Changes nothing.
		///
		/// Errors: `UnknownEpoch`, `NotAMember`, `BadSignaturePoint`,
		/// `BadSignature`.
		pub fn verify_member(
			epoch: u64,
			member: &T::AccountId,
			payload: &[u8],
			signature: &Signature,
		) -> Result<(), Error<T>> {
			let committee = Self::committee_of(epoch)?;
			let key = &committee.members.iter().find(|m| m.who == *member).ok_or(Error::<T>::NotAMember)?.key;
			bls::verify(key, &Self::message(epoch, payload), signature).map_err(|e| match e {
				BlsError::BadPoint => Error::<T>::BadSignaturePoint,
				_ => Error::<T>::BadSignature,
			})
		}

		/// The committee of `epoch`, if it is the current or the previous one.
		pub(crate) fn committee_of(epoch: u64) -> Result<CommitteeOf<T>, Error<T>> {
			CurrentCommittee::<T>::get()
				.filter(|c| c.epoch == epoch)
				.or_else(|| PreviousCommittee::<T>::get().filter(|c| c.epoch == epoch))
				.ok_or(Error::<T>::UnknownEpoch)
		}

		/// See [`Hooks::offchain_worker`].
		fn register_local_keys(now: BlockNumberFor<T>) {
			use sp_runtime::offchain::storage::StorageValueRef;
			for compute_key in T::LocalKeys::compute_keys() {
				let Some(provider) = T::Providers::provider_of(&compute_key) else { continue };
				if T::Providers::view_of(&provider).is_none() {
					continue;
				}
				let Some((key, proof)) = T::LocalKeys::committee_key(&compute_key, &provider) else { continue };
				if Keys::<T>::get(&provider).is_some_and(|k| k.public == key) {
					continue;
				}
				let sent = (b"daifi/attestation/sent", &provider, key).encode();
				let due = StorageValueRef::persistent(&sent)
					.mutate(|at: Result<Option<BlockNumberFor<T>>, _>| match at {
						Ok(Some(at)) if now < at.saturating_add(RESEND_AFTER.into()) => Err(()),
						_ => Ok(now),
					})
					.is_ok();
				if due {
					let result = T::LocalKeys::register(&compute_key, key, proof);
					log::info!(target: "daifi-attestation", "committee key of {provider:?} sent ({result:?})");
				}
			}
		}

		/// The current and the next committee.
		pub fn committees() -> Committees<T::AccountId> {
			let view = |c: Option<CommitteeOf<T>>, fallback: u64| {
				c.map(|c| (c.epoch, c.accounts())).unwrap_or((fallback, Vec::new()))
			};
			let epoch = T::Epochs::epoch();
			Committees {
				current: view(CurrentCommittee::<T>::get(), epoch),
				next: view(NextCommittee::<T>::get(), epoch.saturating_add(1)),
			}
		}

		/// The provider `who` acts for: itself if it is a provider, or the
		/// provider whose compute key it is.
		fn provider_for(who: &T::AccountId) -> Result<T::AccountId, Error<T>> {
			let provider = T::Providers::provider_of(who).unwrap_or_else(|| who.clone());
			T::Providers::view_of(&provider).map(|_| provider).ok_or(Error::<T>::NotAProvider)
		}

		/// Moves the committees on to `epoch`: the drawn next committee
		/// becomes the current one (or, if none was drawn for `epoch`, as at
		/// the first block or after skipped epochs, one is drawn now from the
		/// providers as they are), the next epoch's is drawn from the
		/// candidates recorded when the epoch before began, and today's
		/// candidates are recorded for the next draw. Returns the most
		/// candidates a draw or the record had (what its weight grows with).
		pub(crate) fn rotate(epoch: u64) -> u32 {
			let randomness = T::Epochs::next_randomness();
			let now = Self::candidates();
			let current = match NextCommittee::<T>::take() {
				Some(next) if next.epoch == epoch => next,
				_ => Self::draw(epoch, now.clone(), &(b"current", randomness).encode()),
			};
			match CurrentCommittee::<T>::take() {
				Some(old) if old.epoch.saturating_add(1) == epoch => PreviousCommittee::<T>::put(old),
				_ => PreviousCommittee::<T>::kill(),
			}
			CurrentCommittee::<T>::put(current);
			let recorded = match Candidates::<T>::take() {
				Some((at, recorded)) if at.saturating_add(1) == epoch => recorded,
				_ => now.clone(),
			};
			let most = recorded.len().max(now.len()) as u32;
			let next = Self::draw(epoch.saturating_add(1), recorded, &randomness);
			Self::deposit_event(Event::CommitteeDrawn { epoch: next.epoch, members: next.accounts() });
			DrawnFor::<T>::put(next.epoch);
			NextCommittee::<T>::put(next);
			Candidates::<T>::put((epoch, now));
			most
		}

		/// The providers with a key, at least the minimum bond and a weight
		/// (bond × reputation) above zero, with their keys and weights.
		pub(crate) fn candidates() -> CandidatesOf<T> {
			let all = Keys::<T>::iter().take(T::MaxKeys::get() as usize).filter_map(|(who, key)| {
				let view = T::Providers::view_of(&who)?;
				let bond: u128 = view.bond.unique_saturated_into();
				let weight = view.reputation.mul_floor(bond);
				(weight > 0).then_some(CommitteeMember { who, key: key.stored, weight })
			});
			BoundedVec::truncate_from(all.collect())
		}

		/// Draws `CommitteeSize` of `candidates`, each with probability
		/// proportional to its weight among those not drawn yet.
		pub(crate) fn draw(epoch: u64, candidates: CandidatesOf<T>, seed: &[u8]) -> CommitteeOf<T> {
			let mut candidates = candidates.into_inner();
			let size = CommitteeSize::<T>::get().min(T::MaxCommitteeSize::get()) as usize;
			let mut total: u128 = candidates.iter().fold(0u128, |sum, c| sum.saturating_add(c.weight));
			let mut members = Vec::with_capacity(size.min(candidates.len()));
			for round in 0..size as u32 {
				if candidates.is_empty() || total == 0 {
					break;
				}
				let hash = sp_io::hashing::blake2_256(&(seed, epoch, round).encode());
				let mut point = u128::from_le_bytes(hash[..16].try_into().expect("16 bytes; qed")) % total;
				let index = candidates
					.iter()
					.position(|c| {
						if point < c.weight {
							true
						} else {
							point -= c.weight;
							false
						}
					})
					.unwrap_or(candidates.len() - 1);
				let member = candidates.swap_remove(index);
				total = total.saturating_sub(member.weight);
				members.push(member);
			}
			Committee { epoch, members: BoundedVec::truncate_from(members) }
		}

		#[cfg(any(feature = "try-runtime", test))]
		pub(crate) fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(Keys::<T>::count() <= T::MaxKeys::get(), "more keys than MaxKeys");
			ensure!(
				Keys::<T>::iter().count() == KeyOwners::<T>::iter().count(),
				"every key has exactly one owner entry"
			);
			for (who, key) in Keys::<T>::iter() {
				ensure!(KeyOwners::<T>::get(key.public) == Some(who), "a key's owner entry names its provider");
				ensure!(key.public.point().is_ok(), "a stored key is a valid point");
			}
			ensure!(
				DrawnFor::<T>::get() == NextCommittee::<T>::get().map(|c| c.epoch),
				"DrawnFor names the next committee's epoch"
			);
			for committee in [PreviousCommittee::<T>::get(), CurrentCommittee::<T>::get(), NextCommittee::<T>::get()]
				.into_iter()
				.flatten()
			{
				let mut accounts = committee.accounts();
				accounts.sort();
				let n = accounts.len();
				accounts.dedup();
				ensure!(accounts.len() == n, "no provider sits twice on a committee");
			}
			Ok(())
		}
	}
}
