//! The runtime API through which wallets and nodes read the committees and
//! a provider's BLS key.

use crate::{
	bls::PublicKey,
	types::{Attestation, Committees},
};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read the committees and the registered BLS keys.
	pub trait AttestationApi<AccountId> where AccountId: Codec {
		/// The committee of the epoch in progress and the next epoch's.
		fn committees() -> Committees<AccountId>;
		/// The BLS key `provider` registered, if any.
		fn key(provider: AccountId) -> Option<PublicKey>;
		/// Who signed `message`, a committee member's signature shared under
		/// `topic` (epoch and position), if it is one; the node keeps and
		/// passes on only these (see `gathering`).
		fn check_shared(topic: [u8; 32], message: alloc::vec::Vec<u8>) -> Option<(u64, u16)>;
		/// The attestation of `payload` by the committee of `epoch` (the
		/// current or the previous one) from the shared signatures `received`
		/// (each a member's signature as nodes share it), if the valid ones are
		/// a quorum.
		fn attestation(
			epoch: u64,
			payload: alloc::vec::Vec<u8>,
			received: alloc::vec::Vec<alloc::vec::Vec<u8>>,
		) -> Option<Attestation>;
	}
}
