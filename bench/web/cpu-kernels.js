// The CPU kernel benchmark page (cpu-kernels.html) and its Web Worker, in one module: the page
// detects wasm SIMD and relaxed-SIMD, then starts one worker per build (pkg/vaelab_<variant>.js),
// which times every CpuKernelBench case and posts the rows back. The main thread only draws.

// (func (param v128 v128 v128) (result v128) f32x4.mul, f32x4.add) and the same with
// f32x4.relaxed_madd: WebAssembly.validate says whether this engine has each feature.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 16, 1, 14, 0, 32, 0, 32, 1, 253, 230, 1, 32, 2, 253, 228, 1, 11]);
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);

export const features = {
  simd: WebAssembly.validate(SIMD_PROBE),
  relaxedSimd: WebAssembly.validate(RELAXED_PROBE),
};

if (typeof document === 'undefined') {
  self.onmessage = (event) => runWorker(event.data).catch((e) => self.postMessage({ error: String(e?.stack ?? e) }));
} else {
  runPage().catch((e) => { window.result = { error: String(e?.stack ?? e) }; show(String(e)); });
}

// Register blocks the kernels instantiate: [rows, vectors] for A·B and Aᵀ·B, [rows, rows] for A·Bᵀ.
const BCAST = [[4, 2], [5, 2], [6, 2], [4, 3], [3, 3], [4, 4]];
const DOT = [[3, 3], [4, 2], [4, 3], [2, 4], [4, 4]];

async function runWorker({ variant, tiles, only, rounds, roundMs }) {
  const { default: init, CpuKernelBench } = await import(new URL(`./pkg/vaelab_${variant}.js`, import.meta.url));
  await init();
  const bench = new CpuKernelBench();
  const result = { variant, isa: bench.isa(), peak: bench.peak_gflops(), rows: [] };
  self.postMessage({ progress: result });
  const cases = [...Array(bench.count()).keys()].filter((i) => bench.name(i).includes(only));
  if (tiles?.[0] === 'all') {
    // Every register block on each matmul case, round-robin (best of 6 passes), so that load
    // from elsewhere on the machine hits all candidates alike.
    for (const i of cases.filter((c) => bench.flops(c) > 0)) {
      const dot = bench.name(i).includes('Bᵀ');
      const shapes = dot ? DOT : BCAST;
      const best = shapes.map(() => Infinity);
      for (let pass = 0; pass < 6; pass++) {
        shapes.forEach((shape, s) => {
          bench.set_tiles(...(dot ? [4, 2, ...shape] : [...shape, 3, 3]));
          best[s] = Math.min(best[s], bench.time_ms(i, 2, roundMs / 4));
        });
      }
      shapes.forEach((shape, s) => result.rows.push({ name: `${bench.name(i)} ${shape.join('×')}`, ms: best[s], flops: bench.flops(i) }));
      self.postMessage({ progress: result });
    }
    self.postMessage({ done: result });
    return;
  }
  if (tiles) bench.set_tiles(...tiles);
  for (const i of cases) {
    const ms = bench.time_ms(i, rounds, roundMs);
    result.rows.push({ name: bench.name(i), ms, flops: bench.flops(i) });
    self.postMessage({ progress: result });
  }
  self.postMessage({ done: result });
}

function runIn(variant, options, onProgress) {
  const worker = new Worker(new URL(import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.error) reject(new Error(`${variant}: ${data.error}`));
      else if (data.progress) onProgress(data.progress);
      else if (data.done) resolve(data.done);
    };
    worker.onerror = (e) => reject(new Error(`${variant} worker: ${e.message}`));
    worker.postMessage({ variant, ...options });
  }).finally(() => worker.terminate());
}

async function runPage() {
  const params = new URLSearchParams(location.search);
  const variants = (params.get('variants') ?? 'simd128,relaxed-simd').split(',');
  const options = {
    tiles: params.get('tiles')?.split(',').map((t) => (t === 'all' ? t : Number(t))),
    only: params.get('only') ?? '',
    rounds: Number(params.get('rounds') ?? 5),
    roundMs: Number(params.get('round_ms') ?? 40),
  };
  document.getElementById('features').textContent =
    `wasm SIMD: ${features.simd ? 'yes' : 'no'} · relaxed SIMD: ${features.relaxedSimd ? 'yes' : 'no'}`;
  const done = [];
  for (const variant of variants) {
    if (!features.simd || (variant === 'relaxed-simd' && !features.relaxedSimd)) {
      done.push({ variant, skipped: `this browser has no ${variant}` });
      continue;
    }
    done.push(await runIn(variant, options, (partial) => render([...done, partial])));
    render(done);
  }
  window.result = { features, userAgent: navigator.userAgent, variants: done };
}

function show(text) {
  document.getElementById('out').innerHTML = `<tr><td>${text}</td></tr>`;
}

function render(variants) {
  const ran = variants.filter((v) => v.rows);
  const names = [...new Set(ran.flatMap((v) => v.rows.map((r) => r.name)))];
  const cell = (v, name) => {
    const r = v.rows.find((row) => row.name === name);
    if (!r) return '<td></td>';
    return r.flops ? `<td>${r.ms.toFixed(3)} ms ${(r.flops / r.ms / 1e6).toFixed(1)} GFLOP/s</td>` : `<td>${(r.ms * 1e3).toFixed(1)} µs</td>`;
  };
  const head = `<tr><td></td>${ran.map((v) => `<td>${v.isa}: peak ${v.peak.toFixed(1)} GFLOP/s</td>`).join('')}</tr>`;
  const body = names.map((n) => `<tr><td>${n}</td>${ran.map((v) => cell(v, n)).join('')}</tr>`).join('');
  const skipped = variants.filter((v) => v.skipped).map((v) => `<tr><td>${v.skipped}</td></tr>`).join('');
  document.getElementById('out').innerHTML = head + body + skipped;
}
