//! The batch lane in the real runtime, on the development genesis: Dave
//! prepays and signs a request for the digits model with his sr25519 key;
//! Alice executes and proves it; a committee (Alice, with a real BLS key)
//! signs the batch; Eve submits it for free. After the challenge window the
//! fee is split as in the market. A batch with a wrong output is challenged
//! with its proof: Alice, its signer, is slashed and the challenger paid.

mod common;

use common::{apply, ext_for, signed};
use daifi_runtime::{genesis_config_presets::DIGITS_PRICE, Runtime, RuntimeCall};
use pallet_attestation::{bls::SecretKey, Attestation, Committee, CommitteeMember};
use pallet_batches::{merkle, BatchHeader, Entry, Evidence, Leaf, LeafProof, Request, UserDebit};
use pallet_model_registry::fixtures;
use sp_core::Pair;
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring::*;
use sp_runtime::traits::{BlakeTwo256, Hash};
use frame_support::traits::fungible::Inspect;

type Balances = pallet_balances::Pallet<Runtime>;
type Batches = pallet_batches::Pallet<Runtime>;

/// The committee's epoch in these tests.
const EPOCH: u64 = 3;

/// Alice's committee key.
fn alice_key() -> SecretKey {
	SecretKey::from_seed(&[7; 32]).expect("non-zero")
}

/// Alice alone is the committee of [`EPOCH`].
fn alice_committee() {
	let owner = codec::Encode::encode(&Alice.to_account_id());
	let key = alice_key().public().check_possession(&alice_key().prove_possession(&owner), &owner).expect("her key");
	let member = CommitteeMember { who: Alice.to_account_id(), key, weight: 1 };
	pallet_attestation::CurrentCommittee::<Runtime>::put(Committee {
		epoch: EPOCH,
		members: vec![member].try_into().unwrap(),
	});
}

/// Alice's proof of the fixture's input for Dave's request 1, bound to it.
fn alice_proof() -> (Vec<i64>, Vec<u8>) {
	let root = format!("{}/..", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
	let onnx = std::fs::read(format!("{root}/zk-circuits/models/mlp_64_32_10.onnx")).unwrap();
	let pk = std::fs::read(format!("{root}/chain-spec/dev-ceremony/mlp_64_32_10.pk")).unwrap();
	let circuit = daifi_zk::compile(&onnx).unwrap();
	let pk: daifi_zk::ProvingKey = daifi_zk::from_bytes(&pk).unwrap();
	let binding = pallet_batches::leaf_binding(&Dave.to_account_id(), 1, &Alice.to_account_id());
	let rng = &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
	let (output, proof) = daifi_zk::prove(&circuit, &pk, &binding, &fixtures::mlp_64_32_10().input, rng).unwrap();
	(output, daifi_zk::to_bytes(&proof))
}

/// A batch of one result of Dave's, executed by Alice with `output` and
/// `proof`, signed by the committee: the header, its attestation, the leaf.
fn one_result_batch(output: &[i64], proof: &[u8]) -> (pallet_batches::HeaderOf<Runtime>, Attestation, pallet_batches::LeafOf<Runtime>) {
	let model = fixtures::mlp_64_32_10().model_hash;
	let request = Request {
		user: Dave.to_account_id(),
		executor: Alice.to_account_id(),
		nonce: 1,
		model,
		input_hash: BlakeTwo256::hash_of(&fixtures::mlp_64_32_10().input),
		fee: DIGITS_PRICE,
		spent: DIGITS_PRICE,
	};
	let signature: daifi_runtime::Signature = Dave.pair().sign(&Batches::request_message(&request)).into();
	let leaf = Leaf {
		request: request.clone(),
		signature: signature.clone(),
		output_hash: BlakeTwo256::hash_of(&output.to_vec()),
		proof_hash: BlakeTwo256::hash(proof),
		running: DIGITS_PRICE,
	};
	let header = BatchHeader {
		sequence: pallet_batches::NextSequence::<Runtime>::get(),
		root: merkle::root(vec![merkle::leaf_hash(&leaf)]),
		results: 1,
		users: vec![UserDebit { first_nonce: 1, last: request, signature }].try_into().unwrap(),
		entries: vec![Entry { executor: Alice.to_account_id(), model, count: 1, gross: DIGITS_PRICE }]
			.try_into()
			.unwrap(),
	};
	let payload = pallet_batches::batch_payload(header.sequence, BlakeTwo256::hash_of(&header));
	let message = pallet_attestation::Pallet::<Runtime>::message(EPOCH, &payload);
	let attestation =
		Attestation { epoch: EPOCH, signers: vec![1u8].try_into().unwrap(), signature: alice_key().sign(&message) };
	(header, attestation, leaf)
}

fn submit(header: pallet_batches::HeaderOf<Runtime>, attestation: Attestation) -> u128 {
	let call = RuntimeCall::Batches(pallet_batches::Call::submit_batch { header, attestation });
	let (result, fee) = apply(signed(Eve, call));
	assert_eq!(result, Ok(Ok(())));
	fee
}

fn deposit_for_dave() {
	let call =
		RuntimeCall::Batches(pallet_batches::Call::deposit { executor: Alice.to_account_id(), amount: 10 * DIGITS_PRICE });
	assert_eq!(apply(signed(Dave, call)).0, Ok(Ok(())));
}

fn skip_challenge_window() {
	let now = frame_system::Pallet::<Runtime>::block_number();
	let period = <<Runtime as pallet_batches::Config>::ChallengePeriod as frame_support::traits::Get<u32>>::get();
	frame_system::Pallet::<Runtime>::set_block_number(now + period + 1);
}

#[test]
fn a_batch_signed_by_the_committee_settles_for_free_after_its_window() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		alice_committee();
		deposit_for_dave();
		let (alice, bob, dave) = (Alice.to_account_id(), Bob.to_account_id(), Dave.to_account_id());
		let (alice0, bob0, dave0) =
			(Balances::total_balance(&alice), Balances::total_balance(&bob), Balances::total_balance(&dave));
		let issuance = Balances::total_issuance();
		let (output, proof) = alice_proof();
		let (header, attestation, leaf) = one_result_batch(&output, &proof);
		// A header changed after signing is refused.
		let mut changed = header.clone();
		changed.entries[0].gross += 1;
		let call = RuntimeCall::Batches(pallet_batches::Call::submit_batch { header: changed, attestation: attestation.clone() });
		let (result, refused_fee) = apply(signed(Eve, call));
		assert_eq!(result.unwrap(), Err(pallet_attestation::Error::<Runtime>::BadSignature.into()));
		assert!(refused_fee > 0, "a refused batch pays its fee");
		assert_eq!(submit(header, attestation), 0, "a valid batch is free");

		skip_challenge_window();
		let call = RuntimeCall::Batches(pallet_batches::Call::release_batch { sequence: 1 });
		let (result, release_fee) = apply(signed(Eve, call));
		assert_eq!(result, Ok(Ok(())));
		let burned = DIGITS_PRICE / 10;
		let executor = (DIGITS_PRICE - burned) * 8 / 10;
		assert_eq!(Balances::total_balance(&dave), dave0 - DIGITS_PRICE);
		assert_eq!(Balances::total_balance(&alice), alice0 + executor);
		assert_eq!(Balances::total_balance(&bob), bob0 + DIGITS_PRICE - burned - executor);
		assert_eq!(Balances::total_issuance(), issuance - burned - release_fee - refused_fee);

		// Dave mints his result's Compute NFT with its leaf and (empty) path;
		// nobody else can.
		let proof = Box::new(LeafProof { leaf, index: 0, path: Default::default() });
		let output: pallet_tasks::Tensor = output.try_into().unwrap();
		let mint = |proof: Box<LeafProof<_, _, _>>| {
			RuntimeCall::Cnft(pallet_cnft::Call::mint_batched { sequence: 1, proof, output: output.clone() })
		};
		assert_eq!(
			apply(signed(Eve, mint(proof.clone()))).0.unwrap(),
			Err(pallet_cnft::Error::<Runtime>::NotYourResult.into())
		);
		assert_eq!(apply(signed(Dave, mint(proof))).0, Ok(Ok(())));
		let item = pallet_cnft::batched_item(1, 0).unwrap();
		assert_eq!(pallet_cnft::Pallet::<Runtime>::owner(item), Some(dave.clone()));
		let certificate = pallet_cnft::Certificates::<Runtime>::get(item).unwrap();
		assert_eq!((certificate.model, certificate.executor), (fixtures::mlp_64_32_10().model_hash, alice));
		assert_eq!(certificate.output, output);
	});
}

#[test]
fn a_wrong_output_is_challenged_with_its_proof_and_the_signer_slashed() {
	ext_for(DEV_RUNTIME_PRESET).execute_with(|| {
		alice_committee();
		deposit_for_dave();
		let (output, proof) = alice_proof();
		let mut wrong = output.clone();
		wrong[0] += 1;
		let (header, attestation, leaf) = one_result_batch(&wrong, &proof);
		submit(header, attestation);
		let bond = pallet_compute_staking::Providers::<Runtime>::get(Alice.to_account_id()).unwrap().active;
		let ferdie0 = Balances::total_balance(&Ferdie.to_account_id());
		let evidence = Evidence::Proof {
			leaf: LeafProof { leaf, index: 0, path: Default::default() },
			input: fixtures::mlp_64_32_10().input.try_into().unwrap(),
			output: wrong.try_into().unwrap(),
			proof: proof.try_into().unwrap(),
		};
		let call = RuntimeCall::Batches(pallet_batches::Call::challenge { sequence: 1, evidence });
		let (result, fee) = apply(signed(Ferdie, call));
		assert_eq!(result, Ok(Ok(())));
		let after = pallet_compute_staking::Providers::<Runtime>::get(Alice.to_account_id()).unwrap().active;
		assert_eq!(after, bond - bond / 2);
		assert_eq!(Balances::total_balance(&Ferdie.to_account_id()), ferdie0 - fee + (bond / 2) / 10);
		assert_eq!(pallet_batches::Escrows::<Runtime>::get(Dave.to_account_id(), Alice.to_account_id()).committed, 0);
	});
}
