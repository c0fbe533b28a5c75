// The lab's browser tests (run by run.mjs), first part: training on WebGPU, long tasks while
// training, autoplay and start-up timing, shared links, a lost GPU device, kernel tuning.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { LINK, LONG_TASKS, STEPS, ready, startPlaying, status, tileVariance, trainLink, tuning } from './page-helpers.mjs';


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
      shared.trained = { page, errors, history: await page.evaluate(() => window.vaelab.history()) };
    },
  },
  {
    name: 'no main-thread task over 50 ms while training (Play for 12 s, both views)',
    async run({ shared, note, open }) {
      const { page, errors } = shared.trained ?? await open('', { init: [LONG_TASKS] });
      if (!shared.trained) await ready(page);
      await page.evaluate(() => window.vaelab.timings());
      const t0 = await startPlaying(page);
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
      note(`kernel tuning: ${(await tuning(page)).state} (it holds training once, after 5 s of it, for its duration)`);
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
      if (shared.trained) shared.trained.tuning = (await tuning(page)).state;
      await page.close();
    },
  },
  {
    name: 'autoplay=1 trains as soon as the engine is up, reports firstStepMs, and stays in the hash',
    async run({ open, note, shared }) {
      const { page, errors } = await open('#v=1&autoplay=1');
      await page.waitForFunction(() => window.vaelab?.firstStepMs > 0, null, { timeout: 60_000 });
      const { s, startup, firstStepMs, hash } = await page.evaluate(() => ({
        s: window.vaelab.status(), startup: window.vaelab.startup, firstStepMs: window.vaelab.firstStepMs, hash: location.hash,
      }));
      const stages = Object.entries(startup).sort((x, y) => x[1] - y[1]).map(([k, v]) => `${k} ${v}`).join(', ');
      note(`page open → first step's metrics ${firstStepMs.toFixed(0)} ms (warm browser, busy test machine: not a benchmark); ms since navigation: ${stages}`);
      assert.equal(s.running, true);
      assert.ok(s.step >= 1);
      assert.ok(startup.engine <= startup.firstSubmit && startup.firstSubmit <= startup.firstStep, 'the first step waited for something after the engine');
      assert.match(hash, /&autoplay=1$/, 'the page dropped autoplay from its hash');
      // Every module the start-up imports was fetched by index.html's modulepreload list, not
      // discovered import by import (later, lazy modules such as KaTeX do not count).
      const { preloaded, imported } = await page.evaluate((scriptMs) => ({
        preloaded: [...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.href),
        imported: performance.getEntriesByType('resource')
          .filter((e) => /\.m?js$/.test(new URL(e.name).pathname) && e.startTime < scriptMs).map((e) => e.name),
      }), startup.script);
      assert.ok(imported.length > 10, `only ${imported.length} start-up modules seen`);
      assert.deepEqual(imported.filter((url) => !preloaded.includes(url)), [], 'modules missing from index.html\'s modulepreload list');
      // The first test trained the same 20 steps on the default kernels and has since been tuned:
      // this visit runs on the cached choices from its first step, and the losses must not move.
      const kernels = await tuning(page);
      note(`kernels: ${kernels.state}; ${kernels.report.join('; ') || 'default choices'}`);
      if (shared.trained?.tuning === 'tuned') {
        assert.equal(kernels.state, 'cached');
        await page.waitForFunction(() => window.vaelab.status().step >= 20);
        const train = await page.evaluate(() => window.vaelab.history().train);
        const first20 = Object.fromEntries(Object.entries(train).map(([k, v]) => [k, Array.isArray(v) ? v.slice(0, 20) : v]));
        assert.deepEqual(first20, shared.trained.history.train, 'tuned kernels changed the losses');
      }
      await page.evaluate(() => window.vaelab.setConfig({ beta: 2 }));
      assert.match(await page.evaluate(() => location.hash), /&beta=2&.*&autoplay=1$/);
      await page.evaluate(() => window.vaelab.pause());
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
      assert.doesNotMatch(hash, /autoplay/, 'the page added autoplay to a link without it');
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
    name: 'a lost GPU device shows the panel, and “Continue from the last weights” goes on exactly as if never lost',
    async run({ open, shared, note, shot }) {
      // The same 10 steps of LINK without a loss (the shared-link test's first load, or a new one).
      const reference = shared.link?.history ?? (await trainLink(open, LINK, 10).then(async (r) => (await r.page.close(), r.history)));
      const { page, errors } = await open(LINK);
      await ready(page);
      await page.evaluate(() => window.vaelab.step(6));
      // pause() keeps a snapshot of every submitted step (weights and Adam's moments); wait until it is in.
      await page.evaluate(() => window.vaelab.pause());
      await page.waitForFunction(() => {
        const s = window.vaelab.status();
        return s.stepsInFlight === 0 && s.snapshotStep === s.step;
      });
      assert.equal((await status(page)).step, 6);
      await page.evaluate(() => window.vaelab.loseDevice()); // destroys the device, as a driver crash would
      await page.locator('#error').waitFor({ state: 'visible' });
      const text = await page.locator('#error').textContent();
      note(`panel: ${text.slice(0, 160)}…`);
      assert.match(text, /device lost/i);
      assert.match(text, /step 6/);
      assert.equal((await status(page)).lost, true);
      assert.ok(await page.locator('#play').isDisabled());
      await shot(page, 'gpu-lost');
      await page.locator('#continue').click();
      await page.waitForFunction(() => !window.vaelab.status().lost);
      assert.equal((await status(page)).step, 6, 'did not continue from the snapshot step');
      await page.evaluate(() => window.vaelab.step(4));
      const after = await page.evaluate(() => window.vaelab.history());
      assert.equal(after.train.step.length, 10);
      assert.deepEqual(after.train, reference.train, 'the losses after recovery differ from a run that never lost its device');
      assert.deepEqual(after.test, reference.test, 'the test probes after recovery differ');
      assert.ok(await page.locator('#error').isHidden());
      assert.match(await page.locator('#run-message').textContent(), /Continued from the weights of step 6/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'kernel tuning waits for a first step, is cached per adapter and shapes, and the next visit reuses it',
    async run({ open, note }) {
      const HASH = '#v=1&enc_hidden=96&dec_hidden=80&latent=6&batch_size=48'; // shapes no other test uses
      const a = await open(HASH);
      await ready(a.page);
      // Never before the first step (a click on Train must not wait for it), even when idle.
      await a.page.waitForTimeout(1500);
      assert.equal((await tuning(a.page)).state, 'default');
      // After a step, a second of idleness starts it.
      await a.page.evaluate(() => window.vaelab.step(1));
      await a.page.waitForFunction(() => window.vaelab.tuning().state === 'tuned', null, { timeout: 60_000 });
      const t = await tuning(a.page);
      note(`kernels: ${t.report.join('; ')}`);
      assert.ok(t.report.length >= 4, 'too few matmul shapes reported');
      const adapter = (await status(a.page)).adapter;
      const keys = await a.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('vaelab.tuning.')));
      assert.ok(keys.some((k) => k.includes(JSON.stringify(adapter)) && k.includes('[96],[80],6,48,')), `no cache entry for these shapes: ${keys.join(' | ')}`);
      assert.equal(await a.page.locator('#kernels-list li').count(), t.report.length);
      assert.match(await a.page.locator('#status').getAttribute('title'), /Matmul kernels: timed on this GPU/);
      const b = await open(HASH);
      await ready(b.page);
      const cached = await tuning(b.page);
      assert.equal(cached.state, 'cached');
      assert.deepEqual(cached.report.toSorted(), t.report.toSorted());
      // A structural change brings new shapes: the default kernels until those are timed.
      await b.page.evaluate(() => window.vaelab.setConfig({ latent: 7 }));
      assert.equal((await tuning(b.page)).state, 'default');
      assert.deepEqual([...a.errors, ...b.errors], []);
      await a.page.close();
      await b.page.close();
    },
  },
];
