//! Benchmarks: registration with the largest verifying key, retirement, and
//! the verification of one real proof (the weight the task market charges).

use super::*;
use crate::Pallet as ModelRegistry;
use alloc::{boxed::Box, vec};
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use sp_runtime::traits::Zero;

/// A model whose key has `inputs` public inputs: `inputs - 1` in, 1 out.
fn model<T: Config>(inputs: u32) -> ModelOf<T> {
	Model {
		size: 1,
		verifying_key: crate::fixtures::synthetic_key(inputs).try_into().expect("within the bound"),
		input_shape: vec![inputs - 1].try_into().expect("one dimension"),
		output_shape: vec![1].try_into().expect("one dimension"),
		input_frac_bits: 8,
		output_frac_bits: 16,
		flops: 1,
		min_vram_mib: 0,
		developer: account("developer", 0, 0),
		price: Zero::zero(),
		url: vec![b'u'; MAX_URL_LEN as usize].try_into().expect("within the bound"),
		retired: false,
	}
}

/// Public inputs of the largest key that fits `MAX_VERIFYING_KEY_LEN`
/// (8 bytes of length prefix, 32 + 3 x 64 fixed, 32 per base point).
const MAX_INPUTS: u32 = (MAX_VERIFYING_KEY_LEN - 8 - 32 - 3 * 64) / 32 - 1;

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `k`: public inputs of the verifying key (its length is about 32 k bytes).
	#[benchmark]
	fn register_model(k: Linear<2, MAX_INPUTS>) -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hash = ModelHash::repeat_byte(1);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hash, Box::new(model::<T>(k)));

		assert!(Models::<T>::contains_key(hash));
		Ok(())
	}

	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hash = ModelHash::repeat_byte(1);
		ModelRegistry::<T>::do_register(hash, model::<T>(2)).expect("valid model");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hash);

		assert!(Models::<T>::get(hash).expect("still readable").retired);
		Ok(())
	}

	/// One Groth16 verification of the reference digits MLP (64 inputs, 10
	/// outputs) with its committed key and proof.
	#[benchmark]
	fn verify_proof() {
		let fixture = crate::fixtures::mlp_64_32_10();
		let hash = ModelHash::repeat_byte(2);
		let model = crate::fixtures::mlp_64_32_10_model(account("developer", 0, 0), Zero::zero());
		ModelRegistry::<T>::do_register(hash, model).expect("valid model");
		let result;

		#[block]
		{
			result = <ModelRegistry<T> as ModelCatalog<T::AccountId, BalanceOf<T>>>::verify(
				&hash,
				&fixture.input,
				&fixture.output,
				fixture.proof,
			);
		}

		assert_eq!(result, Ok(()));
	}

	impl_benchmark_test_suite!(ModelRegistry, crate::mock::new_test_ext(), crate::mock::Test);
}
