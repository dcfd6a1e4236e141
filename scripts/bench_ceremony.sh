#!/usr/bin/env bash
# The trusted setup's figures, one command:
#   scripts/bench_ceremony.sh [powers ...]   (default: 12 16 18)
# 1. the CLI at each power: a contribution (read, compute, write), the beacon
#    step, and the verification of a transcript [initial, contribution,
#    beacon] (two steps, files read and every point checked), as `daifi-zk`
#    reports them; then the key derivation of each reference model (`phase2
#    start` from a 2^13 phase 1, the ONNX compile included);
# 2. criterion (`cargo bench -p daifi-zk --bench ceremony`): a phase-1
#    contribution and one step's verification at 2^12, and per reference
#    model the key derivation, a phase-2 contribution and a phase-2
#    verification (set SKIP_CRITERION=1 to skip).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --release -p daifi-zk
zk="$CARGO_TARGET_DIR/release/daifi-zk"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
powers=("$@")
[ ${#powers[@]} -gt 0 ] || powers=(12 16 18)
printf '\n%-8s %-14s %-16s %-14s %-12s\n' powers file contribute verify_2_steps beacon
for p in "${powers[@]}"; do
	"$zk" phase1 new --power "$p" --out "$work/0.bin" > /dev/null
	contribute=$("$zk" phase1 contribute --previous "$work/0.bin" --out "$work/1.bin" | grep -o 'in [0-9.]* s' | cut -d' ' -f2)
	beacon=$("$zk" phase1 beacon --previous "$work/1.bin" --beacon "$(printf '%064d' 0)" --iterations-log2 20 --out "$work/2.bin" | grep -o 'in [0-9.]* s' | cut -d' ' -f2)
	verify=$("$zk" phase1 verify "$work"/{0,1,2}.bin | grep -o 'in [0-9.]* s' | cut -d' ' -f2)
	size=$(stat -c %s "$work/1.bin")
	printf '2^%-6s %-14s %-16s %-14s %-12s\n' "$p" "$((size / 1024)) KiB" "$contribute s" "$verify s" "$beacon s"
	rm -f "$work"/*.bin
done

"$zk" phase1 new --power 13 --out "$work/0.bin" > /dev/null
"$zk" phase1 contribute --previous "$work/0.bin" --out "$work/1.bin" > /dev/null
"$zk" phase1 beacon --previous "$work/1.bin" --beacon "$(printf '%064d' 0)" --out "$work/2.bin" > /dev/null
printf '\n%-16s %-12s\n' model derive
for m in mlp_64_32_10 mlp_64_128_10 cnn_digits; do
	t=$("$zk" phase2 start "zk-circuits/models/$m.onnx" --phase1 "$work/2.bin" --key-out "$work/k" --transcript "$work/t" | grep -o 'derived in [0-9.]* s' | cut -d' ' -f3)
	printf '%-16s %-12s\n' "$m" "$t s"
done

[ "${SKIP_CRITERION:-}" = 1 ] || cargo bench -p daifi-zk --bench ceremony -- --noplot 2>&1 | grep -E '^(phase1|ceremony)_|time:' || true
