#!/usr/bin/env bash
# Prepares the model directory a development node serves compute from:
# the reference digits MLP and its proving key from the development chain's
# public setup seed (the same seed made the verifying key the `development`
# preset whitelists: pallets/model-registry/src/fixtures). Development only:
# anyone who knows the seed can forge proofs.
# Usage: scripts/dev-models.sh <dir>
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
dir="$1"
model=zk-circuits/models/mlp_64_32_10.onnx
mkdir -p "$dir"
cp "$model" "$dir/"
hash=$(od -An -tx1 -v pallets/model-registry/src/fixtures/mlp_64_32_10.hash | tr -d ' \n')
if [ ! -f "$dir/$hash.pk" ]; then
	tmp=$(mktemp -d)
	"$CARGO_TARGET_DIR/release/daifi-zk" setup "$model" --insecure-dev-seed 1 --out "$tmp" > /dev/null
	cmp -s "$tmp/verifying.key" pallets/model-registry/src/fixtures/mlp_64_32_10.vk ||
		{ echo "the dev seed no longer gives the whitelisted key" >&2; exit 1; }
	mv "$tmp/proving.key" "$dir/$hash.pk"
	rm -rf "$tmp"
fi
echo "$dir: $(basename "$model") and $hash.pk"
