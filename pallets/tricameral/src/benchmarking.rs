//! Benchmarks of every call and of a chamber refresh, with full chambers.

use super::*;
use alloc::{boxed::Box, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get},
	weights::Weight,
};
use frame_system::RawOrigin as SystemOrigin;
use sp_core::H256;
use sp_runtime::traits::Bounded;

/// Fills every chamber with `count` members; returns them.
fn fill_chambers<T: Config>(count: u32) -> [Vec<T::AccountId>; 3] {
	Chamber::ALL.map(|chamber| {
		let members: Vec<T::AccountId> = (0..count).map(|i| account("member", i, chamber as u32)).collect();
		let mut sorted = members.clone();
		sorted.sort();
		Members::<T>::insert(chamber, MembersOf::<T>::try_from(sorted).expect("MaxMembers"));
		members
	})
}

/// An account with enough to hold the largest deposit many times.
fn funded<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
	who
}

/// A call that encodes to about `length` bytes.
fn call_of<T: Config>(length: u32) -> Box<T::Proposal> {
	let remark = vec![7u8; length.saturating_sub(8) as usize];
	Box::new(frame_system::Call::<T>::remark { remark }.into())
}

/// Proposal 0, by a funded proposer, with a call of `length` bytes and, if
/// given, the phase-2 transcript it starts from.
fn proposed<T: Config>(length: u32, phase2_start: Option<H256>) -> T::AccountId {
	let proposer = funded::<T>("proposer");
	Pallet::<T>::propose(SystemOrigin::Signed(proposer.clone()).into(), call_of::<T>(length), phase2_start)
		.expect("proposes");
	proposer
}

/// `votes` ayes on proposal 0, spread over the chambers in turn: by their
/// members first, then by accounts that have left them.
fn cast<T: Config>(members: &[Vec<T::AccountId>; 3], votes: u32) {
	for i in 0..votes {
		let chamber = Chamber::ALL[(i % 3) as usize];
		let seat = (i / 3) as usize;
		let who = members[chamber.index()].get(seat).cloned().unwrap_or_else(|| account("former", i, 0));
		Votes::<T>::insert(0, who, (chamber, true));
	}
	Proposals::<T>::mutate(0, |p| p.as_mut().expect("open").votes = votes);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn propose(l: Linear<8, { 32 * 1024 }>) {
		let proposer = funded::<T>("proposer");
		let call = call_of::<T>(l);

		#[extrinsic_call]
		_(SystemOrigin::Signed(proposer), call, Some(H256::repeat_byte(1)));

		assert!(Proposals::<T>::contains_key(0));
	}

	#[benchmark]
	fn amend(l: Linear<8, { 32 * 1024 }>, v: Linear<0, 600>) {
		let members = fill_chambers::<T>(T::MaxMembers::get());
		let proposer = proposed::<T>(8, None);
		cast::<T>(&members, v);
		let call = call_of::<T>(l);

		#[extrinsic_call]
		_(SystemOrigin::Signed(proposer), 0, call);

		assert_eq!(Votes::<T>::iter_prefix(0).count(), 0);
	}

	#[benchmark]
	fn vote(m: Linear<1, 100>) {
		let members = fill_chambers::<T>(m);
		proposed::<T>(8, None);
		let who = members[0][0].clone();

		#[extrinsic_call]
		_(SystemOrigin::Signed(who.clone()), 0, Chamber::Compute, true);

		assert_eq!(Votes::<T>::get(0, who), Some((Chamber::Compute, true)));
	}

	#[benchmark]
	fn contribute() {
		let members = fill_chambers::<T>(T::MaxMembers::get());
		proposed::<T>(8, Some(H256::repeat_byte(1)));
		// The most contributions but one, the last by a member.
		let mut previous = H256::repeat_byte(1);
		for i in 0..MAX_CONTRIBUTIONS - 1 {
			let next = H256::repeat_byte(i as u8 + 2);
			Pallet::<T>::contribute(SystemOrigin::Signed(members[1][i as usize].clone()).into(), 0, Chamber::Model, previous, next)
				.expect("contributes");
			previous = next;
		}
		let who = members[0][0].clone();

		#[extrinsic_call]
		_(SystemOrigin::Signed(who), 0, Chamber::Compute, previous, H256::repeat_byte(0xff));

		assert_eq!(Proposals::<T>::get(0).expect("open").contributions.len() as u32, MAX_CONTRIBUTIONS);
	}

	/// Approved by every chamber (`v` ayes: more than half of each full
	/// chamber, so at least 153 of 100-member chambers; beyond 300, by
	/// accounts that left), the call dispatched.
	#[benchmark]
	fn close_executed(v: Linear<153, 600>, l: Linear<8, { 32 * 1024 }>) {
		let members = fill_chambers::<T>(T::MaxMembers::get());
		proposed::<T>(l, None);
		cast::<T>(&members, v);
		let closer = funded::<T>("closer");

		#[extrinsic_call]
		close(SystemOrigin::Signed(closer), 0, Weight::MAX);

		assert!(!Proposals::<T>::contains_key(0));
	}

	/// Expired with `v` votes, its deposit burned.
	#[benchmark]
	fn close_removed(v: Linear<0, 600>) {
		let members = fill_chambers::<T>(T::MaxMembers::get());
		proposed::<T>(8, None);
		cast::<T>(&members, v);
		let end = Proposals::<T>::get(0).expect("open").end;
		frame_system::Pallet::<T>::set_block_number(end + 1u32.into());
		let closer = funded::<T>("closer");

		#[extrinsic_call]
		close(SystemOrigin::Signed(closer), 0, Weight::zero());

		assert!(!Proposals::<T>::contains_key(0));
	}

	#[benchmark]
	fn authorize_upgrade() -> Result<(), BenchmarkError> {
		let origin = T::UpgradeOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as <T as frame_system::Config>::RuntimeOrigin, T::Hash::default());

		Ok(())
	}

	/// A refresh whose User Chamber has `m` candidates (the other sources are
	/// the runtime's own and weighed by their `weight`).
	#[benchmark]
	fn refresh(m: Linear<1, 100>) {
		fill_chambers::<T>(T::MaxMembers::get());
		for i in 0..m {
			Pallet::<T>::note_payment(&account("user", i, 9), (i + 1).into());
		}

		#[block]
		{
			Pallet::<T>::refresh_chambers();
		}

		assert_eq!(Term::<T>::get(), 1);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
