// The lessons page's views: the index, and one lesson (its header, training bar, prose with the widget's
// parts placed in it, share panel and navigation); moving on carries the reader's settings along.
// ---------------------------------------------------------------- the index
import { config_from_pairs, config_to_query } from '../core/engine.js';
import { queryPairs } from '../core/url-state.js';
import { Texts, UI } from './i18n.js';
import { BY_NAME, LESSONS } from './lessons.js';
import { buildLessonHash } from './link.js';
import { $, defaultPairs, lessonHref, page, refresher, state, texts, writeHash } from './page.js';
import { openLessonWeightsFile } from './open-weights.js';
import { inline, renderProse } from './prose.js';
import { SharePanel } from './share.js';
import { TrainingBar } from './training-bar.js';
import { cannotStart, engineFailed, refreshNow, requestRefresh, restartRun, setConfigPairs, setParam, startEngine, startTraining } from './training.js';
import { el } from './ui.js';

export function renderIndex() {
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

export function openLesson(lesson) {
  $('index').hidden = true;
  const root = $('lesson');
  root.hidden = false;
  page.lessonTexts = new Texts(state.lang);
  const t = page.lessonTexts;
  t.onSwitch(() => (document.title = `${t.t(lesson.title)} · ${t.t(UI.site)}`));

  const head = el('header.lesson-head');
  const kicker = t.bind(el('p.kicker'), (lang) => UI.lessonN[lang](lesson.number));
  const title = t.bind(el('h2'), lesson.title);
  const summary = el('p.lesson-summary');
  t.onSwitch(() => summary.replaceChildren(inline(t.t(lesson.summary))));
  head.append(kicker, title, summary);

  let ready;
  page.lessonReady = new Promise((resolve) => (ready = resolve));
  const ctx = makeContext(lesson, t);
  page.widget = new lesson.Widget(ctx);
  page.trainingBar = lesson.engine && lesson.training !== 'custom'
    ? new TrainingBar(t, { onPause: () => page.session?.pause(), onResume: () => startTraining(), onMore: (n) => setParam('train', (page.session?.target ?? 0) + n), onRestart: () => restartRun(), onConfig: (pairs) => setConfigPairs(pairs), onParam: (k, v) => setParam(k, v), onOpenWeights: openLessonWeightsFile, labHref: () => `index.html#v=1&${config_to_query(state.config)}&view=training` })
    : null;
  page.trainingBar?.show(state.config, state.params);
  page.share = new SharePanel(t, { hashFor: (hide) => buildLessonHash({ name: state.name, lang: state.lang, configQuery: config_to_query(state.config), params: state.params, hide, backend: state.backend }), root });

  const prose = el('div.prose');
  const nav = lessonNav(lesson, t);
  root.replaceChildren(head, page.trainingBar?.root ?? '', prose, page.share.root, nav);
  root.dataset.lesson = lesson.name;
  renderProseInto(lesson);
  applyHide();
  window.scrollTo(0, 0);

  if (!lesson.engine) {
    Promise.resolve(page.widget.refresh?.()).then(() => ready(), (e) => engineFailed(e));
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
export function makeContext(lesson, t) {
  return {
    lesson,
    texts: t,
    get session() {
      return page.session?.started ? page.session : null;
    },
    get config() {
      return state.config;
    },
    get params() {
      return state.params;
    },
    /** The link's `backend` (auto, webgpu, cpu): where lessons without the engine run their own model. */
    get backend() {
      return state.backend;
    },
    setBackend: (value) => {
      state.backend = value;
      writeHash();
    },
    setParam: (key, value, opts) => setParam(key, value, opts),
    setConfig: (pairs, opts) => setConfigPairs(pairs, opts),
    requestRefresh: () => requestRefresh(),
    onError: (e) => engineFailed(e),
    lessonHref,
  };
}

export function renderProseInto(lesson) {
  const prose = document.querySelector('#lesson .prose');
  if (!prose) return;
  // The widget's parts are moved, not rebuilt: their state and canvases survive a language switch.
  prose.replaceChildren(renderProse(lesson.text[state.lang] ?? lesson.text.en, { slots: page.widget?.parts ?? {}, linkFor: (n) => lessonHref(n) }));
}

/**
 * The link to another lesson from this one: that lesson's defaults, plus whatever the reader (or
 * the teacher's link) changed from this lesson's defaults — model settings, steps, hidden controls —
 * so a small model or a classroom setup carries over, and lessons sharing a model share it.
 */
export function carryHref(target) {
  const current = BY_NAME.get(state.name);
  if (!current || !state.config) return lessonHref(target.name);
  const base = queryPairs(config_to_query(config_from_pairs(defaultPairs(current)).config));
  const now = new Map(queryPairs(config_to_query(state.config)));
  const changed = base.filter(([k, v]) => now.get(k) !== v).map(([k]) => [k, now.get(k)]);
  const { config } = config_from_pairs([...defaultPairs(target), ...changed]);
  const params = {};
  for (const [key, spec] of Object.entries(target.params ?? {})) params[key] = spec.default;
  if ('train' in params && 'train' in state.params && state.params.train !== current.params.train.default) params.train = state.params.train;
  return buildLessonHash({ name: target.name, lang: state.lang, configQuery: target.engine ? config_to_query(config) : '', params, hide: state.hide, backend: state.backend });
}

export function lessonNav(lesson, t) {
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

export function closeLesson() {
  page.widget?.destroy?.();
  page.widget = null;
  page.trainingBar?.destroy();
  page.trainingBar = null;
  page.share = null;
  page.lessonTexts?.clear();
  page.lessonTexts = null;
  page.lessonReady = null;
  refresher.dirty = false;
  page.session?.pause();
  // An error of the lesson left behind (e.g. no WebGPU) says nothing about the next one; a lost GPU does.
  if (!page.session?.lost) $('error').hidden = true;
}

export function applyHide() {
  const root = $('lesson');
  const hidden = new Set(state.hide);
  let count = 0;
  for (const node of root.querySelectorAll('[data-control]')) {
    const hide = hidden.has(node.dataset.control);
    node.classList.toggle('classroom-hidden', hide);
    if (hide) count++;
  }
  page.share?.showHidden(state.hide, () => {
    state.hide = [];
    applyHide();
    writeHash();
  });
  return count;
}
