#!/usr/bin/env bash
# The zk benchmark and the ezkl comparison, one command:
#   scripts/bench_zk.sh
# 1. criterion benchmarks of daifi-zk (setup, prove, verify per reference model);
# 2. the same models proved by ezkl (PyPI, in a virtual environment) on this machine;
# 3. the ratio of the proving times.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

cargo bench --workspace --bench prove -- --noplot 2>&1 | grep -E 'constraints|time:|^[a-z_0-9]+/(setup|prove|verify)' || true

[ -x scripts/.venv/bin/python ] || python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q ezkl==23.0.5
ezkl_out=$(scripts/.venv/bin/python scripts/ezkl_compare.py 3)
echo "$ezkl_out"

python3 - "$CARGO_TARGET_DIR/criterion" <<PY
import json, sys
from pathlib import Path
root = Path(sys.argv[1])
ezkl = [json.loads(l) for l in """$ezkl_out""".splitlines() if l.startswith("{")]
print()
print(f"{'model':<16}{'daifi-zk prove':>16}{'ezkl prove':>14}{'ratio':>10}")
for row in ezkl:
    est = json.loads((root / row["model"] / "prove" / "new" / "estimates.json").read_text())
    ours = est["median"]["point_estimate"] / 1e9
    print(f"{row['model']:<16}{ours*1e3:>13.1f} ms{row['prove_s']:>12.2f} s{row['prove_s']/ours:>9.0f}x")
PY
