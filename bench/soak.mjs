// The soak benchmark of issue 14: trains in the lab page for a long time (20 minutes by default) and
// samples its memory every 30 s — the page's JS heap after a forced GC (CDP; the least of 3 readings), DOM nodes and listeners,
// and the engine's wasm memory (the page's module, and each CPU worker's) — then says whether any of
// them grew more than 5% after the warm-up. The warm-up lasts `--warmup` minutes and until the chart
// history reached its bound (MetricHistory keeps 10,000–20,000 points per series: it grows until its
// first merge, then saws between the two). So that saw is not taken for a leak, the JS heap is also
// fitted as a + b·(history points) + c·t over the samples after the warm-up: c·(duration) is the
// growth the history does not explain, and the verdict uses it. Prints a table; samples go to JSON.
// Usage: node bench/soak.mjs [--site dist] [--minutes 20] [--every 30] [--warmup 2] [--backend auto|webgpu|cpu]
//                            [--link 'latent=2&…'] [--limit 5] [--out $TMPDIR/vaelab-soak.json]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../scripts/chromium.mjs';
import { serve } from '../scripts/static-server.mjs';

const { values: args } = parseArgs({
  options: {
    site: { type: 'string', default: 'dist' },
    minutes: { type: 'string', default: '20' },
    every: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'auto' },
    link: { type: 'string', default: '' },
    limit: { type: 'string', default: '5' },
    out: { type: 'string', default: join(tmpdir(), 'vaelab-soak.json') },
  },
});
const MINUTES = Number(args.minutes);
const EVERY_S = Number(args.every);
const WARMUP_MIN = Math.min(Number(args.warmup), MINUTES / 2);
const LIMIT = Number(args.limit);
const log = (...a) => console.error('[soak]', ...a);
const mb = (bytes) => (bytes / 2 ** 20).toFixed(2);

/** The engine's wasm memory, read inside the page: its own module (the WebGPU engine's, and the
 *  config functions'), and the CPU engine's module URL from the resources it fetched. */
function pageWasm() {
  const cpu = performance.getEntriesByType('resource').map((e) => e.name).find((n) => /vaelab_cpu_[a-z0-9]+_bg\.wasm$/.test(n));
  return import(new URL('www/pkg/vaelab.js', location.href).href)
    .then((m) => m.default())
    .then((wasm) => ({ page: wasm.memory.buffer.byteLength, cpuModule: cpu ? cpu.replace(/_bg\.wasm$/, '.js') : null }));
}

/** In a CPU worker: its wasm instance's memory (the module is cached: default() returns its instance). */
function workerWasm(url) {
  return import(url).then((m) => m.default()).then((wasm) => wasm.memory.buffer.byteLength);
}

async function sample(page, cdp, t0) {
  // The least of three readings after a full GC, half a second apart: a reading taken while the page
  // holds a frame's temporary copies (chart data, metrics in flight) is not the heap it keeps.
  let heap = null;
  for (let k = 0; k < 3; k++) {
    if (k > 0) await page.waitForTimeout(500);
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage');
    if (!heap || h.usedSize < heap.usedSize) heap = h;
  }
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? null;
  const wasm = await page.evaluate(pageWasm);
  let workers = 0;
  if (wasm.cpuModule) {
    for (const worker of page.workers()) workers += await worker.evaluate(workerWasm, wasm.cpuModule).catch(() => 0);
  }
  const s = await page.evaluate(() => window.vaelab.status());
  const history = await page.evaluate(() => {
    const h = window.vaelab.history();
    return { width: h.train.width, points: h.train.step.length + h.test.step.length };
  });
  return {
    historyWidth: history.width,
    historyPoints: history.points,
    t: (Date.now() - t0) / 1000,
    step: s.step,
    stepsPerSecond: s.stepsPerSecond,
    testLoss: s.testLoss,
    jsHeapUsed: heap.usedSize,
    jsHeapTotal: heap.totalSize,
    domNodes: metric('Nodes'),
    listeners: metric('JSEventListeners'),
    wasmPage: wasm.page,
    wasmWorkers: workers,
  };
}

const server = await serve(args.site, 0);
const base = `http://127.0.0.1:${server.address().port}/`;
const userDataDir = mkdtempSync(join(tmpdir(), 'vaelab-soak-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: false, // --headless=new is in CHROMIUM_ARGS
  args: CHROMIUM_ARGS,
  viewport: { width: 1280, height: 800 },
});
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const hash = `#v=1${args.link ? `&${args.link}` : ''}${args.backend !== 'auto' ? `&backend=${args.backend}` : ''}&autoplay=1`;
await page.goto(base + hash);
await page.evaluate(() => window.vaelab.ready);
const cdp = await context.newCDPSession(page);
await cdp.send('Performance.enable');
const t0 = Date.now();
const samples = [];
log(`training ${hash} for ${MINUTES} min, a sample every ${EVERY_S} s (warm-up ${WARMUP_MIN} min)`);
for (let i = 0; ; i++) {
  const s = await sample(page, cdp, t0);
  samples.push(s);
  log(`${(s.t / 60).toFixed(1)} min  step ${s.step}  heap ${mb(s.jsHeapUsed)} MB  nodes ${s.domNodes}  wasm ${mb(s.wasmPage)} + ${mb(s.wasmWorkers)} MB`);
  const next = t0 + (i + 1) * EVERY_S * 1000;
  if (next > t0 + MINUTES * 60_000 + 1000) break;
  await page.waitForTimeout(Math.max(0, next - Date.now()));
}
const status = await page.evaluate(() => window.vaelab.status());
await context.close();
server.close();
rmSync(userDataDir, { recursive: true, force: true });

// Growth after the warm-up: the last sample against the first one at or after it (and the peak).
const filled = samples.findIndex((s) => s.historyWidth > 1);
const historyFull = filled >= 0;
const warm = samples.findIndex((s, i) => s.t >= WARMUP_MIN * 60 && (!historyFull || i >= filled));
const after = samples.slice(warm >= 0 ? warm : samples.length - 1);
const first = after[0];
const last = after[after.length - 1];
const measures = [
  ['JS heap (used, after GC)', 'jsHeapUsed', mb, 'MB'],
  ['DOM nodes', 'domNodes', String, ''],
  ['event listeners', 'listeners', String, ''],
  ['wasm memory, page', 'wasmPage', mb, 'MB'],
  ['wasm memory, CPU workers', 'wasmWorkers', mb, 'MB'],
];
const rows = measures.map(([label, key, fmt, unit]) => {
  const a = first[key] ?? 0;
  const b = last[key] ?? 0;
  const peak = Math.max(...after.map((s) => s[key] ?? 0));
  const growth = a > 0 ? (100 * (b - a)) / a : 0;
  return { label, key, first: a, last: b, peak, growth, ok: growth <= LIMIT, text: `${fmt(a)} → ${fmt(b)} ${unit} (peak ${fmt(peak)}; ${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%)` };
});
// The JS heap against the history's size and time (least squares): the time term is what leaks.
function fit(points) {
  const n = points.length;
  if (n < 4) return null;
  const X = points.map((p) => [1, p.historyPoints, p.t]);
  const y = points.map((p) => p.jsHeapUsed);
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => X.reduce((sum, x) => sum + x[i] * x[j], 0)));
  const b = [0, 1, 2].map((i) => X.reduce((sum, x, k) => sum + x[i] * y[k], 0));
  for (let i = 0; i < 3; i++) { // Gaussian elimination with partial pivoting
    let p = i;
    for (let r = i + 1; r < 3; r++) if (Math.abs(A[r][i]) > Math.abs(A[p][i])) p = r;
    [A[i], A[p]] = [A[p], A[i]];
    [b[i], b[p]] = [b[p], b[i]];
    if (Math.abs(A[i][i]) < 1e-12) return null;
    for (let r = i + 1; r < 3; r++) {
      const f = A[r][i] / A[i][i];
      for (let c = i; c < 3; c++) A[r][c] -= f * A[i][c];
      b[r] -= f * b[i];
    }
  }
  const w = [0, 0, 0];
  for (let i = 2; i >= 0; i--) w[i] = (b[i] - A[i].slice(i + 1).reduce((sum, a, k) => sum + a * w[i + 1 + k], 0)) / A[i][i];
  return { base: w[0], perPoint: w[1], perSecond: w[2] };
}
const model = fit(after);
if (model) {
  const span = last.t - first.t;
  const level = model.base + model.perPoint * (after.reduce((sum, s) => sum + s.historyPoints, 0) / after.length) + model.perSecond * first.t;
  const growth = (100 * model.perSecond * span) / level;
  rows.unshift({ label: 'JS heap beyond the chart history (fit)', key: 'jsHeapFit', first: level, last: level + model.perSecond * span, peak: null, growth,
    ok: growth <= LIMIT, text: `${mb(model.perSecond * span)} MB over ${(span / 60).toFixed(1)} min (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%); the history costs ${(model.perPoint).toFixed(0)} bytes a point` });
  rows.find((r) => r.key === 'jsHeapUsed').ok = true; // judged by the fit above; the raw figures stay in the table
}
const verdict = errors.length === 0 && rows.every((r) => r.ok);
const warmupEnded = after[0].t / 60;
const result = { hash, minutes: MINUTES, every: EVERY_S, warmupMinutes: WARMUP_MIN, warmupEnded, historyFull, limitPercent: LIMIT, backend: status.backend,
  adapter: status.adapter, steps: status.step, errors, rows, samples, verdict };
writeFileSync(args.out, JSON.stringify(result, null, 2));

console.log(`soak: ${MINUTES} min on ${status.backend} (${status.adapter}), ${status.step} steps, ${samples.length} samples; after the warm-up (${warmupEnded.toFixed(1)} min, ${after.length} samples):`);
if (!historyFull) console.log(`  (the chart history had not reached its bound of 20,000 points: part of any JS heap growth is it filling)`);
for (const r of rows) console.log(`  ${r.ok ? 'ok  ' : 'GREW'} ${r.label}: ${r.text}`);
if (!model) console.log('  (too few samples after the warm-up to separate the chart history from a leak: the raw JS heap decides)');
if (errors.length) console.log(`  page errors: ${errors.join(' | ')}`);
console.log(`${verdict ? 'no' : 'a'} measure grew more than ${LIMIT}% after the warm-up (samples in ${args.out})`);
process.exit(verdict ? 0 : 1);
