// jax-js (@jax-js/jax 0.1.25) contender of the speed benchmark: the default VAE as a pure loss
// function and ONE jit-compiled training step (valueAndGrad of the summed loss + Adam written with
// array ops; there is no optax package for jax-js on npm). ?backend=webgpu|wasm|webgl (default
// webgpu; jax-js calls these devices). jaxjs.html loads this module; protocol in contender.js.
// Everything the model needs is expressible and jit works on all three devices.
// Threads on the wasm device (jax-js src/backend/wasm/parallel.ts, wasm.ts): where SharedArrayBuffer
// and Worker exist — in a browser, a cross-origin-isolated page — WasmBackend allocates shared memory
// and a WasmWorkerPool of navigator.hardwareConcurrency module workers (from a blob URL), and each
// async kernel is split into chunks over them (min 512 elements per worker); otherwise every kernel
// runs on the calling thread. Kernels are always simd128, with f32x4.relaxed_madd where the browser
// validates it. facts() shows the pool: workers started and kernel messages posted to each.
// jax-js's webgl device runs but is ~7 s/step on SwiftShader; it is "best-effort" upstream.
//
// jax-js arrays are reference counted: every function consumes its array arguments, so a value
// used twice is passed as `x.ref` the first time (see the jax-js README, "Reference counting").

import {
  defaultDevice, getWebGPUDevice, init, jit, nn, numpy as np, random, tree, valueAndGrad,
} from './vendor/jax-js/index.js';
import {
  ADAM, DATA_SEED, LAYERS, MODEL, describeDevice, publish, status, watchWorkers,
} from './contender.js';
import { loadMnist, shuffledPixels } from './mnist.js';

const DEVICES = ['webgpu', 'wasm', 'webgl'];
const workers = watchWorkers(); // jax-js starts its pool on the first dispatch, after this

// PyTorch nn.Linear init: W and b ~ U(−1/√fan_in, 1/√fan_in). W is [fanIn, fanOut] so y = x·W + b.
function initParams(seed) {
  const keys = random.split(random.key(seed), 2 * LAYERS.length);
  const params = {};
  LAYERS.forEach(([name, fanIn, fanOut], i) => {
    const bound = 1 / Math.sqrt(fanIn);
    params[name] = {
      w: random.uniform(keys.ref.slice(2 * i), [fanIn, fanOut], { minval: -bound, maxval: bound }),
      b: random.uniform(keys.ref.slice(2 * i + 1), [fanOut], { minval: -bound, maxval: bound }),
    };
  });
  keys.dispose();
  return params;
}

const dense = (x, layer) => np.dot(x, layer.w).add(layer.b);

// Summed loss of one batch (PyTorch reduction='sum'). Consumes p, x and key.
function batchLoss(p, x, key) {
  const h = nn.relu(dense(x.ref, p.enc));
  const mu = dense(h.ref, p.mu);
  const logvar = dense(h, p.logvar);
  const eps = random.normal(key, [x.shape[0], MODEL.latent]);
  const z = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
  const logits = dense(nn.relu(dense(z, p.dec)), p.out);
  // BCE with logits, stable form: max(ℓ,0) − xℓ + log(1 + e^−|ℓ|)
  const bce = np.sum(nn.relu(logits.ref).sub(x.mul(logits.ref)).add(np.log1p(np.exp(np.negative(np.abs(logits))))));
  // KL(q(z|x) ‖ N(0, I)) = −½ Σ (1 + logvar − μ² − e^logvar)   (Kingma & Welling 2014, App. B)
  const kl = np.sum(logvar.ref.add(1).sub(np.square(mu)).sub(np.exp(logvar))).mul(-0.5);
  return bce.add(kl);
}

// One whole training step. PyTorch's Adam, with the per-step scalars computed on the host:
//   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p − stepSize · m / (√v · vScale + ε)
//   stepSize = lr / (1 − β1^t),  vScale = 1 / √(1 − β2^t)
const trainStep = jit((params, m, v, x, key, stepSize, vScale) => {
  const [loss, grads] = valueAndGrad(batchLoss)(tree.ref(params), x, key);
  const gradLeaves = tree.leaves(grads);
  const [pLeaves, def] = tree.flatten(params);
  const mLeaves = tree.leaves(m), vLeaves = tree.leaves(v);
  const newP = [], newM = [], newV = [];
  gradLeaves.forEach((g, i) => {
    const mi = mLeaves[i].mul(ADAM.beta1).add(g.ref.mul(1 - ADAM.beta1));
    const vi = vLeaves[i].mul(ADAM.beta2).add(np.square(g).mul(1 - ADAM.beta2));
    const update = mi.ref.mul(stepSize.ref).div(np.sqrt(vi.ref).mul(vScale.ref).add(ADAM.eps));
    newP.push(pLeaves[i].sub(update));
    newM.push(mi);
    newV.push(vi);
  });
  stepSize.dispose();
  vScale.dispose();
  return [loss, tree.unflatten(def, newP), tree.unflatten(def, newM), tree.unflatten(def, newV)];
});

async function makeContender() {
  const device = new URLSearchParams(location.search).get('backend') ?? 'webgpu';
  if (!DEVICES.includes(device)) throw new Error(`unknown backend '${device}' (use ${DEVICES.join(', ')})`);
  const available = await init(device);
  if (!available.includes(device)) {
    throw new Error(`jax-js could not initialise its ${device} device on this browser `
      + `(available: ${available.join(', ') || 'none'})`);
  }
  defaultDevice(device);

  let params, m, v, pixels, step = 0;
  const batches = () => Math.floor(pixels.shape[0] / MODEL.batch);

  // Enqueues one training step (jax-js is lazy: nothing is submitted until a result is read);
  // returns the summed loss as a scalar array.
  function enqueueStep() {
    const k = step % batches();
    const t = ++step;
    const x = pixels.ref.slice([k * MODEL.batch, (k + 1) * MODEL.batch]);
    const stepSize = np.array(ADAM.lr / (1 - ADAM.beta1 ** t));
    const vScale = np.array(1 / Math.sqrt(1 - ADAM.beta2 ** t));
    let loss;
    [loss, params, m, v] = trainStep(params, m, v, x, random.key(1000 + t), stepSize, vScale);
    return loss;
  }

  async function run(steps) {
    let first = null, last = null;
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const loss = enqueueStep();
      if (first === null) first = loss;
      else { if (last !== null) last.dispose(); last = loss; }
    }
    // The one readback. All outputs of a jitted call share its pending kernels, so reading the last
    // loss submits and waits for every queued step, the last step's Adam update included.
    last ??= first;
    const lastValue = (await last.data())[0];
    const ms = performance.now() - t0;
    const firstValue = first === last ? lastValue : (await first.data())[0];
    return { ms, lossFirst: firstValue / MODEL.batch, lossLast: lastValue / MODEL.batch };
  }

  return {
    name: `jax-js-${device}`,
    backend: device,
    async init() {
      status(`jax-js-${device}: loading MNIST`);
      const mnist = await loadMnist();
      // The whole shuffled train set lives on the device; a step slices its batch out of it.
      pixels = np.array(shuffledPixels(mnist, DATA_SEED)).reshape([mnist.n, MODEL.input]);
      await pixels.blockUntilReady(); // does not consume
      params = initParams(0);
      m = tree.map((p) => np.zerosLike(p.ref), params);
      v = tree.map((p) => np.zerosLike(p.ref), params);
      this.adapter = describeDevice({
        gpuDevice: device === 'webgpu' ? getWebGPUDevice() : null,
        label: device === 'wasm' ? `CPU (wasm, ${typeof SharedArrayBuffer === 'undefined' ? '1 thread' : 'worker pool'})` : `jax-js ${device}`,
      });
      status(`jax-js-${device}: initialised`);
    },
    async warmup(steps) {
      return run(steps);
    },
    async time(steps) {
      const result = await run(steps);
      status(`jax-js-${device}: ${steps} steps in ${result.ms.toFixed(0)} ms, `
        + `loss ${result.lossFirst.toFixed(1)} → ${result.lossLast.toFixed(1)}`);
      return result;
    },
    async facts() {
      if (device !== 'wasm') return { device, summary: `jax-js ${device}` };
      // The pool's workers are the module workers jax-js created; 'kernel' messages are the chunks
      // of generated wasm kernels it dispatched to each (since the page opened).
      const pool = workers.filter((w) => w.module);
      const kernels = pool.map((w) => w.messages.kernel ?? 0);
      const threads = pool.length > 0 ? pool.length : 1;
      return {
        device,
        sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
        poolWorkers: pool.length,
        kernelMessagesPerWorker: kernels,
        threads,
        summary: pool.length > 0
          ? `jax-js wasm: pool of ${pool.length} workers, kernel chunks per worker ${kernels.join('/')}`
          : 'jax-js wasm: no worker pool (SharedArrayBuffer missing), kernels on the page\'s thread',
      };
    },
  };
}

publish(makeContender);
