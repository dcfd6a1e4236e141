#!/usr/bin/env bash
# Makes the development chain's trusted setup with the real ceremony, and
# writes what the chain and its nodes need:
#
# - phase 1 (2^14 powers: every reference model and the exported 28x28 MLP
#   with its packed input, 13,928 constraints, fit; not the 28x28 CNNs): the initial
#   accumulator, three contributions (for Alice, Bob and Charlie, each with
#   fresh secrets from the operating system), closed by a beacon;
# - phase 2 for the digits MLP the development chain whitelists: its key
#   derived from phase 1, three contributions, a beacon;
# - every step verified (`daifi-zk phase1 verify`, `daifi-zk phase2 verify`).
#
# Outputs (committed): chain-spec/dev-ceremony/{phase1.bin, mlp_64_32_10.pk,
# mlp_64_32_10.transcript} and the records the runtime's genesis reads,
# pallets/model-registry/src/fixtures/{phase1.record, phase1.hash,
# mlp_64_32_10.transcript, mlp_64_32_10.vk}. Then regenerate the committed
# proof with `cargo test --release -p pallet-model-registry -- --ignored
# write_fixtures` and the raw chain spec with scripts/build-chain-spec.sh.
#
# What a development transcript protects: all three contributions ran in one
# process on one machine, so whoever ran this script could have kept the
# secrets. It proves the machinery, not anyone's honesty. The beacon is a
# fixed public string's hash, not a future block hash.
# With --phase2-only, phase 1 is kept as committed (the network makes phase 1
# once; a changed circuit needs only a new phase 2) and only the digits MLP's
# key, transcript and their records are made again.
#
# Usage: scripts/dev-ceremony.sh [--phase2-only]   (needs daifi-zk built: cargo build --release -p daifi-zk)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
zk="$CARGO_TARGET_DIR/release/daifi-zk"
out=chain-spec/dev-ceremony
fixtures=pallets/model-registry/src/fixtures
model=zk-circuits/models/mlp_64_32_10.onnx
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# The beacon: blake2b-256 of a public string, stretched 2^16 times.
beacon=$(python3 -c 'import hashlib; print(hashlib.blake2b(b"DAiFi development beacon", digest_size=32).hexdigest())')
hash_of() { grep -o 'hash 0x[0-9a-f]*' | tail -1 | cut -c8-; }

phase2_only=false
[ "${1:-}" = "--phase2-only" ] && phase2_only=true

if ! $phase2_only; then
"$zk" phase1 new --power 14 --out "$work/p0.bin" > /dev/null
for i in 1 2 3; do
	echo "phase 1: contribution $i"
	"$zk" phase1 contribute --previous "$work/p$((i - 1)).bin" --out "$work/p$i.bin" > /dev/null
done
"$zk" phase1 beacon --previous "$work/p3.bin" --beacon "$beacon" --iterations-log2 16 --out "$work/p4.bin" > /dev/null
steps=$("$zk" phase1 verify "$work"/p{0,1,2,3,4}.bin | tee /dev/stderr | grep -o '^step [0-9]: 0x[0-9a-f]*' | cut -c11-)
cp "$work/p4.bin" "$out/phase1.bin"
fi

"$zk" phase2 start "$model" --phase1 "$out/phase1.bin" --key-out "$work/k0.pk" --transcript "$work/t" > /dev/null
for i in 1 2 3; do
	echo "phase 2: contribution $i"
	"$zk" phase2 contribute --key "$work/k$((i - 1)).pk" --transcript "$work/t" --key-out "$work/k$i.pk" > /dev/null
done
transcript=$("$zk" phase2 beacon --key "$work/k3.pk" --transcript "$work/t" --beacon "$beacon" --iterations-log2 16 \
	--key-out "$out/mlp_64_32_10.pk" --verifying-key "$fixtures/mlp_64_32_10.vk" | hash_of)
cp "$work/t" "$out/mlp_64_32_10.transcript"
"$zk" phase2 verify "$model" --phase1 "$out/phase1.bin" --transcript "$out/mlp_64_32_10.transcript" \
	--key "$out/mlp_64_32_10.pk"

# The genesis records: power, initial hash, the three contributions, beacon; the final hash; the transcript hash.
python3 - "$fixtures" "$beacon" "$transcript" ${steps:-} <<'EOF'
import sys
fixtures, beacon, transcript, *steps = sys.argv[1:]
b = bytes.fromhex
open(f"{fixtures}/mlp_64_32_10.transcript", "wb").write(b(transcript))
print("digits transcript", transcript)
if not steps:
    sys.exit(0)  # --phase2-only: phase 1's records stay
assert len(steps) == 5, steps
open(f"{fixtures}/phase1.record", "wb").write(bytes([14]) + b"".join(b(s) for s in steps[:4]) + b(beacon))
open(f"{fixtures}/phase1.hash", "wb").write(b(steps[4]))
print("phase 1 final", steps[4])
EOF
