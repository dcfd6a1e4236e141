//! The batch lane's request path: `daifi_batchRequest(request, signature,
//! input)`. A user sends a request it signed ([`pallet_batches::Request`],
//! SCALE-encoded, with its `MultiSignature` over the runtime API's
//! `BatchesApi::request_message`) and the input values to an executor's
//! node; the node runs and proves it for the provider whose compute key it
//! holds, bound to `leaf_binding(user, nonce, executor)`, and answers at
//! once with the output and the proof. The user can check the proof
//! itself; the result is settled later in a batch.
//!
//! What the node checks before it spends a proof on a request (each refusal
//! is a named error and costs it no proving): the user's signature, the
//! input's hash, a registered model this node has ready, a fee at least
//! the model's price, a request not settled already, and an escrow that
//! covers what the user signed up to it. At most [`MAX_PROVING`] requests
//! are proven at once; more are refused ("busy"), so a flood costs the node
//! a bounded amount of work.

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
use std::sync::Arc;

/// Requests proven at once by one node.
pub const MAX_PROVING: usize = 2;

/// The compute keys' key type.
const COMPUTE_KEY: KeyTypeId = KeyTypeId(*b"dcmp");

fn error(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32602, message.into(), None::<()>)
}

fn hex(bytes: &[u8]) -> String {
	format!("0x{}", daifi_compute::engine::hex(bytes))
}

/// Adds `daifi_batchRequest` to `module`.
pub fn register<C>(module: &mut RpcModule<()>, client: Arc<C>, keystore: KeystorePtr) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: BatchesApi<Block, AccountId, Balance, BlockNumber>,
{
	let permits = Arc::new(tokio::sync::Semaphore::new(MAX_PROVING));
	module.register_async_method("daifi_batchRequest", move |params, _, _| {
		let (client, keystore, permits) = (client.clone(), keystore.clone(), permits.clone());
		async move {
			let (request, signature, input): (sp_core::Bytes, sp_core::Bytes, Vec<i64>) = params.parse()?;
			let request = Request::<AccountId, Balance>::decode(&mut &request[..])
				.map_err(|_| error("request: not a SCALE-encoded batch request"))?;
			let signature = MultiSignature::decode(&mut &signature[..])
				.map_err(|_| error("signature: not a SCALE-encoded MultiSignature"))?;
			let _permit = permits.try_acquire_owned().map_err(|_| error("busy: this node is proving as many requests as it takes; try again"))?;
			let job = check(&*client, &keystore, &request, &signature, &input)?;
			let engine = daifi_compute::engine::global().ok_or_else(|| error("this node serves no compute"))?;
			let (binding, model) = (job.binding, job.model);
			let proven = tokio::task::spawn_blocking(move || engine.infer_and_prove_ready(&model, &binding, &input))
				.await
				.map_err(|e| error(format!("proving: {e}")))?
				.map_err(|e| error(format!("proving: {e:?}")))?;
			Ok::<_, ErrorObjectOwned>(serde_json::json!({
				"executor": job.executor.to_string(),
				"binding": hex(&binding),
				"output": proven.output.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
				"outputHash": hex(BlakeTwo256::hash_of(&proven.output).as_bytes()),
				"proof": hex(&proven.proof),
				"proofHash": hex(BlakeTwo256::hash(&proven.proof).as_bytes()),
			}))
		}
	})?;
	Ok(())
}

/// What to prove for an accepted request.
struct Accepted {
	executor: AccountId,
	model: [u8; 32],
	binding: [u8; 32],
}

/// Checks `request` at the best block (see the module's documentation) and
/// names the provider this node executes it for.
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
	let runtime = |e: sp_api::ApiError| error(format!("runtime: {e}"));
	let message = api.request_message(at, request.clone()).map_err(runtime)?;
	if !signature.verify(&message[..], &request.user) {
		return Err(error("signature: not the user's signature of the request on this chain"));
	}
	if BlakeTwo256::hash_of(&input) != request.input_hash {
		return Err(error("input: its hash is not the request's input hash"));
	}
	let price = api.price(at, request.model).map_err(runtime)?.ok_or_else(|| error("model: not registered, or retired"))?;
	if request.fee < price {
		return Err(error(format!("fee: below the model's price of {price}")));
	}
	let escrow = api.escrow(at, request.user.clone()).map_err(runtime)?;
	if request.nonce <= escrow.nonce {
		return Err(error(format!("nonce: requests up to {} are settled already", escrow.nonce)));
	}
	let owed = request.spent.checked_sub(escrow.spent).ok_or_else(|| error("spent: less than the user has paid"))?;
	if owed > escrow.held.saturating_sub(escrow.committed) {
		return Err(error("escrow: does not cover what the user signed for up to this request"));
	}
	let executor = keystore
		.sr25519_public_keys(COMPUTE_KEY)
		.into_iter()
		.find_map(|key| api.provider_of(at, AccountId::from(key.0)).ok().flatten())
		.ok_or_else(|| error("this node holds no registered provider's compute key"))?;
	let binding = pallet_batches::leaf_binding(&request.user, request.nonce, &executor);
	Ok(Accepted { executor, model: H256::from(request.model).0, binding })
}
