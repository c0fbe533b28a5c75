// The lessons page: reads the link (lesson, language, config, widget state, hidden controls), shows
// the index or one lesson, runs the shared engine session for lessons that train a model, and keeps
// the hash in step with every change. window.vaelabLessons is the handle tests use.
import { apply_pairs, config_from_pairs, config_to_query, loadWasm, schema, showUnavailable } from '../core/engine.js';
import { loadMnist } from '../core/data.js';
import { hideError, showError } from '../core/gpu-check.js';
import { HashWriter, queryPairs } from '../core/url-state.js';
import { Texts, UI, engineNotice } from './i18n.js';
import { LESSONS, BY_NAME } from './lessons.js';
import { buildLessonHash, clampParam, parseLessonHash, preferredLang } from './link.js';
import { inline, loadKatex, renderProse } from './prose.js';
import { LessonSession } from './lesson-session.js';
import { TrainingBar } from './training-bar.js';
import { SharePanel } from './share.js';
import { el } from './ui.js';

const $ = (id) => document.getElementById(id);

const state = {
  name: null, // current lesson or null for the index
  lang: 'en',
  config: null,
  params: {},
  hide: [],
  notices: [],
  configKeys: [],
};
const texts = new Texts('en'); // the frame's texts (header, index, notices)
let lessonTexts = null; // the current lesson's texts (cleared when it closes)
let widget = null;
let trainingBar = null;
let share = null;
let session = null;
let sessionWired = false; // listeners on the session are added once, however many lessons start it
let lessonReady = null;
const hashWriter = new HashWriter();
const refresher = { busy: null, dirty: false, next: 0 };

// ---------------------------------------------------------------- window.vaelabLessons

let markReady;
/**
 * For tests and automation:
 *  ready             Promise: the page parsed its link and rendered (index or lesson)
 *  lessonReady()     Promise: the lesson's widget has drawn once (after its engine started, if it has one)
 *  state()           {lesson, lang, config, params, hide, notices, hash}
 *  status()          the engine session's status (step, target, training, losses, backend, …) or null
 *  untilTrained()    Promise: training reached its target (or was paused) and the widget redrew
 *  refresh()         Promise: the widget redraws now
 *  setLang(lang)     switch language in place
 */
const api = {
  ready: new Promise((resolve) => (markReady = resolve)),
  lessonReady: () => lessonReady ?? Promise.resolve(),
  state: () => ({
    lesson: state.name,
    lang: state.lang,
    config: state.config ? structuredClone(state.config) : null,
    params: structuredClone(state.params),
    hide: state.hide.slice(),
    notices: state.notices.map((n) => texts.t(n)),
    hash: location.hash,
  }),
  status: () => session?.status() ?? null,
  untilTrained: async () => {
    await lessonReady;
    if (session?.started) await session.untilIdle();
    await widget?.untilDone?.();
    await refreshNow();
  },
  refresh: () => refreshNow(),
  setLang: (lang) => setLang(lang),
  widget: () => widget,
  /** For tests of the recovery path: destroys the GPU device, as a driver crash would. */
  loseDevice: () => session?.engine?.lose_device?.(),
};
window.vaelabLessons = api;

// ---------------------------------------------------------------- hash and notices

function currentHash() {
  return buildLessonHash({
    name: state.name,
    lang: state.lang,
    configQuery: state.config ? config_to_query(state.config) : '',
    params: state.params,
    hide: state.hide,
  });
}

/** Writes the state into the hash with replaceState (no hashchange), throttled while dragging. */
function writeHash(dragging = false) {
  hashWriter.write(currentHash());
  if (!dragging) hashWriter.flush();
}

function setNotices(list) {
  state.notices = list;
  const ul = $('notice-list');
  ul.replaceChildren(...list.map((n) => texts.bind(el('li'), n)));
  $('notice').hidden = list.length === 0;
}

// ---------------------------------------------------------------- language

function setLang(lang) {
  if (lang === state.lang) return;
  state.lang = lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  texts.setLang(lang);
  lessonTexts?.setLang(lang);
  renderLangButtons();
  if (state.name) renderProseInto(BY_NAME.get(state.name));
  else renderIndex();
  writeHash();
}

function renderLangButtons() {
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
}

// ---------------------------------------------------------------- routing

function lessonHref(name, lang = state.lang) {
  return `#lesson=${name}&lang=${lang}`;
}

/** Reads the hash and shows what it asks for (first load and every hashchange). */
async function follow() {
  const parsed = parseLessonHash(location.hash, { lessons: BY_NAME, configKeys: state.configKeys, fallbackLang: state.lang });
  const notices = [...parsed.notices];
  let config = null;
  if (parsed.name) {
    const lesson = BY_NAME.get(parsed.name);
    const result = config_from_pairs([...defaultPairs(lesson), ...parsed.pairs]);
    config = result.config;
    notices.push(...result.notices.map(engineNotice));
  }
  setNotices(notices);
  const langChanged = parsed.lang !== state.lang;
  const lessonChanged = parsed.name !== state.name;
  if (langChanged) {
    state.lang = parsed.lang;
    document.documentElement.lang = parsed.lang === 'zh' ? 'zh-CN' : 'en';
    texts.setLang(parsed.lang);
    lessonTexts?.setLang(parsed.lang);
    renderLangButtons();
  }
  if (lessonChanged || !parsed.name) {
    closeLesson();
    state.name = parsed.name;
    state.config = config;
    state.params = parsed.params;
    state.hide = parsed.hide;
    if (parsed.name) openLesson(BY_NAME.get(parsed.name));
    else renderIndex();
    writeHash();
    return;
  }
  // Same lesson: apply what changed in place.
  const lesson = BY_NAME.get(state.name);
  const configChanged = config_to_query(config) !== config_to_query(state.config);
  state.config = config;
  state.params = parsed.params;
  state.hide = parsed.hide;
  applyHide();
  if (langChanged) renderProseInto(lesson);
  widget?.showParams?.(state.params);
  widget?.showConfig?.(state.config);
  trainingBar?.show(state.config, state.params);
  if (configChanged && lesson.engine && session?.started && lesson.training !== 'custom') {
    const result = await session.changeTo(state.config);
    if (!result.live) trainingBar?.note(result.restored ? 'restored' : 'fresh', session.step);
    startTraining();
  } else if (configChanged) {
    widget?.onConfig?.(state.config);
  }
  if (lesson.engine && session?.started) {
    if (lesson.training !== 'custom') startTraining();
    requestRefresh();
  }
  writeHash();
}

function defaultPairs(lesson) {
  return Object.entries(lesson.config ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]);
}

// ---------------------------------------------------------------- the index

function renderIndex() {
  document.title = `${texts.t(UI.site)}`;
  $('lesson').hidden = true;
  const root = $('index');
  root.hidden = false;
  const intro = texts.bind(el('p.index-intro'), UI.indexIntro);
  const list = el('ol.lesson-list');
  for (const lesson of LESSONS) {
    const a = el('a', { href: lessonHref(lesson.name) });
    texts.bind(a, lesson.title);
    const other = el('span.other-lang');
    texts.bind(other, (lang) => (lang === 'en' ? lesson.title.zh : lesson.title.en));
    const summary = el('p.summary');
    summary.append(inline(texts.t(lesson.summary)));
    const badge = texts.bind(el('span.badge'), lesson.engine ? UI.needsGpu : UI.cpuOnly);
    list.append(el('li', { dataset: { lesson: lesson.name } }, el('div.lesson-head', {}, el('span.number', { textContent: String(lesson.number) }), a, other, badge), summary));
  }
  root.replaceChildren(intro, list);
}

// ---------------------------------------------------------------- a lesson

function openLesson(lesson) {
  $('index').hidden = true;
  const root = $('lesson');
  root.hidden = false;
  lessonTexts = new Texts(state.lang);
  const t = lessonTexts;
  t.onSwitch(() => (document.title = `${t.t(lesson.title)} · ${t.t(UI.site)}`));

  const head = el('header.lesson-head');
  const kicker = t.bind(el('p.kicker'), (lang) => UI.lessonN[lang](lesson.number));
  const title = t.bind(el('h2'), lesson.title);
  const summary = el('p.lesson-summary');
  t.onSwitch(() => summary.replaceChildren(inline(t.t(lesson.summary))));
  head.append(kicker, title, summary);

  let ready;
  lessonReady = new Promise((resolve) => (ready = resolve));
  const ctx = makeContext(lesson, t);
  widget = new lesson.Widget(ctx);
  trainingBar = lesson.engine && lesson.training !== 'custom'
    ? new TrainingBar(t, { onPause: () => session?.pause(), onResume: () => startTraining(), onMore: (n) => setParam('train', (session?.target ?? 0) + n), onRestart: () => restartRun(), onConfig: (pairs) => setConfigPairs(pairs), onParam: (k, v) => setParam(k, v), labHref: () => `index.html#v=1&${config_to_query(state.config)}&view=training` })
    : null;
  trainingBar?.show(state.config, state.params);
  share = new SharePanel(t, { hashFor: (hide) => buildLessonHash({ name: state.name, lang: state.lang, configQuery: config_to_query(state.config), params: state.params, hide }), root });

  const prose = el('div.prose');
  const nav = lessonNav(lesson, t);
  root.replaceChildren(head, trainingBar?.root ?? '', prose, share.root, nav);
  root.dataset.lesson = lesson.name;
  renderProseInto(lesson);
  applyHide();
  window.scrollTo(0, 0);

  if (!lesson.engine) {
    Promise.resolve(widget.refresh?.()).then(() => ready(), (e) => engineFailed(e));
    return;
  }
  startEngine(lesson).then(async () => {
    await refreshNow();
    ready();
  }, (e) => {
    cannotStart(e);
    ready();
  });
}

/** Everything a widget may use. */
function makeContext(lesson, t) {
  return {
    lesson,
    texts: t,
    get session() {
      return session?.started ? session : null;
    },
    get config() {
      return state.config;
    },
    get params() {
      return state.params;
    },
    get lang() {
      return state.lang;
    },
    setParam: (key, value, opts) => setParam(key, value, opts),
    setConfig: (pairs, opts) => setConfigPairs(pairs, opts),
    requestRefresh: () => requestRefresh(),
    onError: (e) => engineFailed(e),
    lessonHref,
  };
}

function renderProseInto(lesson) {
  const prose = document.querySelector('#lesson .prose');
  if (!prose) return;
  // The widget's parts are moved, not rebuilt: their state and canvases survive a language switch.
  prose.replaceChildren(renderProse(lesson.text[state.lang] ?? lesson.text.en, { slots: widget?.parts ?? {}, linkFor: (n) => lessonHref(n) }));
}

/**
 * The link to another lesson from this one: that lesson's defaults, plus whatever the reader (or
 * the teacher's link) changed from this lesson's defaults — model settings, steps, hidden controls —
 * so a small model or a classroom setup carries over, and lessons sharing a model share it.
 */
function carryHref(target) {
  const current = BY_NAME.get(state.name);
  if (!current || !state.config) return lessonHref(target.name);
  const base = queryPairs(config_to_query(config_from_pairs(defaultPairs(current)).config));
  const now = new Map(queryPairs(config_to_query(state.config)));
  const changed = base.filter(([k, v]) => now.get(k) !== v).map(([k]) => [k, now.get(k)]);
  const { config } = config_from_pairs([...defaultPairs(target), ...changed]);
  const params = {};
  for (const [key, spec] of Object.entries(target.params ?? {})) params[key] = spec.default;
  if ('train' in params && 'train' in state.params && state.params.train !== current.params.train.default) params.train = state.params.train;
  return buildLessonHash({ name: target.name, lang: state.lang, configQuery: target.engine ? config_to_query(config) : '', params, hide: state.hide });
}

function lessonNav(lesson, t) {
  const i = LESSONS.indexOf(lesson);
  const prev = LESSONS[i - 1];
  const next = LESSONS[i + 1];
  const link = (target, label) => {
    const a = el('a', { href: lessonHref(target.name) });
    t.bind(a, (lang, tr) => `${tr(label)} ${tr(target.title)}`);
    // Built when followed, from the state at that moment.
    a.addEventListener('click', (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      location.hash = carryHref(target);
    });
    t.onSwitch(() => (a.href = lessonHref(target.name)));
    a.dataset.nav = target.name;
    return a;
  };
  const all = el('a', { href: `#lang=${state.lang}` });
  t.bind(all, UI.allLessons);
  t.onSwitch(() => (all.href = `#lang=${state.lang}`));
  return el('nav.lesson-nav', {}, prev ? link(prev, UI.previous) : el('span'), all, next ? link(next, UI.next) : el('span'));
}

function closeLesson() {
  widget?.destroy?.();
  widget = null;
  trainingBar?.destroy();
  trainingBar = null;
  share = null;
  lessonTexts?.clear();
  lessonTexts = null;
  lessonReady = null;
  refresher.dirty = false;
  session?.pause();
  // An error of the lesson left behind (e.g. no WebGPU) says nothing about the next one; a lost GPU does.
  if (!session?.lost) $('error').hidden = true;
}

function applyHide() {
  const root = $('lesson');
  const hidden = new Set(state.hide);
  let count = 0;
  for (const node of root.querySelectorAll('[data-control]')) {
    const hide = hidden.has(node.dataset.control);
    node.classList.toggle('classroom-hidden', hide);
    if (hide) count++;
  }
  share?.showHidden(state.hide, () => {
    state.hide = [];
    applyHide();
    writeHash();
  });
  return count;
}

// ---------------------------------------------------------------- state changes from widgets

function setParam(key, value, { dragging = false } = {}) {
  const lesson = BY_NAME.get(state.name);
  const spec = lesson?.params?.[key];
  if (!spec) throw new Error(`unknown widget key ${key}`);
  const { value: v } = clampParam(key, spec, Array.isArray(value) ? value.join(',') : String(value));
  state.params = { ...state.params, [key]: v };
  writeHash(dragging);
  if (key === 'train') {
    trainingBar?.show(state.config, state.params);
    if (session?.started) startTraining();
  }
  return v;
}

async function setConfigPairs(pairs, { dragging = false } = {}) {
  const lesson = BY_NAME.get(state.name);
  const trains = lesson.engine && session?.started && lesson.training !== 'custom';
  // One crossing: the engine applies (and clamps) the pairs; without a running model, apply_pairs does.
  const result = trains ? await session.change(pairs) : apply_pairs(state.config, pairs);
  if (result.notices.length > 0) setNotices(result.notices.map(engineNotice));
  state.config = trains ? session.config : result.config;
  writeHash(dragging);
  widget?.showConfig?.(state.config);
  trainingBar?.show(state.config, state.params);
  if (!lesson.engine || !session?.started) return state.config;
  if (!trains) {
    widget?.onConfig?.(state.config);
    return state.config;
  }
  // A live change (β, …) needs training to show: keep going for a while past where the run is.
  if (result.live && lesson.retrainOnChange) setParam('train', Math.max(state.params.train, session.loop.submitted + lesson.retrainOnChange));
  if (!result.live) trainingBar?.note(result.restored ? 'restored' : 'fresh', session.step);
  startTraining();
  requestRefresh();
  return state.config;
}

async function restartRun() {
  if (!session?.started) return;
  await session.restart();
  startTraining();
  requestRefresh();
}

// ---------------------------------------------------------------- the engine session

async function startEngine(lesson) {
  session ??= new LessonSession({ onGpuErrors: gpuFailed, onError: engineFailed });
  const progress = $('load-progress');
  if (!session.started) {
    progress.hidden = false;
    let loadText = UI.loadingEngine;
    texts.bind($('load-text'), () => texts.t(loadText));
    const mb = (b) => (b / 1e6).toFixed(1);
    const abort = new AbortController();
    const data = loadMnist('www/data', (loaded, total) => {
      $('load-bar').value = total ? loaded / total : 0;
      loadText = {
        en: `Loading MNIST… ${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`,
        zh: `正在加载 MNIST… ${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`,
      };
      $('load-text').textContent = texts.t(loadText);
    }, { signal: abort.signal }).then((bytes) => {
      $('load-bar').value = 1;
      loadText = { en: 'Starting WebGPU and uploading MNIST to the GPU…', zh: '正在启动 WebGPU 并把 MNIST 上传到 GPU…' };
      $('load-text').textContent = texts.t(loadText);
      return bytes;
    });
    data.catch(() => {}); // reported through session.start
    await session.start({ config: state.config, data }).catch((e) => {
      abort.abort(); // e.g. no WebGPU: MNIST is not needed
      throw e;
    });
    progress.hidden = true;
  }
  if (!sessionWired) {
    sessionWired = true;
    session.on('metrics', () => (refresher.dirty = true));
    session.on('run', () => {
      refresher.dirty = true;
      widget?.onRun?.();
    });
    session.on('frame', onFrame);
  }
  if (state.name !== lesson.name) return; // the reader moved on while the engine started
  if (lesson.training === 'custom') {
    await widget.start?.();
    return;
  }
  const before = session.query;
  const result = await session.use(state.config);
  if (state.name !== lesson.name) return;
  trainingBar?.note(result.restored ? 'restored' : result.same && before === session.query && session.step > 0 ? 'same' : 'fresh', session.step);
  widget?.onRun?.();
  startTraining();
}

function startTraining() {
  const lesson = BY_NAME.get(state.name);
  if (!lesson?.engine || lesson.training === 'custom' || !session?.started) return;
  session.trainTo(state.params.train);
}

function requestRefresh() {
  refresher.dirty = true;
  refresher.next = 0;
}

let lastStatus = 0;
function onFrame(now) {
  if (now - lastStatus > 250) {
    lastStatus = now;
    trainingBar?.update(session.status());
  }
  if (!widget || refresher.busy || !refresher.dirty || session.lost) return;
  if (session.training && now < refresher.next) return;
  refreshNow();
}

/** Redraws the widget from the current model; while training, again after max(1 s, 3× its cost). */
function refreshNow() {
  if (refresher.busy) return refresher.busy.then(() => refreshNow());
  if (!widget?.refresh) return Promise.resolve();
  const lesson = BY_NAME.get(state.name);
  if (lesson?.engine && !session?.started) return Promise.resolve();
  refresher.dirty = false;
  const t0 = performance.now();
  const current = widget;
  if (session) session.viewsBusy = true;
  refresher.busy = (async () => {
    try {
      await current.refresh();
    } catch (e) {
      engineFailed(e);
    } finally {
      refresher.next = performance.now() + Math.max(1000, 3 * (performance.now() - t0));
      refresher.busy = null;
      if (session) session.viewsBusy = false;
    }
  })();
  return refresher.busy;
}

// ---------------------------------------------------------------- failures

function errorPanel(title, reason, advice, actions = []) {
  showError($('error'), { title: texts.t(title), reason, advice: advice.map((a) => texts.t(a)), actions, lang: state.lang });
}

function gpuFailed(errors) {
  errorPanel(UI.gpuLostTitle, errors.join(' '), [UI.gpuLostAdvice], [
    { id: 'continue', label: texts.t(UI.gpuContinue), onClick: recoverGpu },
    { id: 'reload', label: texts.t(UI.reload), onClick: () => location.reload() },
  ]);
}

/** Opens the GPU again; the lesson's model continues from its copy on the CPU or trains again. */
async function recoverGpu() {
  hideError($('error'));
  try {
    await session.recover();
    const lesson = BY_NAME.get(state.name);
    if (lesson?.training === 'custom') await widget?.start?.();
    else startTraining();
    requestRefresh();
  } catch (e) {
    gpuFailed([String(e?.message ?? e)]);
  }
}

function engineFailed(e) {
  if (session?.lost) return;
  console.error(e);
  errorPanel(UI.engineErrorTitle, e?.message ?? String(e), [UI.engineErrorAdvice], [{ id: 'error-dismiss', label: texts.t(UI.dismiss), onClick: () => ($('error').hidden = true) }]);
}

function cannotStart(e) {
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

// ---------------------------------------------------------------- start-up

function wireFrame() {
  texts.bind($('site-title'), UI.site);
  texts.bind($('tagline'), UI.tagline);
  texts.bind($('lab-link'), UI.lab);
  texts.bind($('index-link'), UI.allLessons);
  texts.bind($('notice-title'), UI.noticeTitle);
  texts.bind($('notice-dismiss'), UI.dismiss);
  texts.bind($('footer-text'), UI.footer);
  texts.bind($('lang-label'), UI.language);
  texts.onSwitch(() => {
    $('index-link').href = `#lang=${state.lang}`;
    $('site-title').href = `lessons.html#lang=${state.lang}`;
  });
  $('notice-dismiss').addEventListener('click', () => setNotices([]));
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang));
  window.addEventListener('hashchange', () => follow().catch(engineFailed));
}

async function boot() {
  state.lang = preferredLang();
  texts.lang = state.lang;
  await Promise.all([loadWasm(), loadKatex()]);
  state.configKeys = schema().map((row) => row.key);
  wireFrame();
  // The first parse decides the language before anything is drawn.
  const first = parseLessonHash(location.hash, { lessons: BY_NAME, configKeys: state.configKeys, fallbackLang: state.lang });
  state.lang = first.lang;
  texts.setLang(state.lang);
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  renderLangButtons();
  await follow();
  markReady(api);
}

boot().catch((e) => {
  console.error(e);
  showError($('error'), { title: texts.t(UI.cannotStartLessons), reason: e?.message ?? String(e), advice: [texts.t(UI.reloadAdvice)], lang: state.lang });
  markReady(api);
});
