#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every
# test: Rust unit, pallet and runtime tests, then the end-to-end tests against
# real daifi-node processes (polkadot.js).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh

# One profile (release) for the node and the tests: every dependency compiles once.
cargo build --release -p daifi-node
cargo test --release --workspace

(cd scripts/e2e && npm test)
