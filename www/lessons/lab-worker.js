// A lesson's own model (the main wasm module's VrnnLab or OdeLab) trained off the page's thread: built
// from {name, args}, it answers `train` (the lab's report), `evaluate` (its test figures) and
// `parameters` (a Float64Array, moved back).
const engine = import(new URL('../pkg/vaelab.js', import.meta.url).href).then(async (m) => {
  await m.default();
  return m;
});
let lab = null;

const calls = {
  create: (m, { name, args }) => {
    if (typeof m[name] !== 'function') throw new Error(`this build of the engine has no ${name}`);
    lab?.free();
    lab = new m[name](...args);
    return { value: null };
  },
  train: (_m, steps) => ({ value: lab.train(steps) }),
  evaluate: () => ({ value: lab.evaluate() }),
  parameters: () => {
    const value = lab.parameters();
    return { value, transfer: [value.buffer] };
  },
};

self.onmessage = async ({ data: { id, call, args } }) => {
  try {
    const m = await engine;
    if (call !== 'create' && !lab) throw new Error('no model yet');
    const { value, transfer = [] } = calls[call](m, args);
    self.postMessage({ id, value }, transfer);
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e).replace(/^Error:\s*/, '') });
  }
};
