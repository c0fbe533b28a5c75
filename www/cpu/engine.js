// The CPU engine as the page sees it: the WebGPU Engine's methods, backed by a leader worker and
// follower workers (leader.js, follower.js). This thread only posts requests and keeps what came back.
import { apply_pairs, restarts_run, validate_config } from '../pkg/vaelab.js';

// A module using f32x4.relaxed_madd (the probe jax-js uses): valid where relaxed SIMD runs.
const RELAXED_SIMD_PROBE = '0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b';

/** The worker build this browser runs: relaxed SIMD (fused multiply-add) when it validates. */
export function cpuVariant() {
  try {
    const bytes = new Uint8Array(RELAXED_SIMD_PROBE.match(/../g).map((h) => parseInt(h, 16)));
    if (WebAssembly.validate(bytes)) return 'relaxed';
  } catch { /* no relaxed SIMD */ }
  return 'simd128';
}

/** Follower workers: one per core, at most the batch's 8 fixed units. */
export function defaultWorkers() {
  return Math.min(8, Math.max(1, navigator.hardwareConcurrency || 2));
}

async function compile(url) {
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch (e) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the CPU engine (${url}: HTTP ${res.status})`);
    try {
      return await WebAssembly.compile(await res.arrayBuffer());
    } catch (err) {
      throw new Error(`this browser cannot run the CPU engine (WebAssembly SIMD is missing): ${err.message}`);
    }
  }
}

export class CpuEngine {
  /** Starts the workers and compiles the engine for `config`; then call `load`. */
  static async open({ config, workers = defaultWorkers(), variant = cpuVariant() }) {
    const problem = validate_config(config);
    if (problem) throw new Error(problem);
    const base = new URL(`../pkg/vaelab_cpu_${variant}`, import.meta.url).href;
    const module = await compile(`${base}_bg.wasm`);
    return new CpuEngine({ config, workers, variant, module, moduleUrl: `${base}.js` });
  }

  constructor({ config, workers, variant, module, moduleUrl }) {
    Object.assign(this, { config, workers, variant, module, moduleUrl });
    this.requests = new Map();
    this.nextId = 1;
    this.failures = [];
    this.arrived = { train: [], test: [] };
    this.step = 0;
    this.cached = null;
    this.leader = new Worker(new URL('./leader.js', import.meta.url), { type: 'module', name: 'vaelab-cpu-leader' });
    this.leader.onmessage = ({ data }) => this.#receive(data);
    this.leader.onerror = (e) => this.#fail(`the CPU engine stopped: ${e.message ?? 'worker error'}`);
    this.leader.postMessage({ op: 'init', moduleUrl, module });
    this.followers = [];
    this.ports = [];
    for (let index = 0; index < workers; index++) {
      const worker = new Worker(new URL('./follower.js', import.meta.url), { type: 'module', name: `vaelab-cpu-${index}` });
      worker.onerror = (e) => this.#fail(`CPU worker ${index} stopped: ${e.message ?? 'worker error'}`);
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ moduleUrl, module, config, workers, index, port: port1 }, [port1]);
      this.followers.push(worker);
      this.ports.push(port2);
    }
  }

  #fail(message) {
    this.failures.push(message);
    for (const { reject } of this.requests.values()) reject(new Error(message));
    this.requests.clear();
  }

  #receive(data) {
    if (data.metrics) {
      this.arrived.train.push(...data.metrics.train);
      this.arrived.test.push(...data.metrics.test);
    }
    if (data.status) this.cached = data.status;
    if (data.id === undefined) return;
    const request = this.requests.get(data.id);
    this.requests.delete(data.id);
    if (data.error) {
      if (request?.quiet) this.failures.push(`CPU engine: ${data.error}`);
      request?.reject(new Error(data.error));
    } else request?.resolve(data.value);
  }

  /** Posts request `op` to the leader; resolves with its answer. `quiet`: failures go to errors(). */
  #ask(op, args = {}, transfer = [], quiet = false) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject, quiet });
      this.leader.postMessage({ op, id, ...args }, transfer);
    }).catch((e) => {
      if (quiet) return undefined;
      throw e;
    });
  }

  /**
   * Hands the four IDX files (raw bytes; their buffers move to the leader) to the engine and builds
   * the model. Called again with other files (another data set), a new model of the current config
   * starts on them.
   */
  async load(trainImages, trainLabels, testImages, testLabels) {
    const data = { trainImages, trainLabels, testImages, testLabels };
    const transfer = [...new Set(Object.values(data).map((a) => a.buffer))];
    if (this.labels) {
      this.labels = await this.#ask('data', { data }, transfer);
      return;
    }
    const { moduleUrl, module, config, workers, ports } = this;
    const started = await this.#ask('start', { moduleUrl, module, config, workers, ports, data }, [...ports, ...transfer]);
    this.cached = started.status;
    this.labels = started.labels;
  }

  train(steps) {
    this.step += steps;
    this.#ask('train', { steps }, [], true);
  }

  metrics() {
    const out = this.arrived;
    this.arrived = { train: [], test: [] };
    return out;
  }

  /** Metrics arrive by themselves while steps run. */
  request_metrics() {}

  /** Readbacks in flight: none (the steps in flight are the loop's back-pressure). */
  pending() {
    return 0;
  }

  set_cadence(readEvery, testEvery) {
    this.#ask('cadence', { testEvery }, [], true);
  }

  errors() {
    return this.failures.splice(0);
  }

  status() {
    const s = this.cached;
    return {
      ...s,
      step: this.step,
      epoch: (this.step * this.config.batch_size) / s.nTrain,
      stepsPerEpoch: Math.ceil(s.nTrain / this.config.batch_size),
      backend: 'cpu',
      adapter: `${this.workers} worker${this.workers > 1 ? 's' : ''}, ${s.isa}`,
      deviceType: 'Cpu',
      workers: this.workers,
      gpuBytes: 0,
      config: this.config,
    };
  }

  set_config(config) {
    const problem = validate_config(config);
    if (problem) throw new Error(problem);
    const rebuilt = restarts_run(this.config, config);
    this.config = config;
    if (rebuilt) this.step = 0;
    this.#ask('config', { config }, [], true);
    return rebuilt;
  }

  set_pairs(pairs) {
    const { config, notices } = apply_pairs(this.config, pairs);
    const rebuilt = this.set_config(config);
    return { config, rebuilt, notices };
  }

  reset() {
    this.step = 0;
    this.#ask('reset', {}, [], true);
  }

  restore(state, step) {
    const copy = Float32Array.from(state);
    this.step = step;
    this.#ask('restore', { state: copy, step }, [copy.buffer], true);
  }

  /** Opens a weights file (`name` for messages): `{config, notices}`; throws, the run untouched, on a bad file. */
  async import_weights(bytes, name) {
    const copy = Uint8Array.from(bytes);
    const result = await this.#ask('import_weights', { bytes: copy, name }, [copy.buffer]);
    this.config = result.config;
    this.step = 0;
    return result;
  }

  test_labels(count) {
    return this.labels.slice(0, count);
  }

  decode(z, labels) { return this.#ask('decode', { z, labels }); }
  encode_test(indices) { return this.#ask('encode_test', { indices }); }
  reconstruct(indices) { return this.#ask('reconstruct', { indices }); }
  test_images(indices) { return this.#ask('test_images', { indices }); }
  snapshot() { return this.#ask('snapshot'); }
  log_weights(image, k, proposal, seed) { return this.#ask('log_weights', { image, k, proposal, seed }); }
  gradient_stats(repeats) { return this.#ask('gradient_stats', { repeats }); }
  encode_test_range(offset, count) { return this.#ask('encode_test_range', { offset, count }); }
  weights_file() { return this.#ask('weights_file'); }
  evaluate() { return this.#ask('evaluate'); }

  /** Stops every worker; the engine is then unusable. */
  close() {
    this.leader.terminate();
    for (const w of this.followers) w.terminate();
  }
}
