// Matmul kernel autotuning for the page. The engine times its kernels for the model's shapes on this
// adapter one shape at a time (Engine.tune_step, interleaved with training) and the choices are
// cached in localStorage per adapter and shape, so a later visit applies them at once
// (Engine.use_tuning). Every kernel gives bitwise the same results, so switching mid-run never
// changes a run. Tuning waits until the model has trained at least one step. Engines without
// these (GPU-only) methods keep state 'default' and are never tuned.
import { schema } from './engine.js';

const PREFIX = 'vaelab.tuning.v1 ';
const IDLE_MS = 1000; // after the first step: tune once nothing has been trained for this long…
const TRAINING_MS = 5000; // …or after this much training time

/** The localStorage key of the choices for `config`'s shapes on `adapter`. */
export function tuningKey(adapter, config) {
  // The schema's `shape` keys decide the matmul shapes.
  return PREFIX + JSON.stringify([adapter, ...schema().filter((row) => row.shape).map((row) => config[row.key])]);
}

function load(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: tune every visit
  }
}

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // full or disabled: the choices still apply to this visit
  }
}

/** A `tuning_report()` row as `A·Bᵀ 128×400×784 → matmul_wide`. */
export function describeKernel({ form, m, n, k, kernel }) {
  return `${form} ${m}×${n}×${k} → ${kernel}`;
}

export class KernelTuner {
  /**
   * `ctx.scheduler` runs the engine calls (replaced after a lost device); `adapter` names the
   * adapter in the cache key; `onChange(tuner)` is called when the state or the kernels change.
   */
  constructor(ctx, { adapter, onChange = () => {} }) {
    Object.assign(this, { ctx, adapter, onChange });
    this.state = 'default'; // 'default' (not tuned yet), 'cached', 'tuning', 'tuned', 'failed'
    this.needed = false;
    this.report = [];
    this.running = null; // the promise of a tuning in progress
    this.idleSince = null;
    this.trainingMs = 0;
    this.lastFrame = null;
    this.baseStep = null; // the loop's step when these shapes were prepared
  }

  /**
   * After an engine was created or its model rebuilt with `config`: applies the cached choices for
   * these shapes (one quick engine call) or marks tuning as needed. Resolves with the state.
   */
  async prepare(config) {
    this.running = null; // a tuning on a lost device may never finish: do not wait for it
    this.key = tuningKey(this.adapter, config);
    this.trainingMs = 0;
    this.idleSince = null;
    this.baseStep = null;
    const tunable = Boolean(this.ctx.scheduler.engine.use_tuning);
    const cached = tunable ? load(this.key) : null;
    let used = false;
    if (cached) {
      used = await this.ctx.scheduler.run((e) => {
        try {
          return e.use_tuning(cached);
        } catch {
          return false; // malformed: tune again
        }
      }, 'use tuning');
      if (!used) store(this.key, null); // other shaders or shapes: the cache no longer fits
    }
    this.needed = tunable && !used;
    this.state = used ? 'cached' : 'default';
    await this.#updateReport();
    return this.state;
  }

  /**
   * Called once per animation frame: starts tuning when it is needed and the moment is right —
   * once these shapes have trained a step: after IDLE_MS with nothing to train, or after
   * TRAINING_MS of training (which it then holds). `busy`: the page is not ready, or other engine
   * work is under way (pictures, a rebuild).
   */
  tick(loop, now, { busy = false } = {}) {
    const dt = this.lastFrame === null ? 0 : Math.min(100, now - this.lastFrame);
    this.lastFrame = now;
    if (this.baseStep === null || loop.confirmed < this.baseStep) this.baseStep = loop.confirmed; // prepared, or reset
    const stepped = loop.confirmed > this.baseStep;
    if (!this.needed || this.running || !stepped) {
      this.idleSince = null;
    } else if (loop.active) {
      this.idleSince = null;
      this.trainingMs += dt;
      if (this.trainingMs >= TRAINING_MS && !busy) this.tune(loop);
    } else if (busy) {
      this.idleSince = null;
    } else {
      this.idleSince ??= now;
      if (now - this.idleSince >= IDLE_MS) this.tune(loop);
    }
  }

  /**
   * Tunes now, one shape at a time: for each, holds the training loop, lets the steps in flight
   * finish (they would distort the timings) and times that shape's kernels; training runs between
   * shapes. Then stores the choices. Resolves with the state.
   */
  tune(loop) {
    if (this.running) return this.running;
    if (!this.ctx.scheduler.engine.tune_step) return Promise.resolve(this.state);
    this.needed = false;
    this.state = 'tuning';
    this.onChange(this);
    const key = this.key;
    const step = () => loop.holdWhile(() => this.ctx.scheduler.run((e) => e.tune_step(), 'tune step'));
    const allShapes = async () => {
      while (key === this.key && (await step())) {
        await new Promise((resolve) => setTimeout(resolve, 50)); // let a few training frames through
      }
      return this.ctx.scheduler.run((e) => e.tuning_cache(), 'tuning cache');
    };
    const running = allShapes().then((json) => {
      if (key === this.key) store(key, json);
      if (key === this.key) this.state = 'tuned'; // else the model changed meanwhile: prepare() said so
    }, (e) => {
      // A lost device shows through errors(); anything else leaves the default kernels in use.
      console.warn('kernel autotuning failed; keeping the default kernels', e);
      if (key === this.key) this.state = 'failed';
    }).then(() => this.#updateReport()).then(() => {
      if (this.running === running) this.running = null;
      return this.state;
    });
    this.running = running;
    return running;
  }

  async #updateReport() {
    try {
      if (!this.ctx.scheduler.engine.tuning_report) throw new Error('no kernels to report');
      this.report = (await this.ctx.scheduler.run((e) => e.tuning_report(), 'tuning report')).map(describeKernel);
    } catch {
      this.report = [];
    }
    this.onChange(this);
  }

  /** `{state, report}` for window.vaelab and the page. */
  toJSON() {
    return { state: this.state, report: this.report.slice() };
  }
}
