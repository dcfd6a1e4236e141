//! The committee's side of the batch lane: `daifi_batchSign(header,
//! results)` on a member's node, and `daifi_batchAttestation(header)` on any
//! node.
//!
//! Whoever assembled a batch (an executor, from its node's answers to
//! `daifi_batchRequest`) sends the header and every result's data (leaf,
//! input, output and proof, each SCALE-encoded) to the nodes of the current
//! committee's members, as a data-availability committee's members receive
//! a batch. A member's node signs only a batch that no challenge could show
//! wrong ([`check_batch`]): the Merkle root of the leaves sent, every leaf
//! in its entry's place with its running total, each user's requests to
//! each executor numbered from its last settled one without gaps or repeats
//! and each `spent` the one before plus its fee, every user's signature, the input,
//! output and proof behind every leaf, and every proof (natively, all of one
//! model at once: about 0.3 ms a proof). The cheap checks come first; one
//! batch is checked at a time (`busy` beyond), so a flood of junk batches
//! costs a member little more than reading them.
//!
//! It then signs with the committee key of each compute key it holds whose
//! provider sits on the current committee, and shares each signature over
//! the committee gossip (`attest_gossip`), where every node gathers them.
//! It never signs two headers under one batch number in one epoch (an
//! equivocation would slash it): the header it signs is recorded in the
//! node's off-chain database before the signature leaves the node, so a
//! restart does not forget it; asking again for the same header returns the
//! same signatures, and asking for another is refused with the header it
//! signed, so that a batch signed and withheld can be submitted by anyone
//! and does not hold the lane. Before that, it keeps every result's data
//! there ([`keep`]), which its off-chain worker posts when anyone asks for
//! it (`pallet_batches::keeping`): a batch whose data is not posted is void
//! and its signers slashed.
//!
//! `daifi_batchAttestation(header)` returns the aggregate of the members'
//! signatures this node has received, once they are a quorum of the current
//! or the previous epoch's committee (the runtime decides, as it does for
//! redundant tasks), ready for `batches.submitBatch`.

use crate::batch_rpc::{busy, failed, hex, refused, COMPUTE_KEY};
use codec::{Decode, Encode};
use daifi_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Runtime};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use pallet_attestation::{gathering::MemberSignature, runtime_api::AttestationApi};
use pallet_batches::{merkle, runtime_api::BatchesApi, Escrow, HeaderOf, LeafOf};
use pallet_model_registry::Model;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{offchain::OffchainStorage, Bytes, H256};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{BlakeTwo256, Hash, Verify};
use std::{
	collections::{btree_map::Entry, BTreeMap},
	sync::Arc,
};

/// The most results a member checks in one batch (about 9 MiB of JSON for a
/// 64-input model: within the RPC server's default 15 MiB request).
pub const MAX_RESULTS: usize = 4_096;

/// Batches of a model up to this many proofs have a failing proof named
/// (each checked alone after the batch check fails); larger ones are only
/// refused, so that a junk batch costs a member one batch check.
const LOCATE_UP_TO: usize = 16;

/// Where a member's node records the header it signed for each batch
/// number and epoch (in its off-chain database).
const SIGNED_PREFIX: &[u8] = b"daifi/batch-signed";

/// A batch header in this runtime.
pub type Header = HeaderOf<Runtime>;

/// One result as a member receives it: its leaf and the data behind it.
pub struct BatchResult {
	/// The leaf, as it is in the tree.
	pub leaf: LeafOf<Runtime>,
	/// The input values (hashed into the request).
	pub input: Vec<i64>,
	/// The output values (hashed into the leaf).
	pub output: Vec<i64>,
	/// The proof (compressed; hashed into the leaf).
	pub proof: Vec<u8>,
}

/// What a member reads of the chain to check a batch.
pub trait ChainView {
	/// `user`'s escrow for `executor` and its last settled request to it.
	fn escrow(&self, user: &AccountId, executor: &AccountId) -> Result<Escrow<Balance, BlockNumber>, String>;
	/// Model `model`'s registry record.
	fn model(&self, model: &H256) -> Result<Option<Model<AccountId, Balance>>, String>;
}

/// Checks that no challenge could show `header` over `results` wrong, and
/// that the chain will take it (the users' escrows cover it); the message
/// names the first fault. `genesis` is the chain's genesis hash (requests
/// are signed under it); `rng` draws the proofs' batch weights.
pub fn check_batch(
	genesis: &H256,
	header: &Header,
	results: &[BatchResult],
	chain: &impl ChainView,
	rng: &mut (impl rand::RngCore + rand::CryptoRng),
) -> Result<(), String> {
	if results.is_empty() || results.len() > MAX_RESULTS {
		return Err(format!("results: {} sent, between 1 and {MAX_RESULTS} taken", results.len()));
	}
	if results.len() != header.results as usize {
		return Err(format!("results: the header counts {}, {} were sent", header.results, results.len()));
	}
	if merkle::root(results.iter().map(|r| merkle::leaf_hash(&r.leaf)).collect()) != header.root {
		return Err("root: not the Merkle root of the leaves sent".into());
	}
	// The cheap checks first: a batch with no escrow behind it costs no
	// signature check, one with bad data no proof check.
	check_entries(header, results)?;
	check_users(genesis, header, results, chain)?;
	let models = check_leaves(genesis, results, chain)?;
	check_proofs(results, &models, rng)
}

/// Every leaf in its entry's place: the entries tile the leaves in order,
/// each leaf has its entry's executor and model, and its running total is
/// the entry's fees up to it, the last one's the entry's gross.
fn check_entries(header: &Header, results: &[BatchResult]) -> Result<(), String> {
	let mut start = 0usize;
	for (e, entry) in header.entries.iter().enumerate() {
		let end = start.saturating_add(entry.count as usize);
		if entry.count == 0 || end > results.len() {
			return Err(format!("entries: entry {e} does not tile the leaves"));
		}
		let mut running: Balance = 0;
		for (i, result) in results.iter().enumerate().take(end).skip(start) {
			let leaf = &result.leaf;
			if leaf.request.executor != entry.executor || leaf.request.model != entry.model {
				return Err(format!("leaf {i}: not its entry's executor and model"));
			}
			running = running.checked_add(leaf.request.fee).ok_or_else(|| format!("leaf {i}: running total overflows"))?;
			if leaf.running != running {
				return Err(format!("leaf {i}: running total {} where its entry's fees make {running}", leaf.running));
			}
		}
		if running != entry.gross {
			return Err(format!("entries: entry {e} has gross {} where its leaves' fees make {running}", entry.gross));
		}
		start = end;
	}
	if start != results.len() {
		return Err("entries: do not tile the leaves".into());
	}
	Ok(())
}

/// Each leaf's model registered and live, its fee at least the price, its
/// input and output of the model's shapes (so they can be posted if asked
/// for), its input, output and proof those hashed into it, and its request
/// signed by its user. Returns the models met.
fn check_leaves(
	genesis: &H256,
	results: &[BatchResult],
	chain: &impl ChainView,
) -> Result<BTreeMap<H256, Model<AccountId, Balance>>, String> {
	let mut models = BTreeMap::new();
	for (i, result) in results.iter().enumerate() {
		let request = &result.leaf.request;
		let model = match models.entry(request.model) {
			Entry::Occupied(known) => known.into_mut(),
			Entry::Vacant(slot) => slot.insert(
				chain.model(&request.model)?.ok_or_else(|| format!("leaf {i}: model {:?} is not registered", request.model))?,
			),
		};
		if model.retired {
			return Err(format!("leaf {i}: model {:?} is retired", request.model));
		}
		if request.fee < model.price {
			return Err(format!("leaf {i}: fee {} below the model's price {}", request.fee, model.price));
		}
		let shape = |dims: &[u32]| pallet_model_registry::shape_len(dims).map_or(usize::MAX, |n| n as usize);
		if result.input.len() != shape(&model.input_shape) || result.output.len() != shape(&model.output_shape) {
			return Err(format!("leaf {i}: input or output is not of the model's shape"));
		}
		if result.input.len() > pallet_batches::MAX_TENSOR as usize ||
			result.output.len() > pallet_batches::MAX_TENSOR as usize ||
			result.proof.len() > pallet_batches::MAX_PROOF as usize
		{
			return Err(format!("leaf {i}: its data is too long to post if asked for"));
		}
		if BlakeTwo256::hash_of(&result.input) != request.input_hash {
			return Err(format!("leaf {i}: the input sent is not the request's"));
		}
		if BlakeTwo256::hash_of(&result.output) != result.leaf.output_hash {
			return Err(format!("leaf {i}: the output sent is not the leaf's"));
		}
		if BlakeTwo256::hash(&result.proof) != result.leaf.proof_hash {
			return Err(format!("leaf {i}: the proof sent is not the leaf's"));
		}
		let message = pallet_batches::request_message(genesis, request);
		if !result.leaf.signature.verify(&message[..], &request.user) {
			return Err(format!("leaf {i}: its request is not signed by its user"));
		}
	}
	Ok(models)
}

/// Each user and executor of the header: its leaves are the user's
/// requests to the executor from the one after the last settled one to its
/// debit's last, each once; each request's `spent` is the one before plus
/// its fee; the debit's last request is that leaf's, signed; the escrow for
/// the executor covers the debit. No leaf of another user or executor.
fn check_users(genesis: &H256, header: &Header, results: &[BatchResult], chain: &impl ChainView) -> Result<(), String> {
	let mut requests: BTreeMap<(&AccountId, &AccountId), BTreeMap<u64, usize>> = BTreeMap::new();
	for (i, result) in results.iter().enumerate() {
		let request = &result.leaf.request;
		if requests.entry((&request.user, &request.executor)).or_default().insert(request.nonce, i).is_some() {
			return Err(format!("leaf {i}: request {} of {} is in the batch twice", request.nonce, request.user));
		}
	}
	for debit in header.users.iter() {
		let (user, executor) = (&debit.last.user, &debit.last.executor);
		let Some(mine) = requests.remove(&(user, executor)) else {
			return Err(format!("users: {user} has no leaves for {executor} in the batch"));
		};
		let escrow = chain.escrow(user, executor)?;
		let next = escrow.nonce.saturating_add(1);
		if debit.first_nonce != next || debit.last.nonce < next {
			return Err(format!("users: {user}'s requests must start at {next}"));
		}
		let wanted = debit.last.nonce - next + 1;
		if mine.len() as u64 != wanted || mine.keys().next() != Some(&next) || mine.keys().last() != Some(&debit.last.nonce) {
			return Err(format!("users: {user}'s requests {next} to {} are not each in the batch once", debit.last.nonce));
		}
		let mut spent = escrow.spent;
		for (nonce, i) in &mine {
			let request = &results[*i].leaf.request;
			spent = spent.checked_add(request.fee).ok_or_else(|| format!("leaf {i}: spent overflows"))?;
			if request.spent != spent {
				return Err(format!("leaf {i}: request {nonce} of {user} says spent {} where it is {spent}", request.spent));
			}
		}
		let last = &results[mine[&debit.last.nonce]].leaf;
		if last.request != debit.last {
			return Err(format!("users: {user}'s debit is not its last leaf's request"));
		}
		let message = pallet_batches::request_message(genesis, &debit.last);
		if !debit.signature.verify(&message[..], user) {
			return Err(format!("users: {user}'s debit is not signed by {user}"));
		}
		let debited = spent.saturating_sub(escrow.spent);
		if escrow.committed.saturating_add(debited) > escrow.held {
			return Err(format!("users: {user}'s escrow does not cover its debit of {debited}"));
		}
	}
	if let Some(((user, executor), _)) = requests.into_iter().next() {
		return Err(format!("users: {user} has leaves for {executor} but no debit"));
	}
	Ok(())
}

/// Every proof verifies for its leaf's binding, input and output, the
/// proofs of each model checked together.
fn check_proofs(
	results: &[BatchResult],
	models: &BTreeMap<H256, Model<AccountId, Balance>>,
	rng: &mut (impl rand::RngCore + rand::CryptoRng),
) -> Result<(), String> {
	let mut by_model: BTreeMap<H256, Vec<usize>> = BTreeMap::new();
	for (i, result) in results.iter().enumerate() {
		by_model.entry(result.leaf.request.model).or_default().push(i);
	}
	for (hash, indices) in by_model {
		let model = &models[&hash];
		let vk: daifi_zk::VerifyingKey = daifi_zk::from_bytes(&model.verifying_key)
			.map_err(|e| format!("model {hash:?}: its registered key does not decode: {e}"))?;
		let mut decoded = Vec::with_capacity(indices.len());
		for &i in &indices {
			let leaf = &results[i].leaf;
			let proof: daifi_zk::Proof =
				daifi_zk::from_bytes(&results[i].proof).map_err(|e| format!("leaf {i}: proof does not decode: {e}"))?;
			let request = &leaf.request;
			decoded.push((pallet_batches::leaf_binding(&request.user, request.nonce, &request.executor), proof));
		}
		let claims: Vec<_> = indices
			.iter()
			.zip(&decoded)
			.map(|(&i, (binding, proof))| (binding, &results[i].input[..], &results[i].output[..], proof))
			.collect();
		daifi_zk::verify_many(&vk, &model.layout(), &claims, claims.len() <= LOCATE_UP_TO, rng).map_err(|failed| {
			match failed {
				Some((k, e)) => format!("leaf {}: proof does not verify: {e}", indices[k]),
				None => format!("leaves of model {hash:?}: their proofs do not verify together (one or more is wrong)"),
			}
		})?;
	}
	Ok(())
}

/// Records that this node signs `header` in `epoch`, unless it signed
/// another header under its number then: that would be an equivocation.
/// Signing the same header again is fine. The refusal carries the header
/// signed (0x-hex), so that whoever holds this batch can submit that one
/// (`daifi_batchAttestation` gives its aggregate) and number its own next:
/// a batch signed and withheld does not hold the lane.
pub fn guard_against_equivocation(storage: &mut impl OffchainStorage, epoch: u64, header: &Header) -> Result<(), String> {
	let key = (epoch, header.sequence).encode();
	let encoded = header.encode();
	if storage.compare_and_set(SIGNED_PREFIX, &key, None, &encoded) {
		return Ok(());
	}
	match storage.get(SIGNED_PREFIX, &key) {
		Some(signed) if signed == encoded => Ok(()),
		signed => Err(format!(
			"this node signed another header for batch {} in epoch {epoch}: signing this one would be an equivocation; \
			 submit that one and number this batch after it: {}",
			header.sequence,
			signed.map_or_else(|| "(unreadable)".into(), |h| hex(&h))
		)),
	}
}

/// Keeps the data of every result of `header` in the off-chain database,
/// where the runtime's off-chain worker finds it to answer data requests
/// (`pallet_batches::keeping`): each result's evidence, the batch's list of
/// requests, and the batch in the list of kept batches.
pub fn keep(storage: &mut impl OffchainStorage, header: &Header, results: &[BatchResult]) -> Result<(), String> {
	use pallet_batches::keeping::{kept_key, manifest_key, KEPT_BATCHES};
	use sp_core::offchain::STORAGE_PREFIX;
	let (sequence, root) = (header.sequence, header.root);
	let levels = merkle::levels(results.iter().map(|r| merkle::leaf_hash(&r.leaf)).collect());
	let mut requests = Vec::with_capacity(results.len());
	for (i, result) in results.iter().enumerate() {
		let request = &result.leaf.request;
		let too_long = |what: &str| format!("leaf {i}: {what} too long to post");
		let evidence = pallet_batches::EvidenceOf::<Runtime>::Proof {
			leaf: pallet_batches::LeafProof {
				leaf: result.leaf.clone(),
				index: i as u32,
				path: merkle::path(&levels, i as u32).try_into().map_err(|_| too_long("the path"))?,
			},
			input: result.input.clone().try_into().map_err(|_| too_long("the input"))?,
			output: result.output.clone().try_into().map_err(|_| too_long("the output"))?,
			proof: result.proof.clone().try_into().map_err(|_| too_long("the proof"))?,
		};
		let key = (request.user.clone(), request.executor.clone(), request.nonce);
		storage.set(STORAGE_PREFIX, &kept_key(sequence, &root, &key), &evidence.encode());
		requests.push(key);
	}
	storage.set(STORAGE_PREFIX, &manifest_key(sequence, &root), &requests.encode());
	loop {
		let old = storage.get(STORAGE_PREFIX, KEPT_BATCHES);
		let mut kept: Vec<(u64, H256)> = old.as_deref().and_then(|mut b| Decode::decode(&mut b).ok()).unwrap_or_default();
		if kept.contains(&(sequence, root)) {
			return Ok(());
		}
		kept.push((sequence, root));
		if storage.compare_and_set(STORAGE_PREFIX, KEPT_BATCHES, old.as_deref(), &kept.encode()) {
			return Ok(());
		}
	}
}

/// The chain at one block, through the runtime API.
struct AtBlock<'a, C: ProvideRuntimeApi<Block>> {
	api: sp_api::ApiRef<'a, C::Api>,
	at: H256,
}

impl<C> ChainView for AtBlock<'_, C>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber>,
{
	fn escrow(&self, user: &AccountId, executor: &AccountId) -> Result<Escrow<Balance, BlockNumber>, String> {
		self.api.escrow(self.at, user.clone(), executor.clone()).map_err(|e| format!("runtime: {e}"))
	}
	fn model(&self, model: &H256) -> Result<Option<Model<AccountId, Balance>>, String> {
		self.api.model(self.at, *model).map_err(|e| format!("runtime: {e}"))
	}
}

/// Decodes the RPC's results: `[leaf, input, output, proof]`, each
/// SCALE-encoded (`input` and `output` as `Vec<i64>`, `proof` as raw bytes).
fn decode_results(results: Vec<(Bytes, Bytes, Bytes, Bytes)>) -> Result<Vec<BatchResult>, ErrorObjectOwned> {
	if results.len() > MAX_RESULTS {
		return Err(refused(format!("results: at most {MAX_RESULTS} in one batch")));
	}
	results
		.into_iter()
		.enumerate()
		.map(|(i, (leaf, input, output, proof))| {
			let bad = |what: &str| refused(format!("leaf {i}: {what} does not decode"));
			Ok(BatchResult {
				leaf: Decode::decode(&mut &leaf[..]).map_err(|_| bad("the leaf"))?,
				input: Decode::decode(&mut &input[..]).map_err(|_| bad("the input"))?,
				output: Decode::decode(&mut &output[..]).map_err(|_| bad("the output"))?,
				proof: proof.0,
			})
		})
		.collect()
}

/// Adds `daifi_batchSign` and `daifi_batchAttestation` to `module`. A node
/// without an off-chain database (`storage`) or an off-chain worker
/// (`offchain_worker`) signs nothing: it could not remember what it signed,
/// or post the data it kept.
pub fn register<C, S>(
	module: &mut RpcModule<()>,
	client: Arc<C>,
	keystore: KeystorePtr,
	storage: Option<S>,
	offchain_worker: bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber> + AttestationApi<Block, AccountId>,
	S: OffchainStorage + 'static,
{
	let checking = Arc::new(tokio::sync::Semaphore::new(1));
	let signer = client.clone();
	module.register_async_method("daifi_batchSign", move |params, _, _| {
		let (client, keystore, storage, checking) = (signer.clone(), keystore.clone(), storage.clone(), checking.clone());
		async move {
			let mut storage = match storage {
				Some(storage) if offchain_worker => storage,
				_ => return Err(failed("this node keeps no off-chain database or runs no off-chain worker: it signs no batch")),
			};
			// One batch at a time, taken before the request is decoded.
			let permit = checking.try_acquire_owned().map_err(|_| busy("busy: this node is checking another batch; try again"))?;
			let (header, results): (Bytes, Vec<(Bytes, Bytes, Bytes, Bytes)>) = params.parse()?;
			let header = Header::decode(&mut &header[..]).map_err(|_| refused("header: not a SCALE-encoded batch header"))?;
			tokio::task::spawn_blocking(move || {
				let _permit = permit;
				sign(&*client, &keystore, &mut storage, header, results)
			})
			.await
			.map_err(|e| failed(format!("checking: {e}")))?
		}
	})?;
	module.register_blocking_method("daifi_batchAttestation", move |params, _, _| {
		let (header,): (Bytes,) = params.parse()?;
		let header = Header::decode(&mut &header[..]).map_err(|_| refused("header: not a SCALE-encoded batch header"))?;
		let payload = pallet_batches::batch_payload(header.sequence, BlakeTwo256::hash_of(&header));
		let info = client.info();
		let api = client.runtime_api();
		let runtime = |e: sp_api::ApiError| failed(format!("runtime: {e}"));
		let current = api.committees(info.best_hash).map_err(runtime)?.current.0;
		// Signatures of the epoch in progress, or of the one before (the
		// chain takes both).
		for epoch in [current, current.saturating_sub(1)] {
			let topic = pallet_attestation::attest_message(&info.genesis_hash, epoch, &payload);
			let received = daifi_compute::gossip::hub().received(&topic);
			if received.is_empty() {
				continue;
			}
			if let Some(a) = api.attestation(info.best_hash, epoch, payload.clone(), received).map_err(runtime)? {
				let signers = hex(&a.signers);
				return Ok(Some(serde_json::json!({ "epoch": a.epoch, "signers": signers, "signature": hex(&a.signature.0) })));
			}
		}
		Ok::<_, ErrorObjectOwned>(None)
	})?;
	Ok(())
}

/// This node's compute keys whose providers sit on the current committee at
/// `at` with the committee key they derive registered: the epoch, and each
/// key's secret with its place on the committee.
fn local_members<C>(
	client: &C,
	keystore: &KeystorePtr,
	at: H256,
) -> Result<(u64, Vec<(pallet_attestation::bls::SecretKey, u16)>), ErrorObjectOwned>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber> + AttestationApi<Block, AccountId>,
{
	let api = client.runtime_api();
	let runtime = |e: sp_api::ApiError| failed(format!("runtime: {e}"));
	let (epoch, members) = api.committees(at).map_err(runtime)?.current;
	let mut keys = Vec::new();
	for key in keystore.sr25519_public_keys(COMPUTE_KEY) {
		let Some(provider) = api.provider_of(at, AccountId::from(key.0)).map_err(runtime)? else { continue };
		let Some(member) = members.iter().position(|m| *m == provider) else { continue };
		let Some(secret) = daifi_compute::bls_keys::from_keystore(&**keystore, COMPUTE_KEY.0, key.0) else { continue };
		// A rotated compute key derives another committee key: only the registered one signs.
		if api.key(at, provider).map_err(runtime)? == Some(secret.public()) {
			keys.push((secret, member as u16));
		}
	}
	if keys.is_empty() {
		return Err(refused("this node holds no key of a member of the current committee"));
	}
	Ok((epoch, keys))
}

/// Checks `header` over `results` at the best block and, if it holds, keeps
/// its data, records it as signed, signs it with this node's keys on the
/// current committee and shares the signatures.
fn sign<C>(
	client: &C,
	keystore: &KeystorePtr,
	storage: &mut impl OffchainStorage,
	header: Header,
	results: Vec<(Bytes, Bytes, Bytes, Bytes)>,
) -> Result<serde_json::Value, ErrorObjectOwned>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber> + AttestationApi<Block, AccountId>,
{
	let info = client.info();
	let (at, genesis) = (info.best_hash, info.genesis_hash);
	// A node that is not a member spends nothing on the batch.
	local_members(client, keystore, at)?;
	let runtime = |e: sp_api::ApiError| failed(format!("runtime: {e}"));
	let next = client.runtime_api().next_sequence(at).map_err(runtime)?;
	if header.sequence != next {
		return Err(refused(format!("sequence: the next batch is number {next}")));
	}
	let results = decode_results(results)?;
	let chain = AtBlock::<C> { api: client.runtime_api(), at };
	check_batch(&genesis, &header, &results, &chain, &mut rand::rngs::OsRng).map_err(refused)?;
	// The check may have taken seconds: the committee as it is now.
	let (epoch, keys) = local_members(client, keystore, client.info().best_hash)?;
	keep(storage, &header, &results).map_err(failed)?;
	guard_against_equivocation(storage, epoch, &header).map_err(refused)?;
	let header_hash = BlakeTwo256::hash_of(&header);
	let payload = pallet_batches::batch_payload(header.sequence, header_hash);
	let topic = pallet_attestation::attest_message(&genesis, epoch, &payload);
	let mut signatures = Vec::new();
	for (secret, member) in keys {
		let shared = MemberSignature { epoch, member, signature: secret.sign(&topic) }.encode();
		daifi_compute::gossip::hub().publish(topic, shared.clone());
		signatures.push(serde_json::json!({ "member": member, "signature": hex(&shared) }));
	}
	Ok(serde_json::json!({ "epoch": epoch, "headerHash": hex(header_hash.as_bytes()), "signatures": signatures }))
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_batches::{Entry as BatchEntry, Request, UserDebit};
	use rand::{rngs::StdRng, SeedableRng};
	use sp_core::{crypto::Pair as _, offchain::storage::InMemOffchainStorage, sr25519};
	use sp_runtime::{BoundedVec, MultiSignature};
	use std::sync::OnceLock;

	const FEE: Balance = 10;

	fn genesis() -> H256 {
		H256::repeat_byte(7)
	}

	/// The 64-32-10 MLP with keys from a test setup.
	struct Fixture {
		circuit: daifi_zk::Circuit,
		pk: daifi_zk::ProvingKey,
		model: H256,
	}

	fn fixture() -> &'static Fixture {
		static FIXTURE: OnceLock<Fixture> = OnceLock::new();
		FIXTURE.get_or_init(|| {
			let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../zk-circuits/models/mlp_64_32_10.onnx");
			let bytes = std::fs::read(path).expect("the reference model is checked in");
			let circuit = daifi_zk::compile(&bytes).unwrap();
			let pk = daifi_zk::setup(&circuit, &mut StdRng::seed_from_u64(1)).unwrap();
			Fixture { model: H256(daifi_zk::model_hash(&bytes)), circuit, pk }
		})
	}

	/// The chain as a member reads it: the user's escrow for the executor
	/// (none for any other), the model's price and whether it is retired.
	struct Chain {
		escrow: Escrow<Balance, BlockNumber>,
		price: Balance,
		retired: bool,
	}

	impl Default for Chain {
		fn default() -> Self {
			Self { escrow: Escrow { held: 1_000, ..Default::default() }, price: FEE, retired: false }
		}
	}

	impl ChainView for Chain {
		fn escrow(&self, _: &AccountId, to: &AccountId) -> Result<Escrow<Balance, BlockNumber>, String> {
			Ok(if *to == executor() { self.escrow.clone() } else { Escrow::default() })
		}
		fn model(&self, model: &H256) -> Result<Option<Model<AccountId, Balance>>, String> {
			Ok((*model == fixture().model).then(|| Model {
				size: 1,
				verifying_key: BoundedVec::truncate_from(daifi_zk::to_bytes(&fixture().pk.vk)),
				phase1: H256::zero(),
				transcript: H256::repeat_byte(1),
				input_shape: BoundedVec::truncate_from(vec![64]),
				output_shape: BoundedVec::truncate_from(vec![10]),
				input_frac_bits: 8,
				output_frac_bits: 8,
				output_bits: 63,
				input_min: 0,
				input_max: 256,
				flops: 1,
				min_vram_mib: 0,
				developer: AccountId::from([9; 32]),
				price: self.price,
				url: BoundedVec::default(),
				retired: self.retired,
			}))
		}
	}

	fn user() -> sr25519::Pair {
		sr25519::Pair::from_string("//Dave", None).unwrap()
	}

	fn executor() -> AccountId {
		AccountId::from([4; 32])
	}

	fn sign(pair: &sr25519::Pair, request: &Request<AccountId, Balance>) -> MultiSignature {
		MultiSignature::Sr25519(pair.sign(&pallet_batches::request_message(&genesis(), request)))
	}

	/// Request `nonce` of the user, proven by the executor.
	fn result(nonce: u64) -> BatchResult {
		let f = fixture();
		let who = AccountId::from(user().public());
		let input: Vec<i64> = (0..64).map(|k| (k * 7 + nonce as i64) % 257).collect();
		let spent = FEE * Balance::from(nonce);
		let input_hash = BlakeTwo256::hash_of(&input);
		let request = Request { user: who.clone(), executor: executor(), nonce, model: f.model, input_hash, fee: FEE, spent };
		let binding = pallet_batches::leaf_binding(&who, nonce, &executor());
		let (output, proof) = daifi_zk::prove(&f.circuit, &f.pk, &binding, &input, &mut StdRng::seed_from_u64(nonce)).unwrap();
		let proof = daifi_zk::to_bytes(&proof);
		let leaf = LeafOf::<Runtime> {
			signature: sign(&user(), &request),
			request,
			output_hash: BlakeTwo256::hash_of(&output),
			proof_hash: BlakeTwo256::hash(&proof),
			running: spent,
		};
		BatchResult { leaf, input, output, proof }
	}

	fn root_of(results: &[BatchResult]) -> H256 {
		merkle::root(results.iter().map(|r| merkle::leaf_hash(&r.leaf)).collect())
	}

	/// A right batch: the user's first three requests (nothing settled before), one executor.
	fn batch() -> (Header, Vec<BatchResult>) {
		let results: Vec<_> = (1..=3).map(result).collect();
		let last = &results[2].leaf;
		let header = Header {
			sequence: 1,
			root: root_of(&results),
			results: 3,
			users: BoundedVec::truncate_from(vec![UserDebit {
				first_nonce: 1,
				last: last.request.clone(),
				signature: last.signature.clone(),
			}]),
			entries: BoundedVec::truncate_from(vec![BatchEntry {
				executor: executor(),
				model: fixture().model,
				count: 3,
				gross: 3 * FEE,
			}]),
		};
		(header, results)
	}

	fn check(header: &Header, results: &[BatchResult], chain: &Chain) -> Result<(), String> {
		check_batch(&genesis(), header, results, chain, &mut StdRng::seed_from_u64(9))
	}

	/// The fault `check` names for `batch()` changed by `change` (the root
	/// recomputed unless `change` sets it).
	fn fault(change: impl FnOnce(&mut Header, &mut Vec<BatchResult>, &mut Chain)) -> String {
		let (mut header, mut results) = batch();
		let mut chain = Chain::default();
		let root = header.root;
		change(&mut header, &mut results, &mut chain);
		if header.root == root {
			header.root = root_of(&results);
		}
		check(&header, &results, &chain).expect_err("the changed batch is refused")
	}

	#[test]
	fn a_right_batch_passes_and_a_wrong_output_is_caught_by_its_proof() {
		let (header, results) = batch();
		assert_eq!(check(&header, &results, &Chain::default()), Ok(()));
		let refused = fault(|_, results, _| {
			results[1].output[0] += 1;
			results[1].leaf.output_hash = BlakeTwo256::hash_of(&results[1].output);
		});
		assert!(refused.starts_with("leaf 1: proof does not verify"), "{refused}");
	}

	#[test]
	fn every_fault_a_challenge_could_show_is_refused_by_name() {
		let cases: Vec<(&str, Box<dyn FnOnce(&mut Header, &mut Vec<BatchResult>, &mut Chain)>)> = vec![
			("root: not the Merkle root", Box::new(|h, _, _| h.root = H256::repeat_byte(1))),
			("results: the header counts 2", Box::new(|h, _, _| h.results = 2)),
			("leaf 1: the output sent is not the leaf's", Box::new(|_, r, _| r[1].output[0] += 1)),
			("leaf 1: the input sent is not the request's", Box::new(|_, r, _| r[1].input[0] += 1)),
			("leaf 2: the proof sent is not the leaf's", Box::new(|_, r, _| r[2].proof = r[1].proof.clone())),
			(
				"leaf 0: its request is not signed by its user",
				Box::new(|_, r, _| {
					let other = sr25519::Pair::from_string("//Eve", None).unwrap();
					r[0].leaf.signature = sign(&other, &r[0].leaf.request);
				}),
			),
			(
				"leaf 1: input or output is not of the model's shape",
				Box::new(|_, r, _| {
					r[1].input.push(0);
					r[1].leaf.request.input_hash = BlakeTwo256::hash_of(&r[1].input);
					r[1].leaf.signature = sign(&user(), &r[1].leaf.request);
				}),
			),
			(
				"leaf 0: not its entry's executor and model",
				Box::new(|_, r, _| r[0].leaf.request.executor = AccountId::from([5; 32])),
			),
			("leaf 1: running total", Box::new(|_, r, _| r[1].leaf.running += 1)),
			("entries: entry 0 has gross", Box::new(|h, _, _| h.entries[0].gross += 1)),
			("entries: entry 0 does not tile", Box::new(|h, _, _| h.entries[0].count = 4)),
			("leaf 0: fee 10 below the model's price 11", Box::new(|_, _, c| c.price = 11)),
			("is retired", Box::new(|_, _, c| c.retired = true)),
			(
				"leaf 2: request 2 of",
				Box::new(|_, r, _| {
					// Request 2 again where request 3 was, its running total made right.
					r[2] = result(2);
					r[2].leaf.running = 3 * FEE;
				}),
			),
			("'s requests must start at 2", Box::new(|_, _, c| c.escrow.nonce = 1)),
			("'s escrow does not cover its debit of 30", Box::new(|_, _, c| c.escrow.held = 29)),
			(
				"'s requests 1 to 3 are not each in the batch once",
				Box::new(|h, r, _| {
					// Request 2 left out: the last leaf's running total and the entry made right.
					r.remove(1);
					r[1].leaf.running = 2 * FEE;
					h.results = 2;
					h.entries[0].count = 2;
					h.entries[0].gross = 2 * FEE;
				}),
			),
			(
				"'s debit is not signed by",
				Box::new(|h, _, _| {
					let other = sr25519::Pair::from_string("//Eve", None).unwrap();
					h.users[0].signature = sign(&other, &h.users[0].last);
				}),
			),
			(
				"leaf 0: model 0x0303",
				Box::new(|h, r, _| {
					r.iter_mut().for_each(|x| x.leaf.request.model = H256::repeat_byte(3));
					h.entries[0].model = H256::repeat_byte(3);
					h.users[0].last = r[2].leaf.request.clone();
					h.users[0].signature = sign(&user(), &h.users[0].last);
				}),
			),
		];
		for (expected, change) in cases {
			let refused = fault(change);
			assert!(refused.contains(expected), "expected {expected:?}, got {refused:?}");
		}
	}

	#[test]
	fn a_member_never_signs_two_headers_for_one_batch_in_one_epoch() {
		let mut storage = InMemOffchainStorage::default();
		let (first, _) = batch();
		let mut second = first.clone();
		second.entries[0].gross += 1;
		assert_eq!(guard_against_equivocation(&mut storage, 1, &first), Ok(()));
		assert_eq!(guard_against_equivocation(&mut storage, 1, &first), Ok(()), "the same header again");
		let refused = guard_against_equivocation(&mut storage, 1, &second).unwrap_err();
		assert!(refused.contains("equivocation"), "{refused}");
		assert!(refused.ends_with(&hex(&first.encode())), "the refusal names the header signed: {refused}");
		assert_eq!(guard_against_equivocation(&mut storage, 2, &second), Ok(()), "the next epoch may");
		let mut later = second.clone();
		later.sequence = 2;
		assert_eq!(guard_against_equivocation(&mut storage, 1, &later), Ok(()), "another batch may");
	}

	#[test]
	fn a_member_keeps_what_it_signs_for_its_off_chain_worker() {
		use pallet_batches::keeping::{kept_key, KEPT_BATCHES};
		use sp_core::offchain::STORAGE_PREFIX;
		let (header, results) = batch();
		let mut storage = InMemOffchainStorage::default();
		keep(&mut storage, &header, &results).unwrap();
		keep(&mut storage, &header, &results).unwrap();
		let kept: Vec<(u64, H256)> = Decode::decode(&mut &storage.get(STORAGE_PREFIX, KEPT_BATCHES).unwrap()[..]).unwrap();
		assert_eq!(kept, vec![(1, header.root)], "listed once");
		for (i, r) in results.iter().enumerate() {
			let request = &r.leaf.request;
			let key = kept_key(1, &header.root, &(request.user.clone(), request.executor.clone(), request.nonce));
			let bytes = storage.get(STORAGE_PREFIX, &key).expect("kept");
			let Ok(pallet_batches::Evidence::Proof { leaf, input, output, proof }) =
				pallet_batches::EvidenceOf::<Runtime>::decode(&mut &bytes[..])
			else {
				panic!("leaf {i}: not a proof's evidence")
			};
			assert_eq!(leaf.index, i as u32);
			assert_eq!((&leaf.leaf, &input[..], &output[..], &proof[..]), (&r.leaf, &r.input[..], &r.output[..], &r.proof[..]));
			let root = merkle::root_from_path(merkle::leaf_hash(&leaf.leaf), leaf.index, &leaf.path, 3);
			assert_eq!(root, Some(header.root), "leaf {i}'s path leads to the root");
		}
	}
}
