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
//! key's public inputs (input and output are the circuit's public inputs, in
//! that order). A retired model stays readable (past tasks refer to it) but
//! takes no new tasks.
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
	use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
	use frame_system::pallet_prelude::*;

	/// The balance type of [`Config::Currency`].
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A model record in this runtime.
	pub type ModelOf<T> = Model<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency prices are quoted in.
		type Currency: Inspect<Self::AccountId>;

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

	/// A model at genesis: its hash and record.
	pub type GenesisModel<T> = (ModelHash, ModelOf<T>);

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models whitelisted from block 0 (checked like `register_model`).
		pub models: alloc::vec::Vec<GenesisModel<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
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
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Whitelist a model.
		///
		/// `ManagerOrigin` only. Emits [`Event::ModelRegistered`]. Errors:
		/// `ModelExists`, `MalformedVerifyingKey`, `InvalidShape`,
		/// `ShapeMismatch`, `InvalidModel`. O(key length) to decode the key.
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
	}

	impl<T: Config> Pallet<T> {
		/// Checks `model` and stores it under `hash`.
		pub(crate) fn do_register(hash: ModelHash, model: ModelOf<T>) -> DispatchResult {
			ensure!(!Models::<T>::contains_key(hash), Error::<T>::ModelExists);
			ensure!(model.size > 0 && model.flops > 0, Error::<T>::InvalidModel);
			let input = shape_len(&model.input_shape).ok_or(Error::<T>::InvalidShape)?;
			let output = shape_len(&model.output_shape).ok_or(Error::<T>::InvalidShape)?;
			let key = daifi_zk_verifier::decode_verifying_key::<Bn254>(&model.verifying_key)
				.map_err(|_| Error::<T>::MalformedVerifyingKey)?;
			let checked: CheckedKey = daifi_zk_verifier::encode_checked_key(&ark_groth16::prepare_verifying_key(&key))
				.try_into()
				.map_err(|_| Error::<T>::MalformedVerifyingKey)?;
			ensure!(
				daifi_zk_verifier::public_input_count(&key) == (input as usize) + (output as usize),
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

/// What other pallets need of a model, and proof verification against its key.
pub trait ModelCatalog<AccountId, Balance> {
	/// The model `hash`, if registered (retired ones included).
	fn model(hash: &ModelHash) -> Option<ModelView<AccountId, Balance>>;

	/// Verifies a Groth16 proof that `model` maps `input` to `output`.
	///
	/// Its weight is [`ModelCatalog::verification_weight`] of the model's
	/// public inputs (`input.len() + output.len()`).
	fn verify(
		hash: &ModelHash,
		input: &[i64],
		output: &[i64],
		proof: &[u8],
	) -> Result<(), VerificationError>;

	/// The weight of one [`ModelCatalog::verify`] for a model with
	/// `public_inputs` input and output values.
	fn verification_weight(public_inputs: u32) -> Weight;
}

impl<T: Config> ModelCatalog<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn model(hash: &ModelHash) -> Option<ModelView<T::AccountId, BalanceOf<T>>> {
		Models::<T>::get(hash).map(|m| ModelView {
			input_len: shape_len(&m.input_shape).unwrap_or(0),
			output_len: shape_len(&m.output_shape).unwrap_or(0),
			developer: m.developer,
			price: m.price,
			flops: m.flops,
			min_vram_mib: m.min_vram_mib,
			retired: m.retired,
		})
	}

	fn verify(
		hash: &ModelHash,
		input: &[i64],
		output: &[i64],
		proof: &[u8],
	) -> Result<(), VerificationError> {
		let key = CheckedKeys::<T>::get(hash).ok_or(VerificationError::UnknownModel)?;
		daifi_zk_verifier::verify_checked::<Bn254>(&key, input, output, proof, daifi_bn254_host::g2_in_subgroup)
			.map_err(|e| match e {
				daifi_zk_verifier::VerifyError::MalformedVerifyingKey => VerificationError::UnknownModel,
				daifi_zk_verifier::VerifyError::MalformedProof => VerificationError::MalformedProof,
				daifi_zk_verifier::VerifyError::WrongPublicInputCount { .. } =>
					VerificationError::WrongShape,
				daifi_zk_verifier::VerifyError::InvalidProof => VerificationError::InvalidProof,
			})
	}

	fn verification_weight(public_inputs: u32) -> Weight {
		T::WeightInfo::verify_proof(public_inputs)
	}
}
