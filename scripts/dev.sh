#!/usr/bin/env bash
# The README's first command: install what is missing, build daifi-node and run
# a development chain (one validator, Alice) with its data in a temporary
# directory, removed when the node stops. Alice serves the digits model: her
# compute key is in the keystore and the node runs and proves her tasks.
# Extra arguments go to the node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# The whole workspace, as the tests build it: features unify the same way, so
# scripts/test.sh afterwards reuses every compiled dependency.
cargo build --release --workspace

base=$(mktemp -d -t daifi-dev-XXXXXX)
trap 'rm -rf "$base"' EXIT
scripts/dev-models.sh "$base/models"
"$DAIFI_NODE" key insert --dev --base-path "$base" --key-type dcmp --scheme sr25519 --suri //Alice//compute
rpc_port="${RPC_PORT:-9944}"
echo
echo "DAiFi development chain: RPC endpoint ws://127.0.0.1:${rpc_port} (data in $base)"
echo "polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A${rpc_port}"
echo
"$DAIFI_NODE" --dev --base-path "$base" --rpc-port "$rpc_port" --compute-models "$base/models" "$@"
