//! Transactions the off-chain worker signs with a provider's compute key:
//! mortal, and each with a nonce of its own even when many leave in one run.
//!
//! `frame_system`'s `Signer` takes the nonce from chain state, which does not
//! change during an off-chain worker run: twenty results sent in one run
//! would all carry the same nonce and all but one would be dropped. This
//! module keeps the next nonce in the node's persistent off-chain storage,
//! taken with compare-and-set (concurrent workers of successive blocks never
//! take the same one), and falls back to the chain's nonce once ours has made
//! no progress for [`NONCE_PATIENCE`] blocks (the transactions it covered
//! were lost, dropped or expired, so a gap would otherwise block every later
//! one; a node killed right after sending a result loses it from its pool).

use frame_system::offchain::{CreateSignedTransaction, SubmitTransaction};
use sp_runtime::{offchain::storage::StorageValueRef, MultiSigner};

use super::market::ComputeKey;
use crate::{AccountId, BlockNumber, Nonce, Runtime, RuntimeCall};

/// Blocks an off-chain worker transaction stays valid (a power of two): its
/// answer is due within the result timeout anyway.
pub const MORTALITY: u64 = 16;

/// Blocks the chain's nonce may stand still while ours is ahead before ours
/// is given up for the chain's: the transactions in between were lost (a
/// restarted node's pool is empty) or dropped, and every later one would
/// wait behind the gap past its task's deadline. Shorter than half the
/// result timeout; a nonce taken again while its transaction is still
/// pending is refused by the pool (same nonce, same priority) and harmless.
pub const NONCE_PATIENCE: u64 = 3;

/// What the node remembers of a compute key's nonces.
#[derive(codec::Encode, codec::Decode)]
struct NonceState {
	/// The next nonce to use.
	next: Nonce,
	/// The chain's nonce when `next` last moved ahead of it.
	chain: Nonce,
	/// The block since which the chain's nonce has been `chain`.
	since: BlockNumber,
}

/// Takes the next nonce for `key`: ours if it is ahead of the chain's and
/// recent, otherwise the chain's.
fn take_nonce(key: &AccountId) -> Result<Nonce, ()> {
	let chain = frame_system::Pallet::<Runtime>::account_nonce(key);
	let now = frame_system::Pallet::<Runtime>::block_number();
	let storage_key = codec::Encode::encode(&(b"daifi/ocw-nonce", key));
	let mut taken = chain;
	StorageValueRef::persistent(&storage_key)
		.mutate::<NonceState, (), _>(|stored| {
			let (next, since) = match stored {
				Ok(Some(s)) if s.next > chain && s.chain != chain => (s.next, now),
				Ok(Some(s)) if s.next > chain && u64::from(now.saturating_sub(s.since)) <= NONCE_PATIENCE =>
					(s.next, s.since),
				Ok(Some(s)) if s.next > chain => {
					log::info!(
						target: "daifi-tasks",
						"nonces {chain}..{} were not included for {NONCE_PATIENCE} blocks: the chain's nonce again",
						s.next
					);
					(chain, now)
				},
				_ => (chain, now),
			};
			taken = next;
			Ok(NonceState { next: next.saturating_add(1), chain, since })
		})
		.map_err(|_| ())?;
	Ok(taken)
}

/// Signs `call` with compute key `key` from the node's keystore and submits
/// it to the transaction pool.
pub fn send_signed(key: &AccountId, call: impl Into<RuntimeCall>) -> Result<(), ()> {
	let public = MultiSigner::Sr25519(sp_core::sr25519::Public::from_raw(key.clone().into()));
	let nonce = take_nonce(key)?;
	let xt = <Runtime as CreateSignedTransaction<RuntimeCall>>::create_signed_transaction::<ComputeKey>(
		call.into(),
		public,
		key.clone(),
		nonce,
	)
	.ok_or(())?;
	SubmitTransaction::<Runtime, RuntimeCall>::submit_transaction(xt)
}
