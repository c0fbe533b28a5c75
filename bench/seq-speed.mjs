// Speed of the sequence models in the browser (issue 15): the latent ODE's training step (batch 50
// spirals) and lesson 10's VRNN step (batch 64 MNIST digits, H 32, F 32, L 4, both inference
// directions) — f64 on the page's thread, as the lessons run them — in each wasm build, next to the
// latent ODE's native CLI; then both on WebGPU (VrnnGpu / OdeGpu, f32, what backend=webgpu runs).
// Usage: node bench/seq-speed.mjs [--site dist] [--steps 200] [--repeats 5]   → a Markdown table on stdout
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '../scripts/static-server.mjs';
import { CHROMIUM_ARGS } from '../scripts/chromium.mjs';

const { values: args } = parseArgs({
  options: {
    site: { type: 'string', default: 'dist' },
    steps: { type: 'string', default: '200' },
    repeats: { type: 'string', default: '5' },
  },
});
const STEPS = Number(args.steps);
const REPEATS = Number(args.repeats);
const BUILDS = ['vaelab.js'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await serve(args.site, 0);
const port = server.address().port;
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'seq-speed-')), {
  executablePath: '/usr/bin/chromium',
  headless: false, // --headless=new is in CHROMIUM_ARGS
  args: CHROMIUM_ARGS,
});
const rows = [];
const vrnnRows = [];
const gpuRows = [];
let adapter = '';
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/lessons.html#lesson=latent-ode&steps=0`);
  for (const build of BUILDS) {
    // Each repeat: a fresh model of seed 1, STEPS steps timed as one call after a 20-step warm-up.
    const ms = await page.evaluate(async ({ build, steps, repeats }) => {
      const mod = await import(`./www/pkg/${build}`);
      await mod.default();
      const out = [];
      for (let r = 0; r < repeats; r++) {
        const lab = new mod.OdeLab(1, 1);
        lab.train(20);
        const t0 = performance.now();
        lab.train(steps);
        out.push((performance.now() - t0) / steps);
        lab.free();
      }
      return out;
    }, { build, steps: STEPS, repeats: REPEATS });
    rows.push({ where: `Chromium, ${build}`, ms: median(ms), spread: [Math.min(...ms), Math.max(...ms)] });
  }
  // The VRNN of lesson 10 on its 4,000 MNIST training images (the site's gzipped IDX file).
  for (const inference of ['forward', 'backward']) {
    const ms = await page.evaluate(async ({ inference, repeats }) => {
      const mod = await import('./www/pkg/vaelab.js');
      await mod.default();
      const idx = async (name) => {
        const res = await fetch(`./www/data/${name}.gz`);
        const bytes = new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
        return bytes.subarray(16);
      };
      const [train, test] = [await idx('train-images-idx3-ubyte'), await idx('t10k-images-idx3-ubyte')];
      const out = [];
      for (let r = 0; r < repeats; r++) {
        const lab = new mod.VrnnLab(1, inference, train.subarray(0, 4000 * 784), test.subarray(0, 200 * 784));
        lab.train(3);
        const t0 = performance.now();
        lab.train(20);
        out.push((performance.now() - t0) / 20);
        lab.free();
      }
      return out;
    }, { inference, repeats: REPEATS });
    vrnnRows.push({ inference, ms: median(ms), spread: [Math.min(...ms), Math.max(...ms)] });
  }
  // On WebGPU: each repeat a fresh GPU run of seed 1, 5 steps of warm-up, then 25 steps (one submit, one readback).
  const gpu = await page.evaluate(async ({ repeats }) => {
    const mod = await import('./www/pkg/vaelab.js');
    await mod.default();
    const res = await fetch('./www/data/train-images-idx3-ubyte.gz');
    const bytes = new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    const train = bytes.subarray(16, 16 + 4000 * 784);
    const makers = {
      'latent ODE (batch 50, S = 1)': () => mod.OdeGpu.create(1, 1),
      'VRNN, forward inference (batch 64)': () => mod.VrnnGpu.create(1, 'forward', train),
      'VRNN, backward inference': () => mod.VrnnGpu.create(1, 'backward', train),
    };
    const out = {};
    let adapter = '';
    for (const [name, make] of Object.entries(makers)) {
      out[name] = [];
      for (let r = 0; r < repeats; r++) {
        const run = await make();
        adapter = run.adapter();
        await run.train(5);
        const t0 = performance.now();
        await run.train(25);
        out[name].push((performance.now() - t0) / 25);
        run.free();
      }
    }
    return { out, adapter };
  }, { repeats: Math.min(REPEATS, 3) });
  adapter = gpu.adapter;
  for (const [name, ms] of Object.entries(gpu.out)) gpuRows.push({ name, ms: median(ms), spread: [Math.min(...ms), Math.max(...ms)] });
} finally {
  await browser.close();
  server.close();
}
// Native: the CLI's wall time for 5 epochs (100 steps) includes data generation and 5 evaluations.
const t0 = process.hrtime.bigint();
execFileSync('target/release/vaelab', ['ode', 'train', '--seed', '1', '--epochs', '5'], { encoding: 'utf8' });
const nativeMs = Number(process.hrtime.bigint() - t0) / 1e6 / 100;
rows.push({ where: 'native CLI (vaelab ode train --epochs 5: wall / 100 steps, with data and evaluations)', ms: nativeMs, spread: null });

console.log(`Latent ODE training step (batch 50, 1,000-spiral set, S = 1), ${STEPS} steps × ${REPEATS}, load ${loadavg()[0].toFixed(2)}:\n`);
console.log('| where | ms/step (median) | spirals/s | slowest–fastest |');
console.log('|---|---|---|---|');
for (const r of rows) {
  const spread = r.spread ? `${r.spread[0].toFixed(1)}–${r.spread[1].toFixed(1)}` : '–';
  console.log(`| ${r.where} | ${r.ms.toFixed(1)} | ${Math.round((50 * 1000) / r.ms)} | ${spread} |`);
}

console.log(`\nVRNN training step of lesson 10 (batch 64 digits, H 32, F 32, L 4), vaelab.js, 20 steps × ${REPEATS}:\n`);
console.log('| inference | ms/step (median) | images/s | slowest–fastest |');
console.log('|---|---|---|---|');
for (const r of vrnnRows) {
  console.log(`| ${r.inference} | ${r.ms.toFixed(1)} | ${Math.round((64 * 1000) / r.ms)} | ${r.spread[0].toFixed(1)}–${r.spread[1].toFixed(1)} |`);
}

console.log(`\nOn WebGPU (${adapter.trim() || 'adapter'}), f32, 25 steps per submit × ${Math.min(REPEATS, 3)}:\n`);
console.log('| model | ms/step (median) | slowest–fastest |');
console.log('|---|---|---|');
for (const r of gpuRows) console.log(`| ${r.name} | ${r.ms.toFixed(1)} | ${r.spread[0].toFixed(1)}–${r.spread[1].toFixed(1)} |`);
