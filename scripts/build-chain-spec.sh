#!/usr/bin/env bash
# Regenerates chain-spec/local-testnet-raw.json from the runtime's
# `local_testnet` preset (the node must be built first, e.g. by scripts/dev.sh).
# Usage: scripts/build-chain-spec.sh [chain] [output]   (default: local)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
chain="${1:-local}"
out="${2:-chain-spec/local-testnet-raw.json}"
"$DAIFI_NODE" build-spec --chain "$chain" --raw --disable-default-bootnode > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out (genesis from the '$chain' preset of the runtime in $DAIFI_NODE)"
