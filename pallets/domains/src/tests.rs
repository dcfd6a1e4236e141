//! Every call and error, the gateway's books, and the audit log.

use crate::{
	mock::*, pallet, Audit, Clearing, CurrentEra, DomainKind, Earning, Error, Event, Flow, HoldReason, MemberOf,
	NextDomainId, Pairs, Policy, AUDIT_LEN,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::{Inspect, InspectHold, Mutate}};
use pallet_tasks::{DomainRules, OnTaskSettled};
use sp_runtime::{DispatchError, Perbill};

/// The admin of the domains the tests create.
const ADMIN: AccountId = 1;
/// A provider.
const PROVIDER: AccountId = 2;
/// A user.
const USER: AccountId = 3;
/// Someone else.
const OTHER: AccountId = 4;

fn local() -> Policy {
	Policy { local: true, ..Default::default() }
}

fn create(admin: AccountId, policy: Policy) -> u32 {
	let id = NextDomainId::<Test>::get();
	assert_ok!(Domains::create(RuntimeOrigin::signed(admin), DomainKind::Enterprise, policy));
	id
}

fn admit(domain: u32, who: AccountId) {
	let admin = pallet::Domains::<Test>::get(domain).unwrap().admin;
	assert_ok!(Domains::invite(RuntimeOrigin::signed(admin), domain, who));
	assert_ok!(Domains::join(RuntimeOrigin::signed(who), domain));
}

/// What the task market does when `executor`'s share `amount` of `owner`'s
/// task crosses: pays the home gateway it is told, which the domains record.
fn settle_across(owner: AccountId, executor: AccountId, amount: Balance) {
	let home = MemberOf::<Test>::get(owner);
	let to = MemberOf::<Test>::get(executor);
	let gateway = <Domains as DomainRules<_, _>>::cross(&executor, home, to, amount).unwrap();
	assert_eq!(gateway, Domains::gateway(home));
	assert_ok!(<Balances as Mutate<_>>::transfer(
		&owner,
		&gateway,
		amount,
		frame_support::traits::tokens::Preservation::Preserve
	));
}

#[test]
fn creating_a_domain_holds_its_deposit_and_opens_its_gateway() {
	checked(|| {
		let id = create(ADMIN, local());
		let domain = pallet::Domains::<Test>::get(id).unwrap();
		assert_eq!((domain.admin, domain.members, domain.deposit), (ADMIN, 0, DEPOSIT));
		assert_eq!(Balances::balance_on_hold(&RuntimeHoldReason::Domains(HoldReason::DomainDeposit), &ADMIN), DEPOSIT);
		assert_eq!(Balances::balance(&Domains::gateway(Some(id))), ED);
		assert_eq!(Balances::balance(&ADMIN), FUNDS - DEPOSIT - ED);
		assert_eq!(events(), vec![Event::Created { domain: id, admin: ADMIN, kind: DomainKind::Enterprise }]);
		// Too poor: refused, nothing changes.
		assert_ok!(<Balances as Mutate<_>>::transfer(
			&OTHER,
			&USER,
			FUNDS - DEPOSIT,
			frame_support::traits::tokens::Preservation::Expendable
		));
		assert_noop!(
			Domains::create(RuntimeOrigin::signed(OTHER), DomainKind::Personal, Policy::default()),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn only_the_admin_governs_a_domain() {
	checked(|| {
		let id = create(ADMIN, local());
		let open = Policy { outside_markup: Some(Perbill::from_percent(5)), ..Default::default() };
		for origin in [RuntimeOrigin::signed(OTHER), RuntimeOrigin::signed(USER)] {
			assert_noop!(Domains::set_policy(origin.clone(), id, open.clone()), Error::<Test>::NotAdmin);
			assert_noop!(Domains::set_admin(origin.clone(), id, OTHER), Error::<Test>::NotAdmin);
			assert_noop!(Domains::invite(origin.clone(), id, OTHER), Error::<Test>::NotAdmin);
			assert_noop!(Domains::remove(origin, id, OTHER), Error::<Test>::NotAdmin);
		}
		assert_noop!(Domains::set_policy(RuntimeOrigin::signed(ADMIN), 9, open.clone()), Error::<Test>::UnknownDomain);
		assert_noop!(Domains::join(RuntimeOrigin::signed(USER), 9), Error::<Test>::UnknownDomain);
		assert_ok!(Domains::set_policy(RuntimeOrigin::signed(ADMIN), id, open.clone()));
		assert_eq!(pallet::Domains::<Test>::get(id).unwrap().policy, open);
		// Handing it on (e.g. to a multisig account): the old admin is out.
		assert_ok!(Domains::set_admin(RuntimeOrigin::signed(ADMIN), id, OTHER));
		assert_noop!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, USER), Error::<Test>::NotAdmin);
		assert_ok!(Domains::invite(RuntimeOrigin::signed(OTHER), id, USER));
	});
}

#[test]
fn nobody_joins_without_an_invitation_or_is_put_in_without_consent() {
	checked(|| {
		let id = create(ADMIN, local());
		let other = create(OTHER, Policy::default());
		assert_noop!(Domains::join(RuntimeOrigin::signed(PROVIDER), id), Error::<Test>::NotInvited);
		assert_ok!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, PROVIDER));
		// An invitation alone changes nothing about where it works.
		assert_eq!(MemberOf::<Test>::get(PROVIDER), None);
		assert_eq!(PROVIDER_DOMAINS.with(|p| p.borrow().get(&PROVIDER).copied()), None);
		assert_ok!(Domains::join(RuntimeOrigin::signed(PROVIDER), id));
		assert_eq!(MemberOf::<Test>::get(PROVIDER), Some(id));
		assert_eq!(PROVIDER_DOMAINS.with(|p| p.borrow().get(&PROVIDER).copied()), Some(Some(id)));
		assert_eq!(pallet::Domains::<Test>::get(id).unwrap().members, 1);
		// One domain at a time.
		assert_noop!(Domains::invite(RuntimeOrigin::signed(OTHER), other, PROVIDER), Error::<Test>::AlreadyMember);
		// Leaving: the record follows.
		assert_ok!(Domains::leave(RuntimeOrigin::signed(PROVIDER)));
		assert_eq!(PROVIDER_DOMAINS.with(|p| p.borrow().get(&PROVIDER).copied()), Some(None));
		assert_noop!(Domains::leave(RuntimeOrigin::signed(PROVIDER)), Error::<Test>::NotMember);
		assert_eq!(pallet::Domains::<Test>::get(id).unwrap().members, 0);
	});
}

#[test]
fn the_admin_removes_members_and_withdraws_invitations_and_members_are_bounded() {
	checked(|| {
		let id = create(ADMIN, local());
		for who in 10..10 + AccountId::from(MAX_MEMBERS) {
			admit(id, who);
		}
		assert_ok!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, USER));
		assert_noop!(Domains::join(RuntimeOrigin::signed(USER), id), Error::<Test>::TooManyMembers);
		assert_ok!(Domains::remove(RuntimeOrigin::signed(ADMIN), id, 10));
		assert_eq!(MemberOf::<Test>::get(10), None);
		assert_ok!(Domains::join(RuntimeOrigin::signed(USER), id));
		// An invitation not taken up is withdrawn.
		assert_ok!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, OTHER));
		assert_ok!(Domains::remove(RuntimeOrigin::signed(ADMIN), id, OTHER));
		assert_noop!(Domains::join(RuntimeOrigin::signed(OTHER), id), Error::<Test>::NotInvited);
		assert_noop!(Domains::remove(RuntimeOrigin::signed(ADMIN), id, OTHER), Error::<Test>::NotMember);
	});
}

#[test]
fn the_market_reads_each_domains_terms() {
	checked(|| {
		let model = pallet_model_registry::ModelHash::repeat_byte(1);
		let policy = Policy {
			local: false,
			outside_markup: Some(Perbill::from_percent(7)),
			models: Some(vec![model].try_into().unwrap()),
			preference: pallet_tasks::Preference::Even,
		};
		let id = create(ADMIN, policy);
		admit(id, USER);
		assert_eq!(<Domains as DomainRules<_, _>>::domain_of(&USER), Some(id));
		assert_eq!(<Domains as DomainRules<_, _>>::domain_of(&OTHER), None);
		let terms = <Domains as DomainRules<_, _>>::terms(id, &model).unwrap();
		assert!(terms.model_allowed && !terms.local);
		assert_eq!(terms.outside_markup, Some(Perbill::from_percent(7)));
		assert_eq!(terms.preference, pallet_tasks::Preference::Even);
		assert!(!<Domains as DomainRules<_, _>>::terms(id, &Default::default()).unwrap().model_allowed);
		assert_eq!(<Domains as DomainRules<_, _>>::terms(9, &model), None);
	});
}

#[test]
fn each_period_clears_with_one_transfer_per_pair_and_executors_claim_exactly_what_crossed() {
	checked(|| {
		let a = create(ADMIN, Policy::default());
		let b = create(OTHER, Policy::default());
		// Users 10, 11 in A; 12 in B; 13 on the open network. Executors 14 in A, 15 in B, 16 open.
		for (who, domain) in [(10, a), (11, a), (12, b), (14, a), (15, b)] {
			admit(domain, who);
		}
		let before: Vec<Balance> = (1..=20).map(|w| Balances::balance(&w)).collect();
		// A -> B: 100 + 50; B -> A: 30; open -> B: 20; A -> open: 40.
		settle_across(10, 15, 100);
		settle_across(11, 15, 50);
		settle_across(12, 14, 30);
		settle_across(13, 15, 20);
		settle_across(10, 16, 40);
		let era = CurrentEra::<Test>::get();
		let flows: std::collections::BTreeMap<_, _> = Domains::clearing_of(era).into_iter().collect();
		assert_eq!(flows[&(Some(a), Some(b))], Flow { volume: 150, count: 2 });
		assert_eq!(flows[&(Some(b), Some(a))], Flow { volume: 30, count: 1 });
		assert_eq!(flows[&(None, Some(b))], Flow { volume: 20, count: 1 });
		assert_eq!(flows[&(Some(a), None)], Flow { volume: 40, count: 1 });
		// Nothing to claim before the period clears.
		assert_noop!(Domains::claim(RuntimeOrigin::signed(15), Some(b)), Error::<Test>::NothingToClaim);
		System::reset_events();
		run_to(PERIOD);
		// One transfer per pair, of the net.
		let mut cleared: Vec<_> = events()
			.into_iter()
			.filter_map(|e| if let Event::Cleared { from, to, net, .. } = e { Some((from, to, net)) } else { None })
			.collect();
		cleared.sort();
		assert_eq!(cleared, vec![(None, Some(b), 20), (Some(a), None, 40), (Some(a), Some(b), 120)]);
		// Each executor claims what crossed to it, from its own side's gateway.
		for (who, side, amount) in [(15, Some(b), 170), (14, Some(a), 30), (16, None, 40)] {
			assert_ok!(Domains::claim(RuntimeOrigin::signed(who), side));
			assert_eq!(Balances::balance(&who), before[who as usize - 1] + amount);
		}
		// Every gateway is back to its existential deposit: nothing stuck, nothing created.
		for side in [None, Some(a), Some(b)] {
			assert_eq!(Balances::balance(&Domains::gateway(side)), ED);
		}
		assert_noop!(Domains::claim(RuntimeOrigin::signed(15), Some(b)), Error::<Test>::NothingToClaim);
		// The records stay for `ClearingHistory` periods, then go.
		assert!(!Domains::clearing_of(era).is_empty());
		run_to(3 * PERIOD);
		assert!(Domains::clearing_of(era).is_empty());
	});
}

#[test]
fn pay_earned_in_a_period_waits_for_its_clearing_even_after_an_earlier_one_cleared() {
	checked(|| {
		let b = create(OTHER, Policy::default());
		admit(b, 15);
		settle_across(13, 15, 20);
		run_to(PERIOD);
		settle_across(13, 15, 7);
		let earnings = Domains::earnings_of(&15);
		assert_eq!(earnings, vec![(Some(b), Earning { pending: 7, era: 1, claimable: 20 })]);
		assert_ok!(Domains::claim(RuntimeOrigin::signed(15), Some(b)));
		assert_eq!(Domains::earnings_of(&15), vec![(Some(b), Earning { pending: 7, era: 1, claimable: 0 })]);
		run_to(2 * PERIOD);
		assert_ok!(Domains::claim(RuntimeOrigin::signed(15), Some(b)));
		assert_eq!(Balances::balance(&15), FUNDS + 27);
	});
}

#[test]
fn past_the_pair_bound_a_crossing_is_refused_so_the_market_pays_directly() {
	checked(|| {
		let domains: Vec<u32> = (0..5).map(|i| create(10 + i, Policy::default())).collect();
		for (i, d) in domains.iter().enumerate() {
			admit(*d, 10 + i as AccountId);
		}
		// Four pairs (the bound): open -> each of the first four.
		for who in 10..14 {
			settle_across(USER, who, 1);
		}
		assert_eq!(
			<Domains as DomainRules<_, _>>::cross(&14, None, Some(domains[4]), 1),
			Err(DispatchError::Other("TooManyPairs"))
		);
		// An existing pair still records.
		settle_across(USER, 10, 1);
	});
}

fn result(provider: AccountId, task: u64) -> pallet_tasks::TaskResult<AccountId, Balance, u64> {
	pallet_tasks::TaskResult {
		model: Default::default(),
		input_hash: Default::default(),
		source: None,
		verification: pallet_tasks::Verification::Zk,
		payment: pallet_tasks::Payment::Dai,
		provider,
		executors: Default::default(),
		output_hash: Default::default(),
		proof_hash: Default::default(),
		output: Default::default(),
		executor_paid: 80,
		developer_paid: 10,
		burned: 10,
		counted: 10,
		flops: 1,
		submitted_at: 1,
		settled_at: task + 2,
	}
}

#[test]
fn each_domain_sees_what_ran_for_it_or_in_it_in_its_audit_log() {
	checked(|| {
		let a = create(ADMIN, Policy::default());
		let b = create(OTHER, Policy::default());
		admit(a, USER);
		admit(b, PROVIDER);
		// A's user on B's provider: in both logs. Open user on open provider: in none.
		Domains::on_settled(1, &USER, &result(PROVIDER, 1));
		Domains::on_settled(2, &13, &result(16, 2));
		Domains::on_settled(3, &USER, &result(16, 3));
		let tasks = |d: u32| Domains::audit_of(d).iter().map(|e| (e.task, e.home, e.ran_in)).collect::<Vec<_>>();
		assert_eq!(tasks(a), vec![(1, Some(a), Some(b)), (3, Some(a), None)]);
		assert_eq!(tasks(b), vec![(1, Some(a), Some(b))]);
		// Bounded: the oldest goes first.
		for task in 10..10 + u64::from(AUDIT_LEN) {
			Domains::on_settled(task, &USER, &result(USER, task));
		}
		let log = Domains::audit_of(a);
		assert_eq!(log.len() as u32, AUDIT_LEN);
		assert_eq!(log.first().unwrap().task, 10);
		assert_eq!(log.last().unwrap().task, 9 + u64::from(AUDIT_LEN));
		// One slot per entry: the ring never holds more.
		assert_eq!(Audit::<Test>::iter_prefix(a).count() as u32, AUDIT_LEN);
		// A member's own task inside its domain is logged once.
		assert!(log.iter().all(|e| e.task < 10 || (e.home, e.ran_in) == (Some(a), Some(a))));
	});
}

#[test]
fn a_zero_crossing_records_nothing_and_a_side_without_a_gateway_refuses_crossings() {
	checked(|| {
		let b = create(OTHER, Policy::default());
		admit(b, 15);
		assert_eq!(<Domains as DomainRules<_, _>>::cross(&15, None, Some(b), 0), Ok(Domains::gateway(None)));
		assert!(Pairs::<Test>::get().is_empty() && Domains::earnings_of(&15).is_empty());
		// Domain 7 does not exist: it has no gateway to clear through.
		assert_eq!(
			<Domains as DomainRules<_, _>>::cross(&15, None, Some(7), 10),
			Err(DispatchError::Other("NoGateway"))
		);
		// Gateways are distinct from one another and from the pallet's own account.
		use sp_runtime::traits::AccountIdConversion;
		let own: AccountId = DomainsPalletId::get().into_account_truncating();
		let gateways = [Domains::gateway(None), Domains::gateway(Some(0)), Domains::gateway(Some(1)), own];
		assert_eq!(gateways.iter().collect::<std::collections::BTreeSet<_>>().len(), 4);
	});
}

#[test]
fn invitations_are_bounded_and_counted() {
	checked(|| {
		let id = create(ADMIN, local());
		for who in 10..10 + AccountId::from(MAX_MEMBERS) {
			assert_ok!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, who));
		}
		assert_noop!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, USER), Error::<Test>::TooManyInvitations);
		// Inviting again changes nothing; joining or withdrawing frees a place.
		assert_ok!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, 10));
		assert_ok!(Domains::join(RuntimeOrigin::signed(10), id));
		assert_ok!(Domains::invite(RuntimeOrigin::signed(ADMIN), id, USER));
		assert_ok!(Domains::remove(RuntimeOrigin::signed(ADMIN), id, 11));
		assert_eq!(pallet::Domains::<Test>::get(id).unwrap().invited, MAX_MEMBERS - 1);
	});
}

#[test]
fn a_net_transfer_that_cannot_be_made_is_carried_into_the_next_period() {
	new_test_ext().execute_with(|| {
		let a = create(ADMIN, Policy::default());
		let b = create(OTHER, Policy::default());
		admit(a, 10);
		admit(b, 15);
		settle_across(10, 15, 100);
		// A fault (which `try_state` rules out): A's gateway lost what it collected.
		Balances::set_balance(&Domains::gateway(Some(a)), ED);
		run_to(PERIOD);
		assert!(events().contains(&Event::ClearFailed { era: 0, from: Some(a), to: Some(b), net: 100 }));
		assert_eq!(Clearing::<Test>::get(1, (Some(a), Some(b))), Some(Flow { volume: 100, count: 0 }));
		assert_eq!(Pairs::<Test>::get().into_inner(), vec![(Some(a), Some(b))]);
		// Restored, the next period clears it.
		Balances::set_balance(&Domains::gateway(Some(a)), ED + 100);
		run_to(2 * PERIOD);
		assert!(events().contains(&Event::Cleared { era: 1, from: Some(a), to: Some(b), net: 100 }));
		assert_eq!(Balances::balance(&Domains::gateway(Some(b))), ED + 100);
	});
}
