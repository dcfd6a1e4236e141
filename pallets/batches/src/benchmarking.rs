//! Benchmarks: escrow calls, a batch's acceptance and release by users and
//! entries, a successful challenge by signers and users, and an
//! equivocation's punishment. The committee's signature checks are the
//! attestation pallet's (measured there and added by the calls' weights),
//! so acceptance and equivocation are measured from after them.

use super::*;
use crate::Pallet as BatchLane;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::traits::{Bounded, Hash, Zero};

fn funded<T: Config>(who: &T::AccountId) {
	T::Currency::set_balance(who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
}

/// A header of `users` debits (each a user and an executor) and `entries`
/// entries, over `max(users, entries)` leaves, balanced per executor as
/// acceptance requires: `min(users, entries)` providers, each user paying
/// the provider of its index modulo that, each entry earned by the same
/// way. The users have escrow for their executor and sign their last
/// request.
fn header<T: Config>(users: u32, entries: u32) -> HeaderOf<T> {
	let fee: BalanceOf<T> = 10u32.into();
	let results = users.max(entries);
	let model = T::BenchmarkHelper::model();
	let providers: Vec<T::AccountId> = (0..users.min(entries)).map(T::BenchmarkHelper::provider).collect();
	let k = providers.len() as u32;
	// With more users than entries, each user has one request and an entry
	// has all of its executor's; with more entries, each entry has one leaf
	// and a user pays all of its executor's.
	let user_count = |i: u32| if users >= entries { 1 } else { (entries - 1 - i) / k + 1 };
	let entry_count = |j: u32| if users >= entries { (users - 1 - j) / k + 1 } else { 1 };
	let mut debits = Vec::new();
	for i in 0..users {
		let user = T::BenchmarkHelper::user(i);
		let executor = providers[(i % k) as usize].clone();
		let count = user_count(i);
		funded::<T>(&user);
		BatchLane::<T>::deposit(RawOrigin::Signed(user.clone()).into(), executor.clone(), fee * count.into())
			.expect("funded");
		let last = Request {
			user: user.clone(),
			executor,
			nonce: count.into(),
			model,
			input_hash: H256::repeat_byte(1),
			fee,
			spent: fee * count.into(),
		};
		let signature = T::BenchmarkHelper::sign(&user, &BatchLane::<T>::request_message(&last));
		debits.push(UserDebit { first_nonce: 1, last, signature });
	}
	let entries = (0..entries)
		.map(|j| {
			let count = entry_count(j);
			Entry { executor: providers[(j % k) as usize].clone(), model, count, gross: fee * count.into() }
		})
		.collect::<Vec<_>>();
	BatchHeader {
		sequence: NextSequence::<T>::get(),
		root: H256::repeat_byte(2),
		results,
		users: BoundedVec::truncate_from(debits),
		entries: BoundedVec::truncate_from(entries),
	}
}

/// `count` committee members (providers).
fn signers<T: Config>(count: u32) -> BoundedVec<T::AccountId, T::MaxSigners> {
	BoundedVec::truncate_from((0..count).map(|i| T::BenchmarkHelper::provider(1_000 + i)).collect())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn deposit() {
		let user = T::BenchmarkHelper::user(0);
		let executor = T::BenchmarkHelper::provider(0);
		funded::<T>(&user);
		#[extrinsic_call]
		_(RawOrigin::Signed(user.clone()), executor.clone(), 1_000u32.into());
		assert_eq!(Escrows::<T>::get(&user, &executor).held, 1_000u32.into());
	}

	#[benchmark]
	fn unlock() {
		let user = T::BenchmarkHelper::user(0);
		let executor = T::BenchmarkHelper::provider(0);
		funded::<T>(&user);
		BatchLane::<T>::deposit(RawOrigin::Signed(user.clone()).into(), executor.clone(), 1_000u32.into()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(user.clone()), executor.clone(), 1_000u32.into());
		assert!(Escrows::<T>::get(&user, &executor).unlocking.is_some());
	}

	#[benchmark]
	fn withdraw() {
		let user = T::BenchmarkHelper::user(0);
		let executor = T::BenchmarkHelper::provider(0);
		funded::<T>(&user);
		let origin = || RawOrigin::Signed(user.clone());
		BatchLane::<T>::deposit(origin().into(), executor.clone(), 1_000u32.into()).unwrap();
		BatchLane::<T>::unlock(origin().into(), executor.clone(), 1_000u32.into()).unwrap();
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(now + T::UnlockDelay::get());
		#[extrinsic_call]
		_(origin(), executor.clone());
		assert!(Escrows::<T>::get(&user, &executor).held.is_zero());
	}

	/// Acceptance after the committee's check: `u` users' signatures and
	/// escrows, `e` entries' models and executors.
	#[benchmark]
	fn accept_batch(u: Linear<1, { T::MaxUsers::get() }>, e: Linear<1, { T::MaxEntries::get() }>) {
		let header = header::<T>(u, e);
		let sequence = header.sequence;
		let signers = signers::<T>(T::MaxSigners::get().min(16));
		#[block]
		{
			BatchLane::<T>::accept(header, 0, signers).expect("a valid batch");
		}
		assert!(Batches::<T>::contains_key(sequence));
	}

	/// Paying out a batch of `u` users and `e` entries.
	#[benchmark]
	fn release_batch(u: Linear<1, { T::MaxUsers::get() }>, e: Linear<1, { T::MaxEntries::get() }>) {
		let header = header::<T>(u, e);
		let sequence = header.sequence;
		BatchLane::<T>::accept(header, 0, signers::<T>(1)).expect("a valid batch");
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(now + T::ChallengePeriod::get() + 1u32.into());
		let caller = T::BenchmarkHelper::user(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), sequence);
		assert!(!Batches::<T>::contains_key(sequence));
	}

	/// A successful challenge (a first leaf whose running total is not its
	/// fee) of a batch signed by `s` members with `u` users: each signer
	/// slashed, each user's escrow freed.
	#[benchmark]
	fn challenge(s: Linear<1, { T::MaxSigners::get() }>, u: Linear<1, { T::MaxUsers::get() }>) {
		let mut header = header::<T>(u, 1);
		let first = &header.users[0];
		let leaf = Leaf {
			request: first.last.clone(),
			signature: first.signature.clone(),
			output_hash: H256::repeat_byte(3),
			proof_hash: H256::repeat_byte(4),
			running: Zero::zero(),
		};
		// One leaf: the tree is the leaf.
		header.results = u;
		header.root = merkle::leaf_hash(&leaf);
		let mut proof_path = vec![];
		if u > 1 {
			// With more leaves the path grows; the leaf stays at index 0.
			let mut leaves = vec![merkle::leaf_hash(&leaf)];
			leaves.resize(u as usize, H256::repeat_byte(5));
			let levels = merkle::levels(leaves);
			header.root = *levels.last().and_then(|l| l.first()).expect("a root");
			proof_path = merkle::path(&levels, 0);
		}
		let sequence = header.sequence;
		BatchLane::<T>::accept(header, 0, signers::<T>(s)).expect("a valid batch");
		let challenger = T::BenchmarkHelper::user(10_000);
		funded::<T>(&challenger);
		let evidence = Evidence::Running(
			LeafProof { leaf, index: 0, path: BoundedVec::truncate_from(proof_path) },
			None,
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), sequence, evidence);
		assert!(!Batches::<T>::contains_key(sequence));
	}

	/// An equivocation's punishment, after the two signature checks.
	#[benchmark]
	fn report_equivocation() {
		let member = T::BenchmarkHelper::provider(0);
		let reporter = T::BenchmarkHelper::user(0);
		funded::<T>(&reporter);
		#[block]
		{
			BatchLane::<T>::punish_equivocation(reporter, member.clone(), 0, 1);
		}
		assert!(Equivocations::<T>::contains_key(0, (1, &member)));
	}

	/// A data request on a batch of `MaxUsers` users (the range lookup) with
	/// `MaxDataRequests - 1` requests open (the count).
	#[benchmark]
	fn request_data() {
		let header = header::<T>(T::MaxUsers::get(), 1);
		let sequence = header.sequence;
		let users: Vec<T::AccountId> = header.users.iter().map(|u| u.last.user.clone()).collect();
		let last = users.last().expect("users").clone();
		let executor = header.users[0].last.executor.clone();
		BatchLane::<T>::accept(header, 0, signers::<T>(1)).expect("a valid batch");
		// Each user has request 1 in the batch.
		for i in 1..T::MaxDataRequests::get().min(T::MaxUsers::get()) {
			let requester = T::BenchmarkHelper::user(20_000 + i);
			funded::<T>(&requester);
			let user = users[i as usize - 1].clone();
			BatchLane::<T>::request_data(RawOrigin::Signed(requester).into(), sequence, user, executor.clone(), 1)
				.expect("open");
		}
		let requester = T::BenchmarkHelper::user(10_000);
		funded::<T>(&requester);
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), sequence, last.clone(), executor.clone(), 1);
		assert!(DataRequests::<T>::contains_key(sequence, (last, executor, 1)));
	}

	/// An answer with the largest input, output and proof, at depth 32.
	#[benchmark]
	fn answer_data() {
		let header = header::<T>(1, 1);
		let sequence = header.sequence;
		let first = &header.users[0];
		let input: BoundedVec<i64, _> = BoundedVec::truncate_from(vec![1i64; MAX_TENSOR as usize]);
		let output: BoundedVec<i64, _> = BoundedVec::truncate_from(vec![2i64; MAX_TENSOR as usize]);
		let proof: BoundedVec<u8, _> = BoundedVec::truncate_from(vec![3u8; MAX_PROOF as usize]);
		let mut request = first.last.clone();
		request.input_hash = sp_runtime::traits::BlakeTwo256::hash_of(&input);
		let leaf = Leaf {
			request,
			signature: first.signature.clone(),
			output_hash: sp_runtime::traits::BlakeTwo256::hash_of(&output),
			proof_hash: sp_runtime::traits::BlakeTwo256::hash(&proof),
			running: first.last.fee,
		};
		let (user, executor) = (leaf.request.user.clone(), leaf.request.executor.clone());
		BatchLane::<T>::accept(header, 0, signers::<T>(1)).expect("a valid batch");
		// The deepest path: its root is what the batch records.
		let path: Vec<H256> = (0..MAX_DEPTH).map(|i| H256::repeat_byte(i as u8)).collect();
		Batches::<T>::mutate(sequence, |r| {
			let r = r.as_mut().expect("recorded");
			r.results = u32::MAX;
			r.root = merkle::root_from_path(merkle::leaf_hash(&leaf), 0, &path, u32::MAX).expect("deepest");
		});
		let requester = T::BenchmarkHelper::user(10_000);
		funded::<T>(&requester);
		BatchLane::<T>::request_data(RawOrigin::Signed(requester).into(), sequence, user.clone(), executor.clone(), 1)
			.expect("open");
		let answerer = T::BenchmarkHelper::user(10_001);
		funded::<T>(&answerer);
		let answer = Evidence::Proof {
			leaf: LeafProof { leaf, index: 0, path: BoundedVec::truncate_from(path) },
			input,
			output,
			proof,
		};
		#[extrinsic_call]
		_(RawOrigin::Signed(answerer), sequence, answer);
		assert!(!DataRequests::<T>::contains_key(sequence, (user, executor, 1)));
	}

	impl_benchmark_test_suite!(BatchLane, crate::mock::new_test_ext(), crate::mock::Test);
}
