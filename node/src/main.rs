//! `daifi-node`: the one binary DAiFi validators and compute providers run.

mod attest_gossip;
mod batch_rpc;
mod batch_sign;
mod chain_spec;
mod cli;
mod command;
mod committee_sign;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
