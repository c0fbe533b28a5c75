#!/usr/bin/env bash
# Builds the page and serves it at http://127.0.0.1:8080 (MNIST included). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
echo "VAE Lab: open http://127.0.0.1:${PORT:-8080}/"
exec node scripts/static-server.mjs dist "${PORT:-8080}"
