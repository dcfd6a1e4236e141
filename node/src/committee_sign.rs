//! `daifi-node committee-sign`: signs a payload with the committee keys of
//! the given compute keys, exactly as their nodes' off-chain workers would
//! (the key derived as in `daifi_compute::bls_keys`, the message as the
//! attestation pallet builds it), and prints each signature and their
//! aggregate.
//!
//! For operators checking which committee key a compute key gives, and for
//! tests that play a committee (a colluding one, to show that a wrong batch
//! it signs is challenged and its signers slashed). It needs the compute
//! keys' secrets, so it signs nothing a member could not sign anyway.

use pallet_attestation::bls::Signature;
use sp_core::{crypto::Pair as _, sr25519};

/// Sign a payload with committee keys.
#[derive(Debug, clap::Parser)]
pub struct CommitteeSignCmd {
	/// A compute key's secret URI (e.g. `//Alice//compute`); repeat for each
	/// signer.
	#[arg(long = "suri", required = true)]
	pub suris: Vec<String>,

	/// The chain's genesis hash (0x-hex): messages are signed for one chain.
	#[arg(long)]
	pub genesis: String,

	/// The committee's epoch.
	#[arg(long)]
	pub epoch: u64,

	/// The payload (0x-hex), e.g. a batch's `batch_payload(sequence, header hash)`.
	#[arg(long)]
	pub payload: String,
}

fn from_hex(what: &str, text: &str) -> Result<Vec<u8>, String> {
	sp_core::bytes::from_hex(text).map_err(|e| format!("{what}: not hex: {e}"))
}

impl CommitteeSignCmd {
	/// Prints `{"keys": [...], "signatures": [...], "aggregate": "0x.."}`,
	/// keys and signatures in the order of the `--suri`s.
	pub fn run(&self) -> Result<(), String> {
		let genesis: [u8; 32] =
			from_hex("genesis", &self.genesis)?.try_into().map_err(|_| "genesis: not 32 bytes".to_string())?;
		let payload = from_hex("payload", &self.payload)?;
		let message = pallet_attestation::attest_message(&sp_core::H256(genesis), self.epoch, &payload);
		let mut keys = Vec::new();
		let mut signatures = Vec::new();
		for suri in &self.suris {
			let pair = sr25519::Pair::from_string(suri, None).map_err(|e| format!("{suri}: {e:?}"))?;
			let secret = daifi_compute::bls_keys::from_pair(&pair).ok_or_else(|| format!("{suri}: no committee key"))?;
			keys.push(secret.public());
			signatures.push(secret.sign(&message));
		}
		let aggregate = Signature::aggregate(&signatures).ok_or("no signature to aggregate")?;
		let hex = |bytes: &[u8]| format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&bytes));
		let out = serde_json::json!({
			"keys": keys.iter().map(|k| hex(&k.0)).collect::<Vec<_>>(),
			"signatures": signatures.iter().map(|s| hex(&s.0)).collect::<Vec<_>>(),
			"aggregate": hex(&aggregate.0),
		});
		println!("{out}");
		Ok(())
	}
}
