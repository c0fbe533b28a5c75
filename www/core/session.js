// The engine session both pages train through: opens and loads an engine (openEngine), applies config
// changes (one set_pairs per change), keeps weights on the CPU and recovers a lost device (session-keep.js), tunes kernels, and runs the training loop.
import { loadDataSet } from './data.js';
import { apply_pairs, backendLabel, openEngine } from './engine.js';
import { MetricHistory } from './metric-history.js';
import { dataForImport, loadPrefetched, matchData, prefetchData } from './session-data.js';
import { EngineScheduler } from './scheduler.js';
import { continueFrom, keepWeights, recover } from './session-keep.js';
import { READ_EVERY, TEST_EVERY, TrainingLoop } from './train-loop.js';
import { KernelTuner } from './tuning.js';

export class Session {
  /**
   * `onGpuErrors(list)`: device lost or uncaptured errors; `onError(e)`: anything else from the
   * engine; `onNotice(text)`: what the backend wants said. Events (`on`): metrics, frame, run, tuning,
   * kept (a new copy of the weights is on the CPU), change (a config change the engine took:
   * `{before, after, step, rebuilt}`, `step` the first step that runs with it). `provideData(key)`: a promise of the four IDX files of
   * `data=key` (default: fetched from the site; `own` rejects unless the page holds the reader's files).
   */
  constructor({ backend = 'auto', onGpuErrors = () => {}, onError = () => {}, onNotice = () => {}, provideData = (key) => loadDataSet(key) } = {}) {
    Object.assign(this, { backend, onGpuErrors, onError, onNotice, provideData });
    this.dataKey = null; // the `data` whose files the engine holds
    this.engine = null;
    this.scheduler = null;
    this.loop = null;
    this.tuner = null;
    this.config = null;
    this.info = { nTrain: 60000, stepsPerEpoch: 0, backend, adapter: '', parameters: 0 }; // engine.status(), refreshed per model
    this.history = new MetricHistory();
    this.kept = null; // the newest weights kept on the CPU: {weights, step, config, at}
    this.keeping = null;
    this.lost = false;
    this.viewsBusy = false; // set by a page while it draws from the engine (tuning waits for it)
    this.target = 0;
    this.listeners = { metrics: new Set(), frame: new Set(), run: new Set(), tuning: new Set(), kept: new Set(), change: new Set() };
    this.pending = new Map(); // pairs waiting for the engine (before it is up, or for the next job)
    this.starting = null;
  }

  on(event, fn) {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  emit(event, value) {
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

  /** Steps whose metrics arrived (what charts and status show). */
  get step() {
    return this.loop?.confirmed ?? 0;
  }

  /** Whether steps are still wanted (running, or toward a target). */
  get training() {
    return Boolean(this.loop) && !this.lost && (this.loop.running || this.loop.budget > 0);
  }

  get busy() {
    return Boolean(this.loop) && this.loop.active;
  }

  /**
   * Opens the engine with `config` and `data` (a promise of the IDX bytes of `config.data`, or of
   * `dataKey()` when given), once per page (later calls return the same promise). Changes applied meanwhile go in with one set_pairs after loading;
   * if the engine refuses them it keeps `config` and `onRejected(e)` is told.
   */
  start({ config, data, dataKey = null, onStage = () => {}, onRejected = () => {} }) {
    this.config ??= config;
    const opened = this.config;
    this.starting ??= (async () => {
      const onAdapter = (text) => (this.adapterHint = text);
      const engine = await openEngine({ backend: this.backend, config: opened, data, onNotice: this.onNotice, onStage, onAdapter });
      this.dataKey = dataKey?.() ?? opened.data; // `data` may have gone another way meanwhile (the page says)
      onStage('engine');
      const flush = async () => {
        if (this.pending.size === 0) return false;
        const pairs = [...this.pending];
        this.pending.clear();
        try {
          const result = await engine.set_pairs(pairs);
          this.config = result.config;
          return result.rebuilt;
        } catch (e) {
          this.config = engine.status().config;
          onRejected(e);
          return false;
        }
      };
      await flush();
      await matchData(this, engine).catch(onRejected);
      engine.set_cadence(READ_EVERY, TEST_EVERY);
      this.scheduler = new EngineScheduler(engine);
      this.readInfo(engine);
      this.tuner = new KernelTuner(this, { adapter: this.info.adapter, onChange: () => this.emit('tuning', this.tuner) });
      // Cached kernel choices apply before the first step (a quick call; no timing happens here).
      await this.tuner.prepare(this.config);
      // Changes made during that call go in now; from here on they go through the scheduler.
      if ((await flush()) | (await matchData(this, engine).catch(onRejected))) {
        this.readInfo(engine);
        this.tuner.prepare(this.config);
      }
      this.loop = this.makeLoop(0);
      this.engine = engine;
      return this;
    })();
    return this.starting;
  }

  /** The engine's status in words (session-keep.js calls it after a new device). */
  readInfo(engine = this.engine) {
    const s = engine.status();
    this.info = { ...s, adapter: s.adapter || this.adapterHint || '', label: backendLabel(s.backend), reason: engine.reason ?? '' };
  }

  /** The training loop from `step` (session-keep.js makes one after a new device). */
  makeLoop(step) {
    const loop = new TrainingLoop(this.scheduler, {
      onMetrics: (m) => {
        this.history.add(m);
        this.emit('metrics', m);
      },
      onGpuErrors: (errors) => {
        this.lost = true;
        this.onGpuErrors(errors);
      },
      onError: (e) => this.onError(e),
      onFrame: (now) => {
        this.tuner.tick(this.loop, now, { busy: this.lost || this.viewsBusy || !this.scheduler.idle });
        this.emit('frame', now);
      },
    });
    loop.reset(step);
    return loop;
  }

  /**
   * Applies `[[key, text], …]` (clamped and explained by the engine): one set_pairs per change;
   * changes queued meanwhile merge into it (a slider drag is one call per job, latest value wins).
   * Resolves `{config, rebuilt, notices}`, plus `error` when the engine refused (then it kept its model).
   */
  async apply(pairs) {
    if (!this.engine || this.lost) {
      // Nothing to train yet (or a lost device): the config only decides what the engine builds.
      const { config, notices } = apply_pairs(this.config, pairs);
      this.config = config;
      for (const [k, v] of pairs) this.pending.set(k, v);
      return { config, rebuilt: false, notices };
    }
    for (const [k, v] of pairs) this.pending.set(k, v);
    // Other data is fetched (or asked of the page) before the job, which then only loads it; data
    // that cannot be had changes nothing.
    const unavailable = await prefetchData(this, pairs);
    if (unavailable) return { config: this.config, rebuilt: false, notices: [], error: unavailable };
    return this.scheduler.run(async (engine) => {
      const merged = [...this.pending];
      this.pending.clear();
      const before = this.config;
      const step = this.loop.submitted; // nothing is submitted while a job runs: the change starts here
      let result;
      try {
        result = await engine.set_pairs(merged);
        this.config = result.config;
        result.rebuilt = (await loadPrefetched(this, engine)) || result.rebuilt;
      } catch (e) {
        if (result?.rebuilt) await this.newModel({ before }, engine);
        return { config: this.config, rebuilt: Boolean(result?.rebuilt), notices: result?.notices ?? [], error: e, before };
      }
      if (result.rebuilt) await this.newModel({ before, kept: this.shelved(result.config) }, engine);
      this.emit('change', { before, after: result.config, step, rebuilt: result.rebuilt });
      return { ...result, before };
    }, 'config').then(async (result) => {
      if (result.rebuilt) await this.tuner.prepare(this.config); // new shapes: cached kernels, or tune later
      return result;
    });
  }

  /** Loads the data of `key` again (e.g. other files of the reader's own): a new run on them. */
  reloadData(key) {
    if (this.engine) this.reload = key;
    return this.apply([['data', key]]);
  }

  /** The weights to continue from when the model becomes `config` (the lessons keep several). */
  shelved() {
    return null;
  }

  /**
   * Inside an engine job, after the engine built a new model: restores `kept` if given, and starts
   * the run's bookkeeping over at its step. Emits `run` `{restored, step, rebuilt, before, imported}`.
   */
  async newModel({ before = null, kept = null, rebuilt = true, imported = false }, engine) {
    if (kept) await engine.restore(kept.weights, kept.step);
    const step = kept ? kept.step : 0;
    this.loop.reset(step);
    this.history = kept?.history ?? new MetricHistory();
    this.kept = null;
    this.target = step;
    this.readInfo();
    this.emit('run', { restored: Boolean(kept), step, rebuilt, before, imported });
  }

  /** Restarts the current config from its initial weights (same seed, same run). */
  async reset() {
    this.loop.pause();
    await this.settle();
    await this.scheduler.run(async (engine) => {
      await engine.reset();
      return this.newModel({ rebuilt: false }, engine);
    });
    await this.tuner.prepare(this.config);
  }

  /**
   * Opens a weights file (`bytes`; `name` for messages) as the model: the engine rebuilds it with the
   * file's config and weights and fresh optimizer state, and training continues from it at step 0
   * (training pauses meanwhile; the page plays again). Resolves `{config, notices}`; rejects with
   * the engine's words, the current run untouched.
   */
  async importWeights(bytes, name = 'weights.safetensors') {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    this.loop.pause();
    await this.settle();
    const result = await this.scheduler.run(async (engine) => {
      const before = this.config;
      const opened = await engine.import_weights(data, name);
      this.config = opened.config;
      this.pending.clear();
      await dataForImport(this, engine, opened); // trained on other data: that data, or a notice
      await this.newModel({ before, imported: true }, engine);
      return opened;
    });
    await this.tuner.prepare(this.config); // new shapes: cached kernels, or tune later
    return result;
  }

  /** Keeps the weights (and Adam's state) of every submitted step on the CPU: resolves `kept` (session-keep.js). */
  keep() {
    return keepWeights(this);
  }

  /** Goes on from `kept` `{weights, step, config, history?}` (session-keep.js). */
  continueFrom(kept) {
    return continueFrom(this, kept);
  }

  /** After a lost device: a new device (or backend), continuing from `kept` where it can (session-keep.js). */
  recover(kept = this.kept, options = {}) {
    return recover(this, kept, options);
  }

  play() {
    if (this.loop && !this.lost) this.loop.play();
  }

  pause() {
    this.loop?.pause();
  }

  /** Trains until `target` steps (counting from the model's step 0). */
  trainTo(target) {
    if (!this.loop || this.lost) return;
    this.target = target;
    this.loop.budget = 0;
    const need = target - this.loop.submitted;
    if (need > 0) this.loop.step(need);
  }

  /** Resolves at the first frame where `done()` holds (or the device is lost). */
  #when(done) {
    if (!this.loop) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.lost || done()) {
          off();
          resolve();
        }
      };
      const off = this.on('frame', check);
      check();
    });
  }

  /** Resolves once every submitted step's metrics arrived. */
  settle() {
    return this.#when(() => this.loop.confirmed >= this.loop.submitted);
  }

  /** Resolves when training stopped (target reached or paused) and its metrics arrived. */
  untilIdle() {
    return this.#when(() => !this.busy);
  }

  /** Queues `fn(engine)` (latest wins for a repeated `key`). */
  run(fn, key) {
    return this.scheduler.run(fn, key);
  }

  status() {
    const last = this.history.last;
    const config = this.config;
    const loop = this.loop;
    const step = this.step;
    const stepsPerSecond = loop?.stepsPerSecond ?? 0;
    return {
      step,
      target: this.target,
      training: this.training,
      running: loop?.running ?? false,
      lost: this.lost,
      epoch: config ? (step * config.batch_size) / this.info.nTrain : 0,
      trainLoss: last ? last.recon + last.kl : null,
      testLoss: this.history.testLoss,
      recon: last?.recon ?? null,
      kl: last?.kl ?? null,
      objective: last?.objective ?? null,
      stepsPerSecond,
      samplesPerSec: config ? stepsPerSecond * config.batch_size : 0,
      stepsInFlight: loop ? loop.submitted - loop.confirmed : 0,
      stepsPerEpoch: this.info.stepsPerEpoch,
      nTrain: this.info.nTrain,
      backend: this.info.label ?? backendLabel(this.backend),
      adapter: this.info.adapter ?? '',
      reason: this.info.reason ?? '',
      parameters: this.info.parameters,
      snapshotStep: this.kept?.step ?? null,
      config: config ? structuredClone(config) : null,
      kernels: this.tuner?.state ?? 'default',
    };
  }
}
