//! `submit_task`: what it sets aside and what it refuses.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use pallet_model_registry::ModelHash;

fn try_submit(model: ModelHash, input: Vec<i64>, verification: Verification, max_fee: Balance) -> sp_runtime::DispatchResult {
	TaskMarket::submit_task(
		RuntimeOrigin::signed(USER),
		model,
		TaskInput::Values(input.try_into().unwrap()),
		verification,
		max_fee,
		Payment::Dai,
	)
	.map(|_| ())
	.map_err(|e| e.error)
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
			Event::TaskSubmitted { task: id, owner: USER, model: model(), max_fee: 1_500, payment: Payment::Dai }.into(),
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
				TaskInput::Values(fixture().input.try_into().unwrap()),
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
			try_submit(model(), input.clone(), Verification::Redundant(1), PRICE),
			Error::<Test>::RedundancyOutOfRange
		);
		assert_noop!(
			try_submit(model(), input.clone(), Verification::Zk, FUNDS + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(ModelRegistry::retire_model(RuntimeOrigin::root(), model()));
		assert_noop!(try_submit(model(), input, Verification::Zk, PRICE), Error::<Test>::ModelRetired);
	});
}

/// The attack: an input the circuit cannot prove (outside the model's input
/// range) would make the assigned provider miss its deadline and be slashed.
/// The chain refuses it instead.
#[test]
fn an_input_the_circuit_cannot_prove_is_refused() {
	execute(|| {
		let record = pallet_model_registry::Models::<Test>::get(model()).unwrap();
		for bad in [record.input_min - 1, record.input_max + 1, i64::MIN, i64::MAX] {
			let mut input = fixture().input;
			input[17] = bad;
			assert_noop!(try_submit(model(), input, Verification::Zk, PRICE), Error::<Test>::InputOutOfRange);
		}
		// The bounds themselves are provable.
		let mut input = fixture().input;
		input[0] = record.input_min;
		input[1] = record.input_max;
		assert_ok!(try_submit(model(), input.clone(), Verification::Zk, PRICE));
		let (id, who) = (0, { run_to(2); assignee(0).unwrap() });
		let (output, proof) = prove_with(&task_binding(id, &who), &input);
		assert_ok!(answer(who, id, output, proof));
		assert!(Results::<Test>::contains_key(id));
	});
}

#[test]
fn a_model_nobody_serves_takes_no_tasks() {
	execute(|| {
		for who in [P1, P2] {
			let mut profile = pallet_compute_staking::Providers::<Test>::get(who).unwrap().profile;
			profile.models = Default::default();
			assert_ok!(ComputeStaking::update_profile(RuntimeOrigin::signed(who), profile));
		}
		assert_noop!(try_submit(model(), fixture().input, Verification::Zk, PRICE), Error::<Test>::NoProvider);
	});
}

/// The flood: one account fills the queue. It may have only `MAX_OPEN`
/// tasks open; everyone else still submits.
#[test]
fn one_account_cannot_fill_the_queue() {
	execute(|| {
		for _ in 0..MAX_OPEN {
			submit(PRICE, Payment::Dai);
		}
		assert_noop!(
			try_submit(model(), fixture().input, Verification::Zk, PRICE),
			Error::<Test>::TooManyOpenTasks
		);
		let theirs = submit_as(3, PRICE, Payment::Dai);
		assert_eq!(Queue::<Test>::get().len() as u32, MAX_OPEN + 1);
		// The queue itself stays bounded (4 in this runtime).
		assert_noop!(
			TaskMarket::submit_task(
				RuntimeOrigin::signed(4),
				model(),
				TaskInput::Values(fixture().input.try_into().unwrap()),
				Verification::Zk,
				PRICE,
				Payment::Dai
			),
			Error::<Test>::QueueFull
		);
		// Once one of the flooder's tasks closes it may submit again.
		run_to(2);
		let id = (0..MAX_OPEN as u64).find(|id| assignee(*id).is_some()).unwrap();
		let who = assignee(id).unwrap();
		let (output, proof) = proven(id, who);
		assert_ok!(answer(who, id, output, proof));
		assert_eq!(OpenTasks::<Test>::get(USER), MAX_OPEN - 1);
		assert_ok!(try_submit(model(), fixture().input, Verification::Zk, PRICE));
		let _ = theirs;
	});
}
