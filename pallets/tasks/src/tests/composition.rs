//! A Compute NFT's output as a task's input: only its owner may use it, and
//! it is rescaled to the model's fixed point and checked like any input.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};

fn submit_cnft(who: AccountId, item: TaskId) -> sp_runtime::DispatchResult {
	TaskMarket::submit_task(RuntimeOrigin::signed(who), model(), TaskInput::Cnft(item), Verification::Zk, PRICE, Payment::Dai)
		.map(|_| ())
		.map_err(|e| e.error)
}

#[test]
fn the_owner_s_cnft_output_becomes_the_input_in_the_model_s_fixed_point() {
	execute(|| {
		// The digits model's outputs have 16 fractional bits, its inputs 8.
		let output: Vec<i64> = (0..64).map(|i| i * 1_000 + 384).collect();
		TestTokens::mint(7, USER, model(), output.clone());
		let id = NextTaskId::<Test>::get();
		assert_ok!(submit_cnft(USER, 7));
		let expected: Vec<i64> = output.iter().map(|v| (v + 128).div_euclid(256)).collect();
		assert_eq!(Tasks::<Test>::get(id).unwrap().input.to_vec(), expected);
		assert_eq!(expected[0], 2, "384/256 = 1.5 rounds up to 2");
		assert_eq!(Tasks::<Test>::get(id).unwrap().source, Some(7), "the lineage is recorded");
	});
}

#[test]
fn a_cnft_is_refused_by_name_unless_owned_and_fitting() {
	execute(|| {
		TestTokens::mint(7, USER, model(), vec![256; 64]);
		assert_noop!(submit_cnft(3, 7), Error::<Test>::NotCnftOwner);
		assert_noop!(submit_cnft(USER, 8), Error::<Test>::UnknownCnft);
		// 1.5 is outside the model's inputs (0 to 1).
		TestTokens::mint(8, USER, model(), vec![3 << 15; 64]);
		assert_noop!(submit_cnft(USER, 8), Error::<Test>::InputOutOfRange);
		// Ten digit scores do not fit a 64-value input.
		TestTokens::mint(9, USER, model(), vec![0; 10]);
		assert_noop!(submit_cnft(USER, 9), Error::<Test>::WrongInputShape);
	});
}

#[test]
fn rescaling_rounds_to_nearest_and_refuses_overflow() {
	assert_eq!(rescale(5, 2, 2), Some(5));
	assert_eq!(rescale(3, 0, 4), Some(48));
	assert_eq!(rescale(-3, 0, 4), Some(-48));
	assert_eq!(rescale(6, 2, 0), Some(2), "1.5 rounds half up");
	assert_eq!(rescale(-6, 2, 0), Some(-1), "-1.5 rounds half up");
	assert_eq!(rescale(-7, 2, 0), Some(-2));
	assert_eq!(rescale(i64::MAX, 0, 1), None);
	assert_eq!(rescale(1, 0, 63), None);
	assert_eq!(rescale(0, 0, 200), Some(0));
	assert_eq!(rescale(i64::MIN, 200, 0), Some(0));
	assert_eq!(rescale(i64::MAX, 1, 0), Some(1 << 62));
}
