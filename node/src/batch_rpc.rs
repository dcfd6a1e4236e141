//! The batch lane's request path: `daifi_batchRequest(request, signature,
//! input)`. A user sends a request it signed ([`pallet_batches::Request`],
//! SCALE-encoded, with its `MultiSignature` over the runtime API's
//! `BatchesApi::request_message`) and the input values to the node of the
//! executor the request names; the node runs and proves it for that
//! provider (whose compute key it must hold), bound to
//! `leaf_binding(user, nonce, executor)`, and answers at once with the
//! output and the proof. The user can check the proof
//! itself; the result is settled later in a batch.
//!
//! A proof costs the node real work, so it proves only what can be paid
//! for. Before proving, it checks (each refusal is a named error and costs
//! it no proof): the user's signature, the input's hash, a registered model
//! it has ready, a fee at least the model's price, and that the request is
//! the **next one** of the user's to this executor: its number follows the
//! last one this node proved for the user (or the last settled one), its
//! `spent` is that one's plus its fee, and the user's escrow for this
//! executor (less what is committed or unlocking) covers everything it
//! signed for beyond what it has paid. Only this executor's batches debit
//! that escrow, so every proof the node makes is one the user pays for once
//! settled, whatever it asks of other executors, a request is proven once (asking again returns the same
//! answer), and a fresh key with no escrow gets nothing. At most
//! [`MAX_PROVING`] requests are proven at once (`busy` beyond), the permit
//! held until the proof is done, also when the caller goes away.

use codec::Decode;
use daifi_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use pallet_batches::{runtime_api::BatchesApi, Request};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::KeyTypeId, H256};
use sp_keystore::KeystorePtr;
use sp_runtime::{
	traits::{BlakeTwo256, Hash, Verify},
	MultiSignature,
};
use std::{
	collections::{HashMap, VecDeque},
	sync::{Arc, Mutex},
};

/// Requests proven at once by one node.
pub const MAX_PROVING: usize = 2;

/// Users whose last proven request a node remembers (the oldest forgotten
/// first: its next request is then checked against what was settled).
pub const MAX_USERS: usize = 65_536;

/// The compute keys' key type.
pub(crate) const COMPUTE_KEY: KeyTypeId = KeyTypeId(*b"dcmp");

/// A request that is not acceptable as sent (JSON-RPC "invalid params").
pub(crate) fn refused(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32602, message.into(), None::<()>)
}

/// The node cannot take the request now: try again.
pub(crate) fn busy(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32001, message.into(), None::<()>)
}

/// The node failed (the runtime, the engine).
pub(crate) fn failed(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32000, message.into(), None::<()>)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
	format!("0x{}", daifi_compute::engine::hex(bytes))
}

/// The last request this node proved for a user and executor.
struct Proved {
	nonce: u64,
	spent: Balance,
	/// blake2-256 of the request, to answer a repeat of it.
	request: H256,
	/// The answer, once proven (`None` while it is being proven).
	answer: Option<serde_json::Value>,
}

/// A user and the executor it asks.
type Pair = (AccountId, AccountId);

/// What this node proved, per user and executor: at most [`MAX_USERS`].
#[derive(Default)]
struct Ledger {
	users: HashMap<Pair, Proved>,
	order: VecDeque<Pair>,
}

impl Ledger {
	fn record(&mut self, user: Pair, proved: Proved) {
		if self.users.insert(user.clone(), proved).is_none() {
			self.order.push_back(user);
			while self.order.len() > MAX_USERS {
				if let Some(oldest) = self.order.pop_front() {
					self.users.remove(&oldest);
				}
			}
		}
	}
}

/// Adds `daifi_batchRequest` to `module`.
pub fn register<C>(
	module: &mut RpcModule<()>,
	client: Arc<C>,
	keystore: KeystorePtr,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber>,
{
	let permits = Arc::new(tokio::sync::Semaphore::new(MAX_PROVING));
	let ledger = Arc::new(Mutex::new(Ledger::default()));
	module.register_async_method("daifi_batchRequest", move |params, _, _| {
		let (client, keystore, permits, ledger) = (client.clone(), keystore.clone(), permits.clone(), ledger.clone());
		async move {
			let (request, signature, input): (sp_core::Bytes, sp_core::Bytes, Vec<i64>) = params.parse()?;
			let request = Request::<AccountId, Balance>::decode(&mut &request[..])
				.map_err(|_| refused("request: not a SCALE-encoded batch request"))?;
			let signature = MultiSignature::decode(&mut &signature[..])
				.map_err(|_| refused("signature: not a SCALE-encoded MultiSignature"))?;
			let engine = daifi_compute::engine::global().ok_or_else(|| refused("this node serves no compute"))?;
			let permit = permits
				.try_acquire_owned()
				.map_err(|_| busy("busy: this node is proving as many requests as it takes; try again"))?;
			let job = check(&*client, &keystore, &request, &signature, &input)?;
			let request_hash = BlakeTwo256::hash_of(&request);
			if let Some(answer) = reserve(&ledger, &request, request_hash, job.settled)? {
				return Ok(answer);
			}
			let (binding, model, executor) = (job.binding, job.model, request.executor.clone());
			// The permit goes with the proof: a caller that goes away does not free it early.
			let proven = tokio::task::spawn_blocking(move || {
				let _permit = permit;
				engine.infer_and_prove_ready(&model, &binding, &input)
			})
			.await;
			let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
			let proven = match proven {
				Ok(Ok(proven)) => proven,
				outcome => {
					// Nothing proven: the user's next request is this number again.
					let pair = (request.user.clone(), request.executor.clone());
					if ledger.users.get(&pair).is_some_and(|p| p.request == request_hash) {
						ledger.users.remove(&pair);
					}
					return Err(match outcome {
						Ok(Err(e)) => failed(format!("proving: {e:?}")),
						Err(e) => failed(format!("proving: {e}")),
						Ok(Ok(_)) => unreachable!("matched above"),
					});
				},
			};
			let answer = serde_json::json!({
				"executor": executor.to_string(),
				"binding": hex(&binding),
				"output": proven.output.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
				"outputHash": hex(BlakeTwo256::hash_of(&proven.output).as_bytes()),
				"proof": hex(&proven.proof),
				"proofHash": hex(BlakeTwo256::hash(&proven.proof).as_bytes()),
			});
			let pair = (request.user.clone(), request.executor.clone());
			if let Some(proved) = ledger.users.get_mut(&pair).filter(|p| p.request == request_hash) {
				proved.answer = Some(answer.clone());
			}
			Ok::<_, ErrorObjectOwned>(answer)
		}
	})?;
	Ok(())
}

/// What to prove for a request that passed [`check`].
struct Accepted {
	model: [u8; 32],
	binding: [u8; 32],
	/// The user's last settled request to the executor and what it had paid
	/// then, and what its escrow for the executor has free for this node's
	/// unsettled requests.
	settled: (u64, Balance, Balance),
}

/// Checks `request` at the best block, all but its place among the user's
/// requests (see [`reserve`]): among the rest, that this node holds a
/// compute key of the executor it names.
fn check<C>(
	client: &C,
	keystore: &KeystorePtr,
	request: &Request<AccountId, Balance>,
	signature: &MultiSignature,
	input: &[i64],
) -> Result<Accepted, ErrorObjectOwned>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber>,
{
	let at = client.info().best_hash;
	let api = client.runtime_api();
	let runtime = |e: sp_api::ApiError| failed(format!("runtime: {e}"));
	let message = api.request_message(at, request.clone()).map_err(runtime)?;
	if !signature.verify(&message[..], &request.user) {
		return Err(refused("signature: not the user's signature of the request on this chain"));
	}
	if BlakeTwo256::hash_of(&input) != request.input_hash {
		return Err(refused("input: its hash is not the request's input hash"));
	}
	let price = api.price(at, request.model).map_err(runtime)?.ok_or_else(|| refused("model: not registered, or retired"))?;
	if request.fee < price {
		return Err(refused(format!("fee: below the model's price of {price}")));
	}
	let executor = &request.executor;
	let ours = keystore
		.sr25519_public_keys(COMPUTE_KEY)
		.into_iter()
		.any(|key| api.provider_of(at, AccountId::from(key.0)).ok().flatten().as_ref() == Some(executor));
	if !ours {
		return Err(refused(format!("executor: this node does not execute for {executor}")));
	}
	let escrow = api.escrow(at, request.user.clone(), executor.clone()).map_err(runtime)?;
	let unlocking = escrow.unlocking.map_or(0, |(amount, _)| amount);
	let free = escrow.held.saturating_sub(escrow.committed).saturating_sub(unlocking);
	let binding = pallet_batches::leaf_binding(&request.user, request.nonce, executor);
	Ok(Accepted { model: request.model.0, binding, settled: (escrow.nonce, escrow.spent, free) })
}

/// Places `request` among its user's to its executor: the repeat of the last request this
/// node proved gets that answer (`Some`); the next one is recorded as being
/// proven (`None`: go on and prove it); anything else is refused by name.
fn reserve(
	ledger: &Mutex<Ledger>,
	request: &Request<AccountId, Balance>,
	request_hash: H256,
	(settled_nonce, settled_spent, free): (u64, Balance, Balance),
) -> Result<Option<serde_json::Value>, ErrorObjectOwned> {
	let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
	// What the user's next request follows: the last one proven here, unless
	// settlement has gone past it.
	let pair = (request.user.clone(), request.executor.clone());
	let (last_nonce, last_spent) = match ledger.users.get(&pair) {
		Some(proved) if proved.nonce > settled_nonce => {
			if proved.nonce == request.nonce && proved.request == request_hash {
				return proved.answer.clone().map(Some).ok_or_else(|| busy("busy: this request is being proven"));
			}
			(proved.nonce, proved.spent)
		},
		_ => (settled_nonce, settled_spent),
	};
	let next = last_nonce.saturating_add(1);
	if request.nonce != next {
		return Err(refused(format!("nonce: the user's next request to this executor is number {next}")));
	}
	let spent = last_spent.checked_add(request.fee).ok_or_else(|| refused("spent: overflows"))?;
	if request.spent != spent {
		return Err(refused(format!("spent: must be {spent}, the last request's plus this fee")));
	}
	if spent.saturating_sub(settled_spent) > free {
		return Err(refused("escrow: does not cover what the user signed for up to this request"));
	}
	ledger.record(pair, Proved { nonce: request.nonce, spent, request: request_hash, answer: None });
	Ok(None)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn request(nonce: u64, fee: Balance, spent: Balance) -> Request<AccountId, Balance> {
		Request {
			user: AccountId::from([1; 32]),
			executor: AccountId::from([4; 32]),
			nonce,
			model: H256::repeat_byte(2),
			input_hash: H256::repeat_byte(3),
			fee,
			spent,
		}
	}

	fn place(ledger: &Mutex<Ledger>, r: &Request<AccountId, Balance>, settled: (u64, Balance, Balance)) -> Result<Option<serde_json::Value>, String> {
		reserve(ledger, r, BlakeTwo256::hash_of(r), settled).map_err(|e| e.message().to_string())
	}

	#[test]
	fn only_the_next_paid_for_request_is_proven_and_once() {
		let ledger = Mutex::new(Ledger::default());
		// Nothing settled, 25 free in escrow, fee 10.
		let settled = (0, 0, 25);
		// A fresh request that pays nothing, a gap, a wrong running total: refused.
		assert!(place(&ledger, &request(1, 10, 0), settled).unwrap_err().starts_with("spent"));
		assert!(place(&ledger, &request(2, 10, 20), settled).unwrap_err().starts_with("nonce"));
		assert_eq!(place(&ledger, &request(1, 10, 10), settled), Ok(None), "the first request is proven");
		// Asked again while it is proven: busy; once proven: the same answer.
		assert!(place(&ledger, &request(1, 10, 10), settled).unwrap_err().starts_with("busy"));
		ledger.lock().unwrap().users.values_mut().for_each(|p| p.answer = Some(serde_json::json!("proof 1")));
		assert_eq!(place(&ledger, &request(1, 10, 10), settled), Ok(Some(serde_json::json!("proof 1"))));
		// Another request under the same number: refused.
		assert!(place(&ledger, &request(1, 11, 11), settled).unwrap_err().starts_with("nonce"));
		assert_eq!(place(&ledger, &request(2, 10, 20), settled), Ok(None));
		// The third would need 30: the escrow has 25.
		assert!(place(&ledger, &request(3, 10, 30), settled).unwrap_err().starts_with("escrow"));
		// Once requests up to 2 are settled (and paid), the next is 3 again, against what is free then.
		assert_eq!(place(&ledger, &request(3, 10, 30), (2, 20, 10)), Ok(None));
		// Requests to another executor are numbered apart, from their own escrow.
		let mut elsewhere = request(1, 10, 10);
		elsewhere.executor = AccountId::from([5; 32]);
		assert_eq!(place(&ledger, &elsewhere, (0, 0, 10)), Ok(None));
	}

	#[test]
	fn the_oldest_users_are_forgotten_first() {
		let mut ledger = Ledger::default();
		for i in 0..=MAX_USERS as u32 {
			let mut who = [0u8; 32];
			who[..4].copy_from_slice(&i.to_le_bytes());
			ledger.record((AccountId::from(who), AccountId::from([4; 32])), Proved { nonce: 1, spent: 1, request: H256::zero(), answer: None });
		}
		assert_eq!(ledger.users.len(), MAX_USERS);
		assert!(!ledger.users.contains_key(&(AccountId::from([0u8; 32]), AccountId::from([4; 32]))));
	}
}
