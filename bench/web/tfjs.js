// TensorFlow.js 4.22 contender of the speed benchmark: the default VAE trained with tf.train.adam
// through optimizer.minimize, on the backend named by ?backend=webgpu|webgl|wasm|cpu (default webgpu).
// tfjs.html loads tf.min.js and the webgpu/wasm backends as UMD globals; protocol in contender.js.
// The wasm backend picks its binary from two feature flags (backend_wasm.ts, getPathToWasmBinary):
// WASM_HAS_SIMD_SUPPORT and WASM_HAS_MULTITHREAD_SUPPORT (true only where SharedArrayBuffer can be
// posted, i.e. a cross-origin-isolated page) → tfjs-backend-wasm-threaded-simd.wasm with an XNNPACK
// thread pool of navigator.hardwareConcurrency threads; else the single-threaded SIMD build. facts()
// reports the flags, the thread count and the binary actually fetched.

import {
  ADAM, DATA_SEED, LAYERS, MODEL, describeDevice, publish, status, watchWorkers,
} from './contender.js';
import { loadMnist, shuffledPixels } from './mnist.js';

const tf = window.tf;
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'];
const workers = watchWorkers(); // before setBackend('wasm') starts emscripten's pthread pool

async function setBackend(name) {
  if (!BACKENDS.includes(name)) throw new Error(`unknown backend '${name}' (use ${BACKENDS.join(', ')})`);
  // The wasm binaries sit beside the scripts in vendor/tfjs/. Without cross-origin isolation TF.js
  // picks the single-threaded SIMD build; bench/speed.mjs serves this page isolated (and, as a
  // control row, plain).
  if (name === 'wasm') {
    tf.wasm.setWasmPaths(new URL('vendor/tfjs/', location.href).href);
    const asked = new URLSearchParams(location.search).get('threads');
    const cores = navigator.hardwareConcurrency;
    const threads = asked === 'max' ? cores : Number(asked ?? 0);
    if (threads > 0) {
      // ?threads=N|max: XNNPACK's pool size (max: one per logical core). TF.js caps it at
      // navigator.hardwareConcurrency / 2 (init_with_threads_count in tfjs-backend-wasm/src/cc/backend.cc
      // assumes two hyperthreads per core), i.e. ONE thread on a 2-vCPU machine whatever
      // setThreadsCount asks; so the page reports 2N cores to the module (read once, when it
      // initialises) to let N threads through.
      if (threads > Math.floor(cores / 2)) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads });
      tf.wasm.setThreadsCount(threads);
    }
  }
  if (!(await tf.setBackend(name))) {
    throw new Error(`TensorFlow.js could not initialise its ${name} backend on this browser`);
  }
  await tf.ready();
}

// PyTorch nn.Linear init: W and b ~ U(−1/√fan_in, 1/√fan_in). W is [fanIn, fanOut] so y = x·W + b.
function initParams() {
  const params = {};
  LAYERS.forEach(([name, fanIn, fanOut], i) => {
    const bound = 1 / Math.sqrt(fanIn);
    const uniform = (shape, seed) => tf.randomUniform(shape, -bound, bound, 'float32', seed);
    params[`${name}.w`] = tf.variable(uniform([fanIn, fanOut], 100 + 2 * i), true, `${name}.w`);
    params[`${name}.b`] = tf.variable(uniform([fanOut], 101 + 2 * i), true, `${name}.b`);
  });
  return params;
}

// Summed loss of one batch (PyTorch reduction='sum'); fused matMul+bias+ReLU where TF.js has it.
function batchLoss(p, x, seed) {
  const dense = (h, name, activation) =>
    tf.fused.matMul({ a: h, b: p[`${name}.w`], bias: p[`${name}.b`], activation });
  const h = dense(x, 'enc', 'relu');
  const mu = dense(h, 'mu', 'linear');
  const logvar = dense(h, 'logvar', 'linear');
  const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', seed); // seeded per step, drawn on the CPU by TF.js
  const z = mu.add(logvar.mul(0.5).exp().mul(eps));
  const logits = dense(dense(z, 'dec', 'relu'), 'out', 'linear');
  // BCE with logits, stable form: max(ℓ,0) − xℓ + log(1 + e^−|ℓ|)
  const bce = logits.relu().sub(x.mul(logits)).add(logits.abs().neg().exp().log1p()).sum();
  // KL(q(z|x) ‖ N(0, I)) = −½ Σ (1 + logvar − μ² − e^logvar)   (Kingma & Welling 2014, App. B)
  const kl = logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
  return bce.add(kl);
}

async function makeContender() {
  const backend = new URLSearchParams(location.search).get('backend') ?? 'webgpu';
  await setBackend(backend);
  let params, optimizer, pixels, step = 0;
  const batches = () => Math.floor(pixels.length / (MODEL.batch * MODEL.input));

  // One training step; returns the summed loss as a scalar tensor (not read back).
  function trainStep() {
    const k = step % batches();
    const seed = 1000 + step++;
    return tf.tidy(() => {
      const rows = MODEL.batch * MODEL.input;
      const x = tf.tensor2d(pixels.subarray(k * rows, (k + 1) * rows), [MODEL.batch, MODEL.input]);
      return optimizer.minimize(() => batchLoss(params, x, seed), true, Object.values(params));
    });
  }

  async function run(steps) {
    let first = null, last = null;
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const loss = trainStep();
      if (first === null) first = loss;
      else { if (last !== null) last.dispose(); last = loss; }
    }
    last ??= first;
    const lastValue = (await last.data())[0]; // the one readback: waits for every queued step
    const ms = performance.now() - t0;
    const firstValue = first === last ? lastValue : (await first.data())[0];
    tf.dispose([first, last]);
    return { ms, lossFirst: firstValue / MODEL.batch, lossLast: lastValue / MODEL.batch };
  }

  return {
    name: `tfjs-${backend}`,
    backend,
    async init() {
      status(`tfjs-${backend}: loading MNIST`);
      const mnist = await loadMnist();
      // Each step uploads its batch from the shuffled host copy, as TF.js's own MNIST examples do.
      // Slicing a device-resident [60000, 784] tensor instead costs 160 ms per step on the wasm
      // backend (its Slice kernel is slow on a large input), against 0.3 ms for the upload.
      pixels = shuffledPixels(mnist, DATA_SEED);
      params = initParams();
      optimizer = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps); // TF.js default ε is 1e-7
      const engine = tf.backend();
      this.adapter = describeDevice({
        gpuDevice: backend === 'webgpu' ? engine.device : null,
        gl: backend === 'webgl' ? engine.gpgpu?.gl : null,
        label: backend === 'wasm' ? `CPU (wasm, ${tf.wasm.getThreadsCount()} thread(s))` : 'CPU (plain JavaScript)',
      });
      status(`tfjs-${backend}: initialised`);
    },
    async warmup(steps) {
      return run(steps);
    },
    async time(steps) {
      const result = await run(steps);
      status(`tfjs-${backend}: ${steps} steps in ${result.ms.toFixed(0)} ms, `
        + `loss ${result.lossFirst.toFixed(1)} → ${result.lossLast.toFixed(1)}`);
      return result;
    },
    async facts() {
      return { backend, ...(backend === 'wasm' ? await wasmFacts() : { summary: `TF.js ${tf.version.tfjs} ${backend}` }) };
    },
  };
}

// What the wasm backend actually runs: its two feature flags, XNNPACK's thread count
// (tf.wasm.getThreadsCount, set when the backend initialised), whether its memory is shared, and
// which of the three binaries the page fetched.
async function wasmFacts() {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const threads = tf.wasm.getThreadsCount();
  const module = tf.backend().wasm;
  const memory = module?.wasmMemory?.buffer ?? module?.HEAPU8?.buffer ?? null;
  const binary = performance.getEntriesByType('resource')
    .map((e) => e.name.split('/').pop()).filter((n) => n.endsWith('.wasm')).join(', ') || 'unknown';
  const pthreadWorkers = workers.length;
  return {
    WASM_HAS_SIMD_SUPPORT: simd,
    WASM_HAS_MULTITHREAD_SUPPORT: multithread,
    threads,
    sharedMemory: memory ? typeof SharedArrayBuffer !== 'undefined' && memory instanceof SharedArrayBuffer : null,
    binary,
    pthreadWorkers,
    summary: `TF.js ${tf.version.tfjs} wasm ${binary}: SIMD ${simd ? 'yes' : 'no'}, multithread ${multithread ? 'yes' : 'no'}, `
      + `${threads} XNNPACK thread${threads === 1 ? '' : 's'} (${pthreadWorkers} pthread workers started)`,
  };
}

publish(makeContender);
