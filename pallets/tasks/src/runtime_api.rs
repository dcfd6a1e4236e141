//! The runtime API through which users and off-chain workers read tasks.

use crate::types::{Task, TaskId, TaskResult};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read tasks, their verified results, and a provider's assignments.
	pub trait TasksApi<AccountId, Balance, BlockNumber> where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Task `id`, while it is retained.
		fn task(id: TaskId) -> Option<Task<AccountId, Balance, BlockNumber>>;
		/// The verified result of task `id`, while it is retained.
		fn result(id: TaskId) -> Option<TaskResult<AccountId, Balance, BlockNumber>>;
		/// Tasks assigned to `provider` and waiting for its result.
		fn assigned_to(provider: AccountId) -> Vec<(TaskId, Task<AccountId, Balance, BlockNumber>)>;
	}
}
