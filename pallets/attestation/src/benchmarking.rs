//! Benchmarks: key registration (the proof of possession checked), the
//! committee draw over n key holders, and the verification of an attestation
//! signed by all k members of a committee.

use super::*;
use crate::{bls::SecretKey, Pallet as AttestationPallet};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use codec::Encode;
use frame_support::{
	traits::{EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::RawOrigin;

/// The benchmarks' BLS key number `i`.
fn secret(i: u32) -> SecretKey {
	let mut seed = [0u8; 32];
	seed[..4].copy_from_slice(&i.to_le_bytes());
	SecretKey::from_seed(&seed).expect("non-zero")
}

/// `n` providers, each with key `i` written directly (the draw reads the
/// keys and the providers' bonds; registering each would re-run the
/// possession check `n` times per repeat).
fn key_holders<T: Config>(n: u32) -> Vec<T::AccountId> {
	(0..n)
		.map(|i| {
			let who = T::BenchmarkHelper::provider(i);
			let key = secret(i);
			Keys::<T>::insert(&who, RegisteredKey { public: key.public(), stored: key.stored() });
			KeyOwners::<T>::insert(key.public(), &who);
			who
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The worst case: a provider replacing its key (the old owner entry is
	/// removed too).
	#[benchmark]
	fn register_key() {
		let who = key_holders::<T>(1).remove(0);
		let key = secret(1_000);
		let proof = key.prove_possession(&who.encode());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key.public(), proof);

		assert_eq!(Keys::<T>::get(&who).map(|k| k.public), Some(key.public()));
	}

	#[benchmark]
	fn remove_key() {
		let who = key_holders::<T>(1).remove(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Keys::<T>::contains_key(&who));
	}

	/// Anyone removes the key of an account that is no longer a provider.
	#[benchmark]
	fn reap_key() {
		let caller: T::AccountId = whitelisted_caller();
		let gone: T::AccountId = account("gone", 0, 0);
		let key = secret(2_000);
		Keys::<T>::insert(&gone, RegisteredKey { public: key.public(), stored: key.stored() });
		KeyOwners::<T>::insert(key.public(), &gone);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), gone.clone());

		assert!(!Keys::<T>::contains_key(&gone));
	}

	#[benchmark]
	fn set_committee_size() -> Result<(), BenchmarkError> {
		let origin = T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let size = T::MaxCommitteeSize::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, size);

		assert_eq!(CommitteeSize::<T>::get(), size);
		Ok(())
	}

	/// An epoch change: the next committee becomes the current one, a
	/// committee of `k` is drawn from the `n` recorded candidates and `n`
	/// key holders are recorded as the next candidates. Measured up to half
	/// of `MaxKeys` (the genesis's providers take provider slots, and each
	/// repeat registers `n` providers): the cost is linear in `n`.
	#[benchmark]
	fn rotate(n: Linear<1, { T::MaxKeys::get() / 2 }>, k: Linear<1, { T::MaxCommitteeSize::get() }>) {
		key_holders::<T>(n);
		CommitteeSize::<T>::put(k);
		AttestationPallet::<T>::rotate(0);

		#[block]
		{
			AttestationPallet::<T>::rotate(1);
		}

		assert_eq!(NextCommittee::<T>::get().map(|c| c.members.len() as u32), Some(k.min(n)));
	}

	/// An attestation every one of `k` members signed: `k` keys added, one
	/// pairing check.
	#[benchmark]
	fn verify_attestation(k: Linear<1, { T::MaxCommitteeSize::get() }>) {
		let epoch = 0;
		let keys: Vec<SecretKey> = (0..k).map(secret).collect();
		let members: Vec<CommitteeMember<T::AccountId>> = keys
			.iter()
			.enumerate()
			.map(|(i, key)| CommitteeMember { who: account("member", i as u32, 0), key: key.stored(), weight: 1 })
			.collect();
		CurrentCommittee::<T>::put(Committee { epoch, members: BoundedVec::truncate_from(members) });
		let payload = [7u8; 32];
		let message = AttestationPallet::<T>::message(epoch, &payload);
		// The aggregate of everyone's signatures is the signature of the sum
		// of their secrets.
		let aggregate = keys.iter().skip(1).fold(keys[0].clone(), |sum, key| sum.add(key));
		let mut bits = alloc::vec![0u8; (k as usize).div_ceil(8)];
		(0..k as usize).for_each(|i| bits[i / 8] |= 1 << (i % 8));
		let attestation = Attestation {
			epoch,
			signers: bits.try_into().expect("within MAX_COMMITTEE"),
			signature: aggregate.sign(&message),
		};
		let signed;

		#[block]
		{
			signed = AttestationPallet::<T>::verify(&attestation, &payload);
		}

		assert_eq!(signed.map(|s| s.len() as u32).ok(), Some(k));
	}

	impl_benchmark_test_suite!(AttestationPallet, crate::mock::new_test_ext(4), crate::mock::Test);
}
