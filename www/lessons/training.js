// The lessons page's training: widget and link changes to the config or the steps, the engine session
// (started once, shared by every lesson), redrawing the widget while it trains, and failures.
// ---------------------------------------------------------------- state changes from widgets
import { CheckpointStore } from '../core/checkpoints.js';
import { loadMnistProgress } from '../core/data.js';
import { apply_pairs, showUnavailable } from '../core/engine.js';
import { hideError, showError } from '../core/gpu-check.js';
import { NumberGuard } from '../core/number-guard.js';
import { motionFactor } from '../core/views/a11y.js';
import { engineNotice, UI } from './i18n.js';
import { LessonSession } from './lesson-session.js';
import { BY_NAME } from './lessons.js';
import { clampParam } from './link.js';
import { $, lessonHref, page, refresher, setNotices, state, texts, writeHash } from './page.js';

export function setParam(key, value, { dragging = false } = {}) {
  const lesson = BY_NAME.get(state.name);
  const spec = lesson?.params?.[key];
  if (!spec) throw new Error(`unknown page.widget key ${key}`);
  const { value: v } = clampParam(key, spec, Array.isArray(value) ? value.join(',') : String(value));
  state.params = { ...state.params, [key]: v };
  writeHash(dragging);
  if (key === 'train') {
    page.trainingBar?.show(state.config, state.params);
    if (page.session?.started) startTraining();
  }
  return v;
}

export async function setConfigPairs(pairs, { dragging = false } = {}) {
  const lesson = BY_NAME.get(state.name);
  const trains = lesson.engine && page.session?.started && lesson.training !== 'custom';
  // One crossing: the engine applies (and clamps) the pairs; without a running model, apply_pairs does.
  const result = trains ? await page.session.change(pairs) : apply_pairs(state.config, pairs);
  if (result.notices.length > 0) setNotices(result.notices.map(engineNotice));
  state.config = trains ? page.session.config : result.config;
  writeHash(dragging);
  page.widget?.showConfig?.(state.config);
  page.trainingBar?.show(state.config, state.params);
  if (!lesson.engine || !page.session?.started) return state.config;
  if (!trains) {
    page.widget?.onConfig?.(state.config);
    return state.config;
  }
  // A live change (β, …) needs training to show: keep going for a while past where the run is.
  if (result.live && lesson.retrainOnChange) setParam('train', Math.max(state.params.train, page.session.loop.submitted + lesson.retrainOnChange));
  if (!result.live) page.trainingBar?.note(result.restored ? 'restored' : 'fresh', page.session.step);
  startTraining();
  requestRefresh();
  return state.config;
}

export async function restartRun() {
  if (!page.session?.started) return;
  await page.session.restart();
  startTraining();
  requestRefresh();
}

// ---------------------------------------------------------------- the engine session

export async function startEngine(lesson) {
  // Trained models also go to IndexedDB (their own database: the lab's list does not show them).
  page.session ??= new LessonSession({ onGpuErrors: gpuFailed, onError: engineFailed, backend: state.backend,
    store: new CheckpointStore('vaelab-lessons', { maxRuns: 12 }), onStorage: storageNotice });
  // The sender's own images stay on their computer: a data=own link trains on MNIST here, and says
  // so (the lab takes the reader's own files). A link may also name Fashion-MNIST.
  if (state.config.data === 'own') {
    state.config = apply_pairs(state.config, [['data', 'mnist']]).config;
    writeHash();
    setNotices([...state.notices, UI.ownData]);
  }
  const progress = $('load-progress');
  if (!page.session.started) {
    progress.hidden = false;
    let loadText = UI.loadingEngine;
    texts.bind($('load-text'), () => texts.t(loadText));
    const abort = new AbortController();
    const key = state.config.data === 'fashion' ? 'fashion' : 'mnist';
    const data = loadMnistProgress({ key, signal: abort.signal, onProgress: (fraction, text) => {
      $('load-bar').value = fraction;
      loadText = text;
      $('load-text').textContent = texts.t(text);
    } });
    await page.session.start({ config: state.config, data }).catch((e) => {
      abort.abort(); // e.g. no WebGPU: MNIST is not needed
      throw e;
    });
    progress.hidden = true;
  }
  if (!page.sessionWired) {
    page.sessionWired = true;
    page.session.on('metrics', () => (refresher.dirty = true));
    page.session.on('run', () => {
      refresher.dirty = true;
      page.widget?.onRun?.();
    });
    page.session.on('frame', onFrame);
    // A loss that comes back NaN or infinite: paused, back to the last good copy (or the start), and said.
    new NumberGuard(page.session, { onError: engineFailed, onTripped: (t) => setNotices([...state.notices, badNumbers(t)]) });
  }
  if (state.name !== lesson.name) return; // the reader moved on while the engine started
  if (lesson.training === 'custom') {
    await page.widget.start?.();
    return;
  }
  const before = page.session.query;
  const result = await page.session.use(state.config);
  if (state.name !== lesson.name) return;
  page.trainingBar?.note(result.restored ? 'restored' : result.same && before === page.session.query && page.session.step > 0 ? 'same' : 'fresh', page.session.step);
  page.widget?.onRun?.();
  startTraining();
}

export function startTraining() {
  const lesson = BY_NAME.get(state.name);
  if (!lesson?.engine || lesson.training === 'custom' || !page.session?.started) return;
  page.session.trainTo(state.params.train);
}

export function requestRefresh() {
  refresher.dirty = true;
  refresher.next = 0;
}

let lastStatus = 0;
export function onFrame(now) {
  if (now - lastStatus > 250) {
    lastStatus = now;
    page.trainingBar?.update(page.session.status());
  }
  if (!page.widget || refresher.busy || !refresher.dirty || page.session.lost) return;
  if (page.session.training && now < refresher.next) return;
  refreshNow();
}

/** Redraws the widget from the current model; while training, again after max(1 s, 3× its cost). */
export function refreshNow() {
  if (refresher.busy) return refresher.busy.then(() => refreshNow());
  if (!page.widget?.refresh) return Promise.resolve();
  const lesson = BY_NAME.get(state.name);
  if (lesson?.engine && !page.session?.started) return Promise.resolve();
  refresher.dirty = false;
  const t0 = performance.now();
  const current = page.widget;
  if (page.session) page.session.viewsBusy = true;
  refresher.busy = (async () => {
    try {
      await current.refresh();
    } catch (e) {
      engineFailed(e);
    } finally {
      refresher.next = performance.now() + Math.max(1000, 3 * (performance.now() - t0)) * motionFactor(); // ×4 with reduced motion
      refresher.busy = null;
      if (page.session) page.session.viewsBusy = false;
    }
  })();
  return refresher.busy;
}

// ---------------------------------------------------------------- failures

export function errorPanel(title, reason, advice, actions = []) {
  showError($('error'), { title: texts.t(title), reason, advice: advice.map((a) => texts.t(a)), actions, lang: state.lang });
}

export function gpuFailed(errors) {
  errorPanel(UI.gpuLostTitle, errors.join(' '), [UI.gpuLostAdvice], [
    { id: 'continue', label: texts.t(UI.gpuContinue), onClick: recoverGpu },
    { id: 'reload', label: texts.t(UI.reload), onClick: () => location.reload() },
  ]);
}

/** Opens the GPU again; the lesson's model continues from its copy on the CPU or trains again. */
export async function recoverGpu() {
  hideError($('error'));
  try {
    await page.session.recover();
    const lesson = BY_NAME.get(state.name);
    if (lesson?.training === 'custom') await page.widget?.start?.();
    else startTraining();
    requestRefresh();
  } catch (e) {
    gpuFailed([String(e?.message ?? e)]);
  }
}

const storageSaid = new Set();
/** A storage problem (quota, blocked, damaged record), said once: the lesson trains on without it. */
function storageNotice(text) {
  if (storageSaid.has(text)) return;
  storageSaid.add(text);
  setNotices([...state.notices, engineNotice(text)]);
}

function badNumbers({ step, back, value, cause, advice }) {
  return {
    en: `Training stopped at step ${step}: the loss became ${value}. The model went back to ${back ? `the weights of step ${back}` : 'its initial weights'}. Likely cause: ${cause}. Try ${advice}.`,
    zh: `训练在第 ${step} 步停止：损失变成了 ${value}。模型回到了${back ? `第 ${back} 步的权重` : '初始权重'}。可能的原因：${cause}。可以尝试：${advice}。`,
  };
}

export function engineFailed(e) {
  if (page.session?.lost) return;
  console.error(e);
  errorPanel(UI.engineErrorTitle, e?.message ?? String(e), [UI.engineErrorAdvice], [{ id: 'error-dismiss', label: texts.t(UI.dismiss), onClick: () => ($('error').hidden = true) }]);
}

export function cannotStart(e) {
  $('load-progress').hidden = true;
  if (showUnavailable($('error'), e, state.lang)) return; // no WebGPU: the explanation and advice, in the lesson's language
  console.error(e);
  errorPanel(UI.cannotStart, e?.message ?? String(e), [UI.engineErrorAdvice], [{
    id: 'start-defaults',
    label: texts.t(UI.startDefaults),
    onClick: () => {
      history.replaceState(null, '', lessonHref(state.name));
      location.reload();
    },
  }]);
}
