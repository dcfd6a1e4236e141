#!/usr/bin/env bash
# Prepares the model directory a development node serves compute from: the
# reference digits MLP, its proving key, its phase-2 transcript and the
# development phase-1 file, all from the development ceremony
# (chain-spec/dev-ceremony, made by scripts/dev-ceremony.sh; the
# `development` preset whitelists the verifying key and records the hashes).
# The node checks that the key traces back to the recorded transcripts before
# it serves the model.
# Usage: scripts/dev-models.sh <dir>
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$1"
ceremony=chain-spec/dev-ceremony
fixtures=pallets/model-registry/src/fixtures
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
hash=$(hex "$fixtures/mlp_64_32_10.hash")
mkdir -p "$dir"
cp zk-circuits/models/mlp_64_32_10.onnx "$dir/"
cp "$ceremony/mlp_64_32_10.pk" "$dir/$hash.pk"
cp "$ceremony/mlp_64_32_10.transcript" "$dir/$hash.transcript"
cp "$ceremony/phase1.bin" "$dir/phase1-$(hex "$fixtures/phase1.hash").bin"
echo "$dir: mlp_64_32_10.onnx, $hash.pk, its transcript and the development phase 1"
