// Links that rebuild a trained model. RunRecord follows a run: the config it started from and every
// live change with the step it took effect (the `edits` of a link); Rebuild trains a session to a
// link's `steps`, applying its edits at their steps. The link form is read and written by the engine.
import { apply_pairs, configPairs, replay_from_link, replay_to_link } from './engine.js';

/** `[[key, text], …]` of the keys whose values differ between two configs, as the engine writes them. */
function diff(before, after) {
  const was = new Map(configPairs(before));
  return configPairs(after).filter(([key, text]) => was.get(key) !== text);
}

/**
 * Reads a link's `steps` and `edits` texts (undefined when absent) for a run that starts from
 * `config`: `{steps, edits: [{step, pairs}], notices}`, clamped with notices like every key.
 */
export function readReplay(config, { steps, edits }) {
  return replay_from_link(config, steps, edits);
}

export class RunRecord {
  /** Follows `session`'s runs: a new model starts a new record; a rewind forgets later edits. */
  constructor(session) {
    this.session = session;
    this.start = null; // the config at step 0
    this.edits = []; // [{step, pairs: [[key, text], …]}], in step order
    this.why = ''; // when no link can rebuild this model (it came from a file), why
    session.on('change', (c) => this.#changed(c));
    session.on('run', (r) => this.#newRun(r));
  }

  /** A new run from `config` (or a model no link rebuilds: `why` says why). */
  begin(config, why = '') {
    this.start = structuredClone(config);
    this.edits = [];
    this.why = why;
  }

  #changed({ before, after, step, rebuilt }) {
    if (rebuilt || !this.start) return; // a new model: its 'run' event began a new record
    const pairs = diff(before, after);
    if (pairs.length === 0) return;
    if (step === 0) this.start = structuredClone(after); // nothing trained yet: it is the start
    else this.#add(step, pairs);
  }

  /** Adds changes at `step` (the last entry when at that step; a key's later value wins). */
  #add(step, pairs) {
    let last = this.edits[this.edits.length - 1];
    if (!last || last.step !== step) this.edits.push((last = { step, pairs: [] }));
    for (const [key, value] of pairs) {
      last.pairs = last.pairs.filter(([k]) => k !== key);
      last.pairs.push([key, value]);
    }
  }

  #newRun({ restored, step, imported }) {
    const config = this.session.config;
    if (!restored) this.begin(config, imported ? 'it was opened from a weights file' : '');
    else if (this.start) this.rewind(step, config);
  }

  /** The run went back to `step` (bad numbers, a lost device) and goes on with `config`. */
  rewind(step, config) {
    this.edits = this.edits.filter((e) => e.step <= step);
    const pairs = diff(this.configAt(step), config);
    if (pairs.length === 0) return;
    if (step === 0) this.start = structuredClone(config);
    else this.#add(step, pairs);
  }

  /** The config in force from step `step` on. */
  configAt(step) {
    return apply_pairs(this.start, this.edits.filter((e) => e.step <= step).flatMap((e) => e.pairs)).config;
  }

  /** `steps=N[&edits=…]` for the model at step `steps` (the engine writes the link form). */
  link(steps) {
    return replay_to_link({ steps, edits: this.edits });
  }

  /** What a saved run keeps of this record (IndexedDB). */
  save() {
    return { start: structuredClone(this.start), edits: structuredClone(this.edits), why: this.why };
  }

  /**
   * Takes back a saved record for a run resumed at `step` with `config`; without a readable one (a
   * run saved before records were kept, a damaged one) no link rebuilds it.
   */
  load(saved, step, config) {
    try {
      apply_pairs(saved.start, []); // the engine reads both, or they are not a record
      replay_to_link({ steps: 0, edits: saved.edits });
    } catch {
      this.begin(config, 'it was saved without a readable list of its changes');
      return;
    }
    this.start = saved.start;
    this.edits = saved.edits;
    this.why = typeof saved.why === 'string' ? saved.why : '';
    this.rewind(step, config);
  }
}

/**
 * Trains `session` to a link's step count, applying each edit through `apply(pairs)` (the page's
 * config change) once exactly `edit.step` steps ran. `onProgress(step, steps)` each frame.
 */
export class Rebuild {
  constructor(session, { apply, onProgress = () => {} }) {
    Object.assign(this, { session, apply, onProgress });
    this.stopped = false;
    this.active = false;
  }

  /** Resolves `{done, step}`: done when the model reached `steps` with every edit applied. */
  async run({ steps, edits }) {
    const session = this.session;
    this.stopped = false;
    this.active = true;
    const off = session.on('frame', () => {
      // Train pressed meanwhile: the reader took over, the rebuild ends where it is.
      if (session.loop.running) this.stopped = true;
      this.onProgress(session.step, steps);
    });
    try {
      let done = true;
      for (const edit of edits) {
        done = await this.#reach(edit.step);
        if (!done) break;
        await this.apply(edit.pairs);
      }
      done &&= await this.#reach(steps);
      // Stopped: the steps in flight report, so the step said is where it stays (unless Train took over).
      if (!done && !session.loop.running) await session.settle();
      return { done, step: session.step };
    } finally {
      off();
      this.active = false;
    }
  }

  /** Trains until exactly `step` steps ran and reported; false when stopped or rewound meanwhile. */
  async #reach(step) {
    const session = this.session;
    if (this.stopped || session.lost) return false;
    session.trainTo(step);
    await new Promise((resolve) => {
      const off = session.on('frame', () => {
        if (this.stopped || session.lost || !session.busy) resolve(off());
      });
    });
    return !this.stopped && !session.lost && session.step === step && session.loop.submitted === step;
  }

  /** Stops after the steps in flight (they report; nothing more is submitted). */
  stop() {
    this.stopped = true;
    this.session.pause();
  }
}
