//! Every call and error, the committee draw, and attestations that must be
//! refused. Each test ends with the pallet's `try_state`.

use crate::{
	bls::{PublicKey, Signature},
	mock::*,
	*,
};
use ark_ec::{AffineRepr, CurveGroup};
use ark_serialize::{CanonicalSerialize, Compress};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{DispatchError, Perbill};

/// Runs `test` on a fresh chain with committees of `size`, then `try_state`.
fn run(size: u32, test: impl FnOnce()) {
	new_test_ext(size).execute_with(|| {
		test();
		AttestationPallet::do_try_state().expect("state consistent");
	});
}

/// Providers `who` with bond 100 and 50% reputation, each with its key.
fn providers_with_keys(who: impl IntoIterator<Item = AccountId>) {
	for w in who {
		set_provider(w, 100, Perbill::from_percent(50));
		register(w);
	}
}

/// The current committee's accounts.
fn current() -> Vec<AccountId> {
	CurrentCommittee::<Test>::get().map(|c| c.accounts()).unwrap_or_default()
}

/// An attestation of `payload` in `epoch` signed by `signers` (with their
/// test keys), the bitfield marking `marked` members of that epoch's
/// committee.
fn attestation(epoch: u64, payload: &[u8], signers: &[AccountId], marked: &[AccountId]) -> Attestation {
	let committee = [CurrentCommittee::<Test>::get(), PreviousCommittee::<Test>::get()]
		.into_iter()
		.flatten()
		.find(|c| c.epoch == epoch)
		.expect("a committee of that epoch");
	let members = committee.accounts();
	let mut bits = vec![0u8; members.len().div_ceil(8)];
	for m in marked {
		let i = members.iter().position(|x| x == m).expect("a member");
		bits[i / 8] |= 1 << (i % 8);
	}
	let message = AttestationPallet::message(epoch, payload);
	let sigs: Vec<Signature> = signers.iter().map(|s| secret(*s).sign(&message)).collect();
	Attestation {
		epoch,
		signers: bits.try_into().expect("small"),
		signature: Signature::aggregate(&sigs).expect("valid signatures"),
	}
}

/// [`Pallet::verify`], its error as a dispatch error.
fn verify(attestation: &Attestation, payload: &[u8]) -> Result<Vec<AccountId>, DispatchError> {
	AttestationPallet::verify(attestation, payload).map_err(Into::into)
}

/// A committee of four (providers 1-4) serving epoch 1, drawn as epoch 0
/// began.
fn committee_of_four() {
	providers_with_keys(1..=4);
	enter_epoch(0, [1; 32]);
	enter_epoch(1, [2; 32]);
	let mut members = current();
	members.sort();
	assert_eq!(members, vec![1, 2, 3, 4]);
}

#[test]
fn a_provider_registers_a_key_with_its_proof_of_possession() {
	run(4, || {
		set_provider(1, 100, Perbill::from_percent(50));
		let key = secret(1);
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(1), key.public(), pop(&key, 1)));
		assert_eq!(Keys::<Test>::get(1).map(|k| k.public), Some(key.public()));
		assert_eq!(KeyOwners::<Test>::get(key.public()), Some(1));
		System::assert_last_event(Event::KeyRegistered { provider: 1, key: key.public() }.into());
	});
}

#[test]
fn a_compute_key_registers_for_its_provider() {
	run(4, || {
		set_provider(1, 100, Perbill::from_percent(50));
		set_compute_key(11, 1);
		let key = secret(1);
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(11), key.public(), pop(&key, 1)));
		assert!(Keys::<Test>::contains_key(1));
		assert!(!Keys::<Test>::contains_key(11));
	});
}

#[test]
fn registration_errors_change_nothing() {
	run(4, || {
		let (a, b) = (secret(1), secret(2));
		// Not a provider (nor a compute key of one).
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(1), a.public(), pop(&a, 1)),
			Error::<Test>::NotAProvider
		);
		set_provider(1, 100, Perbill::from_percent(50));
		// Another key's proof, or no proof at all (a signature of the key under
		// the attestation tag).
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(1), a.public(), pop(&b, 1)),
			Error::<Test>::BadPossession
		);
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(1), a.public(), a.sign(&a.public().0)),
			Error::<Test>::BadPossession
		);
		// Not a point.
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(1), PublicKey([0xff; 96]), pop(&a, 1)),
			Error::<Test>::BadKey
		);
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(1), a.public(), Signature([0xff; 48])),
			Error::<Test>::BadPossession
		);
		assert_noop!(AttestationPallet::remove_key(RuntimeOrigin::signed(1)), Error::<Test>::NoKey);
		// A proof seen in the pool, sent first by another provider for itself:
		// the proof names its owner.
		set_provider(2, 100, Perbill::from_percent(50));
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(2), a.public(), pop(&a, 1)),
			Error::<Test>::BadPossession
		);
	});
}

#[test]
fn anyone_reaps_the_key_of_a_departed_provider_only() {
	run(4, || {
		providers_with_keys([1]);
		assert_noop!(AttestationPallet::reap_key(RuntimeOrigin::signed(2), 1), Error::<Test>::StillAProvider);
		set_provider(1, 0, Perbill::zero());
		assert_ok!(AttestationPallet::reap_key(RuntimeOrigin::signed(2), 1));
		assert!(!Keys::<Test>::contains_key(1));
		assert_eq!(KeyOwners::<Test>::get(secret(1).public()), None);
		System::assert_last_event(Event::KeyRemoved { provider: 1 }.into());
		assert_noop!(AttestationPallet::reap_key(RuntimeOrigin::signed(2), 1), Error::<Test>::NoKey);
	});
}

#[test]
fn a_rogue_key_cannot_be_registered() {
	run(4, || {
		providers_with_keys([1]);
		set_provider(9, 100, Perbill::from_percent(50));
		// Mallory (9) offers pk_rogue = x·g₂ − pk_1, which would let it alone
		// sign for {1, 9}; it knows x, not the rogue key's secret.
		let x = secret(99);
		let rogue_point = (x.public().point().unwrap().into_group() - secret(1).public().point().unwrap())
			.into_affine();
		let mut rogue = [0u8; 96];
		rogue_point.serialize_with_mode(&mut rogue[..], Compress::Yes).unwrap();
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(9), PublicKey(rogue), pop(&x, 9)),
			Error::<Test>::BadPossession
		);
		// The identity (the sum of a key and its negation) is no key either.
		let mut identity = [0u8; 96];
		sp_crypto_ec_utils::bls12_381::G2Affine::zero().serialize_with_mode(&mut identity[..], Compress::Yes).unwrap();
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(9), PublicKey(identity), pop(&x, 9)),
			Error::<Test>::BadKey
		);
	});
}

#[test]
fn a_key_belongs_to_one_provider_and_can_be_replaced_or_removed() {
	run(4, || {
		providers_with_keys([1]);
		set_provider(2, 100, Perbill::from_percent(50));
		let a = secret(1);
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(2), a.public(), pop(&a, 2)),
			Error::<Test>::KeyInUse
		);
		// Registering the same key again is allowed (nothing changes).
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(1), a.public(), pop(&a, 1)));
		// 1 moves to a new key: the old one is free.
		let new = secret(101);
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(1), new.public(), pop(&new, 1)));
		assert_eq!(KeyOwners::<Test>::get(a.public()), None);
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(2), a.public(), pop(&a, 2)));
		// 1 removes its key.
		assert_ok!(AttestationPallet::remove_key(RuntimeOrigin::signed(1)));
		assert!(!Keys::<Test>::contains_key(1));
		assert_eq!(KeyOwners::<Test>::get(new.public()), None);
		System::assert_last_event(Event::KeyRemoved { provider: 1 }.into());
	});
}

#[test]
fn keys_are_bounded() {
	run(4, || {
		providers_with_keys(1..=MAX_KEYS as AccountId);
		let extra = MAX_KEYS as AccountId + 1;
		set_provider(extra, 100, Perbill::from_percent(50));
		let key = secret(extra);
		assert_noop!(
			AttestationPallet::register_key(RuntimeOrigin::signed(extra), key.public(), pop(&key, extra)),
			Error::<Test>::TooManyKeys
		);
		// Replacing a key is still possible when full.
		let new = secret(500);
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(1), new.public(), pop(&new, 1)));
	});
}

#[test]
fn the_committee_size_is_set_by_the_admin_within_bounds() {
	run(4, || {
		assert_noop!(AttestationPallet::set_committee_size(RuntimeOrigin::signed(1), 3), DispatchError::BadOrigin);
		assert_noop!(AttestationPallet::set_committee_size(RuntimeOrigin::root(), 0), Error::<Test>::BadCommitteeSize);
		assert_noop!(
			AttestationPallet::set_committee_size(RuntimeOrigin::root(), MAX_COMMITTEE_SIZE + 1),
			Error::<Test>::BadCommitteeSize
		);
		assert_ok!(AttestationPallet::set_committee_size(RuntimeOrigin::root(), 3));
		providers_with_keys(1..=10);
		enter_epoch(0, [1; 32]);
		assert_eq!(current().len(), 3);
		assert_eq!(NextCommittee::<Test>::get().unwrap().members.len(), 3);
	});
}

#[test]
fn committees_rotate_each_epoch_and_the_next_one_is_known() {
	run(3, || {
		providers_with_keys(1..=8);
		enter_epoch(0, [1; 32]);
		let first_next = NextCommittee::<Test>::get().unwrap();
		assert_eq!(first_next.epoch, 1);
		assert_eq!(AttestationPallet::committees().next, (1, first_next.accounts()));
		// Within the epoch nothing changes.
		next_block();
		assert_eq!(NextCommittee::<Test>::get().unwrap(), first_next);
		// The next epoch's committee is the one drawn before.
		let before = CurrentCommittee::<Test>::get().unwrap();
		enter_epoch(1, [2; 32]);
		assert_eq!(CurrentCommittee::<Test>::get().unwrap(), first_next);
		assert_eq!(PreviousCommittee::<Test>::get().unwrap(), before);
		assert_eq!(AttestationPallet::committees().current, (1, first_next.accounts()));
		assert_eq!(NextCommittee::<Test>::get().unwrap().epoch, 2);
		System::assert_last_event(
			Event::CommitteeDrawn { epoch: 2, members: NextCommittee::<Test>::get().unwrap().accounts() }.into(),
		);
		// Skipped epochs: the current committee is drawn afresh, the previous
		// one is not kept.
		enter_epoch(5, [3; 32]);
		assert_eq!(CurrentCommittee::<Test>::get().unwrap().epoch, 5);
		assert_eq!(PreviousCommittee::<Test>::get(), None);
	});
}

#[test]
fn nobody_sits_twice_and_only_bonded_providers_with_keys_and_reputation_sit() {
	run(16, || {
		providers_with_keys(1..=12);
		// 11 left (no bond), 12 has no reputation, 13 is a provider without a key.
		set_provider(11, 0, Perbill::zero());
		set_provider(12, 100, Perbill::zero());
		set_provider(13, 100, Perbill::from_percent(50));
		for seed in 0..20u8 {
			enter_epoch(seed as u64 * 2, [seed; 32]);
			let mut members = current();
			members.sort();
			assert_eq!(members, (1..=10).collect::<Vec<_>>(), "all ten eligible, each once");
		}
	});
}

#[test]
fn the_draw_follows_bond_times_reputation() {
	run(1, || {
		providers_with_keys([1, 2, 3]);
		// 1: bond 900 at 50%; 2: bond 100 at 50%; 3: bond 900 at 10%
		// (weights 450, 50, 90).
		set_provider(1, 900, Perbill::from_percent(50));
		set_provider(3, 900, Perbill::from_percent(10));
		let mut drawn = [0u32; 4];
		for seed in 0..600u32 {
			let committee = AttestationPallet::draw(seed as u64, AttestationPallet::candidates(), &seed.to_le_bytes());
			drawn[committee.members[0].who as usize] += 1;
		}
		// Expected shares 450/590, 50/590, 90/590 of 600: 458, 51, 92.
		assert!((410..=500).contains(&drawn[1]), "{drawn:?}");
		assert!((25..=80).contains(&drawn[2]), "{drawn:?}");
		assert!((60..=125).contains(&drawn[3]), "{drawn:?}");
	});
}

#[test]
fn the_draw_uses_candidates_recorded_before_its_randomness_was_known() {
	run(5, || {
		providers_with_keys(1..=4);
		enter_epoch(0, [1; 32]);
		// During epoch 0, provider 5 bonds heavily and registers a key, as the
		// author of the block that completes epoch 0's randomness could.
		providers_with_keys([5]);
		set_provider(5, 1_000_000, Perbill::from_percent(100));
		enter_epoch(1, [2; 32]);
		// Epoch 2's committee comes from the candidates of epoch 0's start.
		let next = NextCommittee::<Test>::get().unwrap();
		assert_eq!(next.epoch, 2);
		assert!(!next.accounts().contains(&5));
		// Epoch 3's, from epoch 1's start: 5 is a candidate then.
		enter_epoch(2, [3; 32]);
		assert!(NextCommittee::<Test>::get().unwrap().accounts().contains(&5));
	});
}

#[test]
fn splitting_a_bond_over_many_accounts_wins_seats_but_not_a_quorum() {
	run(4, || {
		// One provider bonds 900; a sybil splits 300 over three accounts.
		providers_with_keys(1..=4);
		set_provider(1, 900, Perbill::from_percent(50));
		enter_epoch(0, [1; 32]);
		enter_epoch(1, [2; 32]);
		assert_eq!(current().len(), 4);
		let payload = b"a false result";
		// Three of four seats, a quarter of the weight: refused.
		assert_eq!(verify(&attestation(1, payload, &[2, 3, 4], &[2, 3, 4]), payload), Err(Error::<Test>::TooFewSigners.into()));
		// The 75% provider alone is more than two thirds.
		assert_ok!(verify(&attestation(1, payload, &[1], &[1]), payload));
	});
}

#[test]
fn a_key_changed_mid_epoch_counts_from_the_next_draw() {
	run(4, || {
		committee_of_four();
		let new = secret(77);
		assert_ok!(AttestationPallet::register_key(RuntimeOrigin::signed(1), new.public(), pop(&new, 1)));
		// The committee still holds the old key: signatures with it verify.
		let payload = b"task 1";
		assert_eq!(verify(&attestation(1, payload, &[1, 2, 3], &[1, 2, 3]), payload).map(|s| s.len()), Ok(3));
		// The candidates recorded at epoch 1's start still have the old key;
		// those recorded at epoch 2's start have the new one.
		enter_epoch(2, [3; 32]);
		let recorded = |who| Candidates::<Test>::get().unwrap().1.into_iter().find(|c| c.who == who).unwrap().key;
		assert_eq!(recorded(1), secret(77).stored());
	});
}

#[test]
fn an_attestation_of_more_than_two_thirds_verifies_and_names_its_signers() {
	run(4, || {
		committee_of_four();
		let payload = b"task 7: output 0xab";
		let signed = verify(&attestation(1, payload, &[2, 3, 4], &[2, 3, 4]), payload).unwrap();
		let mut sorted = signed.clone();
		sorted.sort();
		assert_eq!(sorted, vec![2, 3, 4]);
		// In committee order.
		let order = current();
		assert_eq!(signed, order.into_iter().filter(|m| *m != 1).collect::<Vec<_>>());
		// All four, too.
		assert_ok!(verify(&attestation(1, payload, &[1, 2, 3, 4], &[1, 2, 3, 4]), payload));
	});
}

#[test]
fn one_members_own_signature_is_checked_against_its_committee_key() {
	run(4, || {
		committee_of_four();
		let payload = b"batch 9: header 0x01";
		let message = AttestationPallet::message(1, payload);
		let signature = secret(2).sign(&message);
		let check = |epoch, member, payload: &[u8]| {
			AttestationPallet::verify_member(epoch, &member, payload, &signature).map_err(DispatchError::from)
		};
		assert_ok!(check(1, 2, payload));
		// Another member's key, another payload, another epoch, a non-member.
		assert_eq!(check(1, 3, payload), Err(Error::<Test>::BadSignature.into()));
		assert_eq!(check(1, 2, b"batch 9: header 0x02"), Err(Error::<Test>::BadSignature.into()));
		assert_eq!(check(5, 2, payload), Err(Error::<Test>::UnknownEpoch.into()));
		assert_eq!(check(1, 9, payload), Err(Error::<Test>::NotAMember.into()));
	});
}

#[test]
fn two_thirds_or_fewer_are_too_few() {
	run(4, || {
		committee_of_four();
		let payload = b"task 7";
		assert_eq!(
			verify(&attestation(1, payload, &[1, 2], &[1, 2]), payload),
			Err(Error::<Test>::TooFewSigners.into())
		);
	});
	// Exactly two thirds is not more than two thirds.
	run(3, || {
		providers_with_keys(1..=3);
		enter_epoch(0, [1; 32]);
		let payload = b"task 7";
		assert_eq!(
			verify(&attestation(0, payload, &[1, 2], &[1, 2]), payload),
			Err(Error::<Test>::TooFewSigners.into())
		);
		assert_ok!(verify(&attestation(0, payload, &[1, 2, 3], &[1, 2, 3]), payload));
	});
}

#[test]
fn an_attestation_for_another_payload_or_chain_epoch_is_refused() {
	run(4, || {
		committee_of_four();
		let a = attestation(1, b"task 7: output 0xab", &[1, 2, 3, 4], &[1, 2, 3, 4]);
		// Replayed for another task, or another output.
		assert_eq!(verify(&a, b"task 8: output 0xab"), Err(Error::<Test>::BadSignature.into()));
		assert_eq!(verify(&a, b"task 7: output 0xac"), Err(Error::<Test>::BadSignature.into()));
		// The same signatures presented as epoch 0's committee (whose members
		// are the same providers): the message names the epoch.
		let mut other_epoch = a.clone();
		other_epoch.epoch = 0;
		assert_eq!(verify(&other_epoch, b"task 7: output 0xab"), Err(Error::<Test>::BadSignature.into()));
		// An epoch with no committee now.
		let mut unknown = a.clone();
		unknown.epoch = 9;
		assert_eq!(verify(&unknown, b"task 7: output 0xab"), Err(Error::<Test>::UnknownEpoch.into()));
		// Another chain (another genesis hash) with the same committee.
		assert_ok!(verify(&a, b"task 7: output 0xab"));
		frame_system::BlockHash::<Test>::insert(0, sp_core::H256::repeat_byte(9));
		assert_eq!(verify(&a, b"task 7: output 0xab"), Err(Error::<Test>::BadSignature.into()));
	});
}

#[test]
fn the_previous_epochs_committee_still_attests_then_expires() {
	run(4, || {
		committee_of_four();
		let payload = b"batch 3";
		let a = attestation(1, payload, &[1, 2, 3], &[1, 2, 3]);
		enter_epoch(2, [3; 32]);
		assert_ok!(verify(&a, payload));
		enter_epoch(3, [4; 32]);
		assert_eq!(verify(&a, payload), Err(Error::<Test>::UnknownEpoch.into()));
	});
}

#[test]
fn non_members_and_wrong_bitfields_are_refused() {
	run(4, || {
		providers_with_keys(1..=4);
		enter_epoch(0, [1; 32]);
		enter_epoch(1, [2; 32]);
		// 5 has a key but sits on no committee: its signature in place of a
		// member's does not verify.
		providers_with_keys([5]);
		let payload = b"task 7";
		assert_eq!(
			verify(&attestation(1, payload, &[1, 2, 5], &[1, 2, 3]), payload),
			Err(Error::<Test>::BadSignature.into())
		);
		// A bitfield naming a member who did not sign.
		assert_eq!(
			verify(&attestation(1, payload, &[1, 2], &[1, 2, 3]), payload),
			Err(Error::<Test>::BadSignature.into())
		);
		// A bitfield of the wrong length, or with a bit past the last member.
		let good = attestation(1, payload, &[1, 2, 3], &[1, 2, 3]);
		let mut long = good.clone();
		long.signers.try_push(0).unwrap();
		assert_eq!(verify(&long, payload), Err(Error::<Test>::BadBitfield.into()));
		let mut empty = good.clone();
		empty.signers = Default::default();
		assert_eq!(verify(&empty, payload), Err(Error::<Test>::BadBitfield.into()));
		let mut past = good.clone();
		past.signers[0] |= 1 << 5;
		assert_eq!(verify(&past, payload), Err(Error::<Test>::BadBitfield.into()));
		// A signature that is no point.
		let mut garbage = good.clone();
		garbage.signature = Signature([0xff; 48]);
		assert_eq!(verify(&garbage, payload), Err(Error::<Test>::BadSignaturePoint.into()));
		assert_ok!(verify(&good, payload));
	});
}

#[test]
fn without_providers_nobody_can_attest() {
	run(4, || {
		enter_epoch(0, [1; 32]);
		assert_eq!(current(), Vec::<AccountId>::new());
		let a = Attestation {
			epoch: 0,
			signers: Default::default(),
			signature: secret(1).sign(&AttestationPallet::message(0, b"x")),
		};
		assert_eq!(verify(&a, b"x"), Err(Error::<Test>::TooFewSigners.into()));
	});
}

/// Runs `test` like [`run`], as an off-chain worker (with off-chain storage).
fn run_offchain(size: u32, test: impl FnOnce()) {
	use sp_core::offchain::{testing::TestOffchainExt, OffchainDbExt, OffchainWorkerExt};
	let mut ext = new_test_ext(size);
	let (offchain, _) = TestOffchainExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.execute_with(|| {
		test();
		AttestationPallet::do_try_state().expect("state consistent");
	});
}

/// The gossip topic of `payload` in the current epoch.
fn topic(payload: &[u8]) -> [u8; 32] {
	let epoch = CurrentCommittee::<Test>::get().unwrap().epoch;
	AttestationPallet::message(epoch, payload)
}

/// Providers 1-4 with compute keys 101-104.
fn compute_keys_of_four() {
	for who in 1..=4 {
		set_compute_key(100 + who, who);
	}
}

#[test]
fn members_on_three_nodes_gather_an_attestation_that_verifies() {
	run_offchain(16, || {
		committee_of_four();
		compute_keys_of_four();
		let payload = b"task 7 has output h".to_vec();
		// A node holding no member key is no member and signs nothing.
		hold_keys(&[]);
		assert!(!AttestationPallet::is_local_member());
		assert_eq!(AttestationPallet::attest_locally(&payload), None);
		assert!(gossip(topic(&payload)).is_empty());
		// The first node: its signature alone is no quorum.
		hold_keys(&[101]);
		assert!(AttestationPallet::is_local_member());
		assert_eq!(AttestationPallet::attest_locally(&payload), None);
		assert_eq!(gossip(topic(&payload)).len(), 1);
		// Two of four: still none (not more than two thirds).
		hold_keys(&[102]);
		assert_eq!(AttestationPallet::attest_locally(&payload), None);
		// The third node gathers three signatures: an attestation the chain accepts.
		hold_keys(&[103]);
		let attestation = AttestationPallet::attest_locally(&payload).expect("a quorum");
		let mut signers = verify(&attestation, &payload).expect("verifies");
		signers.sort();
		assert_eq!(signers, vec![1, 2, 3]);
		// It says nothing about another payload.
		assert!(verify(&attestation, b"task 8 has output h").is_err());
	});
}

#[test]
fn forged_or_malformed_shared_signatures_do_not_count() {
	use crate::gathering::MemberSignature;
	use codec::Encode;
	run_offchain(16, || {
		committee_of_four();
		compute_keys_of_four();
		let payload = b"batch 1".to_vec();
		let epoch = CurrentCommittee::<Test>::get().unwrap().epoch;
		let members = current();
		let index = |who: AccountId| members.iter().position(|m| *m == who).unwrap() as u16;
		let message = AttestationPallet::message(epoch, &payload);
		// A peer sends junk, a signature by a non-member under member 2's
		// place, member 3's signature of another message, and one for a
		// member that does not exist.
		inject(topic(&payload), vec![1, 2, 3]);
		let forged = MemberSignature { epoch, member: index(2), signature: secret(99).sign(&message) };
		inject(topic(&payload), forged.encode());
		let other = AttestationPallet::message(epoch, b"batch 2");
		let wrong = MemberSignature { epoch, member: index(3), signature: secret(3).sign(&other) };
		inject(topic(&payload), wrong.encode());
		let nobody = MemberSignature { epoch, member: 200, signature: secret(4).sign(&message) };
		inject(topic(&payload), nobody.encode());
		// With member 1 the counted signers would be three if the forgeries counted.
		hold_keys(&[101]);
		assert_eq!(AttestationPallet::attest_locally(&payload), None);
		// The real members 2 and 4 sign: the forgeries are skipped and the
		// aggregate of the valid ones verifies.
		hold_keys(&[102, 104]);
		let attestation = AttestationPallet::attest_locally(&payload).expect("a quorum of valid signatures");
		let mut signers = verify(&attestation, &payload).expect("verifies");
		signers.sort();
		assert_eq!(signers, vec![1, 2, 4]);
	});
}

#[test]
fn any_node_gathers_an_attestation_of_the_current_or_previous_epoch_from_what_it_received() {
	use crate::gathering::MemberSignature;
	use codec::Encode;
	run_offchain(16, || {
		committee_of_four();
		let payload = b"batch 9".to_vec();
		let epoch = CurrentCommittee::<Test>::get().unwrap().epoch;
		let members = current();
		let shared = |who: AccountId, epoch: u64| {
			let member = members.iter().position(|m| *m == who).unwrap() as u16;
			MemberSignature { epoch, member, signature: secret(who).sign(&AttestationPallet::message(epoch, &payload)) }
				.encode()
		};
		// Two of four members' signatures, and junk: no quorum.
		let mut received = vec![shared(1, epoch), shared(2, epoch), vec![7; 9]];
		assert_eq!(AttestationPallet::attestation_from(epoch, &payload, received.clone()), None);
		// A third: an attestation the chain takes, with nothing signed by this node.
		received.push(shared(3, epoch));
		let attestation = AttestationPallet::attestation_from(epoch, &payload, received.clone()).expect("a quorum");
		let mut signers = verify(&attestation, &payload).expect("verifies");
		signers.sort();
		assert_eq!(signers, vec![1, 2, 3]);
		// After the epoch turns, the same signatures still make one (the chain
		// takes the previous committee's); two epochs on, none.
		enter_epoch(epoch + 1, [3; 32]);
		assert!(AttestationPallet::attestation_from(epoch, &payload, received.clone()).is_some());
		enter_epoch(epoch + 2, [4; 32]);
		assert_eq!(AttestationPallet::attestation_from(epoch, &payload, received), None);
		assert_eq!(AttestationPallet::attestation_from(epoch + 5, &payload, vec![]), None);
	});
}

#[test]
fn a_member_republishes_only_after_a_pause() {
	run_offchain(16, || {
		committee_of_four();
		compute_keys_of_four();
		hold_keys(&[101]);
		let payload = b"p".to_vec();
		AttestationPallet::attest_locally(&payload);
		AttestationPallet::attest_locally(&payload);
		assert_eq!(gossip(topic(&payload)).len(), 1);
		for _ in 0..crate::gathering::REPUBLISH_AFTER {
			System::set_block_number(System::block_number() + 1);
		}
		AttestationPallet::attest_locally(&payload);
		assert_eq!(gossip(topic(&payload)).len(), 2);
	});
}

#[test]
fn a_node_passes_on_only_member_signatures_of_their_topic() {
	use crate::gathering::MemberSignature;
	use codec::Encode;
	run(16, || {
		committee_of_four();
		let payload = b"task 9".to_vec();
		let epoch = CurrentCommittee::<Test>::get().unwrap().epoch;
		let members = current();
		let index = |who: AccountId| members.iter().position(|m| *m == who).unwrap() as u16;
		let topic = AttestationPallet::message(epoch, &payload);
		let shared = |who: AccountId, signer: AccountId, on: [u8; 32]| {
			MemberSignature { epoch, member: index(who), signature: secret(signer).sign(&on) }.encode()
		};
		assert_eq!(AttestationPallet::check_shared(topic, &shared(2, 2, topic)), Some((epoch, index(2))));
		// Another's key in a member's place, another topic, junk, another epoch.
		assert_eq!(AttestationPallet::check_shared(topic, &shared(2, 99, topic)), None);
		assert_eq!(AttestationPallet::check_shared(topic, &shared(2, 2, [0; 32])), None);
		assert_eq!(AttestationPallet::check_shared(topic, &[1, 2, 3]), None);
		let stale = MemberSignature { epoch: epoch + 5, member: 0, signature: secret(1).sign(&topic) }.encode();
		assert_eq!(AttestationPallet::check_shared(topic, &stale), None);
	});
}
