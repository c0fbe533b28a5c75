// Which engine runs: `backend=auto|webgpu|cpu` from the link. Auto takes WebGPU on a hardware
// adapter and the CPU engine when WebGPU is missing, gives no adapter, or is a software one.
export const BACKEND_CHOICES = ['auto', 'webgpu', 'cpu'];

// Adapters that emulate a GPU on the CPU: slower there than our CPU engine.
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

/** A problem with the requested backend, in words the page shows. */
export class BackendError extends Error {}

/** What the adapter calls itself: vendor, architecture, device, description. */
function adapterName(adapter) {
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
}

/**
 * Resolves with `{backend: 'webgpu'|'cpu', reason}` for `requested` ('auto', 'webgpu' or 'cpu'):
 * `reason` says in a few words why this backend runs (the status line shows it).
 */
export async function chooseBackend(requested = 'auto') {
  if (!BACKEND_CHOICES.includes(requested)) {
    throw new BackendError(`backend=${requested} is not a backend: use auto, webgpu or cpu`);
  }
  if (requested === 'cpu') return { backend: 'cpu', reason: 'asked for by the link (backend=cpu)' };
  const explicit = requested === 'webgpu';
  const noGpu = (why) => {
    if (explicit) throw new BackendError(`backend=webgpu, but ${why}. Open the link with backend=auto or backend=cpu to train on the CPU instead.`);
    return { backend: 'cpu', reason: why };
  };
  if (!navigator.gpu) return noGpu('this browser has no WebGPU');
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch { /* treated as no adapter */ }
  if (!adapter) return noGpu('WebGPU gave no adapter (the GPU may be blocklisted or disabled)');
  if (explicit) return { backend: 'webgpu', reason: 'asked for by the link (backend=webgpu)' };
  const name = adapterName(adapter);
  if (adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter || SOFTWARE_ADAPTER.test(name)) {
    return { backend: 'cpu', reason: `WebGPU runs on a software adapter (${name || 'fallback'}), slower than the CPU engine` };
  }
  return { backend: 'webgpu', reason: `a hardware GPU (${name || 'WebGPU adapter'})` };
}
