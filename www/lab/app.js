// The lab page: one engine Session (www/core) with the controls, charts, digit and latent views, the
// URL hash, error panels and window.vaelab around it. Start-up loads the wasm, MNIST and the GPU at once.
import { config_from_pairs, config_to_query, configPairs, default_config, loadWasm, schema, showUnavailable } from '../core/engine.js';
import { dataSet, linkDataKey, loadDataSet, loadMnistProgress } from '../core/data.js';
import { NumberGuard } from '../core/number-guard.js';
import { Session } from '../core/session.js';
import { timed } from '../core/timing.js';
import { HashWriter, buildHash, parseHash } from '../core/url-state.js';
import { motionFactor, spaceToPlay } from '../core/views/a11y.js';
import { LossCharts } from '../core/views/charts.js';
import { DigitViews } from '../core/views/digit-views.js';
import { drawDigitGrid } from '../core/views/digits.js';
import { LatentExplorer } from '../core/views/latent.js';
import { labApi } from './api.js';
import { Controls } from './controls.js';
import { wireExports } from './exports.js';
import { labFailures } from './failures.js';
import { labKeeping } from './keep.js';
import { foldPanel } from './layout.js';
import { noticePanel } from './notices.js';
import { openWeights, wireOpenWeights } from './open-weights.js';
import { labRebuild } from './rebuild.js';
import { ownData } from './own-data.js';
import { describeChange, forgetRate, loadKatex, renderFormula, renderKernels, renderStatus, updateButtons } from './status.js';
import { wireButtons } from './wire.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['training', 'latent'];
const SNAPSHOT_EVERY_MS = 30_000; // a copy on the CPU (for a lost GPU) that also goes to IndexedDB

const session = new Session({ onGpuErrors: (errors) => failures.gpuFailed(errors), onError: (e) => failures.engineFailed(e),
  onNotice: (text) => setNotices([...page.notices, text]), provideData: (key) => (key === 'own' ? own.request() : loadDataSet(key)) });
const failures = labFailures({ session, message, showConfig });
const engineFailed = failures.engineFailed;
/** Page state: the view, the link's autoplay, notices, and what the hash reads against. */
const page = { view: 'training', autoplay: false, backend: 'auto', ready: false, notices: [], configKeys: [], defaultPairs: [] };
const { setNotices, addNotice } = noticePanel(page);
/** ms since navigation start at each start-up stage, also as performance marks (`vaelab:engine`, …). */
const startup = {};
const mark = (name) => (startup[name] ??= Math.round(performance.mark(`vaelab:${name}`).startTime));
const hashWriter = new HashWriter();
const refresher = { busy: null, next: 0, dirty: true };
const views = { charts: null, digits: null, explorer: null, controls: null };
let lastPaint = 0;
let keeping = null; // saved runs (./keep.js), from boot() on
let rebuild = null; // steps=N links and the record of live changes (./rebuild.js), from boot() on

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => [resolveReady, rejectReady] = [resolve, reject]);
ready.catch(() => {}); // a page without WebGPU is not an unhandled error; `await vaelab.ready` still sees it

const api = labApi({ ready, session, page, startup, applyPairs, play, pause, setView, refresh: async () => {
  await refresher.busy;
  return refreshVisible();
}, keeping: () => keeping, rebuild: () => rebuild, importWeights: (bytes, name) => openWeights(lab(), bytes, name) });
window.vaelab = api;

// ---------------------------------------------------------------- config, URL and notices

/** What opening a weights file (or the reader's own data) needs from the page. */
function lab() {
  return { session, setNotices, message, showConfig, play, dropData: (files) => own.useFiles(files) };
}
const own = ownData(lab());
let configured; // resolves once the config and the controls exist (boot)
const whenConfigured = new Promise((resolve) => (configured = resolve));

function message(text) {
  $('run-message').textContent = text;
}

function writeHash(dragging = false) {
  // The link's text is made when it is written: while a slider drags, at most every 250 ms.
  hashWriter.write(() => buildHash(config_to_query(session.config), page.view, { autoplay: page.autoplay, backend: page.backend }));
  if (!dragging) hashWriter.flush();
}

function showConfig(dragging = false) {
  views.controls.show(session.config);
  writeHash(dragging);
  renderFormula(session.config);
}

/**
 * Applies `[[key, value]]` strings (one set_pairs). `notices`, when given, replace the shown ones
 * (with the engine's added); otherwise the engine's, if any, do.
 */
async function applyPairs(pairs, { dragging = false, notices = null } = {}) {
  const result = await session.apply(pairs);
  if (notices || result.notices.length > 0) setNotices([...(notices ?? []), ...result.notices]);
  // The engine kept the model it had (e.g. the new one does not fit on this GPU): show that one.
  if (result.error) message(`Could not apply that change: ${result.error?.message ?? result.error}. Kept the previous settings.`);
  showConfig(dragging && !result.error);
  if (result.rebuilt) message(describeChange(result.before, result.config));
  return { rebuilt: result.rebuilt, config: structuredClone(session.config), notices: page.notices.slice() };
}

/** A new run began (rebuild, reset, recovery): the views start over with it. */
function newRun() {
  forgetRate();
  views.charts.update(session.history, session.status().stepsPerEpoch, true);
  views.explorer.reset(session.config.latent, dataSet(session.config.data));
  refresher.dirty = true;
  updateButtons(!session.lost, session.loop.running);
}

/**
 * Reads the hash: its view and autoplay now; returns its config pairs (over the defaults), its
 * `steps`/`edits` texts (`replay`, read against the config once it is known) and notices.
 */
function followHash() {
  const parsed = parseHash(location.hash, { configKeys: page.configKeys, views: VIEWS });
  page.view = parsed.view ?? page.view;
  page.autoplay = parsed.autoplay;
  page.backend = parsed.backend; // read once, at start-up: the engine runs where it opened
  showView();
  // A preset is a whole config of its own: the defaults do not go under it.
  const base = parsed.pairs.some(([key]) => key === 'preset') ? [] : page.defaultPairs;
  return { pairs: [...base, ...parsed.pairs], replay: parsed.replay, notices: parsed.notices };
}

function setView(view) {
  if (!VIEWS.includes(view)) throw new Error(`unknown view “${view}”; use ${VIEWS.join(' or ')}`);
  page.view = view;
  showView();
  writeHash();
}

function showView() {
  session.loop?.quiet(2);
  for (const v of VIEWS) {
    $(`view-${v}`).hidden = v !== page.view;
    $(`tab-${v}`).setAttribute('aria-selected', String(v === page.view));
    $(`tab-${v}`).tabIndex = v === page.view ? 0 : -1; // one Tab stop; the arrow keys move between tabs
  }
  refresher.dirty = true;
  refresher.next = 0;
}

// ---------------------------------------------------------------- training and pictures

function play() {
  session.play();
  updateButtons(Boolean(session.loop) && !session.lost, session.loop?.running);
}

function pause() {
  if (!session.loop) return;
  session.pause();
  updateButtons(!session.lost, false);
  if (!session.lost) session.keep();
}

function onFrame(now) {
  const loop = session.loop;
  // At most 4 updates a second (1 with reduced motion), in a frame that records no training steps
  // (the next one is kept quiet).
  const every = 250 * motionFactor();
  if (now - lastPaint > every && loop.submittedThisFrame) {
    loop.quiet(1);
  } else if (now - lastPaint > every) {
    lastPaint = now;
    renderStatus(session.status(), session.tuner.state);
    if (page.view === 'training') timed('charts', () => views.charts.update(session.history, session.status().stepsPerEpoch, false, loop.active));
    else views.charts.describe(session.history);
  }
  if (session.lost) return;
  const training = loop.running || loop.budget > 0;
  // Until the first step's metrics are in, pictures wait: they would hold the engine meanwhile.
  const firstPending = loop.active && loop.confirmed === 0;
  if (!refresher.busy && refresher.dirty && !firstPending && (training ? now >= refresher.next : !loop.active)) refreshVisible();
  if (loop.running && now - (session.keptAt ?? 0) > SNAPSHOT_EVERY_MS) session.keep();
}

/**
 * Redraws the pictures of the visible view; while training, again after max(1 s, 3× its cost), four
 * times slower when the reader asked for reduced motion.
 */
function refreshVisible() {
  if (refresher.busy) return refresher.busy;
  const t0 = performance.now();
  refresher.dirty = false;
  session.viewsBusy = true;
  refresher.busy = (async () => {
    try {
      if (page.view === 'training') {
        await views.digits.refreshRecon();
        await views.digits.refreshSamples();
      } else {
        await views.explorer.refresh();
      }
    } catch (e) {
      engineFailed(e);
    } finally {
      refresher.next = performance.now() + Math.max(1000, 3 * (performance.now() - t0)) * motionFactor();
      refresher.busy = null;
      session.viewsBusy = !page.ready;
    }
  })();
  return refresher.busy;
}

// ---------------------------------------------------------------- start-up

// The slow parts of a start do not depend on each other, so they start at once, before the first
// await: the wasm engine (index.html preloads it) and MNIST; the backend checks the GPU meanwhile.
mark('script');
foldPanel();
spaceToPlay(() => (!$('pause').disabled ? pause() : !$('play').disabled && play()));
const wasmReady = loadWasm().then(() => void mark('wasm'));
const dataAbort = new AbortController();
const loadData = (key) => loadMnistProgress({ key, signal: dataAbort.signal, onStage: mark, onProgress: (fraction, text) => {
  $('load-bar').value = fraction;
  $('load-text').textContent = text.en;
} });
// A data=own link asks for the reader's files (the sender's never travel); "Use MNIST instead" goes on with MNIST.
let dataKey = linkDataKey(location.hash); // what dataReady brings
const dataReady = dataKey !== 'own' ? loadData(dataKey)
  : own.request('This link trained on its sender’s own images, which stayed on their machine: choose files of yours to train on, or use MNIST.')
    .catch(async () => {
      dataKey = 'mnist';
      await whenConfigured;
      await applyPairs([['data', 'mnist']]);
      return loadData('mnist');
    });

/**
 * Start-up, with the marks of `vaelab.startup`: script, wasm, adapter (the backend checked), fetched /
 * data (MNIST downloaded / decompressed), opened (device and pipelines), engine (data loaded),
 * firstSubmit (autoplay: the first steps submitted), firstStep (their metrics arrived).
 */
async function boot() {
  await wasmReady;
  page.configKeys = schema().map((row) => row.key);
  page.defaultPairs = configPairs(default_config());
  const link = followHash();
  const { config, notices } = config_from_pairs(link.pairs);
  rebuild = labRebuild({ session, page, applyPairs, message });
  const replay = rebuild.read(config, link.replay);
  setNotices([...link.notices, ...notices, ...replay.notices]);
  session.config = config;
  session.backend = page.backend;
  views.controls = new Controls($('config-controls'), (pairs, { dragging }) => applyPairs(pairs, { dragging }).catch(engineFailed));
  wireButtons({ session, play, pause, applyPairs, setView, setNotices, message, hashWriter, engineFailed,
    resample: () => views.digits.refreshSamples(), digits: () => views.digits, charts: () => views.charts, newRun });
  wireOpenWeights(lab());
  configured();
  window.addEventListener('hashchange', () => {
    const { pairs, replay: texts, notices: linkNotices } = followHash();
    applyPairs(pairs, { notices: linkNotices })
      .then(() => rebuild.follow(texts, (notices) => setNotices([...page.notices, ...notices])))
      .then(() => keeping.refresh())
      .catch(engineFailed);
  });
  showConfig();
  // Empty tiles where the digits will be, so the layout does not jump when they arrive.
  drawDigitGrid($('recon-canvas'), new Float32Array(0), { count: 32, cols: 8, scale: 2, gap: 2, groupRows: 2, groupGap: 8 });
  drawDigitGrid($('samples-canvas'), new Float32Array(0), { count: 32, cols: 8, scale: 2, gap: 2 });
  // The formula is typeset while the main thread waits for MNIST: after the first step its first
  // layout would be a long task in the middle of training.
  loadKatex();
  session.viewsBusy = true; // no kernel tuning before the page is up
  keeping = labKeeping({ session, applyPairs, addNotice, message, record: rebuild.record });
  new NumberGuard(session, { onError: engineFailed, onTripped: ({ step, back, value, cause, advice }) => {
    updateButtons(true, false);
    addNotice(`Training stopped at step ${step}: the loss became ${value}. The run went back to ${back ? `the weights of step ${back}` : 'its initial weights'}. Likely cause: ${cause}. Try ${advice}, then press Train.`);
  } });
  try {
    await session.start({ config, data: dataReady, dataKey: () => dataKey, onStage: mark, onRejected: (e) => {
      message(`Could not apply that change: ${e?.message ?? e}. Kept the settings the page opened with.`);
      showConfig();
    } });
  } catch (e) {
    if (e?.unavailable) {
      dataAbort.abort();
      $('load-progress').hidden = true;
      $('status').textContent = 'WebGPU is unavailable: nothing can train here.';
      showUnavailable($('error'), e);
    }
    throw e;
  }
  showConfig();
  session.on('tuning', (tuner) => renderKernels(tuner.toJSON()));
  renderKernels(session.tuner.toJSON());
  session.on('metrics', (metrics) => {
    if (api.firstStepMs === null && metrics.train.length > 0) {
      api.firstStepMs = performance.now();
      mark('firstStep');
    }
    refresher.dirty = true;
  });
  session.on('run', newRun);
  session.on('frame', onFrame);
  // No await from here until the views exist: the loop's first frame draws into them. A link that
  // rebuilds a model trains to its step instead of playing.
  const rebuilding = replay.steps > 0 || replay.edits.length > 0;
  if (page.autoplay && !rebuilding) {
    session.play();
    session.loop.kick(1); // the first step goes to the GPU now, alone (its metrics come back on their own)
    mark('firstSubmit');
  }
  views.charts = new LossCharts($('chart-loss'), $('chart-parts'), $('chart-tables'));
  views.digits = new DigitViews(session, { reconCanvas: $('recon-canvas'), samplesCanvas: $('samples-canvas') });
  views.explorer = new LatentExplorer(session, {
    scatter: $('latent-canvas'), manifold: $('manifold-canvas'), manifoldNote: $('manifold-note'),
    manifoldCaption: $('manifold-caption'), projection: $('latent-projection'), legend: $('latent-legend'),
    sliders: $('latent-sliders'), zCanvas: $('z-canvas'), zCaption: $('z-caption'), zZero: $('z-zero'),
    strip: $('interp-canvas'), stripCaption: $('interp-caption'), keysHint: $('latent-keys'),
  });
  views.explorer.reset(session.config.latent, dataSet(session.config.data));
  api.metricsCsv = wireExports({ session, message }).csv;
  $('load-progress').hidden = true;
  updateButtons(true, session.loop.running);
  renderStatus(session.status(), session.tuner.state);
  if (!page.autoplay) await refreshVisible(); // with autoplay the frame loop draws them once the first step is in
  page.ready = true;
  session.viewsBusy = Boolean(refresher.busy);
  // "Resume step N" when this link was trained here before (a storage that never answers delays nothing long).
  await Promise.race([keeping.refresh().catch(engineFailed), new Promise((resolve) => setTimeout(resolve, 3000))]);
  rebuild.rebuilt = rebuild.start(replay);
  rebuild.rebuilt.catch(engineFailed);
  resolveReady(api);
}

boot().catch((e) => {
  failures.cannotStart(e);
  rejectReady(e);
});
