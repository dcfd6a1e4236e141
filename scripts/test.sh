#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every
# test: Rust unit, pallet and runtime tests, then the end-to-end tests against
# real daifi-node processes (polkadot.js).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh

# One cargo invocation, one profile (release): every dependency compiles once,
# with one feature set. It also builds the real daifi-node binary (the node's
# CLI tests need it), which the end-to-end tests then run.
cargo test --release --workspace

# The verifier the runtime links must build for the runtime's wasm target;
# its JavaScript build (the fast path's wasm verifier, which the end-to-end
# tests load) is the same crate for the same target, with exports.
cargo build --release -p daifi-zk-verifier --target wasm32v1-none --no-default-features
cargo build --release -p daifi-zk-verifier-wasm --target wasm32v1-none --no-default-features

# The end-to-end compute test leaves a snapshot of the chain's state after
# its tasks; the runtime's try-runtime checks run on it, with the runtime's
# `try-runtime` feature (every pallet's `try_state`, FRAME's included, and the
# upgrade checks). Built over the workspace's feature set, so only the crates
# the feature touches are rebuilt natively (about 40, a minute or two); the
# runtime's wasm is not needed for it.
snapshot=$(mktemp -t daifi-snapshot-XXXXXX.json)
trap 'rm -f "$snapshot"' EXIT
(cd scripts/e2e && DAIFI_SNAPSHOT="$snapshot" npm test)
DAIFI_SNAPSHOT="$snapshot" SKIP_WASM_BUILD=1 \
	cargo test --release --workspace --features daifi-runtime/try-runtime --test try_runtime -- --ignored
