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
//! Nothing from a peer is kept or passed on unchecked: the node asks the
//! runtime (`AttestationApi::check_shared`) whether a frame is a signature
//! of a member of the current or previous committee over its topic, and
//! keeps one per topic and member. Each member's messages are bounded
//! ([`MAX_PER_MEMBER`], its oldest goes first, so a member signing junk
//! topics evicts only its own), and every message expires after [`KEEP_FOR`].
//! The runtime checks every signature again before it counts.

use codec::{Decode, Encode};
use std::{
	collections::{HashMap, HashSet, VecDeque},
	sync::{Mutex, OnceLock},
	time::{Duration, Instant},
};

/// The largest message kept or relayed, in bytes (a member's signature is 59).
pub const MAX_MESSAGE: usize = 256;
/// Most messages kept from one member (its pending topics).
pub const MAX_PER_MEMBER: usize = 512;
/// How long a message is kept.
pub const KEEP_FOR: Duration = Duration::from_secs(600);

/// Who sent a checked message: a committee member of an epoch (this node's
/// own messages are [`Sender::Local`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Sender {
	/// Published by this node's off-chain worker.
	Local,
	/// Member `1` of the committee of epoch `0`.
	Member(u64, u16),
}

/// A message as it travels between nodes: its topic and its bytes.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Frame {
	/// What the message is about (the digest a member signed).
	pub topic: [u8; 32],
	/// The message.
	pub message: Vec<u8>,
}

#[derive(Default)]
struct Store {
	/// Messages by topic, with who sent them.
	topics: HashMap<[u8; 32], Vec<(Sender, Vec<u8>)>>,
	/// Each member's topics, oldest first.
	by_sender: HashMap<Sender, VecDeque<[u8; 32]>>,
	/// Every message's arrival, oldest first, for expiry.
	arrivals: VecDeque<(Instant, Sender, [u8; 32])>,
	outbound: Option<tokio::sync::mpsc::UnboundedSender<Vec<u8>>>,
}

impl Store {
	/// Forgets `sender`'s message under `topic`.
	fn forget(&mut self, sender: Sender, topic: &[u8; 32]) {
		if let Some(messages) = self.topics.get_mut(topic) {
			messages.retain(|(s, _)| *s != sender);
			if messages.is_empty() {
				self.topics.remove(topic);
			}
		}
		if let Some(topics) = self.by_sender.get_mut(&sender) {
			topics.retain(|t| t != topic);
			if topics.is_empty() {
				self.by_sender.remove(&sender);
			}
		}
	}

	/// Forgets what is older than [`KEEP_FOR`].
	fn expire(&mut self, now: Instant) {
		while let Some((at, sender, topic)) = self.arrivals.front().copied() {
			if now.duration_since(at) < KEEP_FOR {
				break;
			}
			self.arrivals.pop_front();
			self.forget(sender, &topic);
		}
	}

	/// Keeps `frame` from `sender` unless it is too long or `sender` has a
	/// message under its topic already; makes room in `sender`'s quota.
	fn keep(&mut self, sender: Sender, frame: &Frame, now: Instant) -> bool {
		self.expire(now);
		if frame.message.len() > MAX_MESSAGE {
			return false;
		}
		let messages = self.topics.entry(frame.topic).or_default();
		let duplicate = match sender {
			Sender::Local => messages.iter().any(|(_, m)| *m == frame.message),
			member => messages.iter().any(|(s, _)| *s == member),
		};
		if duplicate {
			return false;
		}
		messages.push((sender, frame.message.clone()));
		let topics = self.by_sender.entry(sender).or_default();
		topics.push_back(frame.topic);
		if topics.len() > MAX_PER_MEMBER {
			if let Some(oldest) = topics.pop_front() {
				self.forget(sender, &oldest);
			}
		}
		self.arrivals.push_back((now, sender, frame.topic));
		true
	}
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
		if store.keep(Sender::Local, &frame, Instant::now()) {
			if let Some(out) = &store.outbound {
				let _ = out.send(frame.encode());
			}
		}
	}

	/// What was published or received under `topic`, oldest first.
	pub fn received(&self, topic: &[u8; 32]) -> Vec<Vec<u8>> {
		let mut store = self.lock();
		store.expire(Instant::now());
		store.topics.get(topic).map(|m| m.iter().map(|(_, m)| m.clone()).collect()).unwrap_or_default()
	}

	/// A frame from a peer: kept if it is well formed, `check` names the
	/// committee member who signed it, and that member has nothing under
	/// its topic yet. Returns whether it was kept (and so should be passed
	/// on). `check` runs without the hub locked.
	pub fn deliver(&self, bytes: &[u8], check: impl FnOnce(&Frame) -> Option<(u64, u16)>) -> bool {
		if bytes.len() > MAX_MESSAGE + 40 {
			return false;
		}
		let Ok(frame) = Frame::decode(&mut &bytes[..]) else { return false };
		let Some((epoch, member)) = check(&frame) else { return false };
		self.lock().keep(Sender::Member(epoch, member), &frame, Instant::now())
	}

	/// The frames this node publishes from now on, to send to its peers.
	/// One receiver at a time: a new one replaces the last.
	pub fn connect(&self) -> tokio::sync::mpsc::UnboundedReceiver<Vec<u8>> {
		let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
		self.lock().outbound = Some(tx);
		rx
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

	/// A check that names member `m` of epoch 1 for every frame.
	fn member(m: u16) -> impl FnOnce(&Frame) -> Option<(u64, u16)> {
		move |_| Some((1, m))
	}

	#[test]
	fn a_published_message_is_kept_and_sent_out() {
		let hub = Hub::default();
		let mut out = hub.connect();
		hub.publish([1; 32], b"sig".to_vec());
		assert_eq!(hub.received(&[1; 32]), vec![b"sig".to_vec()]);
		assert_eq!(out.try_recv().unwrap(), frame(1, b"sig"));
		assert!(hub.received(&[2; 32]).is_empty());
		// The same message again is neither kept twice nor sent again.
		hub.publish([1; 32], b"sig".to_vec());
		assert_eq!(hub.received(&[1; 32]).len(), 1);
		assert!(out.try_recv().is_err());
	}

	#[test]
	fn a_member_counts_once_per_topic_and_is_relayed_once() {
		let hub = Hub::default();
		assert!(hub.deliver(&frame(1, b"a"), member(0)));
		assert!(!hub.deliver(&frame(1, b"a"), member(0)), "a repeat is not relayed again");
		assert!(!hub.deliver(&frame(1, b"other"), member(0)), "one message per member and topic");
		assert!(hub.deliver(&frame(1, b"b"), member(1)));
		assert_eq!(hub.received(&[1; 32]), vec![b"a".to_vec(), b"b".to_vec()]);
	}

	#[test]
	fn unchecked_malformed_and_oversized_frames_are_dropped() {
		let hub = Hub::default();
		assert!(!hub.deliver(&frame(1, b"junk"), |_| None), "not a member's signature");
		assert!(!hub.deliver(&[1, 2, 3], member(0)));
		assert!(!hub.deliver(&frame(1, &[0; MAX_MESSAGE + 1]), member(0)));
		assert!(hub.received(&[1; 32]).is_empty());
	}

	#[test]
	fn a_member_flooding_topics_evicts_only_its_own() {
		let hub = Hub::default();
		assert!(hub.deliver(&frame(0xff, b"honest"), member(1)));
		for t in 0..=MAX_PER_MEMBER as u32 {
			let mut topic = [0u8; 32];
			topic[..4].copy_from_slice(&t.to_le_bytes());
			let bytes = Frame { topic, message: b"junk".to_vec() }.encode();
			assert!(hub.deliver(&bytes, member(0)));
		}
		assert!(hub.received(&[0; 32]).is_empty(), "the flooder's oldest went first");
		assert_eq!(hub.received(&[0xff; 32]), vec![b"honest".to_vec()], "another member's stays");
	}

	#[test]
	fn messages_expire() {
		let mut store = Store::default();
		let start = Instant::now();
		let frame = Frame { topic: [1; 32], message: b"a".to_vec() };
		assert!(store.keep(Sender::Member(1, 0), &frame, start));
		store.expire(start + KEEP_FOR);
		assert!(store.topics.is_empty() && store.by_sender.is_empty() && store.arrivals.is_empty());
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
