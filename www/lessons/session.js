// The engine behind the lessons: one wasm Engine (MNIST uploaded once), one EngineScheduler every
// call goes through, one TrainingLoop, the page's KernelTuner. Lessons ask for a config and a number of steps; models
// trained earlier in the visit are kept on the CPU (weights + Adam state + their curves), keyed by
// the whole config, so moving between lessons that share a model never retrains it.
import init, { Engine, config_from_pairs, config_to_query, default_config } from '../pkg/vaelab.js';
import { loadMnist } from '../data.js';
import { checkWebGPU } from '../gpu-check.js';
import { MetricHistory } from '../metric-history.js';
import { EngineScheduler } from '../scheduler.js';
import { TrainingLoop } from '../train-loop.js';
import { KernelTuner } from '../tuning.js';

export { config_from_pairs, config_to_query, default_config };

const MNIST_BASE = 'www/data';
const READ_EVERY = 1;
const TEST_EVERY = 10;
const CACHE_LIMIT = 8; // models kept on the CPU (the default model's state is ~8 MB)

let wasmReady = null;
/** Loads the wasm module (config parsing works from then on; the GPU is not touched). */
export function initWasm() {
  wasmReady ??= init();
  return wasmReady;
}

/** The config keys whose change needs a new model (the engine's needs_rebuild, plus the objective family). */
export const STRUCTURAL = ['enc_hidden', 'dec_hidden', 'latent', 'activation', 'batch_size', 'seed', 'binarize', 'conditional', 'samples'];

export class Session {
  /** `onGpuErrors(list)`: device lost or uncaptured errors; `onError(e)`: anything else from the engine. */
  constructor({ onGpuErrors, onError }) {
    this.onGpuErrors = onGpuErrors;
    this.onError = onError;
    this.engine = null;
    this.scheduler = null;
    this.loop = null;
    this.config = null;
    this.query = '';
    this.history = new MetricHistory();
    this.cache = new Map();
    this.extras = {}; // per-model notes a lesson keeps with a cached model (lesson 5: gradient statistics)
    this.tainted = false; // a live change (β, …) happened during this run: do not cache it as "config C"
    this.target = 0;
    this.listeners = { metrics: new Set(), frame: new Set(), run: new Set() };
    this.labels = null;
    this.lost = false;
    this.viewsBusy = false; // set by the page while a widget redraws (kernel tuning waits for it)
    this.starting = null;
    this.nTrain = 60000;
    this.switching = Promise.resolve();
  }

  on(event, fn) {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  #emit(event, value) {
    for (const fn of this.listeners[event]) {
      try {
        fn(value);
      } catch (e) {
        console.error(e);
      }
    }
  }

  get started() {
    return this.engine !== null;
  }

  /**
   * Checks WebGPU, loads MNIST and creates the engine with `config` (once per page; later calls
   * return the same promise). `onProgress(fraction, {en, zh})` reports loading.
   */
  start(config, onProgress = () => {}) {
    this.starting ??= (async () => {
      await initWasm();
      const gpu = await checkWebGPU();
      if (!gpu.ok) throw Object.assign(new Error(gpu.title), { gpu });
      // The engine builds its GPU pipelines (and the GPU process compiles them) while MNIST downloads.
      const opened = Engine.open(config);
      opened.catch(() => {}); // awaited below
      const mb = (b) => (b / 1e6).toFixed(1);
      const data = await loadMnist(MNIST_BASE, (loaded, total) => onProgress(total ? loaded / total : 0, {
        en: `Loading MNIST… ${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`,
        zh: `正在加载 MNIST… ${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`,
      }));
      this.nTrain = data.trainLabels.length - 8;
      onProgress(1, { en: 'Starting WebGPU and uploading MNIST to the GPU…', zh: '正在启动 WebGPU 并把 MNIST 上传到 GPU…' });
      const engine = await opened;
      engine.load(data.trainImages, data.trainLabels, data.testImages, data.testLabels);
      engine.set_cadence(READ_EVERY, TEST_EVERY);
      const s = engine.status();
      this.backend = /webgpu/i.test(s.backend) ? 'WebGPU' : s.backend;
      this.adapter = s.adapter || [gpu.info.vendor, gpu.info.architecture, gpu.info.description].filter(Boolean).join(' ');
      this.engine = engine;
      this.scheduler = new EngineScheduler(engine);
      this.config = config;
      this.query = config_to_query(config);
      this.loop = this.#makeLoop(0);
      // The page's kernel autotuner: cached choices per adapter and shapes (shared with the lab), or
      // tuning one shape at a time once the model has trained a little.
      this.tuner = new KernelTuner(this, { adapter: this.adapter });
      await this.tuner.prepare(config);
      this.labels = engine.test_labels(10000);
      return this;
    })();
    return this.starting;
  }

  #makeLoop(step) {
    const loop = new TrainingLoop(this.scheduler, {
      onMetrics: (m) => {
        this.history.add(m);
        this.#emit('metrics', m);
      },
      onGpuErrors: (errors) => {
        this.lost = true;
        this.onGpuErrors(errors);
      },
      onError: (e) => this.onError(e),
      onFrame: (now) => {
        this.tuner.tick(this.loop, now, { busy: this.lost || this.viewsBusy || !this.scheduler.idle });
        this.#emit('frame', now);
      },
    });
    loop.reset(step);
    return loop;
  }

  /**
   * After a lost device: a new device with the datasets the old engine parsed. The models kept on
   * the CPU stay; the current one continues from its kept copy, or starts again from its seed
   * (lesson runs are short). Resolves `{restored, step}`.
   */
  async recover() {
    this.loop?.stop();
    const old = this.engine;
    const engine = await old.recreate(this.config);
    engine.set_cadence(READ_EVERY, TEST_EVERY);
    const hit = this.cache.get(this.query);
    if (hit) engine.restore(hit.state, hit.step);
    this.engine = engine;
    this.scheduler = new EngineScheduler(engine);
    try {
      old.free();
    } catch {
      // still held by a call that never finished on the lost device: leave it to the GC
    }
    this.lost = false;
    this.tainted = false;
    await this.tuner.prepare(this.config); // the new device starts with the default kernels
    const step = hit ? hit.step : 0;
    this.history = hit ? hit.history : new MetricHistory();
    this.extras = hit ? hit.extras : {};
    this.target = step;
    this.loop = this.#makeLoop(step);
    this.#emit('run', { restored: Boolean(hit), step });
    return { restored: Boolean(hit), step };
  }

  /** Steps whose metrics arrived (what the charts and status show). */
  get step() {
    return this.loop?.confirmed ?? 0;
  }

  /** Whether steps are still wanted (training toward the target) or on their way. */
  get training() {
    return Boolean(this.loop) && !this.lost && (this.loop.running || this.loop.budget > 0);
  }

  get busy() {
    return Boolean(this.loop) && this.loop.active;
  }

  /**
   * Makes the engine run `config`: the current model if it is exactly this config, a model kept
   * from earlier in the visit, or a fresh one from the seed. Serialized with other switches.
   * Resolves `{restored, step, rebuilt}`.
   */
  use(config) {
    const next = this.switching.then(() => this.#use(config));
    this.switching = next.catch(() => {});
    return next;
  }

  async #use(config) {
    const query = config_to_query(config);
    if (query === this.query && !this.tainted) return { restored: false, step: this.loop.submitted, same: true };
    await this.#keepCurrent();
    const hit = this.cache.get(query);
    await this.scheduler.run((engine) => {
      // A live-only difference leaves the weights in place: reset so the link's run starts clean.
      if (!engine.set_config(config)) engine.reset();
      if (hit) engine.restore(hit.state, hit.step);
    });
    this.config = config;
    this.query = query;
    this.tainted = false;
    await this.tuner.prepare(config); // the new model's shapes: cached kernels, or tune later
    const step = hit ? hit.step : 0;
    this.loop.reset(step);
    this.history = hit ? hit.history : new MetricHistory();
    this.extras = hit ? hit.extras : {};
    this.target = step;
    this.#emit('run', { restored: Boolean(hit), step });
    return { restored: Boolean(hit), step, rebuilt: true };
  }

  /** Stops training, lets the last metrics arrive, and keeps the current model on the CPU. */
  async #keepCurrent() {
    this.loop.pause();
    await this.settle();
    const step = this.loop.submitted;
    if (step === 0 || this.tainted || this.lost) return;
    const state = await this.scheduler.run((engine) => engine.snapshot());
    this.cache.delete(this.query);
    this.cache.set(this.query, { state, step, history: this.history, extras: this.extras ?? {} });
    while (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value);
  }

  /** Resolves once every submitted step's metrics arrived. */
  settle() {
    if (!this.loop) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.lost || this.loop.confirmed >= this.loop.submitted) {
          off();
          resolve();
        }
      };
      const off = this.on('frame', check);
      check();
    });
  }

  /** Trains until `target` steps (counting from the model's step 0). */
  trainTo(target) {
    if (!this.loop || this.lost) return;
    this.target = target;
    this.loop.budget = 0;
    const need = target - this.loop.submitted;
    if (need > 0) this.loop.step(need);
  }

  pause() {
    this.loop?.pause();
  }

  /** Resolves when training stopped (target reached or paused) and its metrics arrived. */
  untilIdle() {
    return new Promise((resolve) => {
      const check = () => {
        if (this.lost || !this.busy) {
          off();
          resolve();
        }
      };
      const off = this.on('frame', check);
      check();
    });
  }

  /**
   * Applies a changed config. Live knobs (β, γ, C, warm-up, learning rate, objective within a
   * family) change the running model in place; anything else switches models as `use` does.
   * Resolves `{live}`, plus `use`'s answer when the model was switched.
   */
  async apply(config) {
    const structural = STRUCTURAL.some((k) => String(config[k]) !== String(this.config[k]))
      || (config.objective === 'iwae') !== (this.config.objective === 'iwae');
    if (structural) return { live: false, ...(await this.use(config)) };
    await this.scheduler.run((engine) => engine.set_config(config), 'live-config');
    if (this.loop.submitted > 0) this.tainted = true;
    this.config = config;
    this.query = config_to_query(config);
    return { live: true };
  }

  /** Trains the current config again from its initial weights. */
  async restart() {
    this.loop.pause();
    await this.settle();
    await this.scheduler.run((engine) => engine.reset());
    await this.tuner.prepare(this.config);
    this.cache.delete(this.query);
    this.tainted = false;
    this.loop.reset(0);
    this.history = new MetricHistory();
    this.extras = {};
    this.#emit('run', { restored: false, step: 0 });
  }

  /** Index of the `example`-th test image with label `digit` (wrapping around). */
  testIndex(digit, example = 0) {
    const hits = [];
    for (let i = 0; i < this.labels.length && hits.length <= example; i++) if (this.labels[i] === digit) hits.push(i);
    return hits[example % hits.length] ?? 0;
  }

  /** Queues `fn(engine)` (latest wins for a repeated `key`). */
  run(fn, key) {
    return this.scheduler.run(fn, key);
  }

  status() {
    const last = this.history.last;
    const config = this.config;
    return {
      step: this.step,
      target: this.target,
      training: this.training,
      epoch: config ? (this.step * config.batch_size) / this.nTrain : 0,
      trainLoss: last ? last.recon + last.kl : null,
      recon: last?.recon ?? null,
      kl: last?.kl ?? null,
      testLoss: this.history.testLoss,
      stepsPerSecond: this.loop?.stepsPerSecond ?? 0,
      backend: this.backend ?? '',
      adapter: this.adapter ?? '',
      config: config ? structuredClone(config) : null,
      cached: [...this.cache.keys()].length,
      kernels: this.tuner?.state ?? 'default',
    };
  }
}
