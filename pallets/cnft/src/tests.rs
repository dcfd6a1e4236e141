//! Minting on settlement, the certificate, transfers, composition's
//! ownership check, burning and reaping, and that no deposit is lost.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::InspectHold,
};
use pallet_tasks::{ComputeTokens, TokenError};

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
