//! Sovereign domains in the real runtime, on the development genesis: a
//! domain that keeps its data inside runs its members' tasks only on its
//! members; an outsider's task crosses into a domain that serves outsiders,
//! pays its surcharge, and clears in one transfer at the end of the period,
//! after which the executor claims its pay from its domain's gateway.

mod common;

use common::{alice_proof, apply, compute_key, ext_for, next_block, signed, signed_by, submit_result, submit_task};
use daifi_runtime::{genesis_config_presets::DIGITS_PRICE, Domains, Runtime, RuntimeCall, HOURS};
use frame_support::traits::{fungible::Inspect, Hooks};
use pallet_domains::{DomainKind, Policy};
use pallet_tasks::TaskStatus;
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring::{self, *};
use sp_runtime::Perbill;

type Balances = pallet_balances::Pallet<Runtime>;

fn call(call: pallet_domains::Call<Runtime>) -> RuntimeCall {
	RuntimeCall::Domains(call)
}

/// `admin` creates domain `id` with `policy`, and `members` join it.
fn domain(admin: Sr25519Keyring, policy: Policy, members: &[Sr25519Keyring]) -> u32 {
	let id = pallet_domains::NextDomainId::<Runtime>::get();
	let kind = DomainKind::Enterprise;
	apply(signed(admin, call(pallet_domains::Call::create { kind, policy }))).0.unwrap().unwrap();
	for member in members {
		let who = member.to_account_id();
		apply(signed(admin, call(pallet_domains::Call::invite { domain: id, who }))).0.unwrap().unwrap();
		apply(signed(*member, call(pallet_domains::Call::join { domain: id }))).0.unwrap().unwrap();
	}
	id
}

fn assignee(task: u64) -> Option<sp_runtime::AccountId32> {
	match pallet_tasks::Tasks::<Runtime>::get(task)?.status {
		TaskStatus::Assigned { provider, .. } => Some(provider),
		_ => None,
	}
}

/// Alice proves and submits task `task`.
fn alice_answers(task: u64) {
	let (output, proof) = alice_proof(task);
	apply(signed_by(&compute_key(Alice), submit_result(task, output, proof))).0.unwrap().unwrap();
}

#[test]
fn a_local_domains_tasks_run_only_on_its_members_and_its_audit_log_shows_them() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let id = domain(Dave, Policy { local: true, ..Default::default() }, &[Charlie, Alice]);
		assert_eq!(pallet_compute_staking::Providers::<Runtime>::get(Alice.to_account_id()).unwrap().domain, Some(id));
		apply(signed(Charlie, submit_task(DIGITS_PRICE))).0.unwrap().unwrap();
		next_block();
		assert_eq!(assignee(0), Some(Alice.to_account_id()));
		alice_answers(0);
		let log = Domains::audit_of(id);
		assert_eq!(log.iter().map(|e| (e.task, e.home, e.ran_in)).collect::<Vec<_>>(), vec![(0, Some(id), Some(id))]);

		// Charlie's next task is drawn; Alice leaves before the draw: it waits rather than leave the domain.
		apply(signed(Charlie, submit_task(DIGITS_PRICE))).0.unwrap().unwrap();
		apply(signed(Alice, call(pallet_domains::Call::leave {}))).0.unwrap().unwrap();
		next_block();
		next_block();
		assert_eq!(assignee(1), None);
		// Now the domain has no provider: Charlie's next task is refused at once.
		let (refused, _) = apply(signed(Charlie, submit_task(DIGITS_PRICE)));
		assert_eq!(refused.unwrap(), Err(pallet_tasks::Error::<Runtime>::NoProviderInDomain.into()));
		// An outsider's task goes to Alice, now on the open network.
		apply(signed(Ferdie, submit_task(DIGITS_PRICE))).0.unwrap().unwrap();
		next_block();
		assert_eq!(assignee(2), Some(Alice.to_account_id()));
	});
}

#[test]
fn a_domain_refuses_models_it_does_not_allow() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let other = pallet_model_registry::ModelHash::repeat_byte(1);
		let policy = Policy { models: Some(vec![other].try_into().unwrap()), ..Default::default() };
		domain(Dave, policy, &[Charlie]);
		let before = Balances::balance(&Charlie.to_account_id());
		let (result, fee) = apply(signed(Charlie, submit_task(DIGITS_PRICE)));
		assert_eq!(result.unwrap(), Err(pallet_tasks::Error::<Runtime>::ModelNotAllowedInDomain.into()));
		assert_eq!(Balances::balance(&Charlie.to_account_id()), before - fee);
	});
}

#[test]
fn an_outsiders_task_crosses_pays_the_markup_and_clears_at_the_end_of_the_period() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		let markup = Perbill::from_percent(10);
		let id = domain(Eve, Policy { outside_markup: Some(markup), ..Default::default() }, &[Alice]);
		let (alice, ferdie) = (Alice.to_account_id(), Ferdie.to_account_id());
		// Total balances: Ferdie's Compute NFT deposits stay his (held).
		let (alice0, ferdie0, issuance) =
			(Balances::total_balance(&alice), Balances::total_balance(&ferdie), Balances::total_issuance());
		let (result, submit_fee) = apply(signed(Ferdie, submit_task(2 * DIGITS_PRICE)));
		result.unwrap().unwrap();

		next_block();
		assert_eq!(assignee(0), Some(alice.clone()));
		let (output, proof) = alice_proof(0);
		let (result, result_fee) = apply(signed_by(&compute_key(Alice), submit_result(0, output, proof)));
		result.unwrap().unwrap();

		let burned = DIGITS_PRICE / 10;
		let share = (DIGITS_PRICE - burned) * 8 / 10;
		let crossed = share + markup * share;
		assert_eq!(Balances::total_balance(&ferdie), ferdie0 - submit_fee - DIGITS_PRICE - markup * share);
		// Alice is paid by her domain once the period clears, not at settlement.
		assert_eq!(Balances::total_balance(&alice), alice0);
		let era = pallet_domains::CurrentEra::<Runtime>::get();
		let flows = Domains::clearing_of(era);
		assert_eq!(flows, vec![((None, Some(id)), pallet_domains::Flow { volume: crossed, count: 1 })]);
		let (early, early_fee) = apply(signed(Alice, call(pallet_domains::Call::claim { side: Some(id) })));
		assert_eq!(early.unwrap(), Err(pallet_domains::Error::<Runtime>::NothingToClaim.into()));

		frame_system::Pallet::<Runtime>::set_block_number(HOURS);
		Domains::on_initialize(HOURS);
		let gateway = Domains::gateway(Some(id));
		assert_eq!(Balances::balance(&gateway), Balances::minimum_balance() + crossed);
		let (result, claim_fee) = apply(signed(Alice, call(pallet_domains::Call::claim { side: Some(id) })));
		result.unwrap().unwrap();
		assert_eq!(Balances::total_balance(&alice), alice0 + crossed - early_fee - claim_fee);
		assert_eq!(Balances::balance(&gateway), Balances::minimum_balance());
		// Only the burned share and the transaction fees left the issuance
		// (Alice's compute key paid the result's fee).
		let fees = submit_fee + result_fee + early_fee + claim_fee;
		assert_eq!(Balances::total_issuance(), issuance - burned - fees, "nothing else created or destroyed");
	});
}
