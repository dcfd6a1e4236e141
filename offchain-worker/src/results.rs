//! The fast path: results this node proved, kept for a while by the binding
//! they are bound to (`pallet_tasks::task_binding` of the task and the
//! provider), so that the task's user can have output and proof at once,
//! before the chain settles them, and check the proof itself against the
//! model's registered key (`daifi_provenResult`, `daifi_subscribeProvenResult`
//! in the node's RPC). It never pays anyone: the chain settles as always.

use crate::Proven;
use std::{
	collections::{HashMap, VecDeque},
	sync::Mutex,
};

/// How many recent results are kept (the oldest goes first).
pub const KEPT: usize = 4_096;

/// A result kept for the fast path: the input it was proven on (a task id
/// names another submission on another fork, so the user compares) and the
/// output and proof.
pub type KeptResult = (Vec<i64>, Proven);

/// Recently proven results by binding, and the bindings oldest first.
#[derive(Default)]
struct Kept {
	by_binding: HashMap<[u8; 32], KeptResult>,
	order: VecDeque<[u8; 32]>,
}

/// Recently proven results: a lookup is one hash-map access (the node's
/// fast-path subscriptions look often).
#[derive(Default)]
pub struct RecentResults {
	kept: Mutex<Kept>,
}

impl RecentResults {
	/// Keeps `proven` of `input`, bound to `binding` (replacing an older
	/// result for it); forgets the oldest beyond [`KEPT`].
	pub fn remember(&self, binding: [u8; 32], input: Vec<i64>, proven: Proven) {
		let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
		if kept.by_binding.insert(binding, (input, proven)).is_some() {
			kept.order.retain(|b| *b != binding);
		}
		kept.order.push_back(binding);
		while kept.order.len() > KEPT {
			if let Some(oldest) = kept.order.pop_front() {
				kept.by_binding.remove(&oldest);
			}
		}
	}

	/// The result bound to `binding` and its input, if this node proved it recently.
	pub fn get(&self, binding: &[u8; 32]) -> Option<KeptResult> {
		let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
		kept.by_binding.get(binding).cloned()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn proven(x: i64) -> Proven {
		Proven { output: vec![x], proof: vec![x as u8] }
	}

	fn kept(x: i64) -> Option<KeptResult> {
		Some((vec![x], proven(x)))
	}

	#[test]
	fn results_are_found_by_binding_and_the_oldest_go_first() {
		let results = RecentResults::default();
		assert_eq!(results.get(&[1; 32]), None);
		results.remember([1; 32], vec![1], proven(1));
		results.remember([2; 32], vec![2], proven(2));
		assert_eq!(results.get(&[1; 32]), kept(1));
		// A new proof for the same binding (the task as another fork has it) replaces the old one.
		results.remember([1; 32], vec![3], proven(3));
		assert_eq!(results.get(&[1; 32]), kept(3));
		for i in 0..KEPT as u32 {
			let mut binding = [9; 32];
			binding[..4].copy_from_slice(&i.to_le_bytes());
			results.remember(binding, vec![0], proven(0));
		}
		assert_eq!((results.get(&[1; 32]), results.get(&[2; 32])), (None, None));
	}
}
