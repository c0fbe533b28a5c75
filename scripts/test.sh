#!/usr/bin/env bash
# Runs every test of VAE Lab on a fresh machine: installs what is missing (scripts/setup.sh), then
# the native suite on the machine's Vulkan adapter (lavapipe in CI) and part of it on SwiftShader, the numpy cross-check, and
# the browser suite in headless Chromium (WebGPU on SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# lavapipe's window-system probing complains without a runtime dir; give it a private one.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d)
  export XDG_RUNTIME_DIR
fi

cargo fmt --check # the tree stays in rustfmt's form (rustfmt.toml)
cargo test --release
# The sequence models' GPU tests again on SwiftShader (Chromium's Vulkan driver, what the browser's
# WebGPU runs on here): its robust buffer access reads zeros past a binding, where lavapipe reads on.
VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json cargo test --release --test latent_ode_gpu --test ode_kernels --test seq_kernels
bash tests/cross_check.sh
bash scripts/build-web.sh
node tests/e2e/run.mjs
