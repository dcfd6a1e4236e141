//! Minting on settlement, the certificate, transfers, composition's
//! ownership check, burning and reaping, and that no deposit is lost.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::InspectHold,
};
use pallet_tasks::{ComputeTokens, TokenError};
use sp_core::H256;
use sp_runtime::TokenError as FundsError;

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::CertificateDeposit.into(), &who)
}

#[test]
fn a_settled_task_mints_its_certificate_to_the_owner() {
	execute(|| {
		let output = vec![5, -3, 70_000];
		settle(4, USER, output.clone());
		let expected = result(4, output.clone());
		let certificate = Certificates::<Test>::get(4).unwrap();
		assert_eq!(
			certificate,
			Certificate {
				task: 4,
				model: expected.model,
				input_hash: expected.input_hash,
				source: Some(104),
				output_hash: expected.output_hash,
				output: expected.output.clone(),
				flops: expected.flops,
				block: expected.settled_at,
				verification: expected.verification,
				evidence: Evidence::ProofHash(expected.proof_hash),
				executor: PROVIDER,
				depositor: USER,
				deposit: BASE + 3 * PER_VALUE,
			}
		);
		assert_eq!(Cnft::owner(4), Some(USER));
		assert_eq!(held(USER), BASE + 3 * PER_VALUE);
		// Balances counts holds as reserved too: the token's deposit is the rest.
		assert_eq!(Balances::reserved_balance(USER), BASE + 3 * PER_VALUE + ITEM_DEPOSIT);
		assert_eq!(events(), vec![Event::Minted { item: 4, owner: USER, model: expected.model }]);
		assert_eq!(Cnft::output_of(4, &USER), Ok((expected.model, expected.output)));
	});
}

#[test]
fn a_mint_that_cannot_pay_its_deposit_is_an_event_and_changes_nothing() {
	execute(|| {
		let before = Balances::free_balance(POOR);
		settle(1, POOR, vec![1; 10]);
		assert_eq!(Certificates::<Test>::get(1), None);
		assert_eq!(Cnft::owner(1), None);
		assert_eq!((Balances::free_balance(POOR), held(POOR), Balances::reserved_balance(POOR)), (before, 0, 0));
		assert!(matches!(events().as_slice(), [Event::MintFailed { task: 1, owner: POOR, .. }]));
	});
}

#[test]
fn a_transferred_cnft_can_be_used_by_its_new_owner_only() {
	execute(|| {
		settle(2, USER, vec![1, 2]);
		assert_eq!(Cnft::output_of(2, &OTHER), Err(TokenError::NotOwner));
		assert_ok!(Nfts::transfer(RuntimeOrigin::signed(USER), collection(), 2, OTHER));
		assert_eq!(Cnft::owner(2), Some(OTHER));
		assert!(Cnft::output_of(2, &OTHER).is_ok());
		assert_eq!(Cnft::output_of(2, &USER), Err(TokenError::NotOwner));
		assert_eq!(Cnft::output_of(3, &USER), Err(TokenError::Unknown));
		// The deposits stay with who paid them.
		assert_eq!(held(USER), BASE + 2 * PER_VALUE);
	});
}

#[test]
fn nobody_mints_into_or_manages_the_collection() {
	execute(|| {
		settle(2, USER, vec![1]);
		assert!(Nfts::mint(RuntimeOrigin::signed(USER), collection(), 99, USER, None).is_err());
		assert!(Nfts::lock_item_transfer(RuntimeOrigin::signed(USER), collection(), 2).is_err());
		assert!(Nfts::force_mint(RuntimeOrigin::signed(USER), collection(), 99, USER, Default::default()).is_err());
		assert_eq!(Cnft::owner(99), None);
	});
}

#[test]
fn burning_returns_both_deposits_to_who_paid_them() {
	execute(|| {
		settle(2, USER, vec![1, 2]);
		assert_ok!(Nfts::transfer(RuntimeOrigin::signed(USER), collection(), 2, OTHER));
		assert_noop!(Cnft::burn(RuntimeOrigin::signed(USER), 2), Error::<Test>::NotOwner);
		assert_noop!(Cnft::burn(RuntimeOrigin::signed(OTHER), 5), Error::<Test>::UnknownCertificate);
		assert_ok!(Cnft::burn(RuntimeOrigin::signed(OTHER), 2));
		assert_eq!((Certificates::<Test>::get(2), Cnft::owner(2)), (None, None));
		assert_eq!((held(USER), Balances::reserved_balance(USER), Balances::free_balance(USER)), (0, 0, FUNDS));
		assert!(events().contains(&Event::Removed { item: 2, depositor: USER, deposit: BASE + 2 * PER_VALUE }));
		assert_eq!(Cnft::output_of(2, &OTHER), Err(TokenError::Unknown));
	});
}

#[test]
fn anyone_reaps_the_certificate_of_a_token_burned_elsewhere() {
	execute(|| {
		settle(2, USER, vec![1, 2, 3]);
		assert_noop!(Cnft::reap(RuntimeOrigin::signed(OTHER), 2), Error::<Test>::StillExists);
		assert_ok!(Nfts::burn(RuntimeOrigin::signed(USER), collection(), 2));
		assert_eq!(Cnft::output_of(2, &USER), Err(TokenError::Unknown), "a burned token is no input");
		assert_eq!(held(USER), BASE + 3 * PER_VALUE);
		assert_ok!(Cnft::reap(RuntimeOrigin::signed(OTHER), 2));
		assert_eq!((held(USER), Balances::free_balance(USER)), (0, FUNDS));
		assert_noop!(Cnft::reap(RuntimeOrigin::signed(OTHER), 2), Error::<Test>::UnknownCertificate);
	});
}

/// Output values and their hash, as a leaf records it.
fn output_and_hash(values: &[i64]) -> (pallet_tasks::Tensor, H256) {
	let output: pallet_tasks::Tensor = values.to_vec().try_into().unwrap();
	(output.clone(), <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash_of(&output))
}

const MODEL: H256 = H256::repeat_byte(1);

#[test]
fn a_released_batch_result_is_minted_by_its_user_with_its_path() {
	execute(|| {
		let (output, hash) = output_and_hash(&[7, -1]);
		let leaves =
			vec![batch_leaf(USER, 1, MODEL, H256::zero()), batch_leaf(OTHER, 1, MODEL, H256::zero()), batch_leaf(USER, 2, MODEL, hash)];
		let proofs = release_batch(5, leaves);
		assert_ok!(Cnft::mint_batched(RuntimeOrigin::signed(USER), 5, Box::new(proofs[2].clone()), output.clone()));
		let item = batched_item(5, 2).unwrap();
		let leaf = &proofs[2].leaf;
		let certificate = Certificates::<Test>::get(item).unwrap();
		assert_eq!(
			certificate,
			Certificate {
				task: item,
				model: MODEL,
				input_hash: leaf.request.input_hash,
				source: None,
				output_hash: hash,
				output: output.clone(),
				flops: 4_160,
				block: 7,
				verification: pallet_tasks::Verification::Zk,
				evidence: Evidence::Batch {
					sequence: 5,
					index: 2,
					root: pallet_batches::merkle::root(
						proofs.iter().map(|p| pallet_batches::merkle::leaf_hash(&p.leaf)).collect()
					),
					proof_hash: leaf.proof_hash,
				},
				executor: PROVIDER,
				depositor: USER,
				deposit: BASE + 2 * PER_VALUE,
			}
		);
		assert_eq!(Cnft::owner(item), Some(USER));
		assert_eq!(held(USER), BASE + 2 * PER_VALUE);
		assert_eq!(events(), vec![Event::Minted { item, owner: USER, model: MODEL }]);
		// Its output can be a later task's input, like a task's token.
		assert_eq!(Cnft::output_of(item, &USER), Ok((MODEL, output)));
	});
}

#[test]
fn a_batched_result_is_minted_once_by_its_user_only_with_its_output() {
	execute(|| {
		let (output, hash) = output_and_hash(&[3]);
		let proofs = release_batch(9, vec![batch_leaf(USER, 1, MODEL, hash), batch_leaf(OTHER, 1, MODEL, hash)]);
		let mint = |who, sequence, proof: &BatchProof, output: &pallet_tasks::Tensor| {
			Cnft::mint_batched(RuntimeOrigin::signed(who), sequence, Box::new(proof.clone()), output.clone())
		};
		// Someone else's result, another output, a leaf moved to another
		// index or changed, an unreleased batch: refused, nothing changes.
		assert_noop!(mint(OTHER, 9, &proofs[0], &output), Error::<Test>::NotYourResult);
		assert_noop!(mint(USER, 9, &proofs[0], &output_and_hash(&[4]).0), Error::<Test>::OutputMismatch);
		let mut moved = proofs[0].clone();
		moved.index = 1;
		assert_noop!(mint(USER, 9, &moved, &output), "BadPath");
		let mut changed = proofs[0].clone();
		changed.leaf.request.executor = USER;
		assert_noop!(mint(USER, 9, &changed, &output), "BadPath");
		assert_noop!(mint(USER, 10, &proofs[0], &output), "NotReleased");
		// Minted once; not again, even after its token is burned.
		assert_ok!(mint(USER, 9, &proofs[0], &output));
		assert_noop!(mint(USER, 9, &proofs[0], &output), Error::<Test>::AlreadyMinted);
		let item = batched_item(9, 0).unwrap();
		assert_ok!(Cnft::burn(RuntimeOrigin::signed(USER), item));
		assert_noop!(mint(USER, 9, &proofs[0], &output), Error::<Test>::AlreadyMinted);
		assert_eq!((held(USER), Balances::free_balance(USER)), (0, FUNDS));
		// The other user mints its own.
		assert_ok!(mint(OTHER, 9, &proofs[1], &output));
		assert_eq!(Cnft::owner(batched_item(9, 1).unwrap()), Some(OTHER));
		// A request a (wrong, unchallenged) batch carried at two places: once.
		let twice = release_batch(12, vec![batch_leaf(OTHER, 2, MODEL, hash), batch_leaf(OTHER, 2, MODEL, hash)]);
		assert_ok!(mint(OTHER, 12, &twice[0], &output));
		assert_noop!(mint(OTHER, 12, &twice[1], &output), Error::<Test>::AlreadyMinted);
		// The same number to another executor is another request: minted.
		let mut elsewhere = batch_leaf(OTHER, 2, MODEL, hash);
		elsewhere.request.executor = USER;
		let elsewhere = release_batch(13, vec![elsewhere]);
		assert_ok!(mint(OTHER, 13, &elsewhere[0], &output));
		// A user who cannot pay the deposits gets nothing.
		let poor = release_batch(11, vec![batch_leaf(POOR, 1, MODEL, hash)]);
		assert_noop!(mint(POOR, 11, &poor[0], &output), FundsError::FundsUnavailable);
	});
}

#[test]
fn batched_items_have_ids_of_their_own() {
	assert_eq!(batched_item(0, 0), Some(FIRST_BATCHED_ITEM));
	assert_ne!(batched_item(1, 0), batched_item(0, 1));
	assert_eq!(batched_item(1, u32::MAX), Some(FIRST_BATCHED_ITEM | (1 << 32) | u64::from(u32::MAX)));
	assert!(batched_item((1 << 31) - 1, u32::MAX).unwrap() > FIRST_BATCHED_ITEM);
	assert_eq!(batched_item(1 << 31, 0), None);
	execute(|| {
		let (output, hash) = output_and_hash(&[1]);
		let proofs = release_batch(1 << 31, vec![batch_leaf(USER, 1, MODEL, hash)]);
		assert_noop!(
			Cnft::mint_batched(RuntimeOrigin::signed(USER), 1 << 31, Box::new(proofs[0].clone()), output),
			Error::<Test>::NoItemId
		);
	});
}
