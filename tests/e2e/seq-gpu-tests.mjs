// Browser tests of lessons 10 and 11 on WebGPU (run by run.mjs; filter: "on WebGPU"): a link with
// backend=webgpu trains the lesson's model with the engine's GPU run (SwiftShader here) and the CPU lab
// draws its parameters; the test figures match the CPU run's of the same link; auto picks the CPU on a
// software adapter, says so, and the switch writes the link's backend.
import assert from 'node:assert/strict';

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
    gpu: Boolean(w.gpu),
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

export const tests = LESSONS.map(({ name, figures, rest }) => ({
  name: `lesson ${name} on WebGPU: backend=webgpu trains on the GPU and ends where the CPU run of the link ends; auto picks the CPU here`,
  async run({ open, note }) {
    const link = (backend) => `lessons.html#lesson=${name}&${rest}&steps=20&backend=${backend}`;
    const gpuPage = await open(link('webgpu'), { backend: null });
    const gpu = await run(gpuPage.page);
    assert.equal(gpu.problem, null, gpu.problem);
    assert.ok(gpu.gpu, 'no GPU run');
    assert.equal(gpu.device, 'now: GPU');
    assert.equal(gpu.step, 20);
    assert.match(gpu.hash, /&backend=webgpu/);
    const cpuPage = await open(link('cpu'), { backend: null });
    const cpu = await run(cpuPage.page);
    assert.equal(cpu.device, 'now: CPU');
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
    await autoPage.page.waitForFunction(() => /&backend=webgpu/.test(location.hash) && window.vaelabLessons.widget().gpu);
    const switched = await run(autoPage.page);
    assert.equal(switched.device, 'now: GPU');
    assert.equal(switched.step, 5);
    assert.deepEqual([...gpuPage.errors, ...cpuPage.errors, ...autoPage.errors], []);
    for (const p of [gpuPage, cpuPage, autoPage]) await p.page.close();
  },
}));
