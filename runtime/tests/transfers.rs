//! A signed transfer moves funds and pays its fee; a transfer larger than the
//! balance is refused with the pallet's named error and moves nothing.

mod common;

use common::{apply, ext_for, free, issuance, signed};
use daifi_runtime::{Runtime, RuntimeCall, DAI};
use sp_keyring::Sr25519Keyring::*;

fn transfer(to: sp_keyring::Sr25519Keyring, value: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: to.to_account_id().into(),
		value,
	})
}

#[test]
fn a_transfer_moves_funds_and_burns_the_fee() {
	ext_for("development").execute_with(|| {
		let (alice, bob, supply) = (free(Alice), free(Bob), issuance());

		let (result, fee) = apply(signed(Alice, transfer(Bob, 5 * DAI)));

		assert_eq!(result, Ok(Ok(())));
		assert!(fee > 0, "a transfer costs a fee");
		assert_eq!(free(Bob), bob + 5 * DAI);
		assert_eq!(free(Alice), alice - 5 * DAI - fee);
		// Fees are burned: the supply shrinks by exactly the fee, nothing else moves.
		assert_eq!(issuance(), supply - fee);
		assert_eq!(frame_system::Pallet::<Runtime>::account_nonce(Alice.to_account_id()), 1);
	});
}

#[test]
fn a_transfer_beyond_the_balance_is_refused_and_moves_nothing() {
	ext_for("development").execute_with(|| {
		let (alice, bob, supply) = (free(Alice), free(Bob), issuance());

		let (result, fee) = apply(signed(Alice, transfer(Bob, alice * 2)));

		let error = result.expect("the transaction is valid and pays its fee").unwrap_err();
		assert_eq!(error, sp_runtime::TokenError::FundsUnavailable.into());
		assert_eq!(free(Bob), bob, "nothing reached Bob");
		assert_eq!(free(Alice), alice - fee, "Alice paid only the fee");
		assert_eq!(issuance(), supply - fee);
	});
}

#[test]
fn a_replayed_transfer_is_rejected() {
	ext_for("development").execute_with(|| {
		let xt = signed(Alice, transfer(Bob, DAI));
		assert_eq!(apply(xt.clone()).0, Ok(Ok(())));
		let bob = free(Bob);

		let (result, _) = apply(xt);

		assert_eq!(
			result,
			Err(sp_runtime::transaction_validity::InvalidTransaction::Stale.into())
		);
		assert_eq!(free(Bob), bob);
	});
}
