#!/usr/bin/env bash
# A model developer's path from an ONNX file to a model whitelisted by the
# three chambers: compile, phase-2 ceremony (with the contributions given),
# proposal, amendment with the final key, the proposal's state in each
# chamber. See scripts/e2e/whitelist-model.mjs for the options, and the
# README's "Whitelisting a model" section for a walk-through.
#   scripts/whitelist-model.sh propose MODEL.onnx --developer //Bob --url URL --price DAI --flops N [--contributor //Alice:compute ...]
#   scripts/whitelist-model.sh status INDEX [--close] [--wait SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
[ -d "$here/e2e/node_modules" ] || (cd "$here/e2e" && npm ci --no-audit --no-fund --loglevel=error)
exec node "$here/e2e/whitelist-model.mjs" "$@"
