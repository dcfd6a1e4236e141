//! Every preset builds a valid genesis, and sudo exists only where it should
//! (the development chain).

mod common;

use common::{apply, ext_for, signed};
use daifi_runtime::{
	genesis_config_presets::{self, preset_names, COMPUTE_KEY_FUNDS, ENDOWMENT, STAGING_PRESET},
	Babe, Grandpa, Runtime, RuntimeCall, Session,
};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring::{self, *};

fn validators_of(preset: &str) -> Vec<Sr25519Keyring> {
	match preset {
		DEV_RUNTIME_PRESET => vec![Alice],
		_ => vec![Alice, Bob, Charlie, Dave],
	}
}

#[test]
fn presets_are_the_three_documented_ones() {
	let names: Vec<String> =
		preset_names().into_iter().map(|p| String::from_utf8(p.into()).unwrap()).collect();
	assert_eq!(names, vec![DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET, STAGING_PRESET]);
}

#[test]
fn every_preset_builds_a_genesis_with_its_validators() {
	for preset in preset_names() {
		let preset = String::from_utf8(preset.into()).unwrap();
		let expected: Vec<_> = validators_of(&preset).iter().map(|k| k.to_account_id()).collect();
		ext_for(&preset).execute_with(|| {
			assert_eq!(Session::validators(), expected, "{preset}: session validators");
			assert_eq!(Babe::authorities().len(), expected.len(), "{preset}: BABE authorities");
			assert_eq!(Grandpa::grandpa_authorities().len(), expected.len(), "{preset}: GRANDPA");
			for (index, who) in validators_of(&preset).into_iter().enumerate() {
				let babe_key: sp_consensus_babe::AuthorityId = who.public().into();
				assert_eq!(Babe::authorities()[index].0, babe_key, "{preset}: BABE key of {who}");
			}
			// The funded accounts hold ENDOWMENT each, the compute keys
			// COMPUTE_KEY_FUNDS each, the reward pot the existential deposit,
			// the Compute NFT account its collection's deposit and the
			// existential deposit, the open network's gateway the existential
			// deposit; every chain emits from genesis.
			let keys = expected.len() as u128 * COMPUTE_KEY_FUNDS;
			let pot = pallet_balances::Pallet::<Runtime>::free_balance(daifi_runtime::PocRewards::pot());
			assert_eq!(pot, daifi_runtime::EXISTENTIAL_DEPOSIT, "{preset}: the reward pot");
			assert!(daifi_runtime::PocRewards::current_emission() > 0, "{preset}: emission");
			let cnft = <pallet_balances::Pallet<Runtime> as frame_support::traits::fungible::Inspect<_>>::total_balance(&daifi_runtime::Cnft::account());
			assert_eq!(cnft, 10 * daifi_runtime::DAI + daifi_runtime::EXISTENTIAL_DEPOSIT, "{preset}: the cNFT account");
			assert!(pallet_cnft::CollectionId::<Runtime>::get().is_some(), "{preset}: the cNFT collection");
			let gateway = pallet_balances::Pallet::<Runtime>::free_balance(daifi_runtime::Domains::gateway(None));
			assert_eq!(gateway, daifi_runtime::EXISTENTIAL_DEPOSIT, "{preset}: the open network's gateway");
			let endowed = pallet_balances::TotalIssuance::<Runtime>::get() - keys - pot - cnft - gateway;
			assert!(endowed / ENDOWMENT >= expected.len() as u128, "{preset}: validators are funded");
			assert_eq!(endowed % ENDOWMENT, 0);
			for (who, public) in genesis_config_presets::DEV_COMPUTE_KEYS.iter().take(expected.len()) {
				let key = daifi_runtime::AccountId::from(*public);
				assert_eq!(
					pallet_balances::Pallet::<Runtime>::free_balance(&key),
					COMPUTE_KEY_FUNDS,
					"{preset}: {who}'s compute key"
				);
			}
		});
	}
}

#[test]
fn sudo_has_a_key_only_on_the_development_chain() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Alice.to_account_id()));
	});
	for preset in [LOCAL_TESTNET_RUNTIME_PRESET, STAGING_PRESET] {
		ext_for(preset).execute_with(|| {
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), None, "{preset}");
			// Without a key, even the validators cannot use sudo.
			let call = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
				call: Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![1] })),
			});
			let (result, _) = apply(signed(Alice, call));
			assert_eq!(result.unwrap(), Err(pallet_sudo::Error::<Runtime>::RequireSudo.into()), "{preset}");
		});
	}
}

#[test]
fn the_default_genesis_has_no_sudo_key() {
	let config = daifi_runtime::RuntimeGenesisConfig::default();
	assert_eq!(config.sudo.key, None);
}
