//! Command-line interface: `daifi-node [run flags]` runs a node; the
//! subcommands manage keys, chain specs and the database.

use sc_cli::RunCmd;

/// The `daifi-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A maintenance subcommand; without one, the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Flags of a running node (`--dev`, `--chain`, `--validator`, `--base-path`, ...).
	#[clap(flatten)]
	pub run: RunCmd,

	/// Serve compute: run and prove the tasks assigned to the providers whose
	/// compute keys (key type `dcmp`) are in this node's keystore, with the
	/// models in DIR (ONNX files, and `<content hash>.pk` proving keys).
	/// Off-chain workers must run: they do on validators, otherwise add
	/// `--offchain-worker always`.
	#[arg(long, value_name = "DIR")]
	pub compute_models: Option<std::path::PathBuf>,
}

/// Maintenance subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys (e.g. BABE and GRANDPA
	/// session keys into a validator's keystore).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (`--raw` for the form nodes load).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks to a file.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks from a file.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Sign a payload with the committee keys of compute keys given by their
	/// secret URIs, as their nodes would (see `committee_sign`).
	CommitteeSign(crate::committee_sign::CommitteeSignCmd),

	/// Benchmarks: pallet weights, the machine, block execution (only in a node
	/// built with `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),
}
