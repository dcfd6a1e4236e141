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

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `k`: public inputs of the verifying key (its length is about 32 k bytes).
	#[benchmark]
	fn register_model(k: Linear<2, MAX_PUBLIC_INPUTS>) -> Result<(), BenchmarkError> {
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

	/// One Groth16 verification against a key with `k` public inputs, each
	/// of the largest magnitude (the multi-scalar multiplication's worst
	/// case). The proof is well formed but does not verify: a verification
	/// does the same work whether it succeeds or not (the final comparison
	/// is all that differs), and proofs of every size cannot be made inside
	/// the runtime.
	#[benchmark]
	fn verify_proof(k: Linear<2, MAX_PUBLIC_INPUTS>) {
		let hash = ModelHash::repeat_byte(2);
		ModelRegistry::<T>::do_register(hash, model::<T>(k)).expect("valid model");
		let values: alloc::vec::Vec<i64> =
			(0..k).map(|i| if i % 2 == 0 { i64::MAX } else { -i64::MAX }).collect();
		let (input, output) = values.split_at(k as usize - 1);
		let proof = crate::fixtures::synthetic_proof();
		let result;

		#[block]
		{
			result = <ModelRegistry<T> as ModelCatalog<T::AccountId, BalanceOf<T>>>::verify(&hash, input, output, &proof);
		}

		assert_eq!(result, Err(VerificationError::InvalidProof));
	}

	impl_benchmark_test_suite!(ModelRegistry, crate::mock::new_test_ext(), crate::mock::Test);
}
