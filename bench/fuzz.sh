#!/usr/bin/env bash
# The long fuzz run of the parsers that read user input (link pairs, edits, IDX, safetensors): bench/fuzz.rs,
# a million seeded inputs each by default. Usage: bash bench/fuzz.sh [INPUTS] [SEED]   (exit 1 on any panic)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench fuzz -- --inputs "${1:-1000000}" --seed "${2:-1}"
