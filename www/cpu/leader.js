// The CPU engine's leader (a module Web Worker): holds MNIST and the model's state in its wasm
// instance, runs each step across the follower workers and answers the page's requests in order.
const METRICS_EVERY_MS = 40; // how often metrics go to the page while steps run
let leader = null;
let followers = []; // { port, waiting: [resolve, reject][] }
const queue = [];
let pumping = false;
let lastPost = 0;

/** Sends `msg` to follower `f` and resolves with its answer (answers come back in order). */
function ask(f, msg, transfer = []) {
  return new Promise((resolve, reject) => {
    f.waiting.push([resolve, reject]);
    f.port.postMessage(msg, transfer);
  });
}

function connect(port) {
  const f = { port, waiting: [] };
  port.onmessage = ({ data }) => {
    const next = f.waiting.shift();
    if (!next) return;
    if (data.error) next[1](new Error(data.error));
    else next[0](data);
  };
  return f;
}

/** One optimizer step: forward (+backward) on every follower, reduction, merge + Adam here. */
async function step() {
  const known = leader.begin_step();
  const record = leader.record_words();
  const view = leader.params_view();
  const params = followers.map(() => view.slice()); // copied before any other call into the engine
  let answers = await Promise.all(followers.map((f, w) => {
    const input = leader.input(w);
    const p = params[w];
    const transfer = [p.buffer, input.bytes.buffer, input.imageIndex.buffer, input.labels.buffer];
    return ask(f, { op: 'forward', params: p, record, input, known }, transfer);
  }));
  let stats = answers[0].stats;
  if (answers.length > 1) {
    stats = new Float32Array(answers.reduce((n, a) => n + a.stats.length, 0));
    let at = 0;
    for (const a of answers) { stats.set(a.stats, at); at += a.stats.length; }
  }
  const klWeight = leader.reduce(stats);
  if (known === undefined) answers = await Promise.all(followers.map((f) => ask(f, { op: 'backward', klWeight })));
  for (const a of answers) leader.add_partials(a.blocks, a.units);
  leader.finish();
}

function postMetrics(force) {
  const now = performance.now();
  if (!force && now - lastPost < METRICS_EVERY_MS) return;
  lastPost = now;
  const metrics = leader.take_metrics();
  if (metrics.train.length > 0 || metrics.test.length > 0) self.postMessage({ metrics });
}

async function configure(config) {
  const rebuilt = leader.set_config(config);
  await Promise.all(followers.map((f) => ask(f, { op: 'config', config })));
  return rebuilt;
}

/** The page's requests: each returns the answer's value (and buffers to transfer). */
const REQUESTS = {
  train: async ({ steps }) => {
    for (let i = 0; i < steps; i++) {
      await step();
      postMetrics(false);
    }
    return { value: null };
  },
  cadence: ({ testEvery }) => ({ value: leader.set_test_every(testEvery) ?? null }),
  config: async ({ config }) => ({ value: await configure(config) }),
  reset: () => ({ value: leader.reset() ?? null }),
  // A new model from a file: the followers rebuild their shards for its config, as for `config`.
  import_weights: async ({ bytes, name }) => {
    const result = leader.import_weights(bytes, name);
    await Promise.all(followers.map((f) => ask(f, { op: 'config', config: result.config })));
    return { value: result };
  },
  // Other data (another set, or the reader's own): a new model of the same config on it.
  data: ({ data }) => {
    leader.load_data(data.trainImages, data.trainLabels, data.testImages, data.testLabels);
    return { value: leader.test_labels(1 << 20) };
  },
  restore: ({ state, step }) => ({ value: leader.restore(state, step) ?? null }),
  status: () => ({ value: leader.status() }),
  evaluate: () => ({ value: leader.evaluate() }),
  gradient_stats: ({ repeats }) => ({ value: leader.gradient_stats(repeats) }),
  test_labels: ({ count }) => ({ value: leader.test_labels(count) }),
  snapshot: () => array(leader.snapshot()),
  decode: ({ z, labels }) => array(leader.decode(z, labels ?? undefined)),
  encode_test: ({ indices }) => array(leader.encode_test(indices)),
  reconstruct: ({ indices }) => array(leader.reconstruct(indices)),
  test_images: ({ indices }) => array(leader.test_images(indices)),
  encode_test_range: ({ offset, count }) => array(leader.encode_test_range(offset, count)),
  log_weights: ({ image, k, proposal, seed }) => array(leader.log_weights(image, k, proposal, seed)),
  weights_file: () => array(leader.weights_file()),
};

function array(a) {
  return { value: a, transfer: [a.buffer] };
}

async function pump() {
  if (pumping) return;
  pumping = true;
  while (queue.length > 0) {
    const msg = queue.shift();
    try {
      const handler = REQUESTS[msg.op];
      if (!handler) throw new Error(`unknown request ${msg.op}`);
      const { value, transfer = [] } = await handler(msg);
      postMetrics(true);
      self.postMessage({ id: msg.id, value, status: leader.status() }, transfer);
    } catch (e) {
      postMetrics(true);
      self.postMessage({ id: msg.id, error: e.message ?? String(e) });
    }
  }
  pumping = false;
}

let wasmReady = null;
/** Instantiates the engine's wasm (once): sent ahead of the data, so it is ready when MNIST arrives. */
function loadWasm({ moduleUrl, module }) {
  wasmReady ??= import(moduleUrl).then(async (wasm) => {
    await wasm.default({ module_or_path: module });
    return wasm;
  });
  return wasmReady;
}

async function start({ moduleUrl, module, config, workers, ports, data }) {
  const wasm = await loadWasm({ moduleUrl, module });
  leader = new wasm.CpuLeader(config, data.trainImages, data.trainLabels, data.testImages, data.testLabels, workers);
  // The engine copied MNIST into its memory; the message's buffers can go now.
  for (const key of Object.keys(data)) data[key] = null;
  followers = ports.map(connect);
  await Promise.all(followers.map((f) => new Promise((resolve, reject) => f.waiting.push([resolve, reject]))));
  return { status: leader.status(), labels: leader.test_labels(1 << 20) };
}

self.onmessage = async ({ data }) => {
  if (data.op === 'init') {
    loadWasm(data).catch(() => {}); // a failure shows when 'start' awaits it
    return;
  }
  if (data.op === 'start') {
    try {
      self.postMessage({ id: data.id, value: await start(data) });
    } catch (e) {
      self.postMessage({ id: data.id, error: e.message ?? String(e) });
    }
    return;
  }
  queue.push(data);
  pump();
};
