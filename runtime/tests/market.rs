//! The inference market in the real runtime, on the development genesis: a
//! user pays for the digits model, Alice (its provider) answers with a proof
//! bound to the task and to her, signed by her compute key; the runtime
//! verifies it, burns 10% of the fee and splits the rest 80/20 with Bob, its
//! developer.

mod common;

use common::{alice_proof, apply, compute_key, ext_for, next_block, signed, signed_by, submit_result, submit_task};
use daifi_runtime::{
	genesis_config_presets::DIGITS_PRICE, Cnft, Runtime, RuntimeCall, RuntimeHoldReason,
};
use frame_support::traits::fungible::{Inspect, InspectHold};
use pallet_model_registry::fixtures;
use pallet_tasks::{Payment, TaskInput, TaskStatus, Verification};
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring::*;

type Balances = pallet_balances::Pallet<Runtime>;

#[test]
fn a_verified_result_pays_the_executor_and_the_developer() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let (user, alice, bob) =
			(Charlie.to_account_id(), Alice.to_account_id(), Bob.to_account_id());
		let issuance = Balances::total_issuance();
		let (user0, alice0, bob0) =
			(Balances::total_balance(&user), Balances::total_balance(&alice), Balances::total_balance(&bob));

		let (result, user_fee) = apply(signed(Charlie, submit_task(2 * DIGITS_PRICE)));
		assert_eq!(result, Ok(Ok(())));
		let reason: RuntimeHoldReason = pallet_tasks::HoldReason::TaskFee.into();
		assert_eq!(Balances::balance_on_hold(&reason, &user), 2 * DIGITS_PRICE);

		next_block();
		let task = pallet_tasks::Tasks::<Runtime>::get(0).unwrap();
		assert!(matches!(task.status, TaskStatus::Assigned { provider, .. } if provider == alice));

		let (output, proof) = alice_proof(0);
		assert_eq!(output, fixtures::mlp_64_32_10().output);
		// Alice's bonded account is not her compute key.
		let (result, stash_fee) = apply(signed(Alice, submit_result(0, output.clone(), proof.clone())));
		assert_eq!(result.unwrap(), Err(pallet_tasks::Error::<Runtime>::NotAComputeKey.into()));
		let (result, key_fee) = apply(signed_by(&compute_key(Alice), submit_result(0, output.clone(), proof)));
		assert_eq!(result, Ok(Ok(())));
		let stored = pallet_tasks::Results::<Runtime>::get(0).unwrap();
		assert_eq!(stored.output.to_vec(), output);

		let burned = DIGITS_PRICE / 10;
		let executor = (DIGITS_PRICE - burned) * 8 / 10;
		assert_eq!(Balances::total_balance(&user), user0 - user_fee - DIGITS_PRICE);
		assert_eq!(Balances::total_balance(&alice), alice0 - stash_fee + executor);
		assert_eq!(Balances::total_balance(&bob), bob0 + DIGITS_PRICE - burned - executor);
		assert_eq!(Balances::balance_on_hold(&reason, &user), 0);
		// The burned share and the three transaction fees left the issuance.
		assert_eq!(Balances::total_issuance(), issuance - burned - user_fee - stash_fee - key_fee);
	});
}

#[test]
fn the_user_owns_a_compute_nft_of_the_result_and_only_its_owner_may_use_it() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let (charlie, dave) = (Charlie.to_account_id(), Dave.to_account_id());
		apply(signed(Charlie, submit_task(DIGITS_PRICE))).0.unwrap().unwrap();
		next_block();
		let (output, proof) = alice_proof(0);
		apply(signed_by(&compute_key(Alice), submit_result(0, output.clone(), proof))).0.unwrap().unwrap();

		let result = pallet_tasks::Results::<Runtime>::get(0).unwrap();
		let certificate = pallet_cnft::Certificates::<Runtime>::get(0).expect("minted at settlement");
		assert_eq!(Cnft::owner(0), Some(charlie.clone()));
		assert_eq!(
			(certificate.task, certificate.model, certificate.input_hash, certificate.output_hash),
			(0, result.model, result.input_hash, result.output_hash)
		);
		assert_eq!(certificate.output.to_vec(), output);
		assert_eq!((certificate.flops, certificate.block), (result.flops, result.settled_at));
		assert_eq!(certificate.evidence, pallet_cnft::Evidence::ProofHash(result.proof_hash));
		assert_eq!((certificate.verification, certificate.executor), (Verification::Zk, Alice.to_account_id()));

		let collection = pallet_cnft::CollectionId::<Runtime>::get().unwrap();
		let transfer = RuntimeCall::Nfts(pallet_nfts::Call::transfer { collection, item: 0, dest: dave.clone().into() });
		apply(signed(Charlie, transfer)).0.unwrap().unwrap();
		assert_eq!(Cnft::owner(0), Some(dave));
		let follow_up = || {
			RuntimeCall::Tasks(pallet_tasks::Call::submit_task {
				model: fixtures::mlp_64_32_10().model_hash,
				input: TaskInput::Cnft(0),
				verification: Verification::Zk,
				max_fee: DIGITS_PRICE,
				payment: Payment::Dai,
			})
		};
		let refused = |who, error: pallet_tasks::Error<Runtime>| {
			assert_eq!(apply(signed(who, follow_up())).0.unwrap(), Err(error.into()));
		};
		refused(Charlie, pallet_tasks::Error::NotCnftOwner);
		// Dave owns it, but ten digit scores are no 64-pixel image.
		refused(Dave, pallet_tasks::Error::WrongInputShape);
	});
}

#[test]
fn a_wrong_output_is_slashed_and_a_replay_is_refused() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		apply(signed(Charlie, submit_task(DIGITS_PRICE))).0.unwrap().unwrap();
		next_block();
		let (output, proof) = alice_proof(0);
		let mut wrong = output.clone();
		wrong[2] -= 1;
		let bond = ComputeBond::of(Alice);
		let key = compute_key(Alice);
		assert_eq!(apply(signed_by(&key, submit_result(0, wrong, proof.clone()))).0, Ok(Ok(())));
		assert_eq!(ComputeBond::of(Alice), bond / 2, "half the bond slashed");
		// Alice failed it and is the only provider: the task waits for another.
		let again = signed_by(&key, submit_result(0, output, proof));
		assert_eq!(
			apply(again).0.unwrap(),
			Err(pallet_tasks::Error::<Runtime>::NotAssignedProvider.into())
		);
	});
}

/// A provider's held bond.
struct ComputeBond;
impl ComputeBond {
	fn of(who: sp_keyring::Sr25519Keyring) -> u128 {
		let reason: RuntimeHoldReason = pallet_compute_staking::HoldReason::Bonded.into();
		Balances::balance_on_hold(&reason, &who.to_account_id())
	}
}
