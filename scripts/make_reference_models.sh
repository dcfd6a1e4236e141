#!/usr/bin/env bash
# Regenerates zk-circuits/models/ (the reference ONNX models and test set)
# in a virtual environment with scikit-learn and onnx from PyPI.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q scikit-learn onnx
.venv/bin/python make_reference_models.py
