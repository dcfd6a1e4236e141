//! `daifi-node`: the one binary DAiFi validators and compute providers run.

mod attest_gossip;
mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
