//! The committee gossip: how committee members' signatures travel between
//! nodes.
//!
//! The runtime's off-chain worker publishes a message under a topic (the
//! hash of what is signed) and reads back everything published under it,
//! by this node or its peers ([`Hub`], reached through the `compute` host
//! functions). The node carries the messages over a notification protocol
//! of its own (`/<genesis>/daifi-attest/1`, see the node's `attest_gossip`):
//! each message it has not seen is kept and passed on once to its other
//! peers, so members not connected to each other still hear each other.
//!
//! Why a notification protocol and not the transaction pool: a signature
//! is useful only to the members gathering a quorum and must never reach a
//! block by itself; as transactions, every partial signature would be
//! validated by every node's pool (a pairing each) and compete for block
//! space. Here only the one aggregate attestation becomes a transaction.
//!
//! Everything is bounded: a message of at most [`MAX_MESSAGE`] bytes, at
//! most [`MAX_PER_TOPIC`] messages under one topic and [`MAX_TOPICS`]
//! topics, the oldest topic forgotten first. Nothing here is trusted: the
//! runtime checks every signature against its member's key before it counts.

use codec::{Decode, Encode};
use std::{
	collections::{HashMap, HashSet, VecDeque},
	sync::{Mutex, OnceLock},
};

/// The largest message kept or relayed, in bytes (a member's signature is 60).
pub const MAX_MESSAGE: usize = 256;
/// Most messages kept under one topic (a committee has at most 256 members;
/// the rest is room for a peer's junk, which does not crowd them out for long).
pub const MAX_PER_TOPIC: usize = 1024;
/// Most topics kept; the oldest goes first.
pub const MAX_TOPICS: usize = 4096;

/// A message as it travels between nodes: its topic and its bytes.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Frame {
	/// What the message is about (the hash of the signed message).
	pub topic: [u8; 32],
	/// The message.
	pub message: Vec<u8>,
}

#[derive(Default)]
struct Store {
	topics: HashMap<[u8; 32], Vec<Vec<u8>>>,
	order: VecDeque<[u8; 32]>,
	outbound: Option<tokio::sync::mpsc::UnboundedSender<Vec<u8>>>,
}

/// The messages this node has published and received, and the way out to
/// its peers.
#[derive(Default)]
pub struct Hub {
	store: Mutex<Store>,
}

/// The node's hub.
pub fn hub() -> &'static Hub {
	static HUB: OnceLock<Hub> = OnceLock::new();
	HUB.get_or_init(Hub::default)
}

impl Hub {
	fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
		self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Keeps `message` under `topic` and sends it to the node's peers.
	pub fn publish(&self, topic: [u8; 32], message: Vec<u8>) {
		let frame = Frame { topic, message };
		let mut store = self.lock();
		Self::keep(&mut store, &frame);
		if let Some(out) = &store.outbound {
			let _ = out.send(frame.encode());
		}
	}

	/// What was published or received under `topic`, oldest first.
	pub fn received(&self, topic: &[u8; 32]) -> Vec<Vec<u8>> {
		self.lock().topics.get(topic).cloned().unwrap_or_default()
	}

	/// A frame from a peer: kept if it is well formed and new. Returns
	/// whether it was (and so should be passed on).
	pub fn deliver(&self, bytes: &[u8]) -> bool {
		if bytes.len() > MAX_MESSAGE + 40 {
			return false;
		}
		let Ok(frame) = Frame::decode(&mut &bytes[..]) else { return false };
		Self::keep(&mut self.lock(), &frame)
	}

	/// The frames this node publishes from now on, to send to its peers.
	/// One receiver at a time: a new one replaces the last.
	pub fn connect(&self) -> tokio::sync::mpsc::UnboundedReceiver<Vec<u8>> {
		let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
		self.lock().outbound = Some(tx);
		rx
	}

	/// Keeps `frame` unless it is too long, already kept, or its topic is full.
	fn keep(store: &mut Store, frame: &Frame) -> bool {
		if frame.message.len() > MAX_MESSAGE {
			return false;
		}
		if !store.topics.contains_key(&frame.topic) {
			if store.order.len() >= MAX_TOPICS {
				if let Some(oldest) = store.order.pop_front() {
					store.topics.remove(&oldest);
				}
			}
			store.order.push_back(frame.topic);
		}
		let messages = store.topics.entry(frame.topic).or_default();
		if messages.len() >= MAX_PER_TOPIC || messages.contains(&frame.message) {
			return false;
		}
		messages.push(frame.message.clone());
		true
	}
}

/// Peers that have the committee protocol open, for relaying.
pub struct Peers<P: std::hash::Hash + Eq + Clone>(HashSet<P>);

impl<P: std::hash::Hash + Eq + Clone> Default for Peers<P> {
	fn default() -> Self {
		Self(HashSet::new())
	}
}

impl<P: std::hash::Hash + Eq + Clone> Peers<P> {
	/// `peer` opened the protocol.
	pub fn opened(&mut self, peer: P) {
		self.0.insert(peer);
	}
	/// `peer` closed it.
	pub fn closed(&mut self, peer: &P) {
		self.0.remove(peer);
	}
	/// Every peer but `except`.
	pub fn all_but(&self, except: Option<&P>) -> Vec<P> {
		self.0.iter().filter(|p| Some(*p) != except).cloned().collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn frame(topic: u8, message: &[u8]) -> Vec<u8> {
		Frame { topic: [topic; 32], message: message.to_vec() }.encode()
	}

	#[test]
	fn a_published_message_is_kept_and_sent_out() {
		let hub = Hub::default();
		let mut out = hub.connect();
		hub.publish([1; 32], b"sig".to_vec());
		assert_eq!(hub.received(&[1; 32]), vec![b"sig".to_vec()]);
		assert_eq!(out.try_recv().unwrap(), frame(1, b"sig"));
		assert!(hub.received(&[2; 32]).is_empty());
	}

	#[test]
	fn a_peer_message_is_kept_once_and_relayed_once() {
		let hub = Hub::default();
		assert!(hub.deliver(&frame(1, b"a")));
		assert!(!hub.deliver(&frame(1, b"a")), "a repeat is not relayed again");
		assert!(hub.deliver(&frame(1, b"b")));
		assert_eq!(hub.received(&[1; 32]), vec![b"a".to_vec(), b"b".to_vec()]);
	}

	#[test]
	fn malformed_oversized_and_excess_messages_are_dropped() {
		let hub = Hub::default();
		assert!(!hub.deliver(&[1, 2, 3]));
		assert!(!hub.deliver(&frame(1, &[0; MAX_MESSAGE + 1])));
		for i in 0..MAX_PER_TOPIC {
			assert!(hub.deliver(&frame(1, &(i as u32).to_le_bytes())));
		}
		assert!(!hub.deliver(&frame(1, b"one too many")));
		assert_eq!(hub.received(&[1; 32]).len(), MAX_PER_TOPIC);
	}

	#[test]
	fn the_oldest_topic_goes_first() {
		let hub = Hub::default();
		for t in 0..MAX_TOPICS as u32 {
			let mut topic = [0u8; 32];
			topic[..4].copy_from_slice(&t.to_le_bytes());
			hub.publish(topic, b"x".to_vec());
		}
		hub.publish([0xff; 32], b"y".to_vec());
		assert!(hub.received(&[0; 32]).is_empty(), "the first topic was forgotten");
		assert_eq!(hub.received(&[0xff; 32]), vec![b"y".to_vec()]);
	}

	#[test]
	fn peers_are_relayed_to_except_the_sender() {
		let mut peers = Peers::default();
		peers.opened(1);
		peers.opened(2);
		peers.opened(3);
		peers.closed(&3);
		let mut to = peers.all_but(Some(&1));
		to.sort();
		assert_eq!(to, vec![2]);
		assert_eq!(peers.all_but(None).len(), 2);
	}
}
