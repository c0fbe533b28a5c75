// Paces training from requestAnimationFrame: submits a few steps per frame, adapting how many so a
// frame's work stays small and the GPU queue short, backs off while readbacks are pending, and hands
// arriving metrics on. It only calls the engine when the scheduler is idle, never awaiting in a loop.
const FRAME_BUDGET_MS = 6; // JS time per frame spent recording steps
const QUEUE_SECONDS = 0.25; // work allowed in flight on the GPU (keeps Pause and pictures prompt)
const MAX_PENDING_READS = 2;
// The engine's metric cadence a session sets on each engine it opens (set_cadence):
export const READ_EVERY = 1; // every train() call requests its steps' metrics: one small readback per frame
export const TEST_EVERY = 10; // one 500-image test chunk every 10 steps (≈5% extra work)

export class TrainingLoop {
  /**
   * `scheduler`: the EngineScheduler; `onMetrics(metrics)` gets each non-empty engine.metrics();
   * `onGpuErrors(list)` gets GPU errors / device loss; `onFrame(now)` runs after each frame's work.
   */
  constructor(scheduler, { onMetrics, onGpuErrors, onError, onFrame }) {
    Object.assign(this, { scheduler, onMetrics, onGpuErrors, onError, onFrame });
    this.running = false;
    this.stopped = false;
    this.timings = {};
    this.quietFrames = 0;
    this.held = 0; // holdWhile() calls in progress: no new steps meanwhile
    this.drainWaiters = [];
    this.reset(0);
    this.frame = this.frame.bind(this);
    requestAnimationFrame(this.frame);
  }

  /** Forgets the run's progress (after a rebuild, reset or restore at `step`). */
  reset(step) {
    this.submitted = step;
    this.confirmed = step;
    this.budget = 0;
    this.msPerStep = 1; // JS time to record one step, measured
    this.rate = []; // [time, step] of metric arrivals, for steps/second
    for (const w of this.waiters ?? []) w.resolve();
    this.waiters = [];
    this.#drained();
  }

  play() {
    this.running = true;
  }

  /** Stops submitting, cancelling steps asked for by step(n) (their promises resolve now). */
  pause() {
    this.running = false;
    this.budget = 0;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Adds `n` steps to run even while paused; resolves when they ran and their metrics arrived. */
  step(n) {
    this.budget += Math.max(0, Math.floor(n));
    const target = this.submitted + this.budget;
    return new Promise((resolve) => {
      if (this.confirmed >= target) resolve();
      else this.waiters.push({ target, resolve });
    });
  }

  /**
   * Submits no new steps, waits until the steps in flight have reported their metrics (so the GPU
   * is idle), runs `fn()` (sync or async), then lets training go on. Resolves with fn's result.
   */
  async holdWhile(fn) {
    this.held++;
    try {
      await new Promise((resolve) => {
        this.drainWaiters.push(resolve);
        this.#drained();
      });
      return await fn();
    } finally {
      this.held--;
    }
  }

  #drained() {
    if (this.confirmed < this.submitted && !this.stopped) return;
    for (const resolve of this.drainWaiters) resolve();
    this.drainWaiters = [];
  }

  /**
   * Does a frame's work now, outside a frame, submitting at most `maxSteps` steps: e.g. the first
   * step as soon as the engine is up.
   */
  kick(maxSteps = Infinity) {
    this.submittedThisFrame = false;
    try {
      this.#work(performance.now(), maxSteps);
    } catch (e) {
      this.running = false;
      this.budget = 0;
      this.onError(e);
    }
  }

  /**
   * Skips recording steps for the next `frames` frames: for frames that lay out a newly shown view,
   * so layout and training work do not add up to one long task.
   */
  quiet(frames = 2) {
    this.quietFrames = Math.max(this.quietFrames ?? 0, frames);
  }

  /** Whether steps are wanted or still on their way back. */
  get active() {
    return this.running || this.budget > 0 || this.confirmed < this.submitted;
  }

  /** Optimizer steps per second over the last ~2 s of metric arrivals. */
  get stepsPerSecond() {
    const r = this.rate;
    if (r.length < 2 || performance.now() - r[r.length - 1][0] > 2000) return 0;
    const [t0, s0] = r[0];
    const [t1, s1] = r[r.length - 1];
    return t1 > t0 ? (1000 * (s1 - s0)) / (t1 - t0) : 0;
  }

  stop() {
    this.stopped = true;
    this.running = false;
    this.#drained();
  }

  frame(now) {
    if (this.stopped) return;
    requestAnimationFrame(this.frame);
    const t0 = performance.now();
    this.submittedThisFrame = false;
    try {
      this.#work(now);
    } catch (e) {
      this.running = false;
      this.budget = 0;
      this.onError(e);
    }
    const t1 = performance.now();
    this.onFrame(now);
    this.#record('work', t1 - t0);
    this.#record('onFrame', performance.now() - t1);
  }

  /** Worst milliseconds per part of a frame since the last call: {work, metrics, onMetrics, submit, onFrame}. */
  takeTimings() {
    const t = this.timings;
    this.timings = {};
    return t;
  }

  #record(part, ms) {
    this.timings[part] = Math.max(this.timings[part] ?? 0, ms);
  }

  #timed(part, fn) {
    const t0 = performance.now();
    const value = fn();
    this.#record(part, performance.now() - t0);
    return value;
  }

  #work(now, maxSteps = Infinity) {
    // errors() does not touch the trainer, so it is safe even while an async call holds it.
    const errors = this.scheduler.engine.errors();
    if (errors.length > 0) {
      this.stop();
      this.onGpuErrors(errors);
      return;
    }
    if (!this.scheduler.idle || !this.active) return;
    const engine = this.scheduler.engine;
    const metrics = this.#timed('metrics', () => engine.metrics());
    if (metrics.train.length > 0 || metrics.test.length > 0) {
      if (metrics.train.length > 0) {
        this.confirmed = Math.max(this.confirmed, metrics.train[metrics.train.length - 1].step);
        this.rate.push([now, this.confirmed]);
        while (this.rate.length > 2 && now - this.rate[0][0] > 2000) this.rate.shift();
      }
      this.#timed('onMetrics', () => this.onMetrics(metrics));
      this.waiters = this.waiters.filter((w) => (this.confirmed >= w.target ? (w.resolve(), false) : true));
      this.#drained();
    }
    if ((!this.running && this.budget === 0) || this.held > 0) return;
    if (this.quietFrames > 0) {
      this.quietFrames--;
      return;
    }
    const inFlight = this.submitted - this.confirmed;
    const maxInFlight = Math.max(2, Math.round(this.stepsPerSecond * QUEUE_SECONDS));
    if (engine.pending() > MAX_PENDING_READS || inFlight >= maxInFlight) return;
    let steps = Math.min(64, Math.max(1, Math.floor(FRAME_BUDGET_MS / this.msPerStep)), maxInFlight - inFlight);
    if (!this.running) steps = Math.min(steps, this.budget);
    steps = Math.min(steps, maxSteps);
    const t0 = performance.now();
    this.#timed('submit', () => engine.train(steps));
    this.submittedThisFrame = true;
    const ms = (performance.now() - t0) / steps;
    this.msPerStep = 0.8 * this.msPerStep + 0.2 * ms;
    this.submitted += steps;
    this.budget = Math.max(0, this.budget - steps);
  }
}
