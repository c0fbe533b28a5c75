// What lessons 10 and 11 share: they run their own model (the engine's OdeLab / VrnnLab) on the page's
// thread, a few training steps per animation frame, evaluating and drawing on a clock (FrameTrained).
import { calmLive } from '../core/views/a11y.js';
import { el } from './ui.js';

const FRAME_BUDGET_MS = 12; // training time per animation frame: the page stays responsive

/** A field of the engine's answer, a plain object or a Map (serde-wasm-bindgen gives either). */
export const field = (obj, key) => (obj instanceof Map ? obj.get(key) : obj?.[key]);

/** An error's words (the engine's JsErrors are in English; the widgets' own have a Chinese form too). */
export const message = (e, lang = 'en') => (lang === 'zh' && e?.zh) || String(e?.message ?? e ?? 'unknown error').replace(/^Error:\s*/, '');

/**
 * The base of a widget that trains its lab toward `params.steps`, built from the link's params.
 * `words`: the lesson's texts with pause, resume, cannotLoad, cannotBuild, trainFailed. `pace`:
 * {drawEveryMs, evalEveryMs, firstGuessMs (ms per step before any was measured), maxStepsPerFrame}.
 * The widget gives `modelKey(params)` (a new model when it changes), `newLab(params)`,
 * `showControls(params)`, `costPerStep()` / `noteCost(ms)`, `evaluate()`, `drawAll()`, `drawStatus()`,
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
    this.problem = el('p.lesson-problem', { attrs: { role: 'alert' }, hidden: true, style: { color: '#b91c1c', fontWeight: '600' } });
    this.waiting = t.bind(el('p.waiting'), words.loading);
  }

  get params() {
    return this.ctx.params;
  }

  get step() {
    return this.lab ? Number(this.lab.step()) : 0;
  }

  get done() {
    return !this.lab || this.failed || this.step >= this.params.steps;
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
    this.showControls(params);
    if (!this.engine) return;
    const key = this.modelKey(params);
    if (key !== this.key || !this.lab || this.step > params.steps) {
      this.key = key;
      this.build(params);
    }
    this.train();
    this.drawAll();
  }

  build(params) {
    this.freeLab();
    this.history = { step: [], loss: [], kl: [] };
    this.evals = null;
    this.failed = false;
    this.problem.hidden = true;
    try {
      this.lab = this.newLab(params);
      this.evaluate();
    } catch (e) {
      this.fail(this.words.cannotBuild, e);
    }
  }

  freeLab() {
    try {
      this.lab?.free?.();
    } catch { /* already freed */ }
    this.lab = null;
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.texts.t(this.paused ? this.words.resume : this.words.pause);
    if (!this.paused) this.train();
    this.drawStatus();
  }

  /** Trains toward the link's steps, a few steps per frame (at least one; as many as fit in FRAME_BUDGET_MS). */
  train() {
    if (this.frame || this.done || this.paused || this.destroyed) {
      this.settle();
      return;
    }
    const { drawEveryMs, evalEveryMs, firstGuessMs, maxStepsPerFrame } = this.pace;
    const tick = () => {
      this.frame = 0;
      if (this.destroyed || this.paused || this.done) {
        this.finish();
        return;
      }
      const perStep = this.costPerStep() ?? firstGuessMs;
      const n = Math.max(1, Math.min(this.params.steps - this.step, Math.floor(FRAME_BUDGET_MS / perStep), maxStepsPerFrame));
      try {
        const t0 = performance.now();
        const r = this.lab.train(n);
        this.noteCost((performance.now() - t0) / n);
        this.history.step.push(Number(field(r, 'step') ?? this.step));
        this.history.loss.push(Number(field(r, 'loss')));
        this.history.kl.push(Number(field(r, 'kl')));
      } catch (e) {
        this.fail(this.words.trainFailed, e);
        return;
      }
      const now = performance.now();
      if (now - (this.evaluatedAt ?? 0) > evalEveryMs) this.evaluate();
      if (now - (this.drawnAt ?? 0) > drawEveryMs) this.drawAll();
      else this.drawStatus();
      if (this.done) this.finish();
      else this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  /** The run reached its steps (or paused, or failed): evaluate, draw, wake whoever waits. */
  finish() {
    if (this.lab && !this.failed) this.evaluate();
    this.drawAll();
    this.settle();
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
