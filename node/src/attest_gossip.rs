//! The committee gossip's network side: a notification protocol,
//! `/<genesis hash>/daifi-attest/1`, over which nodes pass committee
//! members' signatures (see `daifi_compute::gossip`).
//!
//! Every peer the node syncs with is added to the protocol's peer set, as the
//! transactions protocol does. A message from the off-chain worker goes to
//! every peer with the protocol open; a message from a peer is checked (a
//! committee member's signature over its topic, by the runtime at the best
//! block) and, if the hub keeps it, goes on to every other peer, once. A
//! peer that sends anything else loses reputation.

use daifi_compute::gossip::{self, Peers};
use futures::{FutureExt, StreamExt};
use sc_network::{
	config::{NonReservedPeerMode, SetConfig},
	multiaddr, NetworkPeers, NotificationService, PeerId, ProtocolName,
	service::traits::{NotificationEvent, ValidationResult},
};
use sc_network_sync::{SyncEvent, SyncEventStream};
use std::{iter, sync::Arc};

/// The protocol's name on the chain with genesis hash `genesis`.
pub fn protocol_name(genesis: &[u8]) -> ProtocolName {
	format!("/{}/daifi-attest/1", sp_core::hexdisplay::HexDisplay::from(&genesis)).into()
}

/// The protocol's peer set: no slots of its own; the node's sync peers are
/// added to it as they connect (see [`run`]).
pub fn set_config() -> SetConfig {
	SetConfig { in_peers: 0, out_peers: 0, reserved_nodes: Vec::new(), non_reserved_mode: NonReservedPeerMode::Deny }
}

/// The largest notification: a frame of the largest message.
pub const MAX_NOTIFICATION: u64 = (gossip::MAX_MESSAGE + 64) as u64;

/// What woke the gossip loop.
enum Wake {
	Network(Option<NotificationEvent>),
	Local(Option<Vec<u8>>),
	Sync(Option<SyncEvent>),
}

/// What a peer that sent a message the node could not use pays.
const BAD_MESSAGE: sc_network::ReputationChange = sc_network::ReputationChange::new(-(1 << 12), "daifi-attest: bad message");

/// Carries the hub's messages to and from the node's peers until the
/// network stops; `check` names the committee member who signed a frame
/// (see `daifi_compute::gossip::Hub::deliver`).
pub async fn run(
	name: ProtocolName,
	mut service: Box<dyn NotificationService>,
	network: Arc<dyn NetworkPeers + Send + Sync>,
	sync: Arc<dyn SyncEventStream>,
	check: impl Fn(&gossip::Frame) -> Option<(u64, u16)> + Send + 'static,
) {
	let hub = gossip::hub();
	let mut outbound = hub.connect();
	let mut sync_events = sync.event_stream("daifi-attest-gossip").fuse();
	let mut peers: Peers<PeerId> = Peers::default();
	loop {
		let wake = {
			let network_event = service.next_event().fuse();
			let local = outbound.recv().fuse();
			futures::pin_mut!(network_event, local);
			futures::select! {
				event = network_event => Wake::Network(event),
				frame = local => Wake::Local(frame),
				event = sync_events.next() => Wake::Sync(event),
			}
		};
		match wake {
			Wake::Network(None) | Wake::Local(None) => return,
			Wake::Network(Some(NotificationEvent::ValidateInboundSubstream { result_tx, .. })) => {
				let _ = result_tx.send(ValidationResult::Accept);
			},
			Wake::Network(Some(NotificationEvent::NotificationStreamOpened { peer, .. })) => peers.opened(peer),
			Wake::Network(Some(NotificationEvent::NotificationStreamClosed { peer })) => peers.closed(&peer),
			Wake::Network(Some(NotificationEvent::NotificationReceived { peer, notification })) => {
				let mut valid = true;
				let kept = hub.deliver(&notification, |frame| {
					let signer = check(frame);
					valid = signer.is_some();
					signer
				});
				if kept {
					for other in peers.all_but(Some(&peer)) {
						service.send_sync_notification(&other, notification.clone());
					}
				} else if !valid {
					network.report_peer(peer, BAD_MESSAGE);
				}
			},
			Wake::Local(Some(frame)) =>
				for peer in peers.all_but(None) {
					service.send_sync_notification(&peer, frame.clone());
				},
			Wake::Sync(Some(SyncEvent::PeerConnected { peer_id, .. })) => {
				let address =
					iter::once(multiaddr::Protocol::P2p(peer_id.into())).collect::<multiaddr::Multiaddr>();
				if let Err(e) = network.add_peers_to_reserved_set(name.clone(), iter::once(address).collect()) {
					log::warn!(target: "daifi-attestation", "adding a gossip peer: {e}");
				}
			},
			Wake::Sync(Some(SyncEvent::PeerDisconnected(peer_id))) => {
				let _ = network.remove_peers_from_reserved_set(name.clone(), vec![peer_id]);
			},
			Wake::Sync(None) => {},
		}
	}
}
