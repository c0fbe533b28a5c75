// The CPU run of lessons 10 and 11 on a Web Worker (lab-worker.js): the same calls as the engine's GPU
// runs (VrnnGpu / OdeGpu), so FrameTrained drives either; the page's own lab only evaluates and draws.

export class WorkerRun {
  /** A worker with the lab `name` built from `args` (as `new VrnnLab(...args)` on this thread would).
   * Typed arrays go over as copies of just their view (a clone would copy the whole buffer behind it). */
  static async create(name, args) {
    const run = new WorkerRun();
    const sent = args.map((a) => (ArrayBuffer.isView(a) ? a.slice() : a));
    try {
      await run.#ask('create', { name, args: sent }, sent.filter(ArrayBuffer.isView).map((a) => a.buffer));
    } catch (e) {
      run.free();
      throw e;
    }
    return run;
  }

  constructor() {
    this.requests = new Map();
    this.nextId = 1;
    this.worker = new Worker(new URL('./lab-worker.js', import.meta.url), { type: 'module', name: 'vaelab-lesson-lab' });
    this.worker.onmessage = ({ data: { id, value, error } }) => {
      const request = this.requests.get(id);
      this.requests.delete(id);
      if (error !== undefined) request?.reject(new Error(error));
      else request?.resolve(value);
    };
    this.worker.onerror = (e) => this.#failAll(`the training worker stopped: ${e.message ?? 'worker error'}`);
  }

  #ask(call, args, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.worker.postMessage({ id, call, args }, transfer);
    });
  }

  #failAll(message) {
    for (const { reject } of this.requests.values()) reject(new Error(message));
    this.requests.clear();
  }

  /** `steps` training steps; the lab's report ({step, loss, kl, …}). */
  train(steps) {
    return this.#ask('train', steps);
  }

  /** The lab's test figures (its `evaluate()`), computed on the worker. */
  evaluate() {
    return this.#ask('evaluate');
  }

  /** The trained parameters (Float64Array). */
  parameters() {
    return this.#ask('parameters');
  }

  adapter() {
    return 'CPU (Web Worker)';
  }

  free() {
    this.worker.terminate();
    this.#failAll('the training worker was stopped');
  }
}
