// One queue for every call into the wasm Engine. Async engine methods hold the trainer while they
// run (any other call then throws "busy"), so calls never overlap; tryNow runs a sync call if idle.
export class EngineScheduler {
  constructor(engine) {
    this.engine = engine;
    this.jobs = [];
    this.keyed = new Map();
    this.busy = false;
  }

  /** True when nothing runs or waits: a synchronous engine call is safe right now. */
  get idle() {
    return !this.busy && this.jobs.length === 0;
  }

  /** Runs `fn(engine)` synchronously if the engine is idle: `{ran: true, value}`, else `{ran: false}`. */
  tryNow(fn) {
    if (!this.idle) return { ran: false };
    return { ran: true, value: fn(this.engine) };
  }

  /**
   * Queues `fn(engine)` (sync or async) and resolves with its result in turn. With a `key`, a job
   * of that key still waiting is replaced instead (latest wins: hover decodes, slider drags).
   */
  run(fn, key) {
    if (key !== undefined) {
      const waiting = this.keyed.get(key);
      if (waiting) {
        waiting.fn = fn;
        return waiting.promise;
      }
    }
    const job = { fn, key };
    job.promise = new Promise((resolve, reject) => Object.assign(job, { resolve, reject }));
    if (key !== undefined) this.keyed.set(key, job);
    this.jobs.push(job);
    this.#pump();
    return job.promise;
  }

  /** Worst synchronous milliseconds of each kind of job since the last call (for diagnosis). */
  takeTimings() {
    const t = Object.fromEntries(this.timings ?? []);
    this.timings = new Map();
    return t;
  }

  #record(job, ms) {
    this.timings ??= new Map();
    const label = job.key ?? job.fn.toString().replace(/\s+/g, ' ').slice(0, 60);
    this.timings.set(label, Math.max(this.timings.get(label) ?? 0, ms));
  }

  /** Resolves once every job queued so far has finished. */
  drain() {
    return this.idle ? Promise.resolve() : this.run(() => undefined);
  }

  async #pump() {
    if (this.busy) return;
    this.busy = true;
    while (this.jobs.length > 0) {
      // Each job starts in a task of its own, never inside the caller's (e.g. an animation frame)
      // nor inside the previous job's completion: the main thread's tasks stay short.
      await nextTask();
      const job = this.jobs.shift();
      if (job.key !== undefined) this.keyed.delete(job.key);
      try {
        const t0 = performance.now();
        const pending = job.fn(this.engine);
        this.#record(job, performance.now() - t0);
        job.resolve(await pending);
      } catch (e) {
        job.reject(e);
      }
    }
    this.busy = false;
  }
}

const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();

/** Resolves in a new task (a MessageChannel message: not clamped like nested setTimeout). */
export function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}
