// The contract every contender page of the speed benchmark (issue 4) implements, and the model
// they all train. bench/*.mjs opens each page in the same headless Chromium and drives it.
//
// Contender protocol
//   window.contender = { name, async init(), async warmup(steps), async time(steps) }, set once the
//   page has loaded; or window.contenderError = '<why it cannot run>' instead. After init() it
//   also carries `adapter`, a string naming the device it runs on (describeDevice below).
//   init()        loads MNIST (mnist.js) and builds model + optimizer state.
//   warmup(n)     runs n training steps (compiles shaders/kernels), waits until they finish.
//   time(n)       runs n whole training steps — forward, backward, Adam update of every parameter —
//                 on the next n real MNIST batches and returns {ms, lossFirst, lossLast}:
//                 ms is wall time from just before the first step until all device work of the
//                 last step is done, forced by ONE readback at the end of the window (no per-step
//                 reads); lossFirst/lossLast are the per-image losses of the window's first and
//                 last steps (read after the clock stops). State persists: training continues.
//   facts()       optional, called after the timed windows: what configuration actually ran, as a
//                 JSON object ({summary: 'one line for the report', ...fields for the raw JSON}) —
//                 threads, SIMD, the wasm binary — so the report can show each contender ran its best.
//                 The driver adds crossOriginIsolated etc. itself (pageFacts in bench/speed.mjs).
//
// The model and step (PyTorch examples/vae defaults)
//   encoder 784→400 ReLU → μ: 400→20, logvar: 400→20;  z = μ + exp(½·logvar)·ε, ε ~ N(0, I);
//   decoder 20→400 ReLU → 400→784 logits.
//   loss = Σ_batch,pixels BCE-with-logits (max(ℓ,0) − xℓ + log(1+e^−|ℓ|)) − ½Σ(1 + logvar − μ² − e^logvar),
//   summed over the batch (reduction='sum'); reported divided by the batch size.
//   Adam lr 1e-3, β1 0.9, β2 0.999, ε 1e-8; batch 128; init U(−1/√fan_in, 1/√fan_in) for W and b.
//   Data: MNIST train pixels/255 as float32 targets, shuffled once (seeded), walked batch by batch.

export const MODEL = { input: 784, hidden: 400, latent: 20, batch: 128 };
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
export const DATA_SEED = 1;

/** Layers as [name, fanIn, fanOut], in the order of the forward pass. */
export const LAYERS = [
  ['enc', MODEL.input, MODEL.hidden],
  ['mu', MODEL.hidden, MODEL.latent],
  ['logvar', MODEL.hidden, MODEL.latent],
  ['dec', MODEL.latent, MODEL.hidden],
  ['out', MODEL.hidden, MODEL.input],
];

/**
 * Names what a contender runs on, for the report (the race is only fair on one adapter):
 * a GPUDevice → its adapter's vendor, architecture, device and description; a WebGL2 context → its
 * unmasked renderer, anything else → the label given.
 */
export function describeDevice({ gpuDevice, gl, label }) {
  if (gpuDevice?.adapterInfo) {
    const { vendor, architecture, device, description } = gpuDevice.adapterInfo;
    return `${[vendor, architecture, device, description].filter(Boolean).join(' ') || 'unnamed adapter'} (webgpu)`;
  }
  if (gl) {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return `${gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)} (webgl2)`;
  }
  return label;
}

/** Shows a line of status on the page (the driver reads window.contender*, people read this). */
export function status(text) {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

/**
 * Publishes a contender, or the reason there is none, on window for the driver. makeContender may
 * be async (e.g. a backend that must be set up before we know the page can run at all).
 */
export async function publish(makeContender) {
  try {
    window.contender = await makeContender();
    status(`${window.contender.name}: ready`);
  } catch (e) {
    window.contenderError = String(e?.message ?? e);
    status(`cannot run: ${window.contenderError}`);
  }
}

/**
 * Counts the Web Workers this page starts and the messages posted to each (by their `type` or
 * emscripten's `cmd`), so a contender can show its library really ran kernels on worker threads.
 * Call before the library creates its workers: libraries look `Worker` up when they construct one.
 */
export function watchWorkers() {
  const workers = [];
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options);
      this.record = { module: options?.type === 'module', messages: {} };
      workers.push(this.record);
    }

    postMessage(message, ...rest) {
      const kind = message?.type ?? message?.cmd ?? typeof message;
      this.record.messages[kind] = (this.record.messages[kind] ?? 0) + 1;
      return super.postMessage(message, ...rest);
    }
  };
  return workers;
}

