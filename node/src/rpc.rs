//! The node's own RPC methods, merged with the standard ones that
//! `sc_service::spawn_tasks` already serves (`system_*`, `author_*`, `chain_*`,
//! `state_*`, `chainHead_v1_*`, `transaction_v1_*`, `chainSpec_v1_*`):
//! account nonces, fee queries, BABE epoch authorship and GRANDPA's round
//! state, finality proofs and justification subscriptions; the compute
//! engine's models (`daifi_computeModels`); and the fast path
//! (`daifi_provenResult`, `daifi_subscribeProvenResult`): a result this
//! node's provider proved, before the chain settles it.

use std::sync::Arc;

use daifi_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::RpcModule;
use sc_consensus_babe::BabeWorkerHandle;
use sc_consensus_grandpa::{
	FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
};
use sc_rpc::SubscriptionTaskExecutor;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_consensus::SelectChain;
use sp_keystore::KeystorePtr;

/// What the BABE RPC needs.
pub struct BabeDeps {
	/// Talks to the BABE worker about epochs.
	pub babe_worker_handle: BabeWorkerHandle<Block>,
	/// The node's keystore, to tell which slots it may author.
	pub keystore: KeystorePtr,
}

/// What the GRANDPA RPC needs.
pub struct GrandpaDeps<B> {
	/// The voter's state, for `grandpa_roundState`.
	pub shared_voter_state: SharedVoterState,
	/// The current authority set.
	pub shared_authority_set: SharedAuthoritySet<<Block as sp_runtime::traits::Block>::Hash, u32>,
	/// New justifications, for `grandpa_subscribeJustifications`.
	pub justification_stream: GrandpaJustificationStream<Block>,
	/// Runs subscriptions.
	pub subscription_executor: SubscriptionTaskExecutor,
	/// Proves finality of a block, for `grandpa_proveFinality`.
	pub finality_provider: Arc<FinalityProofProvider<B, Block>>,
}

/// Everything the node's RPC methods need.
pub struct FullDeps<C, P, SC, B, O> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The chain selection rule.
	pub select_chain: SC,
	/// BABE's part.
	pub babe: BabeDeps,
	/// GRANDPA's part.
	pub grandpa: GrandpaDeps<B>,
	/// The node's off-chain database (a committee member records there the
	/// batch headers it signed and keeps their data).
	pub offchain: Option<O>,
	/// Whether the node runs an off-chain worker (which posts the data a
	/// member kept when it is asked for).
	pub offchain_worker: bool,
}

/// Builds the node's RPC module.
pub fn create_full<C, P, SC, B, O>(
	deps: FullDeps<C, P, SC, B, O>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: sp_consensus_babe::BabeApi<Block>,
	C::Api: BlockBuilder<Block>,
	C::Api: pallet_batches::runtime_api::BatchesApi<Block, AccountId, Balance, daifi_runtime::BlockNumber>,
	C::Api: pallet_attestation::runtime_api::AttestationApi<Block, AccountId>,
	P: TransactionPool + 'static,
	SC: SelectChain<Block> + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	B::State: sc_client_api::StateBackend<sp_runtime::traits::HashingFor<Block>>,
	O: sp_core::offchain::OffchainStorage + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_babe_rpc::{Babe, BabeApiServer};
	use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, select_chain, babe, grandpa, offchain, offchain_worker } = deps;
	let mut module = RpcModule::new(());

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	crate::batch_rpc::register(&mut module, client.clone(), babe.keystore.clone())?;
	crate::batch_sign::register(&mut module, client.clone(), babe.keystore.clone(), offchain, offchain_worker)?;
	module.merge(
		Babe::new(client, babe.babe_worker_handle, babe.keystore, select_chain).into_rpc(),
	)?;
	module.merge(
		Grandpa::new(
			grandpa.subscription_executor,
			grandpa.shared_authority_set,
			grandpa.shared_voter_state,
			grandpa.justification_stream,
			grandpa.finality_provider,
		)
		.into_rpc(),
	)?;
	module.register_method("daifi_computeModels", |_, _, _| compute_models())?;
	module.register_method("daifi_provenResult", |params, _, _| {
		let (task, provider): (u64, String) = params.parse()?;
		let binding = fast_path_binding(task, &provider)?;
		Ok::<_, jsonrpsee::types::ErrorObjectOwned>(proven_result(&binding))
	})?;
	module.register_subscription(
		"daifi_subscribeProvenResult",
		"daifi_provenResultReady",
		"daifi_unsubscribeProvenResult",
		|params, pending, _, _| async move {
			// Everything that can be refused is refused before the subscription is accepted.
			let parsed = params.parse::<(u64, String)>().and_then(|(task, provider)| fast_path_binding(task, &provider));
			let binding = match parsed {
				Ok(binding) => binding,
				Err(e) => {
					pending.reject(e).await;
					return Ok(());
				},
			};
			let Some(_slot) = FastPathSlot::take() else {
				pending.reject(rpc_error("too many fast-path subscriptions on this node; try again")).await;
				return Ok(());
			};
			let sink = pending.accept().await?;
			let deadline = std::time::Instant::now() + FAST_PATH_WAIT;
			while std::time::Instant::now() < deadline && !sink.is_closed() {
				if let Some(result) = proven_result(&binding) {
					sink.send(jsonrpsee::SubscriptionMessage::from_json(&result)?).await?;
					break;
				}
				tokio::time::sleep(FAST_PATH_POLL).await;
			}
			Ok::<(), jsonrpsee::core::StringError>(())
		},
	)?;
	Ok(module)
}

/// How long `daifi_subscribeProvenResult` waits for a result before it ends.
const FAST_PATH_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
/// How often it looks.
const FAST_PATH_POLL: std::time::Duration = std::time::Duration::from_millis(20);
/// The most fast-path subscriptions a node serves at once (each looks every
/// `FAST_PATH_POLL`): more are refused, so a flood of them costs the node a
/// bounded amount of work.
const MAX_FAST_PATH_SUBSCRIPTIONS: usize = 256;

static FAST_PATH_SUBSCRIPTIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// One of the `MAX_FAST_PATH_SUBSCRIPTIONS`, given back when dropped.
struct FastPathSlot;

impl FastPathSlot {
	fn take() -> Option<Self> {
		use std::sync::atomic::Ordering;
		FAST_PATH_SUBSCRIPTIONS
			.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < MAX_FAST_PATH_SUBSCRIPTIONS).then_some(n + 1))
			.ok()
			.map(|_| FastPathSlot)
	}
}

impl Drop for FastPathSlot {
	fn drop(&mut self) {
		FAST_PATH_SUBSCRIPTIONS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
	}
}

fn rpc_error(message: &str) -> jsonrpsee::types::ErrorObjectOwned {
	jsonrpsee::types::ErrorObjectOwned::owned(-32602, message.to_string(), None::<()>)
}

/// The binding of `task` answered by `provider` (SS58 or 0x-hex): what the
/// engine keeps results by. Refused when the provider does not parse or this
/// node serves no compute (it has no results to give).
fn fast_path_binding(task: u64, provider: &str) -> Result<[u8; 32], jsonrpsee::types::ErrorObjectOwned> {
	use sp_core::crypto::Ss58Codec;
	let provider = match provider.strip_prefix("0x") {
		Some(hex) => {
			let bytes = sp_core::bytes::from_hex(hex).map_err(|_| rpc_error("provider: not hex"))?;
			let raw: [u8; 32] = bytes.try_into().map_err(|_| rpc_error("provider: not 32 bytes"))?;
			AccountId::from(raw)
		},
		None => AccountId::from_ss58check(provider).map_err(|_| rpc_error("provider: not an SS58 address"))?,
	};
	if daifi_compute::engine::global().is_none() {
		return Err(rpc_error("this node serves no compute"));
	}
	Ok(pallet_tasks::task_binding(task, &provider))
}

/// What `daifi_provenResult(task, provider)` (provider in SS58 or 0x-hex)
/// and its subscription answer for the task's `binding`: the input, output
/// and proof this node's engine proved, as `{"input": [..], "output": [..],
/// "proof": "0x.."}` (values as decimal strings: JSON numbers lose precision
/// in JavaScript beyond 2^53, and a value is any 64-bit integer), or null.
/// The input
/// tells the user whether it is their task's result: on another fork the
/// same task id may be another submission. The fast path: a user
/// checks the proof against the model's registered key (the wasm verifier,
/// `scripts/e2e/lib/verifier.mjs`) and has a verified result before the
/// chain settles it; nobody is paid for it, the chain settles as always.
fn proven_result(binding: &[u8; 32]) -> Option<serde_json::Value> {
	let engine = daifi_compute::engine::global()?;
	engine.proven(binding).map(|(input, proven)| {
		serde_json::json!({
			"input": input.iter().map(i64::to_string).collect::<Vec<_>>(),
			"output": proven.output.iter().map(i64::to_string).collect::<Vec<_>>(),
			"proof": format!("0x{}", daifi_compute::engine::hex(&proven.proof)),
		})
	})
}

/// `daifi_computeModels`: each model this node's compute engine has loaded
/// or is preparing, as `{"model": "0x…", "state": "ready" | "preparing" |
/// "failed", "reason": …}` (none if the node serves no compute). A provider's
/// operator (or a test) sees here when a model of its profile is ready: its
/// key fetched, compiled and traced to the ceremony.
fn compute_models() -> Vec<serde_json::Value> {
	use daifi_compute::{engine, Readiness};
	let Some(engine) = engine::global() else { return Vec::new() };
	engine
		.models()
		.into_iter()
		.map(|(hash, readiness)| {
			let model = format!("0x{}", engine::hex(&hash));
			match readiness {
				Readiness::Ready => serde_json::json!({ "model": model, "state": "ready" }),
				Readiness::Preparing => serde_json::json!({ "model": model, "state": "preparing" }),
				Readiness::Failed(e) => serde_json::json!({
					"model": model,
					"state": "failed",
					"reason": String::from_utf8_lossy(&e.reason()),
				}),
			}
		})
		.collect()
}
