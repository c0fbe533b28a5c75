// Browser tests of the CPU engine (run by run.mjs): without WebGPU the lab and a lesson train on the
// CPU and say so; backend=cpu links give bitwise the same losses on two loads; backend=webgpu without
// WebGPU says why; the main thread has no task over 50 ms while the CPU trains; a lost GPU continues
// on the CPU from the kept weights.
import assert from 'node:assert/strict';
import { LINK, LONG_TASKS, ready, startPlaying, status, tileVariance, trainLink } from './page-helpers.mjs';

// What a browser without WebGPU looks like (Firefox on Linux, older Safari).
const NO_WEBGPU = () => delete Navigator.prototype.gpu;
const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=64';

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

export const tests = [
  {
    name: 'cpu: without WebGPU the lab trains on the CPU (a notice, no error panel); loss falls; pictures are not blank',
    async run({ open, note, shot, shared }) {
      const { page, errors } = await open('#v=1', { init: [NO_WEBGPU, LONG_TASKS], backend: null });
      await ready(page);
      const s0 = await status(page);
      assert.equal(s0.backend, 'CPU');
      assert.match(s0.reason, /no WebGPU/);
      assert.ok(await page.locator('#error').isHidden(), 'the error panel is up');
      const notices = await page.evaluate(() => window.vaelab.notices());
      assert.ok(notices.some((n) => /Training on the CPU \(\d+ workers\)/.test(n)), `no CPU notice: ${notices.join(' | ')}`);
      await page.evaluate(() => window.vaelab.step(60));
      await page.evaluate(() => window.vaelab.refresh());
      const s1 = await status(page);
      const { train } = await page.evaluate(() => window.vaelab.history());
      assert.equal(s1.step, 60);
      const first = mean(train.loss.slice(0, 3));
      const last = mean(train.loss.slice(-3));
      note(`loss ${first.toFixed(1)} → ${last.toFixed(1)} over 60 steps on ${s1.backend} · ${s1.adapter}`);
      assert.ok(last < 0.8 * first, `loss did not fall enough: ${first} → ${last}`);
      const recon = await tileVariance(page, 'recon-canvas', { groupRows: 2, groupGap: 8, rows: [1, 3] });
      assert.ok(recon > 50, `reconstructions look blank (variance ${recon})`);
      await page.waitForFunction(() => /CPU/.test(document.getElementById('status').textContent));
      await shot(page, 'cpu-trained');
      assert.deepEqual(errors, []);
      shared.cpuPage = { page, errors };
    },
  },
  {
    name: 'cpu: no main-thread task over 50 ms while the CPU engine trains (Play for 8 s)',
    async run({ open, note, shared }) {
      const { page, errors } = shared.cpuPage ?? await open('#v=1&backend=cpu', { init: [LONG_TASKS] });
      if (!shared.cpuPage) await ready(page);
      const t0 = await startPlaying(page);
      await page.waitForTimeout(4000);
      await page.evaluate(() => window.vaelab.setView('latent'));
      await page.waitForTimeout(4000);
      const { tasks, start, s } = await page.evaluate(() => {
        window.vaelab.pause();
        return { tasks: window.__longTasks, start: window.__trainStart, s: window.vaelab.status() };
      });
      const during = tasks.filter((t) => t.start >= start);
      const worst = Math.max(0, ...during.map((t) => t.duration));
      note(`${s.step - t0} steps in 8 s (${Math.round(s.samplesPerSec)} images/s at the end); worst main-thread task ${worst.toFixed(0)} ms`);
      assert.ok(s.step > t0 + 20, 'the CPU engine hardly trained while playing');
      assert.ok(worst < 50, `a main-thread task took ${worst} ms while training on the CPU`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'cpu: a backend=cpu link gives bitwise the same losses on two loads, and keeps backend=cpu in its hash',
    async run({ open, note }) {
      const link = `#v=1&${SMALL}&seed=5&objective=capacity&capacity_max=5&capacity_steps=20&backend=cpu`;
      const runs = [];
      for (let i = 0; i < 2; i++) {
        const { page, errors } = await open(link);
        await ready(page);
        await page.evaluate(() => window.vaelab.step(25));
        const { history, s, hash } = await page.evaluate(() => ({ history: window.vaelab.history(), s: window.vaelab.status(), hash: location.hash }));
        assert.equal(s.backend, 'CPU');
        assert.match(hash, /&backend=cpu(&|$)/);
        assert.equal(history.train.loss.length, 25);
        assert.deepEqual(errors, []);
        runs.push(history.train.loss);
        await page.close();
      }
      note(`losses ${runs[0][0].toFixed(3)} → ${runs[0][24].toFixed(3)}, identical on both loads`);
      assert.deepEqual(runs[1], runs[0], 'two loads of one backend=cpu link trained differently');
    },
  },
  {
    name: 'cpu: backend=webgpu without WebGPU says why and how to train anyway',
    async run({ open }) {
      const { page, errors } = await open('#v=1&backend=webgpu', { init: [NO_WEBGPU] });
      await page.locator('#error').waitFor({ state: 'visible' });
      const text = await page.locator('#error').textContent();
      assert.match(text, /WebGPU is unavailable/);
      assert.match(text, /backend=cpu/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'cpu: without WebGPU a lesson trains on the CPU and its loss falls',
    async run({ open, note }) {
      const { page, errors } = await open(`lessons.html#lesson=elbo&lang=en&${SMALL}&train=40`, { init: [NO_WEBGPU], backend: null });
      await page.evaluate(async () => {
        await window.vaelabLessons.ready;
        await window.vaelabLessons.lessonReady();
        await window.vaelabLessons.untilTrained();
      });
      const s = await page.evaluate(() => window.vaelabLessons.status());
      const history = await page.evaluate(() => window.vaelabLessons.session?.().history?.train?.loss ?? null);
      note(`lesson elbo: step ${s.step} on ${s.backend} · ${s.adapter}; −ELBO ${s.trainLoss?.toFixed(1)}`);
      assert.equal(s.backend, 'CPU');
      assert.equal(s.step, 40);
      assert.ok(s.trainLoss < 400, `the lesson's model did not learn: −ELBO ${s.trainLoss}`);
      if (history) assert.ok(mean(history.slice(-3)) < mean(history.slice(0, 3)), 'the loss did not fall');
      assert.ok(await page.locator('#error').isHidden(), 'the error panel is up');
      assert.match(await page.locator('.train-status').first().textContent(), /on CPU/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'cpu: after a lost GPU, “Continue on the CPU” goes on from the kept weights with the GPU run\'s losses',
    async run({ open, note }) {
      const reference = await trainLink(open, LINK, 10).then(async (r) => (await r.page.close(), r.history));
      const { page, errors } = await open(LINK);
      await ready(page);
      await page.evaluate(() => window.vaelab.step(6));
      await page.evaluate(() => window.vaelab.pause());
      await page.waitForFunction(() => {
        const s = window.vaelab.status();
        return s.stepsInFlight === 0 && s.snapshotStep === s.step;
      });
      await page.evaluate(() => window.vaelab.loseDevice());
      await page.locator('#error').waitFor({ state: 'visible' });
      await page.locator('#continue-cpu').click();
      await page.waitForFunction(() => !window.vaelab.status().lost && window.vaelab.status().backend === 'CPU');
      assert.equal((await status(page)).step, 6, 'did not continue from the kept step');
      await page.evaluate(() => window.vaelab.step(4));
      const after = await page.evaluate(() => window.vaelab.history());
      assert.equal(after.train.step.length, 10);
      const worst = Math.max(...after.train.loss.map((l, i) => Math.abs(l - reference.train.loss[i]) / reference.train.loss[i]));
      note(`steps 7–10 on the CPU: ${after.train.loss.slice(6).map((l) => l.toFixed(3)).join(', ')}; worst relative gap to the GPU run ${worst.toExponential(1)}`);
      assert.ok(worst <= 1e-4, `the CPU continuation drifted from the GPU run by ${worst}`);
      assert.match(await page.locator('#run-message').textContent(), /Continued from the weights of step 6/);
      assert.match((await status(page)).reason, /continued on the CPU/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
