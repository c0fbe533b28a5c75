// Where lessons 10 and 11 train (run by run.mjs; filters "on WebGPU", "on a worker"). On the CPU, a Web
// Worker trains and the page's thread keeps no task over 50 ms. On WebGPU (filter "on WebGPU"): a link with
// backend=webgpu trains the lesson's model with the engine's GPU run (SwiftShader here) and the page's
// lab draws its parameters; the test figures match the CPU run's (on a Web Worker) of the same link; auto picks the CPU on a
// software adapter, says so, and the switch writes the link's backend.
import assert from 'node:assert/strict';
import { LONG_TASKS } from './page-helpers.mjs';

const run = (page) => page.evaluate(async () => {
  await window.vaelabLessons.ready;
  await window.vaelabLessons.lessonReady();
  await window.vaelabLessons.untilTrained();
  const w = window.vaelabLessons.widget();
  const now = document.querySelector('#lesson .device-now');
  const problem = document.querySelector('#lesson .lesson-problem');
  return {
    step: w.step,
    evals: w.evals,
    losses: w.history.loss,
    device: now.textContent,
    why: now.title,
    runner: w.runner?.adapter() ?? null,
    problem: problem.hidden ? null : problem.textContent,
    hash: location.hash,
  };
});

// The test figures each lesson reports, and how close the f32 GPU run must come to the f64 CPU run
// after 20 steps (the same batches and ε; measured: ~1e-6 relative on SwiftShader).
const LESSONS = [
  { name: 'vrnn', figures: ['loss', 'recon', 'kl'], rest: 'vrnn_seed=3&inference=backward' },
  { name: 'latent-ode', figures: ['recon', 'extrap', 'negElbo'], rest: 'ode_seed=3' },
];
const TOLERANCE = 1e-4;

const gpuTests = LESSONS.map(({ name, figures, rest }) => ({
  name: `lesson ${name} on WebGPU: backend=webgpu trains on the GPU and ends where the CPU run of the link ends; auto picks the CPU here`,
  async run({ open, note }) {
    const link = (backend) => `lessons.html#lesson=${name}&${rest}&steps=20&backend=${backend}`;
    const gpuPage = await open(link('webgpu'), { backend: null });
    const gpu = await run(gpuPage.page);
    assert.equal(gpu.problem, null, gpu.problem);
    assert.ok(gpu.runner && gpu.runner !== 'CPU (Web Worker)', `no GPU run: ${gpu.runner}`);
    assert.equal(gpu.device, 'now: GPU');
    assert.equal(gpu.step, 20);
    assert.match(gpu.hash, /&backend=webgpu/);
    const cpuPage = await open(link('cpu'), { backend: null });
    const cpu = await run(cpuPage.page);
    assert.equal(cpu.device, 'now: CPU');
    assert.equal(cpu.runner, 'CPU (Web Worker)', 'the CPU run trains off the page\'s thread');
    assert.equal(cpu.step, 20);
    for (const key of figures) {
      const [g, c] = [gpu.evals[key], cpu.evals[key]];
      assert.ok(Math.abs(g - c) <= TOLERANCE * Math.abs(c), `${key}: GPU ${g} vs CPU ${c}`);
    }
    note(`after 20 steps, GPU vs CPU: ${figures.map((k) => `${k} ${gpu.evals[k].toFixed(5)} / ${cpu.evals[k].toFixed(5)}`).join(', ')}`);
    // auto on a software adapter (SwiftShader): the CPU, with the reason as the tooltip; the switch
    // writes the link's backend and the model trains again from its seed.
    const autoPage = await open(`lessons.html#lesson=${name}&${rest}&steps=5`, { backend: null });
    const auto = await run(autoPage.page);
    assert.equal(auto.device, 'now: CPU');
    assert.match(auto.why, /software adapter/);
    await autoPage.page.locator('#lesson [data-control=backend] button[data-value=webgpu]').click();
    await autoPage.page.waitForFunction(() => /&backend=webgpu/.test(location.hash) && window.vaelabLessons.widget().deviceChoice === 'webgpu');
    const switched = await run(autoPage.page);
    assert.equal(switched.device, 'now: GPU');
    assert.equal(switched.step, 5);
    assert.deepEqual([...gpuPage.errors, ...cpuPage.errors, ...autoPage.errors], []);
    for (const p of [gpuPage, cpuPage, autoPage]) await p.page.close();
  },
}));

// Steps per lesson for a few seconds of training on this machine (VRNN ~110 ms a step, ODE ~21 ms).
const WORKER_STEPS = { vrnn: 50, 'latent-ode': 250 };

const workerTests = LESSONS.map(({ name, rest }) => ({
  name: `lesson ${name} on a worker: backend=cpu trains on a Web Worker; no main-thread task over 50 ms meanwhile`,
  async run({ open, note }) {
    const link = `lessons.html#lesson=${name}&${rest}&steps=${WORKER_STEPS[name]}&backend=cpu`;
    const { page, errors } = await open(link, { backend: null, init: [LONG_TASKS] });
    await page.evaluate(async () => {
      await window.vaelabLessons.ready;
      await window.vaelabLessons.lessonReady();
    });
    // From the first step on (loading the engine and MNIST, building the lab are not training).
    await page.waitForFunction(() => window.vaelabLessons.widget().step > 0);
    const startedAt = await page.evaluate(() => performance.now());
    const r = await run(page);
    const tasks = await page.evaluate((start) => window.__longTasks.filter((t) => t.start >= start), startedAt);
    const worst = Math.max(0, ...tasks.map((t) => t.duration));
    note(`${r.step} steps on ${r.runner}; worst main-thread task while training ${worst.toFixed(0)} ms (${tasks.length} over 50 ms)`);
    assert.equal(r.problem, null, r.problem);
    assert.equal(r.runner, 'CPU (Web Worker)');
    assert.equal(r.step, WORKER_STEPS[name]);
    assert.ok(worst < 50, `a main-thread task took ${worst.toFixed(0)} ms while the worker trained`);
    assert.deepEqual(errors, []);
    await page.close();
  },
}));

// Where no worker starts (its script cannot load), the lesson still trains, on the page's thread.
const noWorker = {
  name: 'lesson latent-ode on a worker: where the worker cannot start, the lesson trains on the page\'s thread and says so',
  async run({ open, note }) {
    const block = (page) => page.route('**/lab-worker.js', (route) => route.fulfill({ status: 404, body: 'blocked by the test' }));
    const { page, errors } = await open('lessons.html#lesson=latent-ode&ode_seed=3&steps=20&backend=cpu', { backend: null, before: block });
    const r = await run(page);
    note(`${r.step} steps; device "${r.device}", tooltip "${r.why}"`);
    assert.equal(r.problem, null, r.problem);
    assert.equal(r.runner, null);
    assert.equal(r.step, 20);
    assert.equal(r.device, 'now: CPU');
    assert.match(r.why, /the page's thread \(no worker\)/);
    assert.ok(r.evals && Number.isFinite(r.evals.recon), 'no test figures');
    assert.deepEqual(errors, []);
    await page.close();
  },
};

export const tests = [...workerTests, noWorker, ...gpuTests];
