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
pub struct FullDeps<C, P, SC, B> {
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
}

/// Builds the node's RPC module.
pub fn create_full<C, P, SC, B>(
	deps: FullDeps<C, P, SC, B>,
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
	P: TransactionPool + 'static,
	SC: SelectChain<Block> + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	B::State: sc_client_api::StateBackend<sp_runtime::traits::HashingFor<Block>>,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_babe_rpc::{Babe, BabeApiServer};
	use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, select_chain, babe, grandpa } = deps;
	let mut module = RpcModule::new(());

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
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
		Ok::<_, jsonrpsee::types::ErrorObjectOwned>(proven_result(task, &provider)?)
	})?;
	module.register_subscription(
		"daifi_subscribeProvenResult",
		"daifi_provenResultReady",
		"daifi_unsubscribeProvenResult",
		|params, pending, _, _| async move {
			let (task, provider): (u64, String) = match params.parse() {
				Ok(parsed) => parsed,
				Err(e) => {
					pending.reject(e).await;
					return Ok(());
				},
			};
			let sink = pending.accept().await?;
			let deadline = std::time::Instant::now() + FAST_PATH_WAIT;
			while std::time::Instant::now() < deadline && !sink.is_closed() {
				if let Some(result) = proven_result(task, &provider)? {
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
const FAST_PATH_POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// `daifi_provenResult(task, provider)`: the output and proof this node's
/// engine proved for `task` assigned to `provider` (SS58 or 0x-hex), as
/// `{"input": [..], "output": [..], "proof": "0x.."}`, or null. The input
/// tells the user whether it is their task's result: on another fork the
/// same task id may be another submission. The fast path: a user
/// checks the proof against the model's registered key (the wasm verifier,
/// `scripts/e2e/lib/verifier.mjs`) and has a verified result before the
/// chain settles it; nobody is paid for it, the chain settles as always.
fn proven_result(
	task: u64,
	provider: &str,
) -> Result<Option<serde_json::Value>, jsonrpsee::types::ErrorObjectOwned> {
	use sp_core::crypto::Ss58Codec;
	let invalid = |message: &str| jsonrpsee::types::ErrorObjectOwned::owned(-32602, message.to_string(), None::<()>);
	let provider = match provider.strip_prefix("0x") {
		Some(hex) => {
			let bytes = sp_core::bytes::from_hex(hex).map_err(|_| invalid("provider: not hex"))?;
			let raw: [u8; 32] = bytes.try_into().map_err(|_| invalid("provider: not 32 bytes"))?;
			AccountId::from(raw)
		},
		None => AccountId::from_ss58check(provider).map_err(|_| invalid("provider: not an SS58 address"))?,
	};
	let Some(engine) = daifi_compute::engine::global() else { return Ok(None) };
	let binding = pallet_tasks::task_binding(task, &provider);
	Ok(engine.proven(&binding).map(|(input, proven)| {
		serde_json::json!({
			"input": input,
			"output": proven.output,
			"proof": format!("0x{}", daifi_compute::engine::hex(&proven.proof)),
		})
	}))
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
