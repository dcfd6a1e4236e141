#!/usr/bin/env bash
# Measures the weights of DAiFi's pallets and writes each pallet's weights.rs.
# Builds the node with the benchmark CLI first (about 200 more crates than the
# normal build; the target directory is shared).
# Usage: scripts/bench_weights.sh [pallet ...]   (default: all of DAiFi's)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --release -p daifi-node --features runtime-benchmarks
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(compute-staking model-registry tasks credits poc-rewards cnft attestation batches tricameral domains)
for dir in "${pallets[@]}"; do
	pallet="pallet_${dir//-/_}"
	"$DAIFI_NODE" benchmark pallet \
		--runtime "$CARGO_TARGET_DIR/release/wbuild/daifi-runtime/daifi_runtime.compact.compressed.wasm" \
		--genesis-builder=runtime --genesis-builder-preset=development \
		--pallet "$pallet" --extrinsic '*' \
		--steps 20 --repeat 10 --wasm-execution compiled \
		--template scripts/weights-template.hbs \
		--output "pallets/$dir/src/weights.rs"
done
