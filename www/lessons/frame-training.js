// What lessons 10 and 11 share: they train their own model (the engine's OdeLab / VrnnLab) on a Web
// Worker (WorkerRun) or on WebGPU (VrnnGpu / OdeGpu), the page's lab taking the run's parameters to
// evaluate and draw, on a clock (FrameTrained); without a worker, a few steps per frame on this thread.
import { chooseBackend } from '../core/choose-backend.js';
import { calmLive } from '../core/views/a11y.js';
import { el, segmented } from './ui.js';
import { WorkerRun } from './worker-run.js';

const FRAME_BUDGET_MS = 12; // training time per animation frame on the page's thread: it stays responsive
const RUN_BUDGET_MS = 150; // training per call of a run off the page's thread (one parameter fetch per call)
const RUN_MAX_STEPS = 25; // the GPU engine's steps per submit

/** The backend switch's words (the link's `backend` key, as for the engine's lessons). */
const BACKEND = {
  label: { en: 'Runs on', zh: '运行于' },
  auto: { en: 'Auto', zh: '自动' },
  webgpu: { en: 'GPU (WebGPU)', zh: 'GPU（WebGPU）' },
  cpu: { en: 'CPU', zh: 'CPU' },
  failed: { en: 'The GPU could not train this model (choose CPU to go on):', zh: 'GPU 无法训练这个模型（选择 CPU 即可继续）：' },
  onCpu: { en: 'now: CPU', zh: '当前：CPU' },
  onGpu: { en: 'now: GPU', zh: '当前：GPU' },
};

/** chooseBackend's answer per requested backend, asked once per page (it asks WebGPU for an adapter). */
const choices = new Map();
const choose = (requested) => {
  if (!choices.has(requested)) choices.set(requested, chooseBackend(requested));
  return choices.get(requested);
};

/** A field of the engine's answer, a plain object or a Map (serde-wasm-bindgen gives either). */
export const field = (obj, key) => (obj instanceof Map ? obj.get(key) : obj?.[key]);

/** An error's words (the engine's JsErrors are in English; the widgets' own have a Chinese form too). */
export const message = (e, lang = 'en') => (lang === 'zh' && e?.zh) || String(e?.message ?? e ?? 'unknown error').replace(/^Error:\s*/, '');

/**
 * The base of a widget that trains its lab toward `params.steps`, built from the link's params.
 * `words`: the lesson's texts with pause, resume, cannotLoad, cannotBuild, trainFailed, evalFailed. `pace`:
 * {drawEveryMs, evalEveryMs, firstGuessMs (ms per step before any was measured), maxStepsPerFrame}.
 * The link's `backend` picks the device as for the engine's lessons (auto: WebGPU on a hardware adapter).
 * The widget gives `modelKey(params)` (a new model when it changes), `labSpec(params)` ({name, args}:
 * the lab is `new wasm[name](...args)`, here and on the worker), `wasm` (the engine's module),
 * `newGpuRun(params)` (a promise of the engine's GPU run), `showControls(params)`, `costPerStep()` / `noteCost(ms)`,
 * `readEvals(r)` (the lab's evaluation as the widget's figures), `drawAll()`, `drawStatus()`,
 * `canvases` and `chart` (stopped on destroy), and calls `loadWith(promise of the engine)` once.
 */
export class FrameTrained {
  constructor(ctx, words, pace) {
    this.ctx = ctx;
    this.texts = ctx.texts;
    this.words = words;
    this.pace = pace;
    this.lab = null;
    this.engine = null;
    this.history = { step: [], loss: [], kl: [] };
    this.evals = null;
    this.waiters = [];
    this.paused = false;
    this.canvases = [];

    // The run's status line (read at a calm rate: it changes every frame), progress, pause, problems.
    const t = this.texts;
    this.status = el('p.run-status');
    this.live = el('span.visually-hidden');
    this.say = calmLive(this.live);
    this.progress = el('progress.train-progress', { max: 1, value: 0 });
    this.pauseButton = el('button', { type: 'button', onclick: () => this.togglePause() });
    t.bind(this.pauseButton, () => t.t(this.paused ? words.resume : words.pause));
    this.pauseButton.dataset.control = 'steps';
    this.backend = segmented(t, {
      key: 'backend',
      label: BACKEND.label,
      options: ['auto', 'webgpu', 'cpu'].map((value) => ({ value, label: BACKEND[value] })),
      onChange: (v) => {
        ctx.setBackend(v);
        this.showParams(this.params);
      },
    });
    this.device = el('span.readout.device-now');
    this.backend.root.append(this.device);
    t.onSwitch(() => this.showDevice());
    this.problem = el('p.lesson-problem', { attrs: { role: 'alert' }, hidden: true, style: { color: '#b91c1c', fontWeight: '600' } });
    this.waiting = t.bind(el('p.waiting'), words.loading);
  }

  get params() {
    return this.ctx.params;
  }

  get step() {
    if (this.runner) return this.runnerStep ?? 0; // the run's own step: a GPU run is borrowed while a call is pending
    return this.lab ? Number(this.lab.step()) : 0;
  }

  /** The device is not chosen yet, or its run is not there yet (being built, or failed). */
  get waitingForDevice() {
    return this.deviceChoice === 'pending' || (this.deviceChoice === 'webgpu' && !this.runner);
  }

  /** Trained to the link's steps, with the device chosen and the first figures in (or failed). */
  get done() {
    return !this.lab || this.failed || (!this.waitingForDevice && this.step >= this.params.steps);
  }

  /** Waits for the engine, then shows the link's state; `loaded` resolves once either happened. */
  loadWith(enginePromise) {
    this.loaded = enginePromise.then((engine) => {
      this.engine = engine;
      this.waiting.hidden = true;
      if (!this.destroyed) this.showParams(this.params);
    }, (e) => this.fail(this.words.cannotLoad, e));
    this.showControls(this.params);
  }

  change(patch, dragging = false) {
    for (const [k, v] of Object.entries(patch)) this.ctx.setParam(k, v, { dragging });
    this.showParams(this.params);
  }

  /** Applies the link's state: a new model when its key changed or the steps went back. */
  showParams(params) {
    this.backend.set(this.ctx.backend);
    this.showControls(params);
    if (!this.engine) return;
    const key = `${this.modelKey(params)}|${this.ctx.backend}`;
    if (key !== this.key || !this.lab || this.step > params.steps) {
      this.key = key;
      this.build(params);
    }
    this.train();
    this.drawAll();
  }

  build(params) {
    this.freeLab();
    const run = (this.run = (this.run ?? 0) + 1);
    this.history = { step: [], loss: [], kl: [] };
    this.evals = null;
    this.failed = false;
    this.problem.hidden = true;
    this.runnerStep = 0;
    this.syncedAt = null;
    try {
      const { name, args } = this.labSpec(params);
      this.lab = new this.wasm[name](...args);
    } catch (e) {
      this.fail(this.words.cannotBuild, e);
      return;
    }
    // The page's lab stays for the figures; the run (GPU or worker) trains and hands its parameters over.
    this.deviceChoice = 'pending';
    this.showDevice();
    const current = () => run === this.run && !this.destroyed;
    choose(this.ctx.backend).then(async ({ backend, reason }) => {
      if (!current()) return;
      const runner = await (backend === 'webgpu' ? this.newGpuRun(params) : this.newWorkerRun(params));
      if (!current()) {
        runner?.free();
        return;
      }
      this.runner = runner;
      this.device.title = runner ? `${runner.adapter().trim()} · ${reason}` : `${reason} · the page's thread (no worker)`;
      await this.evaluate(); // the untrained model's figures (on the worker where there is one)
      if (!current()) return;
      this.deviceChoice = backend;
      this.showDevice();
      this.train();
    }).catch((e) => {
      if (!current()) return;
      this.deviceChoice = 'failed';
      this.showDevice();
      this.fail(BACKEND.failed, e);
    });
  }

  /** The CPU run on a worker; null (train on this thread) where no worker starts. */
  async newWorkerRun(params) {
    const { name, args } = this.labSpec(params);
    try {
      return await WorkerRun.create(name, args);
    } catch (e) {
      console.warn('no training worker, training on the page\'s thread:', e);
      return null;
    }
  }

  freeLab() {
    for (const name of ['lab', 'runner']) {
      const obj = this[name];
      this[name] = null;
      // A GPU call still pending holds the object: free it once that call is over.
      Promise.resolve(this.inflight).finally(() => {
        try {
          obj?.free?.();
        } catch { /* already freed */ }
      });
    }
  }

  /** Where the model trains, in words beside the switch (the reason is its tooltip). */
  showDevice() {
    const now = { webgpu: BACKEND.onGpu, cpu: BACKEND.onCpu }[this.deviceChoice];
    this.device.textContent = now ? this.texts.t(now) : '';
  }

  /** The page's lab takes the run's parameters (before evaluating or drawing them). */
  async syncFromRun() {
    const runner = this.runner;
    if (!runner || this.syncedAt === this.step) return;
    const step = this.runnerStep;
    const params = await runner.parameters();
    if (runner === this.runner && this.lab) {
      this.lab.set_parameters(params, step);
      this.syncedAt = step;
    }
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.texts.t(this.paused ? this.words.resume : this.words.pause);
    if (!this.paused) this.train();
    this.drawStatus();
  }

  /** Trains toward the link's steps: with a run (GPU or worker) one awaited call per frame, its
   * parameters fetched before each drawing; on this thread a few steps per frame (within FRAME_BUDGET_MS). */
  train() {
    if (this.inflight) {
      // A GPU call is pending (maybe of a run just replaced): start once it is over.
      this.inflight.then(() => this.train(), () => this.train());
      return;
    }
    if (this.frame || this.done || this.paused || this.destroyed || this.waitingForDevice) {
      this.settle();
      return;
    }
    const { drawEveryMs, evalEveryMs, firstGuessMs, maxStepsPerFrame } = this.pace;
    const tick = async () => {
      this.frame = 0;
      if (this.destroyed || this.paused || this.done) {
        this.finish();
        return;
      }
      const runner = this.runner;
      const perStep = this.costPerStep() ?? firstGuessMs;
      const [budget, most] = runner ? [RUN_BUDGET_MS, RUN_MAX_STEPS] : [FRAME_BUDGET_MS, maxStepsPerFrame];
      const n = Math.max(1, Math.min(this.params.steps - this.step, Math.floor(budget / perStep), most));
      const lab = this.lab;
      let r;
      try {
        const t0 = performance.now();
        if (runner) {
          this.inflight = runner.train(n);
          r = await this.inflight;
        } else {
          r = lab.train(n);
        }
        if (runner !== this.runner || lab !== this.lab) return; // rebuilt meanwhile: the new run has its own loop
        if (runner) this.runnerStep = Number(field(r, 'step'));
        this.noteCost((performance.now() - t0) / n);
        this.history.step.push(Number(field(r, 'step') ?? this.step));
        this.history.loss.push(Number(field(r, 'loss')));
        this.history.kl.push(Number(field(r, 'kl')));
        const now = performance.now();
        const evalDue = now - (this.evaluatedAt ?? 0) > evalEveryMs;
        const drawDue = now - (this.drawnAt ?? 0) > drawEveryMs;
        // Drawing needs the run's parameters on this thread; evaluating too, unless the run evaluates (the worker).
        if (runner && (drawDue || this.done || (evalDue && !runner.evaluate))) {
          this.inflight = this.syncFromRun();
          await this.inflight;
          if (runner !== this.runner || this.destroyed) return;
        }
        if (evalDue) await this.evaluate();
        if (runner !== this.runner || lab !== this.lab || this.destroyed) return;
        if (drawDue) this.drawAll();
        else this.drawStatus();
      } catch (e) {
        if (runner === this.runner && lab === this.lab) this.fail(this.words.trainFailed, e);
        return;
      } finally {
        this.inflight = null;
      }
      if (this.done) this.finish();
      else this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  /** The run reached its steps (or paused, or failed): evaluate, draw, wake whoever waits. */
  async finish() {
    const runner = this.runner;
    if (runner && !this.failed) {
      try {
        this.inflight = this.syncFromRun();
        await this.inflight;
      } catch (e) {
        if (runner === this.runner) this.fail(this.words.trainFailed, e);
        return;
      } finally {
        this.inflight = null;
      }
      if (runner !== this.runner || this.destroyed) return;
    }
    if (this.lab && !this.failed) await this.evaluate();
    if (runner !== this.runner || this.destroyed) return;
    this.drawAll();
    this.settle();
  }

  /** The test figures (`this.evals`, through the widget's `readEvals(r)`): from the worker where one
   * trains, off this thread; else from the page's lab (synchronously: before the first await). */
  async evaluate() {
    this.evaluatedAt = performance.now();
    const { runner, lab } = this;
    try {
      const r = runner?.evaluate ? await runner.evaluate() : lab.evaluate();
      if (runner !== this.runner || lab !== this.lab) return;
      this.evals = { ...this.readEvals(r), step: this.step };
    } catch (e) {
      if (runner === this.runner && lab === this.lab) this.fail(this.words.evalFailed, e);
    }
  }

  settle() {
    if (!this.done && !this.paused) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Says what went wrong (in the page's language) and stops the run. */
  fail(what, e) {
    console.error(e);
    this.failed = true;
    this.waiting.hidden = true;
    this.problem.hidden = false;
    this.texts.bind(this.problem, (lang, tr) => `${tr(what)}${lang === 'zh' ? '' : ' '}${message(e, lang)}`);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.drawStatus();
    this.settle();
  }

  /** Resolves when training reached the link's steps (or is paused) and the figures show it. */
  untilDone() {
    return this.loaded.then(() => (this.done || this.paused ? undefined : new Promise((resolve) => this.waiters.push(resolve))));
  }

  refresh() {
    return this.loaded.then(() => this.drawAll());
  }

  destroy() {
    this.destroyed = true;
    cancelAnimationFrame(this.frame);
    for (const canvas of this.canvases) canvas.stop();
    this.chart?.destroy();
    for (const resolve of this.waiters.splice(0)) resolve();
    this.freeLab();
  }
}
