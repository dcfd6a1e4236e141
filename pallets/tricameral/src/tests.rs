//! Every call and error of the chambers, and the attacks on them: two
//! chambers out of three, a non-member, a double vote, an expired or blocked
//! proposal, a departed member's vote, a sybil split of payments.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Currency, Hooks},
	weights::Weight,
};
use sp_core::H256;
use sp_runtime::{traits::BadOrigin, DispatchError};

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Tricameral(e) = r.event { Some(e) } else { None })
		.collect()
}

fn set_value(value: u32) -> Box<RuntimeCall> {
	Box::new(RuntimeCall::Guarded(guarded::Call::set { value }))
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Proposal.into(), &who)
}

fn deposit_of(call: &RuntimeCall) -> Balance {
	DEPOSIT + codec::Encode::encoded_size(call) as Balance
}

fn propose(who: AccountId, call: Box<RuntimeCall>) -> ProposalIndex {
	let index = NextProposal::<Test>::get();
	assert_ok!(Tricameral::propose(RuntimeOrigin::signed(who), call, None));
	index
}

/// The first two members of `chamber` vote `aye` (a majority of three).
fn majority(index: ProposalIndex, chamber: Chamber, aye: bool) {
	let members = match chamber {
		Chamber::Compute => COMPUTE_MEMBERS,
		Chamber::Model => MODEL_MEMBERS,
		Chamber::User => USER_MEMBERS,
	};
	for who in &members[..2] {
		assert_ok!(Tricameral::vote(RuntimeOrigin::signed(*who), index, chamber, aye));
	}
}

/// A bound above any call the tests propose (one second, 1 MiB of proof).
const BOUND: Weight = Weight::from_parts(1_000_000_000_000, 1 << 20);

fn close(index: ProposalIndex) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Tricameral::close(RuntimeOrigin::signed(OUTSIDER), index, BOUND)
}

fn run_to(block: u64) {
	while System::block_number() < block {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Tricameral::on_initialize(next);
	}
}

fn checked(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Tricameral::do_try_state().expect("storage invariants hold");
	});
}

#[test]
fn a_proposal_holds_its_deposit_and_is_recorded() {
	checked(|| {
		let call = set_value(7);
		let deposit = deposit_of(&call);
		let index = propose(OUTSIDER, call.clone());
		assert_eq!(held(OUTSIDER), deposit);
		let proposal = Proposals::<Test>::get(index).unwrap();
		assert_eq!(proposal.proposer, OUTSIDER);
		assert_eq!(proposal.end, 1 + VOTING_PERIOD);
		assert_eq!(proposal.call_hash, H256(sp_crypto_hashing::blake2_256(&codec::Encode::encode(&*call))));
		assert_eq!(ProposalCalls::<Test>::get(index).unwrap().to_vec(), codec::Encode::encode(&*call));
		assert_eq!(OpenProposals::<Test>::get(), 1);
		assert_eq!(
			events(),
			vec![Event::Proposed { index, proposer: OUTSIDER, call_hash: proposal.call_hash, end: 1 + VOTING_PERIOD }]
		);
	});
}

#[test]
fn proposals_are_bounded_and_paid_for() {
	checked(|| {
		let huge = Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 41 * 1024] }));
		assert_noop!(
			Tricameral::propose(RuntimeOrigin::signed(OUTSIDER), huge, None),
			Error::<Test>::CallTooLong
		);
		let poor = 500;
		let _ = Balances::deposit_creating(&poor, 50);
		assert_noop!(
			Tricameral::propose(RuntimeOrigin::signed(poor), set_value(1), None),
			Error::<Test>::InsufficientBalance
		);
		for value in 0..4 {
			propose(OUTSIDER, set_value(value));
		}
		assert_noop!(
			Tricameral::propose(RuntimeOrigin::signed(OUTSIDER), set_value(9), None),
			Error::<Test>::TooManyProposals
		);
	});
}

#[test]
fn all_three_chambers_approve_and_the_call_is_dispatched() {
	checked(|| {
		let issuance = Balances::total_issuance();
		let index = propose(OUTSIDER, set_value(42));
		for chamber in Chamber::ALL {
			majority(index, chamber, true);
		}
		assert_ok!(close(index));
		assert_eq!(guarded::Value::<Test>::get(), 42);
		assert_eq!(held(OUTSIDER), 0);
		assert_eq!(Balances::free_balance(OUTSIDER), FUNDS);
		assert_eq!(Balances::total_issuance(), issuance, "nothing created or burned");
		assert!(Proposals::<Test>::get(index).is_none());
		assert!(ProposalCalls::<Test>::get(index).is_none());
		assert_eq!(Votes::<Test>::iter_prefix(index).count(), 0);
		assert_eq!(OpenProposals::<Test>::get(), 0);
		assert_eq!(events().last(), Some(&Event::Executed { index, result: Ok(()) }));
	});
}

#[test]
fn two_chambers_out_of_three_are_not_enough() {
	checked(|| {
		let issuance = Balances::total_issuance();
		let index = propose(OUTSIDER, set_value(42));
		majority(index, Chamber::Compute, true);
		majority(index, Chamber::Model, true);
		// The User Chamber: one aye of three is not a majority.
		assert_ok!(Tricameral::vote(RuntimeOrigin::signed(USER_MEMBERS[0]), index, Chamber::User, true));
		assert_noop!(close(index), Error::<Test>::Undecided);
		run_to(1 + VOTING_PERIOD + 1);
		assert_ok!(close(index));
		assert_eq!(guarded::Value::<Test>::get(), 0, "never dispatched");
		let deposit = deposit_of(&set_value(42));
		assert_eq!(Balances::free_balance(OUTSIDER), FUNDS - deposit, "the deposit is burned");
		assert_eq!(Balances::total_issuance(), issuance - deposit);
		assert_eq!(events().last(), Some(&Event::Expired { index }));
	});
}

#[test]
fn an_expired_proposal_cannot_be_executed_even_if_approved() {
	checked(|| {
		let index = propose(OUTSIDER, set_value(42));
		for chamber in Chamber::ALL {
			majority(index, chamber, true);
		}
		run_to(1 + VOTING_PERIOD + 1);
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(USER_MEMBERS[2]), index, Chamber::User, true),
			Error::<Test>::VotingEnded
		);
		assert_ok!(close(index));
		assert_eq!(guarded::Value::<Test>::get(), 0);
		assert_eq!(events().last(), Some(&Event::Expired { index }));
		assert_noop!(close(index), Error::<Test>::UnknownProposal);
	});
}

#[test]
fn each_chamber_can_block() {
	for blocker in Chamber::ALL {
		checked(|| {
			let index = propose(OUTSIDER, set_value(42));
			for chamber in Chamber::ALL.into_iter().filter(|c| *c != blocker) {
				majority(index, chamber, true);
			}
			majority(index, blocker, false);
			assert_ok!(close(index));
			assert_eq!(guarded::Value::<Test>::get(), 0);
			assert_eq!(held(OUTSIDER), 0);
			assert_eq!(Balances::free_balance(OUTSIDER), FUNDS - deposit_of(&set_value(42)));
			assert_eq!(events().last(), Some(&Event::Blocked { index, chamber: blocker }));
		});
	}
}

#[test]
fn only_members_vote_only_in_their_chamber_and_only_once() {
	checked(|| {
		let index = propose(OUTSIDER, set_value(1));
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(OUTSIDER), index, Chamber::User, true),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::User, true),
			Error::<Test>::NotMember
		);
		assert_ok!(Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, true));
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, true),
			Error::<Test>::AlreadyVoted
		);
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, false),
			Error::<Test>::AlreadyVoted
		);
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), 77, Chamber::Compute, true),
			Error::<Test>::UnknownProposal
		);
		// An account in two chambers still votes once per proposal.
		let mut users = Members::<Test>::get(Chamber::User).to_vec();
		users.insert(0, COMPUTE_MEMBERS[0]);
		Members::<Test>::insert(Chamber::User, MembersOf::<Test>::try_from(users).unwrap());
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::User, true),
			Error::<Test>::AlreadyVoted
		);
		assert_eq!(
			events().last(),
			Some(&Event::Voted { index, chamber: Chamber::Compute, who: COMPUTE_MEMBERS[0], aye: true })
		);
	});
}

#[test]
fn what_only_the_chambers_may_do_is_refused_to_signed_and_root_origins() {
	checked(|| {
		assert_noop!(Guarded::set(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), 5), BadOrigin);
		assert_noop!(Guarded::set(RuntimeOrigin::root(), 5), BadOrigin);
		assert_noop!(Tricameral::authorize_upgrade(RuntimeOrigin::signed(OUTSIDER), H256::zero()), BadOrigin);
		assert_ok!(Guarded::set(RawOrigin::Chambers.into(), 5));
		assert_eq!(guarded::Value::<Test>::get(), 5);
	});
}

#[test]
fn the_chambers_authorize_a_runtime_upgrade() {
	checked(|| {
		let code_hash = H256::repeat_byte(9);
		let call = Box::new(RuntimeCall::Tricameral(Call::authorize_upgrade { code_hash }));
		let index = propose(OUTSIDER, call);
		for chamber in Chamber::ALL {
			majority(index, chamber, true);
		}
		assert_ok!(close(index));
		assert_eq!(frame_system::Pallet::<Test>::authorized_upgrade().map(|a| *a.code_hash()), Some(code_hash));
		assert!(events().contains(&Event::UpgradeAuthorized { code_hash }));
	});
}

#[test]
fn a_failing_call_is_still_executed_once_and_its_deposit_returned() {
	checked(|| {
		let index = propose(OUTSIDER, Box::new(RuntimeCall::Guarded(guarded::Call::fail {})));
		for chamber in Chamber::ALL {
			majority(index, chamber, true);
		}
		assert_ok!(close(index));
		assert_eq!(Balances::free_balance(OUTSIDER), FUNDS);
		assert_eq!(events().last(), Some(&Event::Executed { index, result: Err(DispatchError::Unavailable) }));
	});
}

#[test]
fn the_weight_bound_must_cover_the_call() {
	checked(|| {
		let index = propose(OUTSIDER, set_value(3));
		for chamber in Chamber::ALL {
			majority(index, chamber, true);
		}
		assert_noop!(
			Tricameral::close(RuntimeOrigin::signed(OUTSIDER), index, Weight::from_parts(999, 0)),
			Error::<Test>::WeightBoundTooLow
		);
		assert_ok!(close(index));
	});
}

#[test]
fn amending_clears_the_votes_and_moves_the_deposit() {
	checked(|| {
		let index = propose(OUTSIDER, set_value(1));
		majority(index, Chamber::Compute, true);
		assert_noop!(
			Tricameral::amend(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, set_value(2)),
			Error::<Test>::NotProposer
		);
		let longer = Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![1; 300] }));
		assert_ok!(Tricameral::amend(RuntimeOrigin::signed(OUTSIDER), index, longer.clone()));
		assert_eq!(held(OUTSIDER), deposit_of(&longer));
		assert_eq!(Votes::<Test>::iter_prefix(index).count(), 0, "votes cleared");
		assert_ok!(Tricameral::amend(RuntimeOrigin::signed(OUTSIDER), index, set_value(2)));
		assert_eq!(held(OUTSIDER), deposit_of(&set_value(2)));
		// The compute members vote again, on the call they will get.
		for chamber in Chamber::ALL {
			majority(index, chamber, true);
		}
		assert_ok!(close(index));
		assert_eq!(guarded::Value::<Test>::get(), 2);
		assert_eq!(Balances::free_balance(OUTSIDER), FUNDS);
	});
}

#[test]
fn members_contribute_to_a_models_phase_two_in_order() {
	checked(|| {
		let plain = propose(OUTSIDER, set_value(1));
		let start = H256::repeat_byte(1);
		assert_noop!(
			Tricameral::contribute(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), plain, Chamber::Compute, start, start),
			Error::<Test>::NoCeremony
		);
		let index = NextProposal::<Test>::get();
		assert_ok!(Tricameral::propose(RuntimeOrigin::signed(OUTSIDER), set_value(1), Some(start)));
		let (a, b) = (H256::repeat_byte(2), H256::repeat_byte(3));
		assert_noop!(
			Tricameral::contribute(RuntimeOrigin::signed(OUTSIDER), index, Chamber::Compute, start, a),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Tricameral::contribute(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, a, b),
			Error::<Test>::NotTheHead
		);
		assert_ok!(Tricameral::contribute(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, start, a));
		assert_noop!(
			Tricameral::contribute(RuntimeOrigin::signed(USER_MEMBERS[0]), index, Chamber::User, start, b),
			Error::<Test>::NotTheHead
		);
		assert_noop!(
			Tricameral::contribute(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, a, b),
			Error::<Test>::AlreadyContributed
		);
		assert_ok!(Tricameral::contribute(RuntimeOrigin::signed(USER_MEMBERS[0]), index, Chamber::User, a, b));
		let proposal = Proposals::<Test>::get(index).unwrap();
		assert_eq!(
			proposal.contributions.to_vec(),
			vec![
				Contribution { contributor: COMPUTE_MEMBERS[0], chamber: Chamber::Compute, transcript: a },
				Contribution { contributor: USER_MEMBERS[0], chamber: Chamber::User, transcript: b },
			]
		);
		assert_eq!(proposal.phase2_head(), Some(b));
		assert_eq!(
			events().last(),
			Some(&Event::Contributed { index, chamber: Chamber::User, who: USER_MEMBERS[0], transcript: b })
		);
		// Amending keeps the contributions.
		assert_ok!(Tricameral::amend(RuntimeOrigin::signed(OUTSIDER), index, set_value(2)));
		assert_eq!(Proposals::<Test>::get(index).unwrap().contributions.len(), 2);
	});
}

#[test]
fn contributions_are_bounded() {
	checked(|| {
		// Sixteen members contribute; the seventeenth is refused.
		let contributors: Vec<AccountId> = (100..117).collect();
		Members::<Test>::insert(Chamber::User, MembersOf::<Test>::try_from(contributors.clone()).unwrap());
		let start = H256::repeat_byte(1);
		assert_ok!(Tricameral::propose(RuntimeOrigin::signed(OUTSIDER), set_value(1), Some(start)));
		let mut head = start;
		for (i, who) in contributors.iter().enumerate() {
			let next = H256::repeat_byte(i as u8 + 2);
			let result = Tricameral::contribute(RuntimeOrigin::signed(*who), 0, Chamber::User, head, next);
			if i < MAX_CONTRIBUTIONS as usize {
				assert_ok!(result);
				head = next;
			} else {
				assert_noop!(result, Error::<Test>::TooManyContributions);
			}
		}
	});
}

#[test]
fn chambers_are_refreshed_each_term_from_their_sources() {
	checked(|| {
		ComputeList::set(vec![7, 5, 6, 5]);
		ModelList::set(vec![8, 9]); // fewer than MinMembers (3): kept
		// 34 burned less than MIN_PATRONAGE: not a candidate.
		for (who, paid) in [(31, 10), (32, 30), (33, 20), (34, MIN_PATRONAGE - 1)] {
			Tricameral::note_payment(&who, paid);
		}
		run_to(TERM - 1);
		assert_eq!(Members::<Test>::get(Chamber::Compute).to_vec(), COMPUTE_MEMBERS.to_vec());
		run_to(TERM);
		assert_eq!(Members::<Test>::get(Chamber::Compute).to_vec(), vec![5, 6, 7], "sorted, deduplicated");
		assert_eq!(Members::<Test>::get(Chamber::Model).to_vec(), MODEL_MEMBERS.to_vec());
		assert_eq!(Members::<Test>::get(Chamber::User).to_vec(), vec![31, 32, 33]);
		assert!(events().contains(&Event::ChamberKept { chamber: Chamber::Model, candidates: 2 }));
		assert!(events().contains(&Event::ChamberRefreshed { chamber: Chamber::Compute, members: 3 }));
		assert_eq!(Term::<Test>::get(), 1);
		assert!(Patrons::<Test>::get().is_empty(), "a new term counts anew");
		// Nobody paid in this term: the User Chamber stays.
		run_to(2 * TERM);
		assert_eq!(Members::<Test>::get(Chamber::User).to_vec(), vec![31, 32, 33]);
	});
}

#[test]
fn a_departed_members_vote_no_longer_counts() {
	checked(|| {
		let index = propose(OUTSIDER, set_value(42));
		majority(index, Chamber::Model, true);
		majority(index, Chamber::User, true);
		majority(index, Chamber::Compute, true);
		// The Compute Chamber is replaced before closing: its old votes lapse.
		ComputeList::set(vec![4, 5, 6]);
		Tricameral::refresh_chambers();
		let (tallies, read) = Tricameral::tally(index);
		assert_eq!(read, 6);
		assert_eq!(tallies[Chamber::Compute.index()], Tally { ayes: 0, nays: 0, members: 3 });
		assert_noop!(close(index), Error::<Test>::Undecided);
		for who in [4, 5] {
			let _ = Balances::deposit_creating(&who, 10);
			assert_ok!(Tricameral::vote(RuntimeOrigin::signed(who), index, Chamber::Compute, true));
		}
		assert_ok!(close(index));
		assert_eq!(guarded::Value::<Test>::get(), 42);
	});
}

#[test]
fn the_user_chamber_is_the_top_payers_and_splitting_does_not_help() {
	checked(|| {
		// 120 payers; the 100 who paid most are kept, most first.
		for who in 1000..1120u64 {
			Tricameral::note_payment(&who, who as Balance);
		}
		let patrons = Patrons::<Test>::get();
		assert_eq!(patrons.len(), 100);
		assert_eq!(patrons.first().unwrap(), &(1119, 1119));
		assert_eq!(patrons.last().unwrap(), &(1020, 1020));
		// A sybil spending 2,000 split over 100 accounts (20 each) gets no
		// seat; the same spent by one account gets one.
		for sybil in 5000..5100u64 {
			Tricameral::note_payment(&sybil, 20);
		}
		assert!(Patrons::<Test>::get().iter().all(|(who, _)| *who < 5000));
		Tricameral::note_payment(&6000, 2_000);
		assert_eq!(Patrons::<Test>::get().first().unwrap(), &(6000, 2_000));
		// Payments add up within the term; a later payment moves one up.
		Tricameral::note_payment(&1020, 1_000);
		assert!(Patrons::<Test>::get().contains(&(1020, 2_020)));
		// A new term starts from zero.
		Tricameral::refresh_chambers();
		Tricameral::note_payment(&1020, 1);
		assert_eq!(Paid::<Test>::get(1020), Some((1, 1)));
		assert_eq!(Patrons::<Test>::get().to_vec(), vec![(1020, 1)]);
	});
}

#[test]
fn a_whitelisting_passes_only_once_amended_after_the_last_contribution() {
	checked(|| {
		let start = H256::repeat_byte(1);
		assert_ok!(Tricameral::propose(RuntimeOrigin::signed(OUTSIDER), set_value(1), Some(start)));
		for chamber in Chamber::ALL {
			majority(0, chamber, true);
		}
		// The call still carries the initial key: approved or not, it waits.
		assert_noop!(close(0), Error::<Test>::KeyNotFinal);
		assert_ok!(Tricameral::amend(RuntimeOrigin::signed(OUTSIDER), 0, set_value(2)));
		// A contribution after the amendment: the key changes again.
		assert_ok!(Tricameral::contribute(
			RuntimeOrigin::signed(USER_MEMBERS[2]),
			0,
			Chamber::User,
			start,
			H256::repeat_byte(2)
		));
		for chamber in Chamber::ALL {
			majority(0, chamber, true);
		}
		assert_noop!(close(0), Error::<Test>::KeyNotFinal);
		assert_ok!(Tricameral::amend(RuntimeOrigin::signed(OUTSIDER), 0, set_value(3)));
		for chamber in Chamber::ALL {
			majority(0, chamber, true);
		}
		assert_ok!(close(0));
		assert_eq!(guarded::Value::<Test>::get(), 3);
	});
}

#[test]
fn votes_per_proposal_are_bounded() {
	checked(|| {
		let index = propose(OUTSIDER, set_value(1));
		Proposals::<Test>::mutate(index, |p| p.as_mut().unwrap().votes = Tricameral::max_votes());
		assert_noop!(
			Tricameral::vote(RuntimeOrigin::signed(COMPUTE_MEMBERS[0]), index, Chamber::Compute, true),
			Error::<Test>::TooManyVotes
		);
	});
}
