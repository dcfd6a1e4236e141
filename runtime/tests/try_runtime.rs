//! try-runtime checks on a real chain's state: the snapshot the end-to-end
//! compute test writes (`DAIFI_SNAPSHOT`, by `scripts/e2e/lib/snapshot.mjs`)
//! after a development node ran tasks. `scripts/test.sh` runs these after
//! the end-to-end tests:
//!
//! ```sh
//! DAIFI_SNAPSHOT=/tmp/state.json cargo test --release -p daifi-runtime --test try_runtime -- --ignored
//! ```
//!
//! The snapshot is first proven complete and unaltered: the state root of its
//! pairs must be the block header's. Then every pallet's storage invariants
//! are checked. Built with `--features try-runtime`, that is the runtime's
//! own `try_state` of every pallet (FRAME's included) and a dry run of the
//! runtime upgrade's migrations; without it, this runtime's pallets'
//! `do_try_state` and the balances' issuance.

use daifi_runtime::{Runtime, System};
use sp_core::storage::{Storage, StateVersion};

/// The decoded snapshot: its block number and state root, and its state.
struct Snapshot {
	number: u32,
	state_root: sp_core::H256,
	storage: Storage,
}

fn unhex(text: &str) -> Vec<u8> {
	let text = text.trim_start_matches("0x");
	(0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

fn load() -> Snapshot {
	let path = std::env::var("DAIFI_SNAPSHOT").expect("DAIFI_SNAPSHOT names the snapshot (scripts/test.sh sets it)");
	let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
	let json: serde_json::Value = serde_json::from_str(&text).expect("a JSON snapshot");
	let pairs = json["pairs"].as_array().expect("pairs");
	let mut storage = Storage::default();
	for pair in pairs {
		storage.top.insert(unhex(pair[0].as_str().expect("key")), unhex(pair[1].as_str().expect("value")));
	}
	Snapshot {
		number: json["number"].as_u64().expect("number") as u32,
		state_root: sp_core::H256::from_slice(&unhex(json["stateRoot"].as_str().expect("stateRoot"))),
		storage,
	}
}

/// Externalities over `storage`, and their state root.
fn externalities(storage: Storage) -> (sp_io::TestExternalities, sp_core::H256) {
	// The constructor writes `:code` itself: hand it the snapshot's.
	let code = storage.top.get(sp_core::storage::well_known_keys::CODE).cloned().expect("the runtime code");
	let mut ext = sp_io::TestExternalities::new_with_code_and_state(&code, storage, StateVersion::V1);
	ext.commit_all().expect("committed");
	let root = *ext.as_backend().root();
	(ext, root)
}

/// Every check this build can run on the current state.
fn check_state(number: u32) -> Result<(), sp_runtime::TryRuntimeError> {
	#[cfg(feature = "try-runtime")]
	{
		use frame_support::traits::{TryState, TryStateSelect};
		<daifi_runtime::AllPalletsWithSystem as TryState<u32>>::try_state(number, TryStateSelect::All)?;
	}
	#[cfg(not(feature = "try-runtime"))]
	let _ = number;
	pallet_compute_staking::Pallet::<Runtime>::do_try_state()?;
	pallet_model_registry::Pallet::<Runtime>::do_try_state()?;
	pallet_tasks::Pallet::<Runtime>::do_try_state()?;
	pallet_credits::Pallet::<Runtime>::do_try_state()?;
	pallet_poc_rewards::Pallet::<Runtime>::do_try_state()?;
	pallet_cnft::Pallet::<Runtime>::do_try_state()?;
	pallet_domains::Pallet::<Runtime>::do_try_state()?;
	check_issuance()
}

/// Total issuance is the sum of every account's free and reserved (held)
/// balance: no funds were created or lost on any path the chain ran.
fn check_issuance() -> Result<(), sp_runtime::TryRuntimeError> {
	let total: u128 = frame_system::Account::<Runtime>::iter().map(|(_, a)| a.data.free + a.data.reserved).sum();
	frame_support::ensure!(
		total == pallet_balances::TotalIssuance::<Runtime>::get(),
		"total issuance is not the sum of the balances"
	);
	Ok(())
}

#[test]
#[ignore = "needs DAIFI_SNAPSHOT from the end-to-end compute test; scripts/test.sh runs it"]
fn the_dev_chain_after_tasks_passes_every_check() {
	let snapshot = load();
	let (mut ext, root) = externalities(snapshot.storage);
	assert_eq!(root, snapshot.state_root, "the snapshot is the block's whole state, unaltered");
	ext.execute_with(|| {
		assert_eq!(System::block_number(), snapshot.number);
		let tasks = pallet_tasks::NextTaskId::<Runtime>::get();
		assert!(tasks >= 20, "the chain ran tasks ({tasks})");
		check_state(snapshot.number).expect("every invariant holds");
		#[cfg(feature = "try-runtime")]
		daifi_runtime::Executive::try_runtime_upgrade(frame_support::traits::UpgradeCheckSelect::All)
			.expect("the runtime upgrade's migrations pass their checks");
	});
}

#[test]
#[ignore = "needs DAIFI_SNAPSHOT from the end-to-end compute test; scripts/test.sh runs it"]
fn an_altered_snapshot_is_caught() {
	let snapshot = load();
	// One more credit than the ledger's total: the root changes and the
	// credits check fails.
	let (mut ext, root) = externalities(snapshot.storage);
	ext.execute_with(|| pallet_credits::TotalCredits::<Runtime>::mutate(|t| *t += 1));
	ext.commit_all().expect("committed");
	assert_ne!(*ext.as_backend().root(), root, "the state root sees the change");
	ext.execute_with(|| assert!(check_state(snapshot.number).is_err(), "the credits no longer add up"));

	// Funds out of nowhere: the issuance check fails.
	let (mut ext, _) = externalities(load().storage);
	ext.execute_with(|| {
		let account = frame_system::Account::<Runtime>::iter_keys().next().expect("accounts");
		frame_system::Account::<Runtime>::mutate(&account, |a| a.data.free += 1);
		assert!(check_state(snapshot.number).is_err(), "issuance no longer adds up");
	});
}
