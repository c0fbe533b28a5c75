// The browser tests themselves (run by run.mjs): training on WebGPU, shared links, malformed links,
// no WebGPU, long tasks while training, the latent view, hashchange and continuing after a GPU loss.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';

const STEPS = 20; // SwiftShader runs the default model at ~3 steps/s: keep runs short
const LINK = '#v=1&latent=2&beta=4&seed=7&enc_hidden=64&dec_hidden=64&batch_size=64&view=latent';

/**
 * Records long tasks from the very start of the page (installed before the page's scripts), and
 * long animation frames with the scripts that ran in them, to say what a long task was.
 */
const LONG_TASKS = () => {
  window.__longTasks = [];
  window.__longFrames = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const scripts = e.scripts.map((s) => `${s.invoker} ${s.sourceURL.split('/').pop()}:${s.sourceFunctionName} ${Math.round(s.duration)} ms`);
        const end = e.startTime + e.duration;
        const layout = e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0;
        const render = e.renderStart ? end - e.renderStart : 0;
        window.__longFrames.push({ start: e.startTime, end, scripts, detail: `frame ${Math.round(e.duration)} ms, blocking ${Math.round(e.blockingDuration)} ms, render ${Math.round(render)} ms (style+layout+paint ${Math.round(layout)} ms)` });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // long-animation-frame is newer than longtask; the attribution is optional
  }
};

const ready = (page) => page.evaluate(() => window.vaelab.ready.then(() => true));
const status = (page) => page.evaluate(() => window.vaelab.status());

/**
 * Grey-level variance inside the digit tiles of a canvas (white gaps skipped). `rows` picks tile rows
 * of a grid of 28·scale tiles `gap` apart with `groupGap` after every `groupRows` rows.
 */
function tileVariance(page, id, { scale = 2, gap = 2, groupRows = 0, groupGap = 0, rows = null } = {}) {
  return page.evaluate(({ id, scale, gap, groupRows, groupGap, rows }) => {
    const canvas = document.getElementById(id);
    const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const tile = 28 * scale;
    const rowOf = (y) => {
      for (let r = 0; ; r++) {
        const y0 = r * (tile + gap) + (groupRows ? Math.floor(r / groupRows) * groupGap : 0);
        if (y0 > y) return -1;
        if (y < y0 + tile) return r;
      }
    };
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (let y = 0; y < height; y++) {
      if (rows && !rows.includes(rowOf(y))) continue;
      for (let x = 0; x < width; x++) {
        const i = 4 * (y * width + x);
        if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255) continue;
        const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
        n++;
        sum += v;
        sq += v * v;
      }
    }
    return n ? sq / n - (sum / n) ** 2 : 0;
  }, { id, scale, gap, groupRows, groupGap, rows });
}

/** Trains `steps` steps of the page's link and returns the losses it produced. */
async function trainLink(open, hash, steps) {
  const { page, errors } = await open(hash);
  await ready(page);
  await page.evaluate((n) => window.vaelab.step(n), steps);
  const result = await page.evaluate(() => ({ status: window.vaelab.status(), history: window.vaelab.history() }));
  return { page, errors, ...result };
}

export const tests = [
  {
    name: 'page loads and trains on WebGPU; loss falls; pictures are not blank',
    async run({ open, shared, note, shot }) {
      const { page, errors } = await open('', { init: [LONG_TASKS] });
      await ready(page);
      const before = await status(page);
      assert.match(before.backend, /WebGPU/);
      assert.equal(before.step, 0);
      await page.evaluate((n) => window.vaelab.step(n), STEPS);
      await page.evaluate(() => window.vaelab.refresh());
      const after = await status(page);
      const { train } = await page.evaluate(() => window.vaelab.history());
      assert.equal(after.step, STEPS);
      assert.equal(train.step.length, STEPS);
      const first = train.loss.slice(0, 3).reduce((a, b) => a + b) / 3;
      const last = train.loss.slice(-3).reduce((a, b) => a + b) / 3;
      note(`loss ${first.toFixed(1)} → ${last.toFixed(1)} over ${STEPS} steps on ${after.adapter} (${after.backend})`);
      assert.ok(last < 0.8 * first, `loss did not fall enough: ${first} → ${last}`);
      // Rows 2 and 4 of the reconstruction grid are the model's output (1 and 3 are the originals).
      const recon = await tileVariance(page, 'recon-canvas', { groupRows: 2, groupGap: 8, rows: [1, 3] });
      const samples = await tileVariance(page, 'samples-canvas');
      note(`pixel variance: reconstructions ${recon.toFixed(0)}, samples ${samples.toFixed(0)}`);
      assert.ok(recon > 50, `reconstructions look blank (variance ${recon})`);
      assert.ok(samples > 50, `samples look blank (variance ${samples})`);
      await page.waitForFunction((n) => new RegExp(`Step ${n}\\b`).test(document.getElementById('status').textContent), STEPS);
      await shot(page, 'trained');
      assert.deepEqual(errors, []);
      shared.trained = { page, errors };
    },
  },
  {
    name: 'no main-thread task over 50 ms while training (Play for 12 s, both views)',
    async run({ shared, note, open }) {
      const { page, errors } = shared.trained ?? await open('', { init: [LONG_TASKS] });
      if (!shared.trained) await ready(page);
      const t0 = await page.evaluate(() => {
        window.__trainStart = performance.now();
        window.vaelab.timings();
        window.vaelab.play();
        return window.vaelab.status().step;
      });
      // The worst time of each part of the training frames, per 2 s (to tell what a long task was).
      const timings = [];
      for (let i = 0; i < 6; i++) {
        await page.waitForTimeout(2000);
        timings.push(await page.evaluate(() => window.vaelab.timings()));
        if (i === 2) await page.evaluate(() => window.vaelab.setView('latent'));
      }
      const { tasks, frames, start, s } = await page.evaluate(() => {
        window.vaelab.pause();
        return { tasks: window.__longTasks, frames: window.__longFrames, start: window.__trainStart, s: window.vaelab.status() };
      });
      await page.evaluate(() => window.vaelab.setView('training'));
      const during = tasks.filter((t) => t.start >= start);
      const worst = Math.max(0, ...during.map((t) => t.duration));
      const worstBefore = Math.max(0, ...tasks.filter((t) => t.start < start).map((t) => t.duration));
      note(`worst long task while training: ${worst.toFixed(0)} ms (${during.length} over 50 ms; ${s.step - t0} steps in 12 s; worst during loading: ${worstBefore.toFixed(0)} ms)`);
      const worstOf = (pick) => {
        const w = {};
        for (const t of timings) for (const [k, v] of Object.entries(pick(t) ?? {})) if (typeof v === 'number') w[k] = Math.max(w[k] ?? 0, v);
        return Object.entries(w).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
      };
      note(`load average of this machine (1 min): ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (a busy machine stretches tasks)`);
      note(`worst frame parts (ms): ${worstOf((t) => t)}`);
      note(`worst engine calls, synchronous part (ms): ${worstOf((t) => t.jobs)}`);
      note(`worst drawing (ms): ${worstOf((t) => t.views)}`);
      for (const task of during) {
        const frame = frames.find((f) => f.start <= task.start + 1 && task.start < f.end);
        note(`  ${task.duration.toFixed(0)} ms at ${(task.start - start).toFixed(0)} ms: ${frame ? `${frame.detail}; scripts: ${frame.scripts.join('; ') || 'none'}` : 'no long animation frame matched'}`);
      }
      assert.ok(s.step > t0, 'no steps ran while playing');
      assert.ok(worst < 50, `a main-thread task took ${worst} ms while training`);
      assert.deepEqual(errors, []);
    },
  },
  {
    name: 'download weights, copy link, and a narrow screen',
    async run({ open, shared, shot }) {
      const { page, errors } = shared.trained ?? await open('');
      if (!shared.trained) await ready(page);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
      assert.match(download.suggestedFilename(), /^vaelab-seed1-step\d+\.safetensors$/);
      const bytes = await readFile(await download.path());
      const headerLength = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
      const tensors = Object.entries(header).filter(([k]) => k !== '__metadata__');
      assert.ok(tensors.length >= 4, 'the weights file holds too few tensors');
      assert.equal(bytes.length - 8 - headerLength, 4 * (await status(page)).parameters, 'tensor bytes ≠ 4 × parameters');
      await page.locator('#copy-link').click();
      await page.waitForFunction(() => /Link copied|Copy this link/.test(document.getElementById('run-message').textContent));
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await shot(page, 'narrow');
      await page.setViewportSize({ width: 1280, height: 800 });
      assert.ok(overflow <= 0, `the page scrolls sideways on a narrow screen by ${overflow} px`);
      assert.deepEqual(errors, []);
    },
  },
  {
    name: 'continue from the last weights after the GPU is lost',
    async run({ shared, open, shot }) {
      const { page, errors } = shared.trained ?? await open('');
      if (!shared.trained) {
        await ready(page);
        await page.evaluate((n) => window.vaelab.step(n), STEPS);
      }
      // pause() (previous test) takes a snapshot of every submitted step; wait until it is in.
      await page.evaluate(() => window.vaelab.pause());
      await page.waitForFunction(() => {
        const s = window.vaelab.status();
        return s.stepsInFlight === 0 && s.snapshotStep === s.step;
      });
      const before = await status(page);
      assert.ok(before.step > 0);
      await page.evaluate(() => window.vaelab.simulateGpuError('GPU device lost (simulated by the test)'));
      await page.locator('#error').waitFor({ state: 'visible' });
      assert.match(await page.locator('#error').textContent(), /simulated by the test/);
      await shot(page, 'gpu-lost');
      await page.locator('#continue').click();
      await page.waitForFunction(() => !window.vaelab.status().lost);
      const resumed = await status(page);
      assert.equal(resumed.step, before.step, 'did not continue from the snapshot step');
      await page.evaluate(() => window.vaelab.step(2));
      const after = await status(page);
      assert.equal(after.step, before.step + 2);
      assert.ok(after.trainLoss < 0.8 * 548, `continued run has an untrained loss: ${after.trainLoss}`);
      assert.ok(await page.locator('#error').isHidden());
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a shared link restores its config, and two loads give bitwise the same losses',
    async run({ open, shared, note, shot }) {
      const a = await trainLink(open, LINK, 10);
      const c = a.status.config;
      assert.deepEqual(
        [c.latent, c.beta, c.seed, c.enc_hidden, c.dec_hidden, c.batch_size, c.lr, c.activation],
        [2, 4, 7, [64], [64], 64, Math.fround(1e-3), 'relu'],
      );
      assert.equal(a.status.view, 'latent');
      const hash = await a.page.evaluate(() => location.hash);
      for (const key of ['enc_hidden', 'dec_hidden', 'latent', 'activation', 'objective', 'beta', 'gamma', 'capacity_max',
        'capacity_steps', 'kl_warmup', 'lr', 'batch_size', 'seed', 'binarize', 'conditional', 'samples', 'view']) {
        assert.match(hash, new RegExp(`[#&]${key}=`), `the page's hash lacks ${key}: ${hash}`);
      }
      assert.match(hash, /^#v=1&/);
      await shot(a.page, 'shared-link');
      const b = await trainLink(open, hash, 10);
      note(`loss after 10 steps: ${a.status.trainLoss} and ${b.status.trainLoss}`);
      assert.ok(Object.is(a.status.trainLoss, b.status.trainLoss), 'losses differ');
      assert.deepEqual(b.history.train, a.history.train, 'loss curves differ');
      assert.deepEqual([...a.errors, ...b.errors], []);
      await b.page.close();
      shared.link = a;
    },
  },
  {
    name: 'latent = 2 shows the decoded manifold, the scatter and the interpolation',
    async run({ open, shared, note, shot }) {
      const { page, errors } = shared.link ?? await trainLink(open, LINK, 10);
      await page.evaluate(() => window.vaelab.refresh());
      assert.ok(await page.locator('#manifold-canvas').isVisible());
      const manifold = await tileVariance(page, 'manifold-canvas', { scale: 1, gap: 0 });
      const strip = await tileVariance(page, 'interp-canvas', { gap: 4 });
      const scatter = await page.evaluate(() => {
        const c = document.getElementById('latent-canvas');
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) coloured++;
        return coloured;
      });
      note(`manifold variance ${manifold.toFixed(0)}, interpolation variance ${strip.toFixed(0)}, coloured scatter pixels ${scatter}`);
      assert.ok(manifold > 50, `manifold looks blank (variance ${manifold})`);
      assert.ok(strip > 50, `interpolation looks blank (variance ${strip})`);
      assert.ok(scatter > 2000, 'the scatter has almost no points');
      // Hovering decodes a point into the z canvas.
      const box = await page.locator('#latent-canvas').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => /z = \(/.test(document.getElementById('z-caption').textContent));
      await page.evaluate(() => window.vaelab.refresh());
      assert.ok(await tileVariance(page, 'z-canvas', { scale: 5, gap: 0 }) > 10, 'hover decoded nothing');
      assert.equal(await page.locator('#latent-sliders input').count(), 2);
      await shot(page, 'latent-2');
      assert.deepEqual(errors, []);
    },
  },
  {
    name: 'hashchange applies a new link without reloading; live and structural changes',
    async run({ open, shared }) {
      const { page, errors } = shared.link ?? await trainLink(open, LINK, 2);
      await page.evaluate(() => (window.__sameDocument = true));
      await page.evaluate(() => (location.hash = '#v=1&latent=3&seed=9&enc_hidden=32&dec_hidden=32&view=training'));
      await page.waitForFunction(() => window.vaelab.status().config.latent === 3);
      const s = await status(page);
      assert.equal(s.config.seed, 9);
      assert.equal(s.config.beta, 1, 'keys missing from a link take their defaults');
      assert.equal(s.view, 'training');
      assert.equal(s.step, 0, 'a structural change restarts the run');
      assert.ok(await page.evaluate(() => window.__sameDocument), 'the page reloaded');
      assert.match(await page.locator('#run-message').textContent(), /latent 2 → 3/);
      const live = await page.evaluate(() => window.vaelab.setConfig({ beta: 2.5, lr: 0.002 }));
      assert.equal(live.rebuilt, false);
      assert.match(await page.evaluate(() => location.hash), /&beta=2\.5&/);
      const rebuilt = await page.evaluate(() => window.vaelab.setConfig({ enc_hidden: [48, 24] }));
      assert.equal(rebuilt.rebuilt, true);
      assert.deepEqual(rebuilt.config.enc_hidden, [48, 24]);
      assert.match(await page.evaluate(() => location.hash), /&enc_hidden=48,24&/);
      await page.evaluate(() => window.vaelab.step(2));
      assert.equal((await status(page)).step, 2);
      // The controls: a live field keeps the run; New seed and Reset restart it and say so.
      await page.locator('input[type=number][data-key=beta]').fill('3');
      await page.locator('input[type=number][data-key=beta]').dispatchEvent('change');
      await page.waitForFunction(() => window.vaelab.status().config.beta === 3);
      assert.equal((await status(page)).step, 2, 'a live change restarted the run');
      assert.match(await page.evaluate(() => location.hash), /&beta=3&/);
      await page.locator('#new-seed').click();
      await page.waitForFunction(() => window.vaelab.status().config.seed !== 9);
      assert.match(await page.locator('#run-message').textContent(), /seed 9 → \d+/);
      await page.evaluate(() => window.vaelab.step(1));
      await page.locator('#reset').click();
      await page.waitForFunction(() => /Reset/.test(document.getElementById('run-message').textContent));
      assert.equal((await status(page)).step, 0);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a malformed link loads with clamped values, a visible notice and no error',
    async run({ open, note, shot }) {
      const { page, errors } = await open('#v=1&latent=-5&beta=abc&lr=1e9&<script>alert(1)</script>&<img src=x onerror=alert(2)>');
      await ready(page);
      const s = await status(page);
      const notices = await page.evaluate(() => window.vaelab.notices());
      note(`notices: ${notices.join(' | ')}`);
      // The engine reads "-5" for an unsigned key as "not a number" and falls back to the default (20)
      // rather than clamping to 1; either is a valid config with a notice.
      assert.ok([1, 20].includes(s.config.latent), `latent = ${s.config.latent}`);
      assert.equal(s.config.beta, 1);
      assert.equal(s.config.lr, 1);
      const notice = page.locator('#notice');
      assert.ok(await notice.isVisible(), 'no visible notice');
      const text = await notice.textContent();
      for (const word of ['latent', 'beta', 'lr', 'script']) assert.match(text, new RegExp(word));
      assert.equal(await page.locator('body script').count(), 1, 'a script element was injected');
      assert.equal(await page.locator('img').count(), 0, 'an img element was injected');
      assert.ok(await page.locator('#error').isHidden());
      await shot(page, 'malformed-link');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'without navigator.gpu the page says WebGPU is unavailable and what to do',
    async run({ open, shot }) {
      const { page, errors } = await open('', { init: [() => delete Navigator.prototype.gpu] });
      await page.locator('#error').waitFor({ state: 'visible' });
      const text = await page.locator('#error').textContent();
      assert.match(text, /WebGPU is unavailable/);
      assert.match(text, /navigator\.gpu/);
      assert.match(text, /Chrome or Edge 113/);
      assert.match(text, /enable-unsafe-webgpu/);
      await assert.rejects(page.evaluate(() => window.vaelab.ready), /WebGPU is unavailable/);
      await shot(page, 'no-webgpu');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'when requestAdapter() resolves null the page says there is no GPU adapter',
    async run({ open }) {
      const { page, errors } = await open('', { init: [() => (GPU.prototype.requestAdapter = async () => null)] });
      await page.locator('#error').waitFor({ state: 'visible' });
      const text = await page.locator('#error').textContent();
      assert.match(text, /no GPU adapter/);
      assert.match(text, /What to do/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
