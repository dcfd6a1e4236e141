//! # Model registry
//!
//! The whitelist of models the network serves.
//!
//! ## Overview
//!
//! A model is named by its content hash (blake2-256 of its ONNX bytes) and
//! stored with the Groth16 verifying key of its circuit (made by `daifi-zk`),
//! its input and output shapes, its developer, its price per inference, the
//! compute one inference takes, and a URL from which providers fetch the ONNX
//! bytes and the proving key (nodes also load them from a local model
//! directory; the hash is checked either way).
//!
//! Registering and retiring need [`Config::ManagerOrigin`] (root for now; the
//! three chambers later). Registration refuses a duplicate hash, a verifying
//! key that does not decode, and shapes whose sizes do not add up to the
//! key's public inputs (the circuit's public inputs are, in order, the task
//! binding, the input and the output: `input + output + 1`). A retired model stays readable (past tasks refer to it) but
//! takes no new tasks.
//!
//! ## Trusted setup
//!
//! A model's Groth16 key is only as good as its setup, so every model names
//! the sealed phase 1 its key was derived from ([`Model::phase1`], a key of
//! [`Phase1Results`]) and the hash of its phase-2 transcript
//! ([`Model::transcript`]). The chain records and coordinates the phase-1
//! ceremony (powers of tau over BN254); the contributions themselves are
//! files, verified off chain with `daifi-zk` (see [`ceremony`]):
//!
//! 1. `open_phase1` (manager) fixes the size and the initial accumulator;
//! 2. anyone `contribute_phase1`s on top of the current head, with a deposit
//!    ([`Config::Phase1Deposit`], held under [`HoldReason::Phase1Contribution`]);
//!    a contribution that fails verification is rejected by the manager
//!    (`reject_phase1_contribution`), its deposit burned;
//! 3. `close_phase1` (manager) picks the beacon: the hash of a block
//!    [`Config::BeaconDelay`] blocks ahead, which no contributor can choose;
//! 4. `seal_phase1` (manager) records the final accumulator's hash, the
//!    transcript and the beacon in [`Phase1Results`] and releases the deposits.
//!
//! Other pallets read models and verify inference proofs through
//! [`ModelCatalog`]. Verification uses BN254 from `daifi-bn254-host`, whose
//! pairing and multi-scalar multiplication are host functions of the node,
//! against the key in [`CheckedKey`] form (validated once, at registration).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

pub mod ceremony;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod fixtures;

use daifi_bn254_host::Bn254;
use frame_support::weights::Weight;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::boxed::Box;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{self, Inspect},
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::traits::Zero;

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A model record in this runtime.
	pub type ModelOf<T> = Model<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	/// The phase-1 ceremony in progress in this runtime.
	pub type Phase1CeremonyOf<T> = Phase1Ceremony<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	/// A sealed phase 1 in this runtime.
	pub type Phase1ResultOf<T> = Phase1Result<<T as frame_system::Config>::AccountId>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a phase-1 contribution: released when the ceremony
		/// is sealed, burned if the contribution is rejected.
		Phase1Contribution,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency prices are quoted in and ceremony deposits are held in.
		type Currency: Inspect<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Held from each phase-1 contributor until the ceremony is sealed;
		/// burned if the contribution is rejected. Makes floods cost.
		#[pallet::constant]
		type Phase1Deposit: Get<BalanceOf<Self>>;

		/// Blocks between closing a phase-1 ceremony and its beacon block
		/// (above zero: the beacon must be a future block).
		#[pallet::constant]
		type BeaconDelay: Get<BlockNumberFor<Self>>;

		/// Who may register and retire models.
		type ManagerOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Whitelisted (and retired) models by content hash.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelHash, ModelOf<T>, OptionQuery>;

	/// The verifying key of each model in [`CheckedKey`] form: validated when
	/// the model was registered, read by every verification.
	#[pallet::storage]
	pub type CheckedKeys<T: Config> = StorageMap<_, Blake2_128Concat, ModelHash, CheckedKey, OptionQuery>;

	/// The phase-1 ceremony in progress, if any (at most one at a time).
	#[pallet::storage]
	pub type Phase1InProgress<T: Config> = StorageValue<_, Phase1CeremonyOf<T>, OptionQuery>;

	/// Sealed phase-1 ceremonies, by the hash of their final accumulator.
	#[pallet::storage]
	pub type Phase1Results<T: Config> = StorageMap<_, Blake2_128Concat, H256, Phase1ResultOf<T>, OptionQuery>;

	/// A model at genesis: its hash and record.
	pub type GenesisModel<T> = (ModelHash, ModelOf<T>);
	/// A sealed phase 1 at genesis: its final hash and record.
	pub type GenesisPhase1<T> = (H256, Phase1ResultOf<T>);

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Phase-1 results sealed before block 0 (made off line), inserted
		/// before the models.
		pub phase1: alloc::vec::Vec<GenesisPhase1<T>>,
		/// Models whitelisted from block 0 (checked like `register_model`).
		pub models: alloc::vec::Vec<GenesisModel<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (final_hash, result) in &self.phase1 {
				assert!(
					(1..=MAX_PHASE1_POWER).contains(&result.power),
					"genesis phase 1 has a valid power"
				);
				assert!(!Phase1Results::<T>::contains_key(final_hash), "genesis phase-1 hashes are unique");
				Phase1Results::<T>::insert(final_hash, result.clone());
			}
			for (hash, model) in &self.models {
				Pallet::<T>::do_register(*hash, model.clone()).expect("genesis models are valid");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was whitelisted.
		ModelRegistered { model: ModelHash, developer: T::AccountId, price: BalanceOf<T> },
		/// A model was retired: it takes no new tasks.
		ModelRetired { model: ModelHash },
		/// A phase-1 ceremony was opened.
		Phase1Opened {
			/// log2 of the number of powers.
			power: u8,
			/// Hash of the initial accumulator.
			initial: H256,
		},
		/// A phase-1 contribution was recorded (its deposit held).
		Phase1Contributed {
			/// Its position in the ceremony (from 0).
			index: u32,
			/// Who contributed.
			contributor: T::AccountId,
			/// Hash of its output.
			hash: H256,
		},
		/// A phase-1 contribution failed verification: it and every later one
		/// were removed; its deposit was burned, the later ones released.
		Phase1ContributionRejected {
			/// Its position in the ceremony.
			index: u32,
			/// Who made it.
			contributor: T::AccountId,
			/// How many contributions were removed (it and those after it).
			removed: u32,
		},
		/// The phase-1 ceremony takes no more contributions; the hash of
		/// `beacon_block` will be its beacon.
		Phase1Closing {
			/// The block whose hash is the beacon.
			beacon_block: BlockNumberFor<T>,
		},
		/// The phase-1 ceremony was sealed and its deposits released.
		Phase1Sealed {
			/// Hash of the final accumulator (the key of [`Phase1Results`]).
			final_hash: H256,
			/// The beacon it was closed with.
			beacon: H256,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A model with this hash is already registered.
		ModelExists,
		/// No model has this hash.
		UnknownModel,
		/// The model is already retired.
		AlreadyRetired,
		/// The verifying key does not decode as a BN254 Groth16 key.
		MalformedVerifyingKey,
		/// A shape is empty, has a zero dimension, or is too large.
		InvalidShape,
		/// Input and output sizes do not add up to the key's public inputs.
		ShapeMismatch,
		/// The model size or its FLOPs per inference is zero.
		InvalidModel,
		/// The model's `phase1` names no sealed phase 1.
		UnknownPhase1,
		/// The model's `transcript` hash is zero.
		MissingTranscript,
		/// A phase-1 ceremony is already open.
		Phase1InProgress,
		/// The power is 0 or above [`MAX_PHASE1_POWER`].
		InvalidPower,
		/// No phase-1 ceremony is open.
		NoPhase1InProgress,
		/// The ceremony is closed: it takes no contributions or rejections.
		Phase1Closed,
		/// The ceremony is not closed yet.
		Phase1NotClosed,
		/// The contribution does not build on the current head (someone else
		/// contributed first, or a contribution was rejected).
		NotTheHead,
		/// The ceremony has [`MAX_PHASE1_CONTRIBUTIONS`] contributions.
		TooManyContributions,
		/// This account already contributed to this ceremony.
		AlreadyContributed,
		/// The hash is the initial one or a contribution's.
		DuplicateHash,
		/// The deposit cannot be held.
		InsufficientBalance,
		/// No contribution has this index.
		NoSuchContribution,
		/// The ceremony has no contributions to close.
		NoContributions,
		/// The beacon block has not been produced yet (or its hash is no
		/// longer kept).
		BeaconNotYetAvailable,
		/// A phase 1 with this final hash is already recorded.
		Phase1Exists,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::BeaconDelay::get().is_zero(), "BeaconDelay must be above zero");
			assert!(!T::Phase1Deposit::get().is_zero(), "Phase1Deposit must be above zero");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Whitelist a model.
		///
		/// `ManagerOrigin` only. Emits [`Event::ModelRegistered`]. Errors:
		/// `ModelExists`, `InvalidModel`, `UnknownPhase1` (its `phase1` is not
		/// in [`Phase1Results`]), `MissingTranscript` (zero `transcript`),
		/// `InvalidShape`, `MalformedVerifyingKey`, `ShapeMismatch`,
		/// `AlreadyRetired`. O(key length) to decode the key.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model(model.verifying_key.len() as u32))]
		pub fn register_model(
			origin: OriginFor<T>,
			hash: ModelHash,
			model: Box<ModelOf<T>>,
		) -> DispatchResult {
			T::ManagerOrigin::ensure_origin(origin)?;
			Self::do_register(hash, *model)
		}

		/// Retire a model: it stays readable but takes no new tasks.
		///
		/// `ManagerOrigin` only. Emits [`Event::ModelRetired`]. Errors:
		/// `UnknownModel`, `AlreadyRetired`. O(1).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, hash: ModelHash) -> DispatchResult {
			T::ManagerOrigin::ensure_origin(origin)?;
			Models::<T>::try_mutate(hash, |model| {
				let model = model.as_mut().ok_or(Error::<T>::UnknownModel)?;
				ensure!(!model.retired, Error::<T>::AlreadyRetired);
				model.retired = true;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::ModelRetired { model: hash });
			Ok(())
		}

		/// Open a phase-1 ceremony of `2^power` powers of tau whose initial
		/// accumulator hashes to `initial`.
		///
		/// `ManagerOrigin` only. Emits [`Event::Phase1Opened`]. Errors:
		/// `Phase1InProgress` (one is already open), `InvalidPower` (0 or above
		/// [`MAX_PHASE1_POWER`]). O(1).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::open_phase1())]
		pub fn open_phase1(origin: OriginFor<T>, power: u8, initial: H256) -> DispatchResult {
			T::ManagerOrigin::ensure_origin(origin)?;
			Self::do_open_phase1(power, initial)
		}

		/// Record a phase-1 contribution built on `previous` whose output file
		/// hashes to `hash` and is downloadable at `url`; holds
		/// [`Config::Phase1Deposit`] from the caller.
		///
		/// `previous` must be the current head (the last contribution's hash,
		/// or the initial one): of two contributors racing on the same head,
		/// only the first is recorded.
		///
		/// Signed. Emits [`Event::Phase1Contributed`]. Errors:
		/// `NoPhase1InProgress`, `Phase1Closed`, `NotTheHead`,
		/// `TooManyContributions`, `AlreadyContributed` (one per account per
		/// ceremony), `DuplicateHash`, `InsufficientBalance`.
		/// O([`MAX_PHASE1_CONTRIBUTIONS`]).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::contribute_phase1())]
		pub fn contribute_phase1(origin: OriginFor<T>, previous: H256, hash: H256, url: Url) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_contribute_phase1(who, previous, hash, url)
		}

		/// Reject the phase-1 contribution `index`, which failed off-chain
		/// verification: it and every later one (built on it) are removed;
		/// its contributor's deposit is burned, the later ones' released. A
		/// closed ceremony is reopened (its beacon block dropped), so a bad
		/// contribution slipped in before closing cannot freeze it.
		///
		/// `ManagerOrigin` only. Emits [`Event::Phase1ContributionRejected`].
		/// Errors: `NoPhase1InProgress`, `NoSuchContribution`.
		/// O([`MAX_PHASE1_CONTRIBUTIONS`]) (one hold change per removed
		/// contribution).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::reject_phase1_contribution())]
		pub fn reject_phase1_contribution(origin: OriginFor<T>, index: u32) -> DispatchResult {
			T::ManagerOrigin::ensure_origin(origin)?;
			Self::do_reject_phase1_contribution(index)
		}

		/// Close the phase-1 ceremony: no more contributions; its beacon will
		/// be the hash of block `now + BeaconDelay`, which nobody knows yet. A
		/// closed ceremony that was not sealed while the chain kept its beacon
		/// block's hash (`BlockHashCount` blocks) can be closed again with a
		/// new beacon block.
		///
		/// `ManagerOrigin` only. Emits [`Event::Phase1Closing`]. Errors:
		/// `NoPhase1InProgress`, `Phase1Closed` (closed, beacon pending or
		/// still available), `NoContributions`. O(1).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::close_phase1())]
		pub fn close_phase1(origin: OriginFor<T>) -> DispatchResult {
			T::ManagerOrigin::ensure_origin(origin)?;
			Self::do_close_phase1()
		}

		/// Seal the closed phase-1 ceremony: the manager attests it verified
		/// off chain (`daifi-zk`) every contribution and the final
		/// accumulator, made with the beacon, which hashes to `final_hash`
		/// and is published at `url`. Records the result in
		/// [`Phase1Results`], ends the ceremony and releases every deposit.
		///
		/// Must be called after the beacon block and while its hash is kept
		/// (`frame_system`'s `BlockHashCount` blocks).
		///
		/// `ManagerOrigin` only. Emits [`Event::Phase1Sealed`]. Errors:
		/// `NoPhase1InProgress`, `Phase1NotClosed`, `BeaconNotYetAvailable`,
		/// `Phase1Exists`. O([`MAX_PHASE1_CONTRIBUTIONS`]).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::seal_phase1())]
		pub fn seal_phase1(origin: OriginFor<T>, final_hash: H256, url: Url) -> DispatchResult {
			T::ManagerOrigin::ensure_origin(origin)?;
			Self::do_seal_phase1(final_hash, url)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Checks `model` and stores it under `hash`.
		pub(crate) fn do_register(hash: ModelHash, model: ModelOf<T>) -> DispatchResult {
			ensure!(!Models::<T>::contains_key(hash), Error::<T>::ModelExists);
			ensure!(
				model.size > 0 &&
					model.flops > 0 && model.input_min <= model.input_max &&
					(1..=63).contains(&model.output_bits),
				Error::<T>::InvalidModel
			);
			ensure!(Phase1Results::<T>::contains_key(model.phase1), Error::<T>::UnknownPhase1);
			ensure!(!model.transcript.is_zero(), Error::<T>::MissingTranscript);
			let input = shape_len(&model.input_shape).ok_or(Error::<T>::InvalidShape)?;
			let output = shape_len(&model.output_shape).ok_or(Error::<T>::InvalidShape)?;
			let key = daifi_zk_verifier::decode_verifying_key::<Bn254>(&model.verifying_key)
				.map_err(|_| Error::<T>::MalformedVerifyingKey)?;
			let checked: CheckedKey = daifi_zk_verifier::encode_checked_key(&ark_groth16::prepare_verifying_key(&key))
				.try_into()
				.map_err(|_| Error::<T>::MalformedVerifyingKey)?;
			// The binding (see `ModelCatalog::verify`), then the input's and
			// the output's public inputs (packed beyond 128 values).
			ensure!(
				daifi_zk_verifier::public_input_count(&key) == model.layout().public_inputs(input as usize, output as usize),
				Error::<T>::ShapeMismatch
			);
			ensure!(!model.retired, Error::<T>::AlreadyRetired);

			let (developer, price) = (model.developer.clone(), model.price);
			Models::<T>::insert(hash, model);
			CheckedKeys::<T>::insert(hash, checked);
			Self::deposit_event(Event::ModelRegistered { model: hash, developer, price });
			Ok(())
		}
	}
}

/// One proof of a batch ([`Pallet::verify_batch`]): what it claims and its bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProofClaim {
	/// What the proof is bound to.
	pub binding: [u8; 32],
	/// The quantized input.
	pub input: alloc::vec::Vec<i64>,
	/// The quantized output.
	pub output: alloc::vec::Vec<i64>,
	/// The proof (compressed).
	pub proof: alloc::vec::Vec<u8>,
}

impl<T: Config> Pallet<T> {
	/// Verifies many proofs of model `hash` together: one final
	/// exponentiation and one multi-scalar multiplication for all of them
	/// (`daifi_zk_verifier::verify_batch`), each proof weighted as
	/// [`batch_weights`] says. `Ok` only if every proof verifies (but for a
	/// chance near 2^-128); on `InvalidProof` the caller cannot tell which
	/// failed without checking each alone ([`ModelCatalog::verify`]). Its
	/// weight is the `verify_proof_batch` benchmark.
	pub fn verify_batch(hash: &ModelHash, claims: &[ProofClaim]) -> Result<(), VerificationError> {
		use daifi_zk_verifier::{decode_checked_key, decode_proof_with, Claim, VerifyError};
		let key = CheckedKeys::<T>::get(hash).ok_or(VerificationError::UnknownModel)?;
		let layout = Models::<T>::get(hash).ok_or(VerificationError::UnknownModel)?.layout();
		let pvk = decode_checked_key::<Bn254>(&key).map_err(|_| VerificationError::UnknownModel)?;
		let proofs = claims
			.iter()
			.map(|c| decode_proof_with::<Bn254>(&c.proof, daifi_bn254_host::g2_in_subgroup))
			.collect::<Result<alloc::vec::Vec<_>, _>>()
			.map_err(|_| VerificationError::MalformedProof)?;
		let weights = batch_weights(hash, claims);
		let batch: alloc::vec::Vec<Claim<'_, Bn254>> = claims
			.iter()
			.zip(&proofs)
			.map(|(c, proof)| Claim { binding: &c.binding, input: &c.input, output: &c.output, proof })
			.collect();
		daifi_zk_verifier::verify_batch(&pvk, &layout, &batch, &weights).map_err(|e| match e {
			VerifyError::MalformedVerifyingKey => VerificationError::UnknownModel,
			VerifyError::MalformedProof => VerificationError::MalformedProof,
			VerifyError::WrongPublicInputCount { .. } => VerificationError::WrongShape,
			VerifyError::InvalidProof | VerifyError::ValueOutOfRange => VerificationError::InvalidProof,
		})
	}
}

/// The weight of each proof of a batch ([`Pallet::verify_batch`]): 128 bits
/// of `blake2_256(blake2_256(tag, model, every claim whole), index)`. Every
/// claim is hashed whole (binding, input, output and proof), not the proofs
/// alone: the batch check sums each public input weighted by `r_i` over the
/// proofs, so a prover who knew the weights before fixing the outputs could
/// shift several proofs' outputs by small amounts whose weighted sum is
/// zero (a short vector of a lattice, found by reduction once there are a
/// handful of proofs) and pass wrong outputs off as proven.
pub fn batch_weights(hash: &ModelHash, claims: &[ProofClaim]) -> alloc::vec::Vec<<Bn254 as ark_ec::pairing::Pairing>::ScalarField> {
	use codec::Encode;
	use sp_runtime::traits::{BlakeTwo256, Hash};
	let whole: alloc::vec::Vec<_> = claims.iter().map(|c| (&c.binding, &c.input, &c.output, &c.proof)).collect();
	let seed = BlakeTwo256::hash(&(b"daifi/proof-batch", hash, whole).encode());
	(0..claims.len() as u32)
		.map(|i| {
			let digest = BlakeTwo256::hash(&(seed, i).encode());
			let mut bytes = [0u8; 16];
			bytes.copy_from_slice(&digest.as_bytes()[..16]);
			daifi_zk_verifier::batch_weight(&bytes)
		})
		.collect()
}

/// What other pallets need of a model, and proof verification against its key.
pub trait ModelCatalog<AccountId, Balance> {
	/// The model `hash`, if registered (retired ones included).
	fn model(hash: &ModelHash) -> Option<ModelView<AccountId, Balance>>;

	/// Verifies a Groth16 proof that `model` maps `input` to `output`, made
	/// for `binding` (the first public input: the tasks pallet's
	/// `task_binding` of the task and the provider, so that a proof is good
	/// for one task and one provider only).
	///
	/// Its weight is [`ModelCatalog::verification_weight`] of the model's
	/// public inputs ([`ModelView::public_inputs`]).
	fn verify(
		hash: &ModelHash,
		binding: &[u8; 32],
		input: &[i64],
		output: &[i64],
		proof: &[u8],
	) -> Result<(), VerificationError>;

	/// The weight of one [`ModelCatalog::verify`] for a model with
	/// `public_inputs` public inputs (the binding, input and output values).
	fn verification_weight(public_inputs: u32) -> Weight;

	/// Verifies `claims`, proofs of model `hash`, together: `Ok` only if
	/// every one verifies (see [`Pallet::verify_batch`]).
	fn verify_many(hash: &ModelHash, claims: &[ProofClaim]) -> Result<(), VerificationError>;

	/// The most [`ModelCatalog::verify_many`] of `proofs` proofs costs for a
	/// model with `public_inputs` public inputs.
	fn batch_verification_weight(proofs: u32, public_inputs: u32) -> Weight;
}

impl<T: Config> ModelCatalog<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn model(hash: &ModelHash) -> Option<ModelView<T::AccountId, BalanceOf<T>>> {
		Models::<T>::get(hash).map(|m| ModelView {
			input_len: shape_len(&m.input_shape).unwrap_or(0),
			output_len: shape_len(&m.output_shape).unwrap_or(0),
			public_inputs: m.layout().public_inputs(
				shape_len(&m.input_shape).unwrap_or(0) as usize,
				shape_len(&m.output_shape).unwrap_or(0) as usize,
			) as u32,
			input_min: m.input_min,
			input_max: m.input_max,
			input_frac_bits: m.input_frac_bits,
			output_frac_bits: m.output_frac_bits,
			developer: m.developer,
			price: m.price,
			flops: m.flops,
			min_vram_mib: m.min_vram_mib,
			retired: m.retired,
		})
	}

	fn verify(
		hash: &ModelHash,
		binding: &[u8; 32],
		input: &[i64],
		output: &[i64],
		proof: &[u8],
	) -> Result<(), VerificationError> {
		let key = CheckedKeys::<T>::get(hash).ok_or(VerificationError::UnknownModel)?;
		let layout = Models::<T>::get(hash).ok_or(VerificationError::UnknownModel)?.layout();
		daifi_zk_verifier::verify_checked::<Bn254>(
			&key,
			binding,
			input,
			output,
			&layout,
			proof,
			daifi_bn254_host::g2_in_subgroup,
		)
			.map_err(|e| match e {
				daifi_zk_verifier::VerifyError::MalformedVerifyingKey => VerificationError::UnknownModel,
				daifi_zk_verifier::VerifyError::MalformedProof => VerificationError::MalformedProof,
				daifi_zk_verifier::VerifyError::WrongPublicInputCount { .. } =>
					VerificationError::WrongShape,
				// A packed output outside its lane: no proof of this model has it.
				daifi_zk_verifier::VerifyError::InvalidProof | daifi_zk_verifier::VerifyError::ValueOutOfRange =>
					VerificationError::InvalidProof,
			})
	}

	fn verification_weight(public_inputs: u32) -> Weight {
		T::WeightInfo::verify_proof(public_inputs)
	}

	fn verify_many(hash: &ModelHash, claims: &[ProofClaim]) -> Result<(), VerificationError> {
		Self::verify_batch(hash, claims)
	}

	/// The benchmark (`verify_proof_batch`, with the digits model's 75
	/// public inputs) and, for a model with more, what they add to one
	/// proof's verification counted for every proof: more than the batch
	/// spends on them (one multi-scalar multiplication for all proofs, and
	/// per proof a field multiplication per value).
	fn batch_verification_weight(proofs: u32, public_inputs: u32) -> Weight {
		let reference = fixtures::MLP_64_32_10_PUBLIC_INPUTS;
		let extra = T::WeightInfo::verify_proof(public_inputs.max(reference))
			.saturating_sub(T::WeightInfo::verify_proof(reference));
		T::WeightInfo::verify_proof_batch(proofs).saturating_add(extra.saturating_mul(proofs.into()))
	}
}
