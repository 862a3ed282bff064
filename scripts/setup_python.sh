#!/usr/bin/env bash
# Create (if missing) the project venv at <repo>/.venv and install the Python
# dependencies of the numerical equivalence suite. Idempotent: when the
# requirements file has not changed since the last successful install, it
# only checks that the venv imports and exits.
#
# torch is pinned to 2.13.0 (CPU wheel on disk here); see verify/requirements.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
REQ="$ROOT/verify/requirements.txt"
STAMP="$VENV/.switcheroo-requirements.sha256"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup_python: creating $VENV"
  "$PY" -m venv "$VENV"
fi

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [ "$want" = "$have" ] && "$VENV/bin/python" -c 'import torch, jax, flax, optax, pytest' 2>/dev/null; then
  echo "setup_python: $VENV is up to date"
  exit 0
fi

start=$(date +%s)
"$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQ"
echo "$want" > "$STAMP"
echo "setup_python: installed in $(( $(date +%s) - start ))s"
"$VENV/bin/python" -c 'import torch, jax, flax, optax; print("torch", torch.__version__, "jax", jax.__version__, "flax", flax.__version__, "optax", optax.__version__)'
