//! The runtime API through which users' wallets and executors' nodes read
//! what a batch request needs: the exact message a user signs, the user's
//! escrow for an executor, a model's price, and which provider a compute key serves; and
//! what a committee member's node checks a batch against.

use crate::types::{Escrow, Request};
use codec::Codec;
use pallet_compute_staking::ModelHash;

sp_api::decl_runtime_apis! {
	/// Read the batch lane's terms.
	pub trait BatchesApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// What `request`'s user signs for it on this chain
		/// ([`crate::request_message`] under the genesis hash).
		fn request_message(request: Request<AccountId, Balance>) -> [u8; 32];
		/// `user`'s escrow for `executor` and its last settled request to it.
		fn escrow(user: AccountId, executor: AccountId) -> Escrow<Balance, BlockNumber>;
		/// The price of `model` if it is registered and not retired.
		fn price(model: ModelHash) -> Option<Balance>;
		/// The provider whose compute key is `key`, if any.
		fn provider_of(key: AccountId) -> Option<AccountId>;
		/// What a proof of `user`'s request `nonce` by `executor` is bound to
		/// ([`crate::leaf_binding`]).
		fn leaf_binding(user: AccountId, nonce: u64, executor: AccountId) -> [u8; 32];
		/// The number the next batch must carry.
		fn next_sequence() -> u64;
		/// Model `model`'s registry record (its verifying key and the layout
		/// of its proofs' public inputs), retired or not: what a committee
		/// member checks a batch's proofs against.
		fn model(model: ModelHash) -> Option<pallet_model_registry::Model<AccountId, Balance>>;
	}
}
