#!/usr/bin/env bash
# Cross-check with an implementation that shares no code with the engine: a short `vaelab train`
# writes weights, then `vaelab eval` and bench/eval_safetensors.py (numpy) must agree on the
# test loss within 0.5 nats. Prints a `N passed, N failed` line like the other suites.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv target/pyenv >/dev/null 2>&1 || true
target/pyenv/bin/pip install -q -r bench/requirements.txt

cargo build --release --quiet --bin vaelab
./target/release/vaelab train --steps 150 --seed 3 --out "$work/w.safetensors" >/dev/null
engine=$(./target/release/vaelab eval "$work/w.safetensors" | sed -n 's/^test_loss=\([0-9.]*\).*/\1/p')
numpy=$(target/pyenv/bin/python bench/eval_safetensors.py "$work/w.safetensors" | sed -n 's/^test_loss=\([0-9.]*\).*/\1/p')
echo "engine test_loss=$engine numpy test_loss=$numpy"
if python3 -c "import sys; sys.exit(0 if abs($engine - $numpy) <= 0.5 else 1)"; then
  echo "1 passed, 0 failed"
else
  echo "engine and numpy disagree by more than 0.5 nats"
  echo "0 passed, 1 failed"
  exit 1
fi
