//! Benchmarks: registration with the largest verifying key, retirement, the
//! verification of one real proof (the weight the task market charges), and
//! each phase-1 ceremony call with the contribution list full.

use super::*;
use crate::Pallet as ModelRegistry;
use alloc::{boxed::Box, vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Unbalanced},
	tokens::Precision,
	EnsureOrigin, Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::H256;
use sp_runtime::traits::{Hash, One, Saturating, Zero};

/// Records the development phase 1 (what the models below name), if the
/// genesis did not.
fn sealed_phase1<T: Config>() {
	let hash = crate::fixtures::dev_phase1_hash();
	if !Phase1Results::<T>::contains_key(hash) {
		let contributors = [account("contributor", 0, 1), account("contributor", 1, 1), account("contributor", 2, 1)];
		Phase1Results::<T>::insert(hash, crate::fixtures::dev_phase1_result(contributors));
	}
}

/// Inputs of a benchmark model whose key has `inputs` public inputs: up to
/// 128 values unpacked; beyond, 4 values of 63 bits per public input (the
/// widest lanes: every packed element near 2^252, the costliest scalars).
fn input_len(inputs: u32) -> u32 {
	let elements = inputs.saturating_sub(2);
	if elements as usize <= daifi_zk_verifier::PACK_ABOVE {
		elements
	} else {
		4 * elements
	}
}

/// The input range of [`input_len`]'s packed lanes: 63 bits.
const WIDE: (i64, i64) = (-(1 << 62), (1 << 62) - 1);

/// A model whose key has `inputs` public inputs (at least 3): the binding,
/// `inputs - 2` input elements, 1 output.
fn model<T: Config>(inputs: u32) -> ModelOf<T> {
	Model {
		size: 1,
		verifying_key: crate::fixtures::synthetic_key(inputs).try_into().expect("within the bound"),
		input_shape: vec![input_len(inputs)].try_into().expect("one dimension"),
		output_shape: vec![1].try_into().expect("one dimension"),
		input_frac_bits: 8,
		output_frac_bits: 16,
		output_bits: 63,
		input_min: WIDE.0,
		input_max: WIDE.1,
		flops: 1,
		min_vram_mib: 0,
		phase1: crate::fixtures::dev_phase1_hash(),
		transcript: H256::repeat_byte(7),
		developer: account("developer", 0, 0),
		price: Zero::zero(),
		url: vec![b'u'; MAX_URL_LEN as usize].try_into().expect("within the bound"),
		retired: false,
	}
}

/// The longest URL.
fn url() -> Url {
	vec![b'u'; MAX_URL_LEN as usize].try_into().expect("within the bound")
}

/// The hash of the `i`-th contribution of a benchmark ceremony.
fn contribution_hash(i: u32) -> H256 {
	let mut bytes = [0u8; 32];
	bytes[24..].copy_from_slice(&(u64::from(i) + 1).to_be_bytes());
	H256(bytes)
}

/// An account that can pay the contribution deposit twice over.
fn funded<T: Config>(i: u32) -> T::AccountId {
	let who: T::AccountId = account("contributor", i, 0);
	let amount = T::Currency::minimum_balance().saturating_add(T::Phase1Deposit::get()).saturating_mul(2u32.into());
	T::Currency::increase_balance(&who, amount, Precision::Exact).expect("a fresh account takes any amount");
	T::Currency::set_total_issuance(T::Currency::total_issuance().saturating_add(amount));
	who
}

/// Opens the largest ceremony and records `n` contributions in it.
fn ceremony_with<T: Config>(n: u32) {
	ModelRegistry::<T>::do_open_phase1(MAX_PHASE1_POWER, H256::zero()).expect("none open");
	let mut head = H256::zero();
	for i in 0..n {
		let hash = contribution_hash(i);
		ModelRegistry::<T>::do_contribute_phase1(funded::<T>(i), head, hash, url()).expect("builds on the head");
		head = hash;
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `k`: public inputs of the verifying key (its length is about 32 k bytes).
	#[benchmark]
	fn register_model(k: Linear<3, MAX_PUBLIC_INPUTS>) -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hash = ModelHash::repeat_byte(1);
		sealed_phase1::<T>();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hash, Box::new(model::<T>(k)));

		assert!(Models::<T>::contains_key(hash));
		Ok(())
	}

	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hash = ModelHash::repeat_byte(1);
		sealed_phase1::<T>();
		ModelRegistry::<T>::do_register(hash, model::<T>(3)).expect("valid model");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hash);

		assert!(Models::<T>::get(hash).expect("still readable").retired);
		Ok(())
	}

	/// One Groth16 verification against a key with `k` public inputs (the
	/// binding, then input and output values), each of the largest magnitude
	/// (the multi-scalar multiplication's worst case). The proof is well formed but does not verify: a verification
	/// does the same work whether it succeeds or not (the final comparison
	/// is all that differs), and proofs of every size cannot be made inside
	/// the runtime.
	#[benchmark]
	fn verify_proof(k: Linear<3, MAX_PUBLIC_INPUTS>) {
		let hash = ModelHash::repeat_byte(2);
		sealed_phase1::<T>();
		ModelRegistry::<T>::do_register(hash, model::<T>(k)).expect("valid model");
		// 248 bits set: the largest binding element.
		let binding = [0xff; 32];
		// The largest values: each unpacked one near 2^63, each packed lane full.
		let input: alloc::vec::Vec<i64> =
			(0..input_len(k)).map(|i| if i % 2 == 0 { WIDE.1 } else { WIDE.0 + 1 }).collect();
		let output = [-i64::MAX];
		let proof = crate::fixtures::synthetic_proof();
		let result;

		#[block]
		{
			result = <ModelRegistry<T> as ModelCatalog<T::AccountId, BalanceOf<T>>>::verify(
				&hash, &binding, &input, &output, &proof,
			);
		}

		assert_eq!(result, Err(VerificationError::InvalidProof));
	}

	/// `n` valid proofs of the digits model (75 public inputs, as
	/// `submit_result`'s benchmark) verified together
	/// ([`Pallet::verify_batch`]): divide by `n` for the cost per proof.
	#[benchmark]
	fn verify_proof_batch(n: Linear<1, 64>) {
		let hash = ModelHash::repeat_byte(3);
		sealed_phase1::<T>();
		let mut record = crate::fixtures::mlp_64_32_10_model(account("developer", 0, 0), Zero::zero());
		record.verifying_key = crate::fixtures::synthetic_key(crate::fixtures::MLP_64_32_10_PUBLIC_INPUTS)
			.try_into()
			.expect("within the bound");
		ModelRegistry::<T>::do_register(hash, record).expect("valid model");
		let fixture = crate::fixtures::mlp_64_32_10();
		let layout = crate::fixtures::mlp_64_32_10_layout();
		let claims: alloc::vec::Vec<crate::ProofClaim> = (0..n)
			.map(|i| {
				let binding = [i as u8; 32];
				let proof = crate::fixtures::synthetic_proof_for(&binding, &fixture.input, &fixture.output, &layout);
				crate::ProofClaim { binding, input: fixture.input.clone(), output: fixture.output.clone(), proof }
			})
			.collect();
		let result;

		#[block]
		{
			result = ModelRegistry::<T>::verify_batch(&hash, &claims);
		}

		assert_eq!(result, Ok(()));
	}

	#[benchmark]
	fn open_phase1() -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, MAX_PHASE1_POWER, H256::zero());

		assert!(Phase1InProgress::<T>::exists());
		Ok(())
	}

	/// The last contribution the ceremony takes: the duplicate checks scan
	/// `MAX_PHASE1_CONTRIBUTIONS - 1` contributions, the URL is the longest.
	#[benchmark]
	fn contribute_phase1() {
		ceremony_with::<T>(MAX_PHASE1_CONTRIBUTIONS - 1);
		let who = funded::<T>(MAX_PHASE1_CONTRIBUTIONS - 1);
		let previous = contribution_hash(MAX_PHASE1_CONTRIBUTIONS - 2);
		let hash = contribution_hash(MAX_PHASE1_CONTRIBUTIONS - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), previous, hash, url());

		let ceremony = Phase1InProgress::<T>::get().expect("open");
		assert_eq!(ceremony.contributions.len() as u32, MAX_PHASE1_CONTRIBUTIONS);
	}

	/// Rejecting the first of `MAX_PHASE1_CONTRIBUTIONS`: one deposit burned,
	/// every other released.
	#[benchmark]
	fn reject_phase1_contribution() -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		ceremony_with::<T>(MAX_PHASE1_CONTRIBUTIONS);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);

		assert!(Phase1InProgress::<T>::get().expect("open").contributions.is_empty());
		Ok(())
	}

	#[benchmark]
	fn close_phase1() -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		ceremony_with::<T>(MAX_PHASE1_CONTRIBUTIONS);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin);

		assert!(Phase1InProgress::<T>::get().expect("open").closing.is_some());
		Ok(())
	}

	/// Sealing `MAX_PHASE1_CONTRIBUTIONS` contributions: every deposit
	/// released, the whole transcript recorded.
	#[benchmark]
	fn seal_phase1() -> Result<(), BenchmarkError> {
		let origin = T::ManagerOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		ceremony_with::<T>(MAX_PHASE1_CONTRIBUTIONS);
		ModelRegistry::<T>::do_close_phase1().expect("has contributions");
		let beacon_block: BlockNumberFor<T> =
			frame_system::Pallet::<T>::block_number().saturating_add(T::BeaconDelay::get());
		frame_system::BlockHash::<T>::insert(beacon_block, T::Hashing::hash(b"beacon"));
		frame_system::Pallet::<T>::set_block_number(beacon_block.saturating_add(One::one()));
		let final_hash = H256::repeat_byte(0xfe);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, final_hash, url());

		assert!(Phase1Results::<T>::contains_key(final_hash));
		assert!(!Phase1InProgress::<T>::exists());
		Ok(())
	}

	impl_benchmark_test_suite!(ModelRegistry, crate::mock::new_test_ext(), crate::mock::Test);
}
