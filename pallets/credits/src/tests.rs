//! A test runtime and the tests: no call moves credits; spending is bounded
//! by the balance; earning follows the formula.

use crate::{self as pallet_credits, *};
use frame_support::{assert_noop, assert_ok, derive_impl, traits::ConstU128};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, DispatchError, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Credits: pallet_credits,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl Config for Test {
	type GrantOrigin = EnsureRoot<u64>;
	type CreditsPerTflop = ConstU128<1_000>;
	type WeightInfo = ();
}

/// Account 1 starts with 500 credits.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_credits::GenesisConfig::<Test> { credits: vec![(1, 500)] }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Credits::do_try_state().expect("credits add up");
	});
}

#[test]
fn the_only_call_is_a_grant_by_the_admin() {
	execute(|| {
		assert_ok!(Credits::grant(RuntimeOrigin::root(), 2, 300));
		assert_eq!(pallet_credits::Credits::<Test>::get(2), 300);
		assert_eq!(TotalCredits::<Test>::get(), 800);
		System::assert_last_event(Event::Granted { who: 2, amount: 300 }.into());
		assert_noop!(Credits::grant(RuntimeOrigin::signed(1), 2, 300), DispatchError::BadOrigin);
		assert_noop!(Credits::grant(RuntimeOrigin::root(), 2, 0), Error::<Test>::ZeroAmount);
		// The call enum has no transfer: `grant` is its only variant.
		let call = crate::Call::<Test>::grant { who: 1, amount: 1 };
		assert!(matches!(call, crate::Call::grant { .. }));
	});
}

#[test]
fn spending_more_than_the_balance_is_refused_and_changes_nothing() {
	execute(|| {
		assert_noop!(
			<Credits as CreditLedger<u64>>::spend(&1, 501),
			Error::<Test>::InsufficientCredits
		);
		assert_noop!(<Credits as CreditLedger<u64>>::spend(&2, 1), Error::<Test>::InsufficientCredits);
		assert_ok!(<Credits as CreditLedger<u64>>::spend(&1, 200));
		assert_eq!(pallet_credits::Credits::<Test>::get(1), 300);
		assert_ok!(<Credits as CreditLedger<u64>>::spend(&1, 300));
		assert!(!pallet_credits::Credits::<Test>::contains_key(1));
		assert_eq!(TotalCredits::<Test>::get(), 0);
	});
}

#[test]
fn work_earns_flops_times_quality_times_the_rate() {
	execute(|| {
		// 2 TFLOPs at 75% quality and 1,000 credits per TFLOP.
		<Credits as CreditLedger<u64>>::reward_work(&3, 2_000_000_000_000, Perbill::from_percent(75), u128::MAX);
		assert_eq!(pallet_credits::Credits::<Test>::get(3), 1_500);
		System::assert_last_event(Event::Earned { who: 3, amount: 1_500, flops: 2_000_000_000_000 }.into());
		// Tiny work rounds down to nothing and emits nothing.
		<Credits as CreditLedger<u64>>::reward_work(&4, 10, Perbill::one(), u128::MAX);
		assert!(!pallet_credits::Credits::<Test>::contains_key(4));
		// The largest work does not overflow.
		assert_eq!(Credits::earned_for(u64::MAX, Perbill::one()), u128::from(u64::MAX) * 1_000 / 1_000_000_000_000);
		<Credits as CreditLedger<u64>>::credit(&4, 7);
		assert_eq!(pallet_credits::Credits::<Test>::get(4), 7);
	});
}

#[test]
fn work_never_earns_more_than_the_task_cost() {
	execute(|| {
		// 2 TFLOPs would earn 2,000 credits, but the task burned only 30.
		<Credits as CreditLedger<u64>>::reward_work(&3, 2_000_000_000_000, Perbill::one(), 30);
		assert_eq!(pallet_credits::Credits::<Test>::get(3), 30);
		// A task that cost nobody anything (the provider's own) earns nothing.
		<Credits as CreditLedger<u64>>::reward_work(&5, 2_000_000_000_000, Perbill::one(), 0);
		assert!(!pallet_credits::Credits::<Test>::contains_key(5));
		assert_eq!(TotalCredits::<Test>::get(), 500 + 30);
	});
}
