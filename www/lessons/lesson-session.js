// The core Session plus the lessons' shelf: models trained earlier in the visit are kept on the CPU
// (weights, Adam state, curves), keyed by the whole config, so lessons that share a model never retrain it;
// with a `store` (IndexedDB) they also outlive the visit.
import { schema, valueText } from '../core/engine.js';
import { MetricHistory } from '../core/metric-history.js';
import { allFinite } from '../core/number-guard.js';
import { Session } from '../core/session.js';

const SHELF_SIZE = 8; // models kept on the CPU (the default model's state is ~8 MB)

/** The shelf's key of a config: every key's link text, in schema order (no engine call). */
export function configKey(config) {
  return schema().map((row) => valueText(config[row.key])).join('&');
}

export class LessonSession extends Session {
  constructor(opts) {
    super(opts);
    this.shelf = new Map();
    this.extras = {}; // per-model notes a lesson keeps with a shelved model (lesson 5: gradient statistics)
    this.tainted = false; // a live change (β, …) happened during this run: do not shelve it as "config C"
    this.query = null;
    this.labels = null;
    this.switching = Promise.resolve();
    this.store = opts.store ?? null; // a CheckpointStore: models saved for a later visit
    this.onStorage = opts.onStorage ?? (() => {}); // (text): a storage problem, for a notice
    this.savedSteps = new Map(); // query → the step last saved
    this.on('frame', () => this.#saveWhenTrained());
  }

  async start(opts) {
    await super.start(opts);
    this.query ??= configKey(this.config);
    this.labels ??= await this.engine.test_labels(10000);
    if (!this.storeChecked) {
      // The model the page opened with may have been trained on an earlier visit.
      this.storeChecked = true;
      const kept = await this.#fromStore(this.query);
      if (kept) await this.run((engine) => this.#newModelFrom(kept, engine));
      this.restoredAtStart = Boolean(kept) && this.lastRun?.restored;
    }
    return this;
  }

  shelved(config) {
    return this.shelf.get(configKey(config)) ?? null;
  }

  async newModel(opts, engine) {
    this.extras = opts.kept?.extras ?? {};
    this.tainted = false;
    this.query = configKey(this.config);
    this.lastRun = { restored: Boolean(opts.kept), step: opts.kept?.step ?? 0 };
    return super.newModel(opts, engine);
  }

  /**
   * Makes the engine run `config`: the current model if it is exactly this config, a shelved one,
   * or a fresh one from the seed. Serialized with other switches. Resolves `{restored, step, same?}`.
   */
  use(config) {
    const next = this.switching.then(() => this.#use(config));
    this.switching = next.catch(() => {});
    return next;
  }

  async #use(config) {
    const query = configKey(config);
    if (query === this.query && !this.tainted) {
      const restored = Boolean(this.restoredAtStart); // said once: the model came back from a saved copy
      this.restoredAtStart = false;
      return { restored, step: this.loop.submitted, same: true };
    }
    await this.#keepCurrent();
    const kept = this.shelf.get(query) ?? await this.#fromStore(query);
    const pairs = schema().map((row) => [row.key, valueText(config[row.key])]);
    await this.run(async (engine) => {
      const result = await engine.set_pairs(pairs);
      this.config = result.config;
      // A live-only difference leaves the weights in place: reset so the link's run starts clean.
      if (!result.rebuilt) await engine.reset();
      await this.#newModelFrom(kept, engine);
    });
    await this.tuner.prepare(this.config); // the new model's shapes: cached kernels, or tune later
    return { ...this.lastRun, rebuilt: true };
  }

  /**
   * Applies `[[key, text]]`: live keys change the running model in place; a key that may restart
   * the run (per the schema) first shelves the current model, and if the engine rebuilt, a shelved
   * model of the new config comes back. Serialized with `use`. Resolves `{live, restored, step, config, notices}`.
   */
  change(pairs) {
    const next = this.switching.then(() => this.#change(pairs));
    this.switching = next.catch(() => {});
    return next;
  }

  async #change(pairs) {
    const rows = new Map(schema().map((row) => [row.key, row]));
    if (pairs.some(([key]) => rows.get(key)?.restarts !== 'never')) await this.#keepCurrent();
    const result = await this.apply(pairs);
    if (result.rebuilt) return { live: false, ...this.lastRun, config: result.config, notices: result.notices };
    if (this.loop.submitted > 0 && !result.error) this.tainted = true;
    this.query = configKey(this.config);
    return { live: true, config: this.config, notices: result.notices, error: result.error };
  }

  /** As `change`, from the keys whose values differ between the current config and `config`. */
  changeTo(config) {
    const pairs = schema().filter((row) => valueText(config[row.key]) !== valueText(this.config[row.key]))
      .map((row) => [row.key, valueText(config[row.key])]);
    return pairs.length > 0 ? this.change(pairs) : Promise.resolve({ live: true, config: this.config, notices: [] });
  }

  /** Stops training, lets the last metrics arrive, and shelves the current model. */
  async #keepCurrent() {
    this.loop.pause();
    await this.settle();
    const step = this.loop.submitted;
    if (step === 0 || this.tainted || this.lost) return;
    const weights = await this.run((engine) => engine.snapshot());
    this.shelf.delete(this.query);
    const entry = { weights, step, config: this.config, history: this.history, extras: this.extras ?? {} };
    this.shelf.set(this.query, entry);
    while (this.shelf.size > SHELF_SIZE) this.shelf.delete(this.shelf.keys().next().value);
    this.#save(this.query, entry);
  }

  /** newModel from `kept`; a saved copy the engine refuses (another shape) gives a notice and a fresh model. */
  async #newModelFrom(kept, engine) {
    try {
      await this.newModel({ kept }, engine);
    } catch (e) {
      if (!kept?.stored) throw e;
      this.onStorage(`A model saved on an earlier visit could not be used (${e?.message ?? e}); training it again.`);
      await this.newModel({ kept: null }, engine);
    }
  }

  /** A model of `query` saved on an earlier visit, as a shelf entry (or null). */
  async #fromStore(query) {
    if (!this.store) return null;
    const loaded = await this.store.load(`lesson:${query}`);
    if (!loaded.ok) {
      if (!loaded.missing) {
        this.onStorage(`A model saved on an earlier visit could not be read: ${loaded.reason}. It was deleted; training it again.`);
        await this.store.remove(`lesson:${query}`);
      }
      return null;
    }
    try {
      const { weights, step, config } = loaded.run;
      this.savedSteps.set(query, step);
      return { weights, step, config, history: MetricHistory.load(loaded.run.history), extras: {}, stored: true };
    } catch (e) {
      this.onStorage(`A model saved on an earlier visit could not be read: ${e.message}. Training it again.`);
      return null;
    }
  }

  /** Saves the model once training reached its target (the lessons train to `train=N`, then stop). */
  #saveWhenTrained() {
    if (!this.store || this.persisting || this.tainted || this.lost || !this.loop || this.busy) return;
    const step = this.loop.confirmed;
    if (step === 0 || step !== this.target || this.savedSteps.get(this.query) === step) return;
    const query = this.query;
    const entry = { step, config: this.config, history: this.history };
    this.savedSteps.set(query, step);
    this.persisting = true;
    this.run((engine) => engine.snapshot())
      .then((weights) => this.#save(query, { ...entry, weights }))
      .catch(() => {}) // a lost device says so through errors(); the shelf still has its copy
      .finally(() => (this.persisting = false));
  }

  async #save(query, { weights, step, config, history }) {
    if (!this.store || !allFinite(weights)) return;
    let saved;
    try {
      saved = history.save();
    } catch {
      saved = new MetricHistory().save();
    }
    const run = { id: `lesson:${query}`, link: `lesson:${query}`, step, at: Date.now(), config, backend: this.info.backend,
      weights: weights instanceof Float32Array ? weights : Float32Array.from(weights), history: saved };
    const result = await this.store.save(run);
    if (result.ok) this.savedSteps.set(query, step);
    else this.onStorage(`Could not save this lesson’s model for a later visit: ${result.reason}. Training goes on.`);
  }

  /**
   * An opened weights file is not "the model of config C trained from its seed": like a live change,
   * it is never shelved or saved under its config, so a link to C still trains from C's seed.
   */
  async importWeights(bytes, name) {
    const result = await super.importWeights(bytes, name);
    this.tainted = true;
    return result;
  }

  /** Trains the current config again from its initial weights. */
  restart() {
    this.shelf.delete(this.query);
    return this.reset();
  }

  /** After a lost device: the current model continues from its shelved copy, or trains again from its seed. */
  recover() {
    const kept = this.shelf.get(this.query) ?? null;
    this.extras = kept?.extras ?? {};
    this.tainted = false;
    return super.recover(kept);
  }

  /** Index of the `example`-th test image with label `digit` (wrapping around). */
  testIndex(digit, example = 0) {
    const hits = [];
    for (let i = 0; i < this.labels.length && hits.length <= example; i++) if (this.labels[i] === digit) hits.push(i);
    return hits[example % hits.length] ?? 0;
  }

  status() {
    return { ...super.status(), cached: this.shelf.size };
  }
}
