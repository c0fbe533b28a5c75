// The core Session plus the lessons' shelf: models trained earlier in the visit are kept on the CPU
// (weights, Adam state, curves), keyed by the whole config, so lessons that share a model never retrain it.
import { schema, valueText } from '../core/engine.js';
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
  }

  async start(opts) {
    await super.start(opts);
    this.query ??= configKey(this.config);
    this.labels ??= await this.engine.test_labels(10000);
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
    if (query === this.query && !this.tainted) return { restored: false, step: this.loop.submitted, same: true };
    await this.#keepCurrent();
    const kept = this.shelf.get(query) ?? null;
    const pairs = schema().map((row) => [row.key, valueText(config[row.key])]);
    await this.run(async (engine) => {
      const result = await engine.set_pairs(pairs);
      this.config = result.config;
      // A live-only difference leaves the weights in place: reset so the link's run starts clean.
      if (!result.rebuilt) await engine.reset();
      await this.newModel({ kept }, engine);
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
    this.shelf.set(this.query, { weights, step, config: this.config, history: this.history, extras: this.extras ?? {} });
    while (this.shelf.size > SHELF_SIZE) this.shelf.delete(this.shelf.keys().next().value);
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
