//! `submit_task`: what it sets aside and what it refuses.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use pallet_model_registry::ModelHash;

fn try_submit(model: ModelHash, input: Vec<i64>, verification: Verification, max_fee: Balance) -> sp_runtime::DispatchResult {
	TaskMarket::submit_task(
		RuntimeOrigin::signed(USER),
		model,
		input.try_into().unwrap(),
		verification,
		max_fee,
		Payment::Dai,
	)
}

#[test]
fn submission_holds_the_max_fee_and_queues_the_task() {
	execute(|| {
		let id = submit(1_500, Payment::Dai);
		assert_eq!(Balances::balance_on_hold(&HoldReason::TaskFee.into(), &USER), 1_500);
		assert_eq!(free(USER), FUNDS - 1_500);
		let task = Tasks::<Test>::get(id).unwrap();
		assert_eq!((task.fee, task.max_fee, task.status), (PRICE, 1_500, TaskStatus::Queued { since: 1 }));
		assert_eq!(Queue::<Test>::get().to_vec(), vec![id]);
		System::assert_last_event(
			Event::TaskSubmitted { task: id, owner: USER, model: model(), max_fee: 1_500 }.into(),
		);
	});
}

#[test]
fn credits_pay_instead_of_dai() {
	execute(|| {
		submit(1_200, Payment::Credits);
		assert_eq!(pallet_credits::Credits::<Test>::get(USER), 5_000 - 1_200);
		assert_eq!(free(USER), FUNDS);
		assert_noop!(
			TaskMarket::submit_task(
				RuntimeOrigin::signed(USER),
				model(),
				fixture().input.try_into().unwrap(),
				Verification::Zk,
				4_000,
				Payment::Credits
			),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn submission_refuses_bad_tasks_and_changes_nothing() {
	execute(|| {
		let input = fixture().input;
		assert_noop!(
			try_submit(ModelHash::repeat_byte(9), input.clone(), Verification::Zk, PRICE),
			Error::<Test>::UnknownModel
		);
		assert_noop!(
			try_submit(model(), input[..63].to_vec(), Verification::Zk, PRICE),
			Error::<Test>::WrongInputShape
		);
		assert_noop!(
			try_submit(model(), input.clone(), Verification::Zk, PRICE - 1),
			Error::<Test>::FeeBelowPrice
		);
		assert_noop!(
			try_submit(model(), input.clone(), Verification::Redundant(3), PRICE),
			Error::<Test>::UnsupportedVerification
		);
		assert_noop!(
			try_submit(model(), input.clone(), Verification::Zk, FUNDS + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(ModelRegistry::retire_model(RuntimeOrigin::root(), model()));
		assert_noop!(try_submit(model(), input, Verification::Zk, PRICE), Error::<Test>::ModelRetired);
	});
}

#[test]
fn the_queue_is_bounded() {
	execute(|| {
		for _ in 0..4 {
			submit(PRICE, Payment::Dai);
		}
		assert_noop!(
			try_submit(model(), fixture().input, Verification::Zk, PRICE),
			Error::<Test>::QueueFull
		);
	});
}
