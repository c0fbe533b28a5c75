// What lessons 10 and 11 share: they run their own model (the engine's OdeLab / VrnnLab) on the page's
// thread, a few training steps per animation frame, evaluating and drawing on a clock (FrameTrained).

const FRAME_BUDGET_MS = 12; // training time per animation frame: the page stays responsive

/** A field of the engine's answer, a plain object or a Map (serde-wasm-bindgen gives either). */
export const field = (obj, key) => (obj instanceof Map ? obj.get(key) : obj?.[key]);

/**
 * The base of a widget that trains its lab toward `params.steps`. The widget keeps `lab`, `params`,
 * `step`, `paused`, `failed`, `destroyed`, `frame`, `waiters`, `loaded`, `history`, `pauseButton`,
 * `texts`, and gives `costPerStep()` / `noteCost(ms)` (its measured ms per step), `evaluate()`,
 * `drawAll()`, `drawStatus()`, `fail(words, error)`. `pace`: {drawEveryMs, evalEveryMs,
 * firstGuessMs (ms per step before any was measured), maxStepsPerFrame}.
 */
export class FrameTrained {
  constructor(pace) {
    this.pace = pace;
  }

  get done() {
    return !this.lab || this.failed || this.step >= this.params.steps;
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.texts.t(this.paused ? this.pauseWords.resume : this.pauseWords.pause);
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
        this.fail(this.trainFailedWords, e);
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

  /** Resolves when training reached the link's steps (or is paused) and the figures show it. */
  untilDone() {
    return this.loaded.then(() => (this.done || this.paused ? undefined : new Promise((resolve) => this.waiters.push(resolve))));
  }
}
