// Builds the wasm engine twice (RUSTFLAGS +simd128, and +simd128,+relaxed-simd; a target dir
// each), runs bench/web/cpu-kernels.html in headless Chromium and prints each CPU kernel's speed
// per build in a Web Worker, beside the core's FMA peak. Usage:
//   node bench/cpu-kernels.mjs [--no-build] [--site DIR] [--variants simd128,relaxed-simd]
//                              [--only SUBSTRING] [--tiles 4,2,3,3|all] [--rounds 5] [--round-ms 40]
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '../scripts/static-server.mjs';
import { CHROMIUM_ARGS } from '../scripts/chromium.mjs';

const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    site: { type: 'string', default: 'target/cpu-bench-site' },
    variants: { type: 'string', default: 'simd128,relaxed-simd' },
    only: { type: 'string', default: '' },
    tiles: { type: 'string', default: '' },
    rounds: { type: 'string', default: '5' },
    'round-ms': { type: 'string', default: '40' },
  },
});
const FEATURES = { simd128: '+simd128', 'relaxed-simd': '+simd128,+relaxed-simd' };
const variants = opts.variants.split(',');
const pkg = join(opts.site, 'bench', 'pkg');

if (!opts['no-build']) {
  mkdirSync(pkg, { recursive: true });
  for (const variant of variants) {
    const features = FEATURES[variant];
    if (!features) throw new Error(`unknown variant ${variant} (${Object.keys(FEATURES).join(', ')})`);
    const targetDir = `target/wasm-${variant}`;
    console.log(`building ${variant}: RUSTFLAGS="-C target-feature=${features}" CARGO_TARGET_DIR=${targetDir}`);
    execFileSync('cargo', ['build', '--release', '--lib', '--target', 'wasm32-unknown-unknown'], {
      stdio: 'inherit',
      env: { ...process.env, RUSTFLAGS: `-C target-feature=${features}`, CARGO_TARGET_DIR: targetDir },
    });
    const wasm = `${targetDir}/wasm32-unknown-unknown/release/vaelab.wasm`;
    const bindgen = process.env.WASM_BINDGEN ?? join(homedir(), '.cargo/bin/wasm-bindgen');
    execFileSync(bindgen, ['--target', 'web', '--no-typescript', '--out-dir', pkg, '--out-name', `vaelab_${variant}`, wasm],
      { stdio: 'inherit' });
  }
}
cpSync('bench/web/cpu-kernels.html', join(opts.site, 'bench', 'cpu-kernels.html'));
cpSync('bench/web/cpu-kernels.js', join(opts.site, 'bench', 'cpu-kernels.js'));

// f32x4.relaxed_madd is 0xFD 0x85 0x02: count it in what wasm-bindgen wrote, to show the
// relaxed build really carries relaxed instructions through the bindgen step.
for (const variant of variants) {
  const bytes = readFileSync(join(pkg, `vaelab_${variant}_bg.wasm`));
  let madds = 0;
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02) madds++;
  console.log(`${variant}: ${(bytes.length / 1e6).toFixed(2)} MB, ${madds} f32x4.relaxed_madd byte sequences`);
}

const server = await serve(opts.site, 0);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vaelab-cpu-bench-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS,
});
try {
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error(`page: ${m.text()}`));
  const query = new URLSearchParams({ variants: opts.variants, only: opts.only, rounds: opts.rounds, round_ms: opts['round-ms'] });
  if (opts.tiles) query.set('tiles', opts.tiles);
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/cpu-kernels.html?${query}`);
  await page.waitForFunction(() => window.result, null, { timeout: 1_800_000 });
  const result = await page.evaluate(() => window.result);
  if (result.error) throw new Error(result.error);
  console.log(`${result.userAgent}\nwasm SIMD ${result.features.simd}, relaxed SIMD ${result.features.relaxedSimd}`);
  for (const v of result.variants) {
    if (v.skipped) { console.log(`\n${v.variant}: skipped (${v.skipped})`); continue; }
    console.log(`\n${v.variant} build (runs as ${v.isa}) in a Web Worker: FMA peak ${v.peak.toFixed(1)} GFLOP/s`);
    for (const r of v.rows) {
      const rate = r.flops ? `${r.ms.toFixed(3).padStart(8)} ms ${(r.flops / r.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s ${(100 * r.flops / r.ms / 1e6 / v.peak).toFixed(0).padStart(4)}%`
        : `${(r.ms * 1e3).toFixed(1).padStart(8)} µs`;
      console.log(`  ${r.name.padEnd(58)} ${rate}`);
    }
  }
} finally {
  await context.close();
  server.close();
}
