// VAE Lab's page: loads the wasm engine and MNIST (both at once), then wires the controls, the
// training loop, the charts, the digit and latent views, the URL hash, kernel tuning, error panels
// and window.vaelab together.
import init, { Engine, config_from_pairs, config_to_query, default_config } from './pkg/vaelab.js';
import { LossCharts } from './charts.js';
import { Controls } from './controls.js';
import { loadMnist } from './data.js';
import { DigitViews } from './digit-views.js';
import { drawDigitGrid } from './digits.js';
import { checkWebGPU, hideError, showError } from './gpu-check.js';
import { LatentExplorer } from './latent.js';
import { MetricHistory } from './metric-history.js';
import { EngineScheduler, nextTask } from './scheduler.js';
import { takeTimings, timed } from './timing.js';
import { TrainingLoop } from './train-loop.js';
import { KernelTuner } from './tuning.js';
import { HashWriter, buildHash, parseHash, queryPairs } from './url-state.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['training', 'latent'];
const STRUCTURAL = ['enc_hidden', 'dec_hidden', 'latent', 'activation', 'batch_size', 'seed', 'binarize', 'conditional', 'samples'];
const READ_EVERY = 1; // every train() call requests its steps' metrics: one small readback per frame
const TEST_EVERY = 10; // one 500-image test chunk every 10 steps (≈5% extra work)
const SNAPSHOT_EVERY_MS = 20_000;
const MNIST_BASE = 'www/data';

/**
 * Shared with the views: the scheduler every engine call goes through (replaced after a lost
 * device), the config the engine runs, and where engine errors go.
 */
const ctx = { scheduler: null, config: null, onError: (e) => engineFailed(e) };
/** Page state: the config shown and linked, the view, notices, the weights kept for a device restart. */
const page = {
  config: null, view: 'training', autoplay: false, ready: false, notices: [], configKeys: [], nTrain: 60000,
  backend: '', adapter: '', parameters: 0, lastSamplesPerSec: 0, snapshot: null, snapshotAt: 0, snapshotting: false, snapshotAgain: false, lost: false,
};
/** Milliseconds since navigation start at each point of the start-up (see boot()); also as
 * performance marks (`vaelab:engine`, …) for the browser's profiler. */
const startup = {};
const mark = (name) => (startup[name] ??= Math.round(performance.mark(`vaelab:${name}`).startTime));
const runHistory = new MetricHistory();
const hashWriter = new HashWriter();
const refresher = { busy: null, next: 0, dirty: true };
let loop = null;
let charts = null;
let digitViews = null;
let explorer = null;
let controls = null;
let tuner = null;
let katex = null;
let lastPaint = 0;

// ---------------------------------------------------------------- window.vaelab

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => [resolveReady, rejectReady] = [resolve, reject]);
ready.catch(() => {}); // a page without WebGPU is not an unhandled error; `await vaelab.ready` still sees it

/**
 * The page's API for tests and lessons:
 *  ready            Promise: resolves when the engine is up, rejects when the page cannot run
 *  status()         {step, epoch, trainLoss, testLoss, recon, kl, samplesPerSec, backend, adapter, running, config, view, …}
 *  setConfig(p)     applies config keys (clamped like a link): Promise<{rebuilt, config, notices}>
 *  play(), pause()  start and stop training (pause also cancels steps asked for by step(n))
 *  step(n)          runs n steps: Promise resolving when they ran and their metrics arrived
 *  notices()        the notices currently shown (plain strings)
 *  history()        the chart data: {train: {step, recon, kl, objective, loss}, test: {… , mean}}
 *  setView(v)       'training' or 'latent'; refresh() redraws the visible pictures now (Promise)
 *  firstStepMs      performance.now() when the first training step's metrics arrived (null before)
 *  startup          ms since navigation start at each stage of the start-up (see boot())
 *  tuning()         {state, report}: the matmul kernels in use; tune() tunes now (Promise)
 */
const api = {
  ready,
  status,
  setConfig: (partial) => applyPairs(Object.entries(partial).map(([k, v]) => {
    if (!page.configKeys.includes(k)) throw new Error(`unknown config key “${k}”`);
    return [k, Array.isArray(v) ? v.join(',') : String(v)];
  })),
  play,
  pause,
  step: (n) => (loop ? loop.step(n) : ready.then(() => loop.step(n))),
  notices: () => page.notices.slice(),
  history: () => runHistory.toJSON(),
  setView: (view) => setView(view),
  refresh: async () => {
    await refresher.busy;
    return refreshVisible();
  },
  /** Worst milliseconds spent in each part of the training frames since the last call. */
  timings: () => ({ ...loop?.takeTimings(), jobs: ctx.scheduler?.takeTimings() ?? {}, views: takeTimings() }),
  firstStepMs: null,
  startup,
  tuning: () => tuner?.toJSON() ?? { state: 'default', report: [] },
  tune: () => (tuner && loop ? tuner.tune(loop) : ready.then(() => tuner.tune(loop))),
  /** For tests of the recovery path: destroys the GPU device, as a driver crash would. */
  loseDevice: () => ctx.scheduler?.engine.lose_device(),
};
window.vaelab = api;

function status() {
  const last = runHistory.last;
  const config = page.config;
  const step = loop?.confirmed ?? 0;
  return {
    step,
    epoch: config ? (step * config.batch_size) / page.nTrain : 0,
    trainLoss: last ? last.recon + last.kl : null,
    testLoss: runHistory.testLoss,
    recon: last?.recon ?? null,
    kl: last?.kl ?? null,
    objective: last?.objective ?? null,
    samplesPerSec: loop && config ? loop.stepsPerSecond * config.batch_size : 0,
    backend: page.backend,
    adapter: page.adapter,
    running: loop?.running ?? false,
    lost: page.lost,
    stepsInFlight: loop ? loop.submitted - loop.confirmed : 0,
    snapshotStep: page.snapshot?.step ?? null,
    parameters: page.parameters,
    stepsPerEpoch: config ? Math.ceil(page.nTrain / config.batch_size) : 0,
    config: config ? structuredClone(config) : null,
    view: page.view,
  };
}

// ---------------------------------------------------------------- config, URL and notices

function setNotices(list) {
  page.notices = list;
  $('notice-list').replaceChildren(...list.map((text) => {
    const li = document.createElement('li');
    li.textContent = text;
    return li;
  }));
  $('notice').hidden = list.length === 0;
}

function message(text) {
  $('run-message').textContent = text;
}

function writeHash(dragging = false) {
  hashWriter.write(buildHash(config_to_query(page.config), page.view, { autoplay: page.autoplay }));
  if (!dragging) hashWriter.flush();
}

/** Applies `[[key, value]]` strings over the current config, clamped and explained by the engine. */
function applyPairs(pairs, { dragging = false } = {}) {
  const { config, notices } = config_from_pairs([...queryPairs(config_to_query(page.config)), ...pairs]);
  if (notices.length > 0) setNotices(notices);
  return applyConfig(config, { dragging });
}

async function applyConfig(config, { dragging = false } = {}) {
  page.config = config;
  controls.show(config);
  writeHash(dragging);
  renderFormula();
  if (!ctx.scheduler || page.lost) return { rebuilt: false, config, notices: page.notices.slice() };
  const rebuilt = await ctx.scheduler.run((engine) => {
    const before = ctx.config;
    const latest = page.config; // a later change may have replaced this job: apply the newest
    let rebuilt;
    try {
      rebuilt = engine.set_config(latest);
    } catch (e) {
      // The engine kept the model it had (e.g. the new one does not fit on this GPU): show that one.
      page.config = before;
      controls.show(before);
      writeHash();
      message(`Could not apply that change: ${e?.message ?? e}. Kept the previous settings.`);
      return false;
    }
    ctx.config = latest;
    if (rebuilt) {
      page.parameters = engine.status().parameters;
      restarted(describeChange(before, latest));
      tuner.prepare(latest); // new shapes: their cached kernels, or tuning when training pauses
    }
    return rebuilt;
  }, 'config');
  return { rebuilt, config: structuredClone(ctx.config), notices: page.notices.slice() };
}

function describeChange(before, after) {
  const show = (v) => (Array.isArray(v) ? v.join(',') : String(v));
  // Switching to or from IWAE rebuilds too (other kernels), though the weights keep their shapes.
  const changes = [...STRUCTURAL, 'objective'].filter((k) => show(before[k]) !== show(after[k])).map((k) => `${k} ${show(before[k])} → ${show(after[k])}`);
  return `Changed ${changes.join(', ')}: the model was rebuilt and training restarted from step 0.`;
}

/** After a rebuild or reset: the run starts over. */
function restarted(text) {
  loop.reset(0);
  runHistory.clear();
  page.snapshot = null;
  page.lastSamplesPerSec = 0; // another model (or batch size) trains at another rate
  charts.update(runHistory, status().stepsPerEpoch, true);
  explorer.reset(ctx.config.latent);
  refresher.dirty = true;
  message(text);
}

function followHash() {
  const parsed = parseHash(location.hash, { configKeys: page.configKeys, views: VIEWS });
  const { config, notices } = config_from_pairs(parsed.pairs);
  setNotices([...parsed.notices, ...notices]);
  page.view = parsed.view ?? page.view;
  page.autoplay = parsed.autoplay;
  showView();
  return config;
}

function setView(view) {
  if (!VIEWS.includes(view)) throw new Error(`unknown view “${view}”; use ${VIEWS.join(' or ')}`);
  page.view = view;
  showView();
  writeHash();
}

function showView() {
  loop?.quiet(2);
  for (const v of VIEWS) {
    $(`view-${v}`).hidden = v !== page.view;
    $(`tab-${v}`).setAttribute('aria-selected', String(v === page.view));
  }
  refresher.dirty = true;
  refresher.next = 0;
}

// ---------------------------------------------------------------- training, pictures, snapshots

function makeLoop(step) {
  const l = new TrainingLoop(ctx.scheduler, {
    onMetrics: (metrics) => {
      if (api.firstStepMs === null && metrics.train.length > 0) firstStep();
      runHistory.add(metrics);
      refresher.dirty = true;
    },
    onGpuErrors: gpuFailed,
    onError: (e) => engineFailed(e),
    onFrame,
  });
  l.reset(step);
  return l;
}

function play() {
  if (!loop || page.lost) return;
  loop.play();
  updateButtons();
}

function pause() {
  if (!loop) return;
  loop.pause();
  updateButtons();
  if (!page.lost) takeSnapshot();
}

function onFrame(now) {
  // At most 4 updates a second, in a frame that records no training steps (the next one is kept quiet).
  if (now - lastPaint > 250 && loop.submittedThisFrame) {
    loop.quiet(1);
  } else if (now - lastPaint > 250) {
    lastPaint = now;
    renderStatus();
    if (page.view === 'training') timed('charts', () => charts.update(runHistory, status().stepsPerEpoch, false, loop.active));
  }
  tuner.tick(loop, now, { busy: !page.ready || page.lost || Boolean(refresher.busy) || !ctx.scheduler.idle });
  if (page.lost) return;
  const training = loop.running || loop.budget > 0;
  // Until the first step's metrics are in, pictures wait: they would hold the engine meanwhile.
  const firstPending = loop.active && loop.confirmed === 0;
  if (!refresher.busy && refresher.dirty && !firstPending && (training ? now >= refresher.next : !loop.active)) refreshVisible();
  if (loop.running && now - page.snapshotAt > SNAPSHOT_EVERY_MS) takeSnapshot();
}

/** The first training step of this visit has reported: the end of the start-up. */
function firstStep() {
  api.firstStepMs = performance.now();
  mark('firstStep');
}

/** Redraws the pictures of the visible view; while training, again after max(1 s, 3× its cost). */
function refreshVisible() {
  if (refresher.busy) return refresher.busy;
  const t0 = performance.now();
  refresher.dirty = false;
  refresher.busy = (async () => {
    try {
      if (page.view === 'training') {
        await digitViews.refreshRecon();
        await digitViews.refreshSamples();
      } else {
        await explorer.refresh();
      }
    } catch (e) {
      engineFailed(e);
    } finally {
      const took = performance.now() - t0;
      refresher.next = performance.now() + Math.max(1000, 3 * took);
      refresher.busy = null;
    }
  })();
  return refresher.busy;
}

/** Keeps the weights on the CPU so a lost device can continue from them. */
function takeSnapshot() {
  if (!ctx.scheduler) return;
  if (page.snapshotting) {
    page.snapshotAgain = true; // e.g. Pause during a periodic snapshot: keep the newer weights too
    return;
  }
  page.snapshotting = true;
  page.snapshotAgain = false;
  page.snapshotAt = performance.now();
  ctx.scheduler.run(async (engine) => {
    const step = loop.submitted;
    const config = ctx.config;
    return { weights: await engine.snapshot(), step, config, at: Date.now() };
  }).then(
    (s) => (page.snapshot = s),
    (e) => console.warn('snapshot failed; keeping the previous one', e), // a lost device shows via errors()
  ).finally(() => {
    page.snapshotting = false;
    if (page.snapshotAgain && !page.lost) takeSnapshot();
  });
}

// ---------------------------------------------------------------- failures

function gpuFailed(errors) {
  page.lost = true;
  loop?.stop();
  updateButtons();
  const snap = page.snapshot;
  const kept = snap
    ? `The page kept the weights of step ${snap.step} on the CPU (${Math.round((Date.now() - snap.at) / 1000)} s ago).`
    : 'The page has no copy of trained weights yet, so continuing starts from the initial weights.';
  showError($('error'), {
    title: 'The GPU stopped working for this page',
    reason: `${errors.join(' ')} ${kept}`,
    advice: [
      'Press “Continue from the last weights” to open the GPU again and go on training from the kept weights.',
      'If this keeps happening, try a smaller model or batch size, close other GPU-heavy tabs, or reload the page.',
    ],
    actions: [{ id: 'continue', label: 'Continue from the last weights', onClick: recover }],
  });
}

function engineFailed(e) {
  const text = e?.message ?? String(e);
  if (page.lost) return;
  console.error(e);
  showError($('error'), {
    title: 'Something went wrong in the engine',
    reason: text,
    advice: ['Reset the run or reload the page. If it happens again, please report it with this message.'],
    actions: [{ id: 'error-dismiss', label: 'Dismiss', onClick: () => hideError($('error')) }],
  });
}

async function recover() {
  hideError($('error'));
  message('Opening the GPU again…');
  try {
    const old = ctx.scheduler.engine;
    // A new device with the datasets the old engine parsed (the page keeps no copy of MNIST).
    const engine = await old.recreate(page.config);
    engine.set_cadence(READ_EVERY, TEST_EVERY);
    const snap = page.snapshot;
    const usable = snap && STRUCTURAL.every((k) => String(snap.config[k]) === String(page.config[k]));
    const step = usable ? snap.step : 0;
    if (usable) engine.restore(snap.weights, step);
    ctx.scheduler = new EngineScheduler(engine);
    ctx.config = page.config;
    try {
      old.free();
    } catch {
      // still held by a call that never finished on the lost device: leave it to the GC
    }
    await tuner.prepare(page.config); // the new device starts with the default kernels
    if (usable) runHistory.truncate(step);
    else runHistory.clear();
    loop = makeLoop(step);
    page.lost = false;
    explorer.reset(page.config.latent);
    refresher.dirty = true;
    updateButtons();
    message(usable ? `Continued from the weights of step ${step}.` : 'Started again from the initial weights.');
  } catch (e) {
    gpuFailed([`Opening the GPU again failed: ${e?.message ?? e}`]);
  }
}

// ---------------------------------------------------------------- rendering

function fmt(v, digits = 1) {
  return v == null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function renderStatus() {
  const s = status();
  // While paused the rate is the one training last ran at (none before the first steps).
  if (s.samplesPerSec > 0) page.lastSamplesPerSec = s.samplesPerSec;
  const rate = s.samplesPerSec > 0 || !page.lastSamplesPerSec ? s.samplesPerSec : page.lastSamplesPerSec;
  const parts = [
    `Step ${s.step}`,
    `epoch ${s.epoch.toFixed(2)}`,
    `${Math.round(rate).toLocaleString('en')} images/s${rate !== s.samplesPerSec ? ' (last run)' : ''}`,
    `loss ${fmt(s.trainLoss)}`,
    `test ${fmt(s.testLoss)}`,
    `${s.backend}${s.adapter ? ` · ${s.adapter}` : ''}`,
    page.lost ? 'stopped' : tuner?.state === 'tuning' ? 'timing the GPU kernels (once)' : s.running ? 'training' : 'paused',
  ];
  $('status').textContent = parts.join(' · ');
}

const TUNING_STATES = {
  default: 'default choices (timed for this GPU after the first steps)',
  tuning: 'timing the kernels on this GPU…',
  tuned: 'timed on this GPU',
  cached: 'timed on this GPU earlier (kept by this browser)',
  failed: 'default choices (timing them failed)',
};

/** The matmul kernels in use, in the footer's details and the status tooltip. */
function renderKernels() {
  const { state, report } = tuner.toJSON();
  $('kernels-state').textContent = TUNING_STATES[state] ?? state;
  $('kernels-list').replaceChildren(...report.map((line) => {
    const li = document.createElement('li');
    li.textContent = line;
    return li;
  }));
  $('status').title = `Matmul kernels: ${TUNING_STATES[state] ?? state}${report.length ? `\n${report.join('\n')}` : ''}`;
}

function updateButtons() {
  const up = Boolean(loop) && !page.lost;
  $('play').disabled = !up || loop.running;
  $('pause').disabled = !up || !loop.running;
  for (const id of ['step', 'reset', 'new-seed', 'download']) $(id).disabled = !up;
}

function loadKatex() {
  // The module's evaluation and the first render are separate tasks: together they came to ~50 ms.
  loadKatex.started ??= import('./vendor/katex.mjs').then(async (m) => {
    await nextTask();
    katex = m.default;
    renderFormula();
  }, () => {});
}

function renderFormula() {
  const el = $('objective-formula');
  if (!katex || !page.config) return;
  const recon = '\\underbrace{-\\mathbb{E}_{q(z\\mid x)}\\log p(x\\mid z)}_{\\text{recon}}';
  const kl = '\\underbrace{\\mathrm{KL}\\big(q(z\\mid x)\\,\\|\\,\\mathcal{N}(0, I)\\big)}_{\\text{KL}}';
  const iwae = '-\\log \\frac{1}{K}\\sum_{k=1}^{K} \\frac{p(x\\mid z_k)\\,p(z_k)}{q(z_k\\mid x)},\\quad z_k \\sim q(z\\mid x)';
  const tex = {
    capacity: `\\text{minimized: } ${recon} + \\gamma\\,\\lvert ${kl} - C\\rvert`,
    iwae: `\\text{minimized: } ${iwae}`,
  }[page.config.objective] ?? `\\text{minimized: } ${recon} + \\beta\\, ${kl}`;
  katex.render(tex, el, { throwOnError: false });
  el.title = 'The charts show −ELBO = recon + KL (β = 1), whatever the objective.';
}

function setProgress(fraction, text) {
  $('load-bar').value = fraction;
  $('load-text').textContent = text;
}

// ---------------------------------------------------------------- start-up

function wire() {
  controls = new Controls(document.querySelector('.controls'), (pairs, { dragging }) => {
    applyPairs(pairs, { dragging }).catch(engineFailed);
  });
  $('play').addEventListener('click', play);
  $('pause').addEventListener('click', pause);
  $('step').addEventListener('click', (event) => loop?.step(event.shiftKey ? 100 : 1));
  $('reset').addEventListener('click', () => {
    ctx.scheduler.run((engine) => {
      engine.reset();
      restarted(`Reset: training restarted from the initial weights of seed ${ctx.config.seed}.`);
    }).catch(engineFailed);
  });
  $('new-seed').addEventListener('click', () => {
    const seed = crypto.getRandomValues(new Uint32Array(1))[0];
    applyPairs([['seed', String(seed)]]).catch(engineFailed);
  });
  $('copy-link').addEventListener('click', () => {
    hashWriter.flush();
    const link = location.href;
    navigator.clipboard.writeText(link).then(
      () => message('Link copied: it restores this configuration and view.'),
      () => message(`Copy this link: ${link}`),
    );
  });
  $('download').addEventListener('click', async () => {
    try {
      const bytes = await ctx.scheduler.run((engine) => engine.weights_file());
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `vaelab-seed${ctx.config.seed}-step${loop.confirmed}.safetensors`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      engineFailed(e);
    }
  });
  $('resample').addEventListener('click', () => {
    digitViews.draw++;
    digitViews.refreshSamples().catch(engineFailed);
  });
  $('x-unit').addEventListener('change', (event) => charts.setXUnit(event.target.value, runHistory, status().stepsPerEpoch));
  for (const tab of document.querySelectorAll('[data-view]')) tab.addEventListener('click', () => setView(tab.dataset.view));
  $('use-latent-2').addEventListener('click', () => applyPairs([['latent', '2']]).catch(engineFailed));
  $('notice-dismiss').addEventListener('click', () => setNotices([]));
  window.addEventListener('hashchange', () => {
    const config = followHash();
    applyConfig(config).catch(engineFailed);
  });
}

// The three slow parts of a start do not depend on each other, so all start at once, before the
// first await: the wasm engine (index.html preloads it), the GPU adapter check, and MNIST.
mark('script');
const wasmReady = init().then(() => void mark('wasm'));
const gpuReady = checkWebGPU().then((gpu) => (mark('adapter'), gpu));
const dataAbort = new AbortController();
const mb = (bytes) => (bytes / 1e6).toFixed(1);
const dataReady = loadMnist(MNIST_BASE, (loaded, total) => {
  setProgress(total ? loaded / total : 0, `Loading MNIST… ${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`);
  if (loaded === total) mark('fetched');
}, { signal: dataAbort.signal }).then((data) => (mark('data'), data));
dataReady.catch(() => {}); // awaited (and reported) in boot(); aborted when there is no WebGPU

/**
 * Start-up, with the marks of `vaelab.startup`: script (this module runs), wasm (engine compiled),
 * adapter (WebGPU checked), fetched / data (MNIST downloaded / decompressed), opened (Engine.open:
 * device and pipelines), engine (Engine.load done), firstSubmit (autoplay: the first steps submitted), firstStep (their metrics arrived).
 */
async function boot() {
  await wasmReady;
  page.configKeys = queryPairs(config_to_query(default_config())).map(([k]) => k);
  wire();
  page.config = followHash();
  controls.show(page.config);
  // Empty tiles where the digits will be, so the layout does not jump when they arrive.
  drawDigitGrid($('recon-canvas'), new Float32Array(0), { count: 32, cols: 8, scale: 2, gap: 2, groupRows: 2, groupGap: 8 });
  drawDigitGrid($('samples-canvas'), new Float32Array(0), { count: 32, cols: 8, scale: 2, gap: 2 });
  writeHash();

  // Opening the engine builds its GPU pipelines; the GPU process compiles them while MNIST is
  // still downloading and decompressing. It starts before the adapter check reports, whose words
  // are the ones shown if WebGPU is missing (without navigator.gpu there is nothing to open).
  const openedConfig = page.config;
  const opened = navigator.gpu ? Engine.open(openedConfig) : Promise.reject(new Error('no WebGPU'));
  opened.catch(() => {}); // awaited (and reported) below
  // The formula is typeset while the main thread waits for MNIST: after the first step its first
  // layout would be a long task in the middle of training.
  loadKatex();
  const gpu = await gpuReady;
  if (!gpu.ok) {
    dataAbort.abort();
    $('load-progress').hidden = true;
    $('status').textContent = 'WebGPU is unavailable: nothing can train here.';
    showError($('error'), gpu);
    throw new Error(gpu.title);
  }
  const data = await dataReady;
  page.nTrain = data.trainLabels.length - 8; // IDX1 header: magic and count
  setProgress(1, 'Starting WebGPU and uploading MNIST to the GPU…');
  const engine = await opened;
  mark('opened');
  // The engine copies the bytes in and parses them; the page keeps no reference to them.
  engine.load(data.trainImages, data.trainLabels, data.testImages, data.testLabels);
  mark('engine');
  // Settings changed while MNIST loaded (a control, a new hash) apply before the first step.
  if (page.config !== openedConfig) {
    try {
      engine.set_config(page.config);
    } catch (e) {
      message(`Could not apply that change: ${e?.message ?? e}. Kept the settings the page opened with.`);
      page.config = openedConfig;
      controls.show(openedConfig);
      writeHash();
    }
  }
  engine.set_cadence(READ_EVERY, TEST_EVERY);
  const s = engine.status();
  page.backend = /webgpu/i.test(s.backend) ? 'WebGPU' : s.backend;
  const info = gpu.info;
  page.adapter = s.adapter || [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  page.parameters = s.parameters;

  ctx.scheduler = new EngineScheduler(engine);
  ctx.config = page.config;
  tuner = new KernelTuner(ctx, { adapter: page.adapter, onChange: renderKernels });
  // Cached kernel choices apply before the first step (a quick call; no timing happens here).
  await tuner.prepare(page.config);
  // No await from here until the views exist: the loop's first frame draws into them.
  loop = makeLoop(0);
  if (page.autoplay) {
    loop.play();
    loop.kick(1); // the first step goes to the GPU now, alone (its metrics come back on their own)
    mark('firstSubmit');
  }
  charts = new LossCharts($('chart-loss'), $('chart-parts'));
  digitViews = new DigitViews(ctx, { reconCanvas: $('recon-canvas'), samplesCanvas: $('samples-canvas') });
  explorer = new LatentExplorer(ctx, {
    scatter: $('latent-canvas'), manifold: $('manifold-canvas'), manifoldNote: $('manifold-note'),
    manifoldCaption: $('manifold-caption'), projection: $('latent-projection'), legend: $('latent-legend'),
    sliders: $('latent-sliders'), zCanvas: $('z-canvas'), zCaption: $('z-caption'), zZero: $('z-zero'),
    strip: $('interp-canvas'), stripCaption: $('interp-caption'),
  });
  explorer.reset(page.config.latent);
  $('load-progress').hidden = true;
  updateButtons();
  renderStatus();
  if (!page.autoplay) {
    await refreshVisible(); // with autoplay the frame loop draws them once the first step is in
  }
  page.ready = true;
  resolveReady(api);
}

boot().catch((e) => {
  if ($('error').hidden) {
    $('load-progress').hidden = true;
    showError($('error'), {
      title: 'VAE Lab could not start',
      reason: e?.message ?? String(e),
      advice: [
        'If the settings in the link ask for more than this GPU has, start with the default settings.',
        'Otherwise reload the page. If WebGPU is the problem, see your browser’s WebGPU support (Chrome/Edge 113+, Safari 26+, Firefox 141+).',
      ],
      actions: [{ id: 'start-defaults', label: 'Start with the default settings', onClick: () => {
        window.history.replaceState(null, '', '#v=1');
        location.reload();
      } }],
    });
  }
  rejectReady(e);
});
