#!/usr/bin/env bash
# Draws docs/emission.png (emission per era and cumulative emission over the
# first eight years) from the runtime API of a running development node,
# against the closed form. Starts a temporary `--dev` node unless given the
# HTTP RPC address of a running one; matplotlib goes into scripts/.venv.
# Usage: scripts/plot_emission.sh [http://127.0.0.1:9944]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x scripts/.venv/bin/python ] || python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q matplotlib==3.9.2
url="${1:-}"
if [ -z "$url" ]; then
	port=9966
	"$DAIFI_NODE" --dev --tmp --rpc-port "$port" >/tmp/daifi-plot-node.log 2>&1 &
	node=$!
	trap 'kill "$node" 2>/dev/null || true' EXIT
	url="http://127.0.0.1:$port"
	for _ in $(seq 60); do
		curl -s -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' "$url" >/dev/null && break
		sleep 1
	done
fi
scripts/.venv/bin/python scripts/plot_emission.py "$url" docs/emission.png
