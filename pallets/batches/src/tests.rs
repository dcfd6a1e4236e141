//! Escrows, batches, challenges and equivocation: every call, every error,
//! and the attacks a committee, an executor, a user or a challenger could
//! try. Every test ends with the pallets' invariants and exact issuance
//! accounting ([`execute`]).

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, dispatch::Pays, traits::Hooks, weights::Weight};
use sp_core::H256;
use sp_runtime::{
	testing::TestSignature,
	traits::{BlakeTwo256, Hash},
	TokenError,
};

/// What a batch's entry pays: (burned, executor, developer) of `gross`.
fn split(gross: Balance) -> (Balance, Balance, Balance) {
	let burned = gross / 10;
	let executor = (gross - burned) * 8 / 10;
	(burned, executor, gross - burned - executor)
}

/// What `who` holds in all its escrows.
fn held(who: AccountId) -> Balance {
	Escrows::<Test>::iter_prefix_values(who).map(|e| e.held).sum()
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

// ---------------------------------------------------------------- escrow

#[test]
fn escrow_is_held_unlocked_after_the_delay_and_withdrawn() {
	execute(|| {
		let user = RuntimeOrigin::signed(1);
		assert_noop!(BatchLane::deposit(user.clone(), P1, 0), Error::<Test>::ZeroAmount);
		// An escrow is for a registered provider.
		assert_noop!(BatchLane::deposit(user.clone(), DEV, 5_000), Error::<Test>::NotAProvider);
		assert_ok!(BatchLane::deposit(user.clone(), P1, 5_000));
		assert_eq!((free(1), held(1)), (FUNDS - 5_000, 5_000));
		assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::Deposited { user: 1, executor: P1, amount: 5_000 }));
		assert_noop!(BatchLane::withdraw(user.clone(), P1), Error::<Test>::NothingUnlocking);
		assert_noop!(BatchLane::unlock(user.clone(), P1, 5_001), Error::<Test>::NotEnoughEscrow);
		// The escrow for another executor is another escrow: empty.
		assert_noop!(BatchLane::unlock(user.clone(), P2, 1), Error::<Test>::NotEnoughEscrow);
		assert_ok!(BatchLane::unlock(user.clone(), P1, 3_000));
		// Asking for more than what is not yet unlocking is refused.
		assert_noop!(BatchLane::unlock(user.clone(), P1, 2_001), Error::<Test>::NotEnoughEscrow);
		assert_noop!(BatchLane::withdraw(user.clone(), P1), Error::<Test>::StillLocked);
		run_to(1 + UNLOCK);
		assert_noop!(BatchLane::withdraw(user.clone(), P2), Error::<Test>::NothingUnlocking);
		assert_ok!(BatchLane::withdraw(user.clone(), P1));
		assert_eq!((free(1), held(1)), (FUNDS - 2_000, 2_000));
		assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::Withdrawn { user: 1, executor: P1, amount: 3_000 }));
		// More than the balance cannot be deposited.
		assert_noop!(BatchLane::deposit(user, P2, FUNDS), TokenError::FundsUnavailable);
	});
}

#[test]
fn a_user_cannot_run_off_with_what_it_signed_for() {
	execute(|| {
		fund(2_000);
		// User 1 signs two requests, then asks all its escrow back at once.
		assert_ok!(BatchLane::unlock(RuntimeOrigin::signed(1), P1, 2_000));
		let batch = build(1, &[2, 0, 0], &[P1]);
		assert_ok!(batch.submit());
		// The batch debited what was unlocking: nothing is left to withdraw.
		run_to(1 + UNLOCK);
		assert_ok!(BatchLane::withdraw(RuntimeOrigin::signed(1), P1));
		assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::Withdrawn { user: 1, executor: P1, amount: 0 }));
		assert_eq!(escrow(1, P1).held, 2_000);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		assert_eq!(escrow(1, P1).held, 0);
	});
}

// ---------------------------------------------------------------- batches

#[test]
fn an_honest_batch_settles_once_its_window_closes() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[3, 2, 1], &[P1, P2]);
		let (p1, p2, dev) = (free(P1), free(P2), free(DEV));
		let result = batch.submit().unwrap();
		assert_eq!(result.pays_fee, Pays::No);
		assert_eq!(NextSequence::<Test>::get(), 2);
		// Each user's requests to each executor are numbered and debited
		// apart: user 1 sent two to P1 and one to P2, user 2 one to each.
		assert_eq!((escrow(1, P1).committed, escrow(1, P2).committed), (2 * PRICE, PRICE));
		assert_eq!((escrow(1, P1).nonce, escrow(1, P1).spent), (2, 2 * PRICE));
		assert_eq!((escrow(2, P1).nonce, escrow(2, P2).nonce, escrow(2, P2).spent), (1, 1, PRICE));

		run_to(1 + PERIOD);
		assert_noop!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1), Error::<Test>::ChallengeOpen);
		run_to(2 + PERIOD);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		assert_noop!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1), Error::<Test>::UnknownBatch);

		// Six requests: P1 executed three, P2 three.
		let (burned, executor, developer) = split(3 * PRICE);
		assert_eq!(free(P1) - p1, executor);
		assert_eq!(free(P2) - p2, executor);
		assert_eq!(free(DEV) - dev, 2 * developer);
		assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::BatchReleased {
			sequence: 1,
			paid: 6 * PRICE,
			burned: 2 * burned
		}));
		for (user, count) in [(1, 3), (2, 2), (3, 1)] {
			assert_eq!(held(user), 2 * 10_000 - count * PRICE);
			assert!(Escrows::<Test>::iter_prefix_values(user).all(|e| e.committed == 0));
			assert_eq!(free(user), FUNDS - 2 * 10_000);
		}
		// Each entry counts toward its executor's score, with the burned share.
		let record = pallet_compute_staking::Providers::<Test>::get(P1).unwrap().record;
		assert_eq!(record.verified, 1);
		assert!(System::events().iter().any(|e| e.event ==
			RuntimeEvent::ComputeStaking(pallet_compute_staking::Event::ResultVerified {
				provider: P1,
				flops: 3 * u128::from(fixtures_flops()),
				counted: burned
			})));
	});
}

#[test]
fn a_released_batch_shows_each_result_with_its_path_and_no_other() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[2, 1], &[P1, P2]);
		let proof = batch.proof(2);
		assert_ok!(batch.submit());
		// Pending: not yet settled, so not shown.
		assert_noop!(<BatchLane as ReleasedResults<_, _>>::released(1, &proof), Error::<Test>::NotReleased);
		run_to(2 + PERIOD);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		assert_eq!(Released::<Test>::get(1), Some((batch.header.root, 3, 2 + PERIOD)));
		let leaf = &proof.leaf;
		assert_eq!(
			<BatchLane as ReleasedResults<_, _>>::released(1, &proof),
			Ok(ReleasedResult {
				sequence: 1,
				index: 2,
				root: batch.header.root,
				user: leaf.request.user,
				executor: leaf.request.executor,
				nonce: leaf.request.nonce,
				model: model(),
				input_hash: leaf.request.input_hash,
				output_hash: leaf.output_hash,
				proof_hash: leaf.proof_hash,
				flops: fixtures_flops(),
				released_at: 2 + PERIOD,
			})
		);
		// Another index, a changed leaf, another batch: refused.
		let mut moved = proof.clone();
		moved.index = 1;
		assert_noop!(<BatchLane as ReleasedResults<_, _>>::released(1, &moved), Error::<Test>::BadPath);
		let mut changed = proof.clone();
		changed.leaf.output_hash = H256::zero();
		assert_noop!(<BatchLane as ReleasedResults<_, _>>::released(1, &changed), Error::<Test>::BadPath);
		assert_noop!(<BatchLane as ReleasedResults<_, _>>::released(2, &proof), Error::<Test>::NotReleased);
	});
}

#[test]
fn a_voided_batch_shows_no_result() {
	execute(|| {
		fund(10_000);
		let mut batch = build(1, &[1, 0, 0], &[P1]);
		let (input, mut output, proof) = batch.data[0].clone();
		output[0] += 1;
		batch.leaves[0].output_hash = BlakeTwo256::hash_of(&output);
		batch.data[0] = (input, output, proof);
		batch.seal();
		let proof = batch.proof(0);
		let evidence = batch.proof_evidence(0);
		assert_voided(&batch, evidence);
		assert_eq!(Released::<Test>::get(1), None);
		assert_noop!(<BatchLane as ReleasedResults<_, _>>::released(1, &proof), Error::<Test>::NotReleased);
	});
}

fn fixtures_flops() -> u64 {
	use pallet_model_registry::ModelCatalog;
	ModelRegistry::model(&model()).unwrap().flops
}

#[test]
fn the_next_batch_continues_each_users_requests() {
	execute(|| {
		fund(10_000);
		assert_ok!(build(1, &[2, 1, 0], &[P1]).submit());
		let second = build(2, &[1, 1, 1], &[P1]);
		assert_eq!(second.header.users[0].first_nonce, 3);
		assert_ok!(second.submit());
		assert_eq!(escrow(1, P1).committed, 3 * PRICE);
		// Requests to another executor are numbered from 1.
		let third = build(3, &[1, 0, 0], &[P2]);
		assert_eq!(third.header.users[0].first_nonce, 1);
		assert_ok!(third.submit());
		run_to(2 + PERIOD);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 2));
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 3));
		assert_eq!((escrow(1, P1).held, escrow(1, P2).held), (10_000 - 3 * PRICE, 10_000 - PRICE));
	});
}

#[test]
fn a_batch_is_not_accepted_twice_nor_out_of_order() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[1, 1, 1], &[P1]);
		assert_ok!(batch.submit());
		assert_noop!(batch.submit(), Error::<Test>::WrongSequence);
		// The same requests under the next number: already settled.
		let mut replay = build(1, &[1, 1, 1], &[P1]);
		replay.header.sequence = 2;
		replay.header.users = batch.header.users.clone();
		assert_noop!(replay.submit(), Error::<Test>::WrongNonce);
		let skipped = build(3, &[1, 0, 0], &[P1]);
		assert_noop!(skipped.submit(), Error::<Test>::WrongSequence);
	});
}

#[test]
fn the_committee_must_sign_the_header_as_submitted() {
	execute(|| {
		fund(10_000);
		let mut batch = build(1, &[1, 1, 0], &[P1]);
		let attestation = batch.attest(&COMMITTEE[..3]);
		// Two thirds is not enough.
		assert_noop!(
			BatchLane::submit_batch(RuntimeOrigin::signed(40), batch.header.clone(), batch.attest(&COMMITTEE[..2])),
			sp_runtime::DispatchError::Other("too few signers")
		);
		// A header changed after signing (more to the executor) is refused.
		batch.header.entries[0].gross += 1;
		assert_noop!(
			BatchLane::submit_batch(RuntimeOrigin::signed(40), batch.header.clone(), attestation),
			sp_runtime::DispatchError::Other("bad signature")
		);
	});
}

/// Submitting `batch` as signed by the committee fails with `error` and
/// changes nothing.
fn refused(batch: &Built, error: Error<Test>) {
	assert_noop!(batch.submit(), error);
}

#[test]
fn headers_that_do_not_add_up_are_refused_by_name() {
	execute(|| {
		fund(10_000);
		let honest = build(1, &[2, 1, 0], &[P1, P2]);

		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.entries.clear();
		refused(&b, Error::<Test>::EmptyBatch);

		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.entries[0].count += 1;
		refused(&b, Error::<Test>::EntriesDoNotTile);

		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.entries[1].count = 0;
		b.header.entries[0].count += 1;
		refused(&b, Error::<Test>::EntriesDoNotTile);

		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		let again = b.header.users[0].clone();
		b.header.users.try_push(again).unwrap();
		refused(&b, Error::<Test>::DuplicateUser);

		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.users[0].first_nonce = 2;
		refused(&b, Error::<Test>::WrongNonce);

		// The committee inflates a user's debit: the user never signed it.
		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.users[0].last.spent += 1_000;
		b.header.entries[0].gross += 1_000;
		refused(&b, Error::<Test>::BadUserSignature);

		// The committee pays the executors more than the users pay.
		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.entries[0].gross += 1;
		refused(&b, Error::<Test>::Unbalanced);

		// The totals agree, but user 1 pays P1's work from its escrow for P2
		// (it signs a lower total to P1 and a higher one to P2): each
		// executor's debits must be its entries' gross.
		let mut b = build(1, &[2, 0, 0], &[P1, P2]);
		assert_eq!((b.header.users[0].last.executor, b.header.users[1].last.executor), (P1, P2));
		b.header.users[0].last.spent -= PRICE;
		b.header.users[1].last.spent += PRICE;
		for debit in b.header.users.iter_mut() {
			debit.signature = sign(&debit.last);
		}
		refused(&b, Error::<Test>::Unbalanced);

		// Fewer requests than results.
		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.results += 1;
		b.header.entries[0].count += 1;
		refused(&b, Error::<Test>::CountMismatch);

		let mut b = build(1, &[2, 1, 0], &[P1, P2]);
		b.header.entries[0].model = H256::repeat_byte(9);
		refused(&b, Error::<Test>::UnknownModel);

		// More than `StakeCover` of the signers' bonds (30,000) cannot be moved.
		StakeCover::set(sp_runtime::Perbill::from_percent(5));
		refused(&build(1, &[2, 1, 0], &[P1, P2]), Error::<Test>::ExceedsStake);
		StakeCover::set(sp_runtime::Perbill::from_percent(40));

		assert_ok!(honest.submit());
	});
}

#[test]
fn a_debit_needs_the_escrow_and_never_goes_backwards() {
	execute(|| {
		fund(PRICE);
		// User 1 has one fee in escrow, not two.
		refused(&build(1, &[2, 0, 0], &[P1]), Error::<Test>::InsufficientEscrow);
		assert_ok!(build(1, &[1, 0, 0], &[P1]).submit());
		// Its next request claims a smaller total than it already paid.
		let mut b = build(2, &[1, 0, 0], &[P1]);
		b.header.users[0].last.spent = 0;
		b.header.users[0].signature = sign(&b.header.users[0].last);
		refused(&b, Error::<Test>::SpentDecreased);
	});
}

#[test]
fn each_executor_is_paid_from_its_own_escrow_whatever_others_settle() {
	execute(|| {
		// User 1 has one fee for each executor. Under one escrow for all,
		// P2's batch would spend what P1's node had counted on, and P1's
		// proven work would go unpaid; here each is paid from its own.
		fund(PRICE);
		assert_ok!(build(1, &[1, 0, 0], &[P2]).submit());
		assert_ok!(build(2, &[1, 0, 0], &[P1]).submit());
		// A second request to P2 is not paid from what is left for P1.
		let b = build(3, &[1, 0, 0], &[P2]);
		assert_eq!(b.header.users[0].first_nonce, 2);
		refused(&b, Error::<Test>::InsufficientEscrow);
		run_to(2 + PERIOD);
		let (p1, p2) = (free(P1), free(P2));
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 2));
		let executor = split(PRICE).1;
		assert_eq!((free(P1) - p1, free(P2) - p2), (executor, executor));
		assert_eq!(held(1), 0);
	});
}

// ---------------------------------------------------------------- challenges

/// Submits `batch` (signed by members 30, 31, 32), challenges it with
/// `evidence` from account 20 and checks that it is void: signers slashed
/// half their bond, the challenger rewarded a tenth of that, users' escrows
/// free again, nothing paid.
fn assert_voided(batch: &Built, evidence: EvidenceOf<Test>) {
	assert_ok!(batch.submit());
	let challenger_before = free(20);
	let executors: Vec<_> = batch.header.entries.iter().map(|e| (e.executor, free(e.executor))).collect();
	assert_ok!(BatchLane::challenge(RuntimeOrigin::signed(20), 1, evidence));
	let slashed = 3 * BOND / 2;
	assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::BatchVoided {
		sequence: 1,
		challenger: 20,
		slashed,
		reward: slashed / 10
	}));
	for member in &COMMITTEE[..3] {
		assert_eq!(bond(*member), BOND / 2);
	}
	assert_eq!(bond(COMMITTEE[3]), BOND, "a member that did not sign keeps its bond");
	assert_eq!(free(20), challenger_before + slashed / 10);
	for user in USERS {
		assert!(Escrows::<Test>::iter_prefix_values(user).all(|e| e.committed == 0));
	}
	run_to(2 + PERIOD);
	assert_noop!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1), Error::<Test>::UnknownBatch);
	for (executor, before) in executors {
		assert_eq!(free(executor), before, "nobody is paid from a void batch");
	}
}

#[test]
fn a_result_with_a_proof_that_does_not_verify_voids_the_batch() {
	execute(|| {
		fund(10_000);
		// P2 copies P1's proof for its own request (bound to P1): it does not
		// verify for P2's binding.
		let mut batch = build(1, &[1, 1, 0], &[P1, P2]);
		let (input, output, proof) = batch.data[0].clone();
		batch.leaves[1].proof_hash = BlakeTwo256::hash(&proof);
		batch.leaves[1].output_hash = BlakeTwo256::hash_of(&output);
		batch.data[1] = (input, output, proof);
		batch.seal();
		let evidence = batch.proof_evidence(1);
		assert_voided(&batch, evidence);
	});
}

#[test]
fn a_wrong_output_voids_the_batch() {
	execute(|| {
		fund(10_000);
		let mut batch = build(1, &[1, 0, 0], &[P1]);
		let (input, mut output, proof) = batch.data[0].clone();
		output[3] += 1;
		batch.leaves[0].output_hash = BlakeTwo256::hash_of(&output);
		batch.data[0] = (input, output, proof);
		batch.seal();
		let evidence = batch.proof_evidence(0);
		assert_voided(&batch, evidence);
	});
}

#[test]
fn a_request_the_user_did_not_sign_voids_the_batch() {
	execute(|| {
		fund(10_000);
		// User 2's request made to run another input than it signed for.
		let mut batch = build(1, &[1, 1, 0], &[P1]);
		batch.leaves[1].request.input_hash = H256::repeat_byte(1);
		batch.seal();
		let evidence = Evidence::Signature(batch.proof(1));
		assert_voided(&batch, evidence);
	});
}

#[test]
fn a_leaf_outside_its_entry_or_its_users_range_voids_the_batch() {
	execute(|| {
		fund(10_000);
		// A request user 1 made to P2, settled inside P1's entry.
		let mut batch = build(1, &[2, 0, 0], &[P1]);
		let elsewhere = request(1, P2, 1, PRICE);
		batch.leaves[1].signature = sign(&elsewhere);
		batch.leaves[1].request = elsewhere;
		batch.seal();
		let evidence = Evidence::Placement(batch.proof(1));
		assert_voided(&batch, evidence);
	});
	execute(|| {
		fund(10_000);
		// A request of user 2 that its debit does not cover (nonce 2 of a
		// range 1..=1), in place of user 1's second.
		let mut batch = build(1, &[2, 1, 0], &[P1]);
		let extra = request(2, P1, 2, 2 * PRICE);
		batch.leaves[1].request = extra.clone();
		batch.leaves[1].signature = sign(&extra);
		batch.seal();
		let evidence = Evidence::Placement(batch.proof(1));
		assert_voided(&batch, evidence);
	});
}

#[test]
fn a_request_settled_twice_in_a_batch_voids_it() {
	execute(|| {
		fund(10_000);
		// User 1's request 1 twice, its request 2 never executed.
		let mut batch = build(1, &[2, 0, 0], &[P1]);
		batch.leaves[1] = batch.leaves[0].clone();
		batch.leaves[1].running = 2 * PRICE;
		batch.seal();
		let evidence = Evidence::Duplicate(batch.proof(0), batch.proof(1));
		assert_voided(&batch, evidence);
	});
}

#[test]
fn an_entry_total_that_is_not_its_leaves_fees_voids_the_batch() {
	// Two entries of P1 with two leaves each (as for two of its models, whose
	// developers' shares follow the entries): moving a fee from one to the
	// other keeps P1's debits equal to its gross (what acceptance checks),
	// and only a leaf shows it. Moving one across executors is `Unbalanced`.
	let two_entries = || {
		let mut batch = build(1, &[2, 2, 0], &[P1]);
		let entry = batch.header.entries[0].clone();
		let half = Entry { count: 2, gross: 2 * PRICE, ..entry };
		batch.header.entries = vec![half.clone(), half].try_into().unwrap();
		batch.leaves[2].running = PRICE;
		batch.leaves[3].running = 2 * PRICE;
		batch.seal();
		batch
	};
	// The last leaf shows it.
	execute(|| {
		fund(10_000);
		let mut batch = two_entries();
		batch.header.entries[0].gross += PRICE;
		batch.header.entries[1].gross -= PRICE;
		let evidence = Evidence::Running(batch.proof(1), None);
		assert_voided(&batch, evidence);
	});
	// The running totals hide it: the inflated step shows it.
	execute(|| {
		fund(10_000);
		let mut batch = two_entries();
		batch.header.entries[0].gross += PRICE;
		batch.header.entries[1].gross -= PRICE;
		batch.leaves[1].running += PRICE;
		batch.seal();
		let evidence = Evidence::Running(batch.proof(0), Some(batch.proof(1)));
		assert_voided(&batch, evidence);
	});
	// Or the first leaf, if the inflation starts there.
	execute(|| {
		fund(10_000);
		let mut batch = two_entries();
		batch.header.entries[0].gross += PRICE;
		batch.header.entries[1].gross -= PRICE;
		batch.leaves[0].running += PRICE;
		batch.leaves[1].running += PRICE;
		batch.seal();
		let evidence = Evidence::Running(batch.proof(0), None);
		assert_voided(&batch, evidence);
	});
	// Across executors, the chain refuses it outright.
	execute(|| {
		fund(10_000);
		let mut batch = build(1, &[2, 2, 0], &[P1, P2]);
		batch.header.entries[0].gross += PRICE;
		batch.header.entries[1].gross -= PRICE;
		refused(&batch, Error::<Test>::Unbalanced);
	});
}

#[test]
fn a_challenge_of_an_honest_batch_costs_the_challenger_its_deposit() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[2, 2, 0], &[P1, P2]);
		assert_ok!(batch.submit());
		let frivolous = [
			batch.proof_evidence(0),
			Evidence::Signature(batch.proof(1)),
			Evidence::Placement(batch.proof(2)),
			Evidence::Duplicate(batch.proof(0), batch.proof(1)),
			Evidence::Running(batch.proof(1), None),
			Evidence::Running(batch.proof(2), Some(batch.proof(3))),
		];
		for (i, evidence) in frivolous.into_iter().enumerate() {
			let before = free(20);
			assert_ok!(BatchLane::challenge(RuntimeOrigin::signed(20), 1, evidence));
			assert_eq!(free(20), before - DEPOSIT, "challenge {i}");
			assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::ChallengeFailed {
				sequence: 1,
				challenger: 20,
				burned: DEPOSIT
			}));
		}
		for member in COMMITTEE {
			assert_eq!(bond(member), BOND);
		}
		run_to(2 + PERIOD);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
	});
}

#[test]
fn malformed_or_late_challenges_are_refused_and_change_nothing() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[2, 2, 0], &[P1, P2]);
		assert_noop!(
			BatchLane::challenge(RuntimeOrigin::signed(20), 1, Evidence::Signature(batch.proof(0))),
			Error::<Test>::UnknownBatch
		);
		assert_ok!(batch.submit());
		let challenge = |evidence| BatchLane::challenge(RuntimeOrigin::signed(20), 1, evidence);

		// A leaf at another index than its path's.
		let mut moved = batch.proof(0);
		moved.index = 1;
		assert_noop!(challenge(Evidence::Signature(moved)), Error::<Test>::BadPath);
		// A leaf that is not in the batch.
		let mut forged = batch.proof(0);
		forged.leaf.running += 1;
		assert_noop!(challenge(Evidence::Running(forged, None)), Error::<Test>::BadPath);
		// The padding past the last leaf.
		let mut padding = batch.proof(3);
		padding.index = 4;
		assert_noop!(challenge(Evidence::Placement(padding)), Error::<Test>::BadPath);
		// A proof that is not the leaf's.
		let Evidence::Proof { leaf, input, output, .. } = batch.proof_evidence(0) else { unreachable!() };
		let other = batch.data[1].2.clone().try_into().unwrap();
		assert_noop!(
			challenge(Evidence::Proof { leaf, input, output, proof: other }),
			Error::<Test>::EvidenceMismatch
		);
		// The same leaf twice, or leaves that are not adjacent in one entry.
		assert_noop!(challenge(Evidence::Duplicate(batch.proof(0), batch.proof(0))), Error::<Test>::NotAdjacent);
		assert_noop!(
			challenge(Evidence::Running(batch.proof(0), Some(batch.proof(2)))),
			Error::<Test>::NotAdjacent
		);
		assert_noop!(
			challenge(Evidence::Running(batch.proof(1), Some(batch.proof(2)))),
			Error::<Test>::NotAdjacent
		);
		// A challenger that cannot put down the deposit.
		assert_noop!(
			BatchLane::challenge(RuntimeOrigin::signed(99), 1, Evidence::Signature(batch.proof(0))),
			TokenError::FundsUnavailable
		);
		run_to(2 + PERIOD);
		assert_noop!(challenge(Evidence::Signature(batch.proof(0))), Error::<Test>::ChallengeClosed);
	});
}

// ---------------------------------------------------------------- equivocation

#[test]
fn a_member_that_signs_two_headers_for_one_batch_is_slashed_once() {
	execute(|| {
		let (a, b) = (H256::repeat_byte(1), H256::repeat_byte(2));
		let signed = |hash: H256| (31, BlakeTwo256::hash(&batch_payload(1, hash)));
		let report = |first, second| {
			BatchLane::report_equivocation(RuntimeOrigin::signed(20), 31, EPOCH, 1, (first, signed(first)), (second, signed(second)))
		};
		assert_noop!(report(a, a), Error::<Test>::SameHeader);
		// A signature of another batch number is not this batch's.
		assert_noop!(
			BatchLane::report_equivocation(
				RuntimeOrigin::signed(20),
				31,
				EPOCH,
				2,
				(a, signed(a)),
				(b, signed(b))
			),
			sp_runtime::DispatchError::Other("bad signature")
		);
		let before = free(20);
		let result = report(a, b).unwrap();
		assert_eq!(result.pays_fee, Pays::No);
		assert_eq!(bond(31), BOND / 2);
		assert_eq!(free(20), before + BOND / 20);
		assert_noop!(report(a, b), Error::<Test>::AlreadyReported);
		// Not a member of that epoch's committee.
		assert_noop!(
			BatchLane::report_equivocation(
				RuntimeOrigin::signed(20),
				P1,
				EPOCH,
				1,
				(a, (P1, BlakeTwo256::hash(&batch_payload(1, a)))),
				(b, (P1, BlakeTwo256::hash(&batch_payload(1, b))))
			),
			sp_runtime::DispatchError::Other("not a member")
		);
	});
}

#[test]
fn equivocation_records_are_pruned_once_their_epoch_can_no_longer_be_reported() {
	let (a, b) = (H256::repeat_byte(1), H256::repeat_byte(2));
	let report = |member: AccountId, sequence: u64| {
		let signed = |hash: H256| (member, BlakeTwo256::hash(&batch_payload(sequence, hash)));
		BatchLane::report_equivocation(RuntimeOrigin::signed(20), member, EPOCH, sequence, (a, signed(a)), (b, signed(b)))
	};
	let records = || Equivocations::<Test>::iter_prefix(EPOCH).count();
	let unlimited = Weight::from_parts(u64::MAX, u64::MAX);
	let mut ext = new_test_ext();
	ext.execute_with(|| {
		for (member, sequence) in [(30, 1), (31, 1), (31, 2)] {
			assert_ok!(report(member, sequence));
		}
		assert_eq!(EquivocationEpochs::<Test>::get(), Some((EPOCH, EPOCH)));
	});
	// Pruning removes what earlier blocks wrote: commit them.
	ext.commit_all().unwrap();
	ext.execute_with(|| {
		let db = <Test as frame_system::Config>::DbWeight::get();
		let per_key = db.reads_writes(1, 1);
		// The next epoch can still check this one's signatures: kept, and the
		// same equivocation reported again is refused.
		CurrentEpoch::set(EPOCH + 1);
		BatchLane::on_idle(2, unlimited);
		assert_eq!(records(), 3);
		assert_noop!(report(31, 2), Error::<Test>::AlreadyReported);

		// Two epochs on, it cannot: pruned as far as the weight allows.
		CurrentEpoch::set(EPOCH + 2);
		assert_eq!(BatchLane::on_idle(3, db.reads(3).saturating_add(db.writes(1))), Weight::zero());
		assert_eq!(records(), 3, "no room: nothing read, nothing removed");
		let two_keys = db.reads(3).saturating_add(db.writes(1)).saturating_add(per_key.saturating_mul(2));
		assert_eq!(BatchLane::on_idle(4, two_keys), two_keys, "charges what it did, within what it was given");
		assert_eq!(records(), 1);
		assert_eq!(EquivocationEpochs::<Test>::get(), Some((EPOCH, EPOCH)));
		BatchLane::do_try_state().expect("records within the range");
	});
	ext.commit_all().unwrap();
	ext.execute_with(|| {
		let db = <Test as frame_system::Config>::DbWeight::get();
		BatchLane::on_idle(5, unlimited);
		assert_eq!(records(), 0);
		assert_eq!(EquivocationEpochs::<Test>::get(), None);
		// With nothing left, an idle block reads one value.
		assert_eq!(BatchLane::on_idle(6, unlimited), db.reads(1));
		// The pruned epoch is past reporting: the member is not punished again.
		let bond_before = bond(31);
		assert_noop!(report(31, 2), sp_runtime::DispatchError::Other("unknown epoch"));
		assert_eq!(bond(31), bond_before);
		BatchLane::do_try_state().expect("no range, no records");
		CurrentEpoch::set(EPOCH);
	});
}

#[test]
fn requests_are_signed_for_this_chain_only() {
	execute(|| {
		let r = request(1, P1, 1, PRICE);
		let here = BatchLane::request_message(&r);
		let elsewhere = request_message(&H256::repeat_byte(5), &r);
		assert_ne!(here, elsewhere);
		let signature = TestSignature(1, elsewhere.to_vec());
		assert!(!BatchLane::signed_by_user(&r, &signature));
		assert!(BatchLane::signed_by_user(&r, &sign(&r)));
	});
}

#[test]
fn a_retired_model_is_not_settled_in_batches() {
	execute(|| {
		fund(10_000);
		assert_ok!(ModelRegistry::retire_model(RuntimeOrigin::root(), model()));
		refused(&build(1, &[1, 0, 0], &[P1]), Error::<Test>::RetiredModel);
	});
}

#[test]
fn a_fee_below_the_models_price_voids_the_batch() {
	execute(|| {
		fund(10_000);
		// User 1 and P1 settle half the price in the batch (and the rest
		// elsewhere): the developer's share and the burn would be bypassed.
		let mut batch = build(1, &[1, 0, 0], &[P1]);
		let mut cheap = batch.leaves[0].request.clone();
		cheap.fee = PRICE / 2;
		cheap.spent = PRICE / 2;
		batch.leaves[0].request = cheap.clone();
		batch.leaves[0].signature = sign(&cheap);
		batch.leaves[0].running = PRICE / 2;
		batch.header.users[0].last = cheap.clone();
		batch.header.users[0].signature = sign(&cheap);
		batch.header.entries[0].gross = PRICE / 2;
		batch.seal();
		let evidence = Evidence::Placement(batch.proof(0));
		assert_voided(&batch, evidence);
	});
}

#[test]
fn a_signer_that_challenges_its_own_batch_wins_nothing() {
	execute(|| {
		fund(10_000);
		let mut batch = build(1, &[1, 0, 0], &[P1]);
		batch.leaves[0].request.input_hash = H256::repeat_byte(1);
		batch.seal();
		assert_ok!(batch.submit());
		let before = free(30);
		assert_ok!(BatchLane::challenge(RuntimeOrigin::signed(30), 1, Evidence::Signature(batch.proof(0))));
		assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::BatchVoided {
			sequence: 1,
			challenger: 30,
			slashed: 3 * BOND / 2,
			reward: 0
		}));
		assert_eq!(free(30), before);
		assert_eq!(bond(30), BOND / 2);
	});
}

#[test]
fn a_provider_buying_its_own_results_earns_no_score() {
	execute(|| {
		fund(10_000);
		for executor in [P1, P2] {
			BatchLane::deposit(RuntimeOrigin::signed(P1), executor, 10_000).unwrap();
		}
		let batch = build_for(1, &[(P1, 2), (1, 2)], &[P1, P2]);
		assert_ok!(batch.submit());
		run_to(2 + PERIOD);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		let counted = |provider| {
			System::events().into_iter().find_map(|e| match e.event {
				RuntimeEvent::ComputeStaking(pallet_compute_staking::Event::ResultVerified { provider: p, counted, .. })
					if p == provider => Some(counted),
				_ => None,
			})
		};
		assert_eq!(counted(P1), Some(0), "P1 bought results in this batch");
		assert_eq!(counted(P2), Some(split(2 * PRICE).0));
	});
}

// ---------------------------------------------------------------- data availability

#[test]
fn requested_data_is_posted_and_paid_for_then_the_window_extends() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[2, 1, 0], &[P1]);
		assert_ok!(batch.submit());
		let ask = |who, sequence, user, executor, nonce| {
			BatchLane::request_data(RuntimeOrigin::signed(who), sequence, user, executor, nonce)
		};
		assert_noop!(ask(20, 1, 1, P1, 3), Error::<Test>::NotInBatch);
		// The same number to another executor is another request: not here.
		assert_noop!(ask(20, 1, 1, P2, 1), Error::<Test>::NotInBatch);
		assert_noop!(ask(20, 2, 1, P1, 1), Error::<Test>::UnknownBatch);
		assert_ok!(ask(20, 1, 1, P1, 2));
		assert_noop!(ask(21, 1, 1, P1, 2), Error::<Test>::AlreadyRequested);
		assert_ok!(ask(21, 1, 2, P1, 1));
		assert_noop!(ask(22, 1, 1, P1, 1), Error::<Test>::TooManyRequests);
		// Unanswered requests hold the batch.
		run_to(2 + PERIOD);
		assert_noop!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1), Error::<Test>::DataPending);
		// Another leaf, or data that is not the leaf's, is no answer.
		assert_noop!(BatchLane::answer_data(RuntimeOrigin::signed(23), 1, batch.proof_evidence(0)), Error::<Test>::NotRequested);
		let Evidence::Proof { leaf, input, output, .. } = batch.proof_evidence(1) else { unreachable!() };
		let wrong = Evidence::Proof { leaf, input, output, proof: batch.data[0].2.clone().try_into().unwrap() };
		assert_noop!(BatchLane::answer_data(RuntimeOrigin::signed(23), 1, wrong), Error::<Test>::EvidenceMismatch);
		assert_noop!(
			BatchLane::answer_data(RuntimeOrigin::signed(23), 1, Evidence::Signature(batch.proof(1))),
			Error::<Test>::EvidenceMismatch
		);
		let before = (free(20), free(23));
		assert_ok!(BatchLane::answer_data(RuntimeOrigin::signed(23), 1, batch.proof_evidence(1)));
		assert_eq!((free(20), free(23)), (before.0, before.1 + DEPOSIT), "the requester's deposit pays the answerer");
		assert_ok!(BatchLane::answer_data(RuntimeOrigin::signed(23), 1, batch.proof_evidence(2)));
		// The data came late in the window: the batch stays open for checking.
		assert_noop!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1), Error::<Test>::ChallengeOpen);
		run_to(3 + PERIOD + ANSWER);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
	});
}

#[test]
fn data_nobody_posts_voids_the_batch() {
	execute(|| {
		fund(10_000);
		let batch = build(1, &[1, 1, 0], &[P1]);
		assert_ok!(batch.submit());
		assert_ok!(BatchLane::request_data(RuntimeOrigin::signed(20), 1, 2, P1, 1));
		assert_ok!(BatchLane::request_data(RuntimeOrigin::signed(21), 1, 1, P1, 1));
		let void = |user, nonce| BatchLane::void_unanswered(RuntimeOrigin::signed(40), 1, user, P1, nonce);
		assert_noop!(void(2, 1), Error::<Test>::AnswerOpen);
		assert_noop!(void(3, 1), Error::<Test>::NotRequested);
		run_to(2 + ANSWER);
		let other = free(21);
		assert_ok!(void(2, 1));
		assert_eq!(last_event(), RuntimeEvent::BatchLane(Event::BatchVoided {
			sequence: 1,
			challenger: 20,
			slashed: 3 * BOND / 2,
			reward: 3 * BOND / 20
		}));
		// The other request's deposit is returned; the users owe nothing.
		assert_eq!(free(21), other + DEPOSIT);
		assert!(DataRequests::<Test>::iter().next().is_none());
		assert_eq!(escrow(1, P1).committed, 0);
	});
}

// ---------------------------------------------------------------- data kept by members

/// Keeps `batch`'s data as a member's node does when it signs it
/// (`daifi_batchSign`).
fn keep(batch: &Built) {
	use sp_runtime::offchain::storage::StorageValueRef;
	let (sequence, root) = (batch.header.sequence, batch.header.root);
	let mut requests = vec![];
	for (i, leaf) in batch.leaves.iter().enumerate() {
		let request = (leaf.request.user, leaf.request.executor, leaf.request.nonce);
		StorageValueRef::persistent(&keeping::kept_key(sequence, &root, &request)).set(&batch.proof_evidence(i as u32));
		requests.push(request);
	}
	StorageValueRef::persistent(&keeping::manifest_key(sequence, &root)).set(&requests);
	let index = StorageValueRef::persistent(keeping::KEPT_BATCHES);
	let mut kept = index.get::<Vec<(u64, H256)>>().unwrap().unwrap_or_default();
	kept.push((sequence, root));
	index.set(&kept);
}

#[test]
fn a_members_node_answers_data_requests_in_its_turn_and_forgets_settled_batches() {
	use sp_runtime::offchain::storage::StorageValueRef;
	execute(|| {
		fund(10_000);
		let batch = build(1, &[2, 1, 0], &[P1]);
		assert_ok!(batch.submit());
		keep(&batch);
		// A batch signed but not accepted yet (number 2) is kept; one whose
		// number went to another header (number 1, another root) is not.
		let later = build(2, &[1, 0, 0], &[P1]);
		keep(&later);
		let replaced = build(1, &[1, 0, 0], &[P2]);
		keep(&replaced);
		// The node holds the second signer's key: its turn comes a stagger
		// after a request (the first signer's at once), within a quarter of
		// the answer period.
		LocalProviders::set(vec![COMMITTEE[1]]);
		let turn = u64::from(keeping::ANSWER_STAGGER).min(ANSWER / 4);
		assert_ok!(BatchLane::request_data(RuntimeOrigin::signed(20), 1, 1, P1, 2));
		let index = batch.leaves.iter().position(|l| (l.request.user, l.request.nonce) == (1, 2)).unwrap() as u32;
		let answer = Call::<Test>::answer_data { sequence: 1, answer: batch.proof_evidence(index) };
		BatchLane::offchain_worker(1 + turn - 1);
		assert!(Sent::get().is_empty(), "not this node's turn yet");
		BatchLane::offchain_worker(1 + turn);
		assert_eq!(Sent::get(), vec![answer.clone()], "the kept data answers the request");
		// Not sent again while it may still land; again once it has not.
		BatchLane::offchain_worker(4);
		assert_eq!(Sent::get().len(), 1);
		BatchLane::offchain_worker(3 + u64::from(keeping::RESEND_AFTER));
		assert_eq!(Sent::get(), vec![answer.clone(), answer.clone()]);
		// The answer lands: the request is closed and nothing more is sent.
		let before = free(COMMITTEE[1]);
		assert_ok!(BatchLane::answer_data(RuntimeOrigin::signed(COMMITTEE[1]), 1, batch.proof_evidence(index)));
		assert_eq!(free(COMMITTEE[1]), before + DEPOSIT, "the answer earns the requester's deposit");
		BatchLane::offchain_worker(40);
		assert_eq!(Sent::get().len(), 2);
		// Released: its data is forgotten, with the replaced header's; the
		// later batch's is kept.
		run_to(PERIOD + ANSWER + 5);
		assert_ok!(BatchLane::release_batch(RuntimeOrigin::signed(40), 1));
		BatchLane::offchain_worker(PERIOD + ANSWER + 5);
		let kept = StorageValueRef::persistent(keeping::KEPT_BATCHES).get::<Vec<(u64, H256)>>();
		assert_eq!(kept, Ok(Some(vec![(2, later.header.root)])));
		for gone in [&batch, &replaced] {
			let r = &gone.leaves[0].request;
			let key = keeping::kept_key(1, &gone.header.root, &(r.user, r.executor, r.nonce));
			assert_eq!(StorageValueRef::persistent(&key).get::<EvidenceOf<Test>>(), Ok(None));
			let manifest = keeping::manifest_key(1, &gone.header.root);
			assert_eq!(StorageValueRef::persistent(&manifest).get::<Vec<(u64, u64, u64)>>(), Ok(None));
		}
		let r = &later.leaves[0].request;
		let key = keeping::kept_key(2, &later.header.root, &(r.user, r.executor, r.nonce));
		assert!(StorageValueRef::persistent(&key).get::<EvidenceOf<Test>>().unwrap().is_some());
	});
}
