// The lessons page: reads the link (lesson, language, config, widget state, hidden controls), shows
// the index or one lesson, runs the shared engine session for lessons that train a model, and keeps
// the hash in step with every change. window.vaelabLessons is the handle tests use.
// Its parts: page.js (state, hash), lesson-view.js (index, lesson), training.js (engine, failures).
// ---------------------------------------------------------------- window.vaelabLessons
import { config_from_pairs, loadWasm, schema } from '../core/engine.js';
import { showError } from '../core/gpu-check.js';
import { nameFigures, spaceToPlay } from '../core/views/a11y.js';
import { engineNotice, UI } from './i18n.js';
import { configKey } from './lesson-session.js';
import { applyHide, closeLesson, openLesson, renderIndex, renderProseInto } from './lesson-view.js';
import { BY_NAME } from './lessons.js';
import { openLessonWeights, wireLessonDrop } from './open-weights.js';
import { parseLessonHash, preferredLang } from './link.js';
import { $, defaultPairs, page, setNotices, state, texts, writeHash } from './page.js';
import { loadKatex } from './prose.js';
import { engineFailed, refreshNow, requestRefresh, startTraining } from './training.js';

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
 *  importWeights(bytes, name)  Promise {config, notices}: the lesson's model from a .safetensors file
 *                    (or throws the message its training bar shows)
 */
const api = {
  ready: new Promise((resolve) => (markReady = resolve)),
  lessonReady: () => page.lessonReady ?? Promise.resolve(),
  state: () => ({
    lesson: state.name,
    lang: state.lang,
    config: state.config ? structuredClone(state.config) : null,
    params: structuredClone(state.params),
    hide: state.hide.slice(),
    notices: state.notices.map((n) => texts.t(n)),
    hash: location.hash,
  }),
  status: () => page.session?.status() ?? null,
  history: () => page.session?.history.toJSON() ?? null,
  /** `{restored, step}`: whether the lesson's model came from the shelf or a saved copy, and at which step. */
  lastRun: () => page.session?.lastRun ?? null,
  untilTrained: async () => {
    await page.lessonReady;
    if (page.session?.started) await page.session.untilIdle();
    await page.widget?.untilDone?.();
    await refreshNow();
  },
  refresh: () => refreshNow(),
  setLang: (lang) => setLang(lang),
  importWeights: (bytes, name) => openLessonWeights(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), name),
  widget: () => page.widget,
  /** For tests of the recovery path: destroys the GPU device, as a driver crash would. */
  loseDevice: () => page.session?.engine?.lose_device?.(),
};
window.vaelabLessons = api;
// Every lesson figure is named by its caption; Space pauses or continues the lesson's training.
nameFigures($('lesson'));
spaceToPlay(() => (page.trainingBar?.pauseButton ?? page.widget?.pauseButton)?.click()); // lessons 10 and 11 have their own
wireLessonDrop();

// ---------------------------------------------------------------- language

function setLang(lang) {
  if (lang === state.lang) return;
  state.lang = lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  texts.setLang(lang);
  page.lessonTexts?.setLang(lang);
  renderLangButtons();
  if (state.name) renderProseInto(BY_NAME.get(state.name));
  else renderIndex();
  writeHash();
}

function renderLangButtons() {
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
}

// ---------------------------------------------------------------- routing


/** Reads the hash and shows what it asks for (first load and every hashchange). */
async function follow() {
  const parsed = parseLessonHash(location.hash, { lessons: BY_NAME, configKeys: state.configKeys, fallbackLang: state.lang });
  const notices = [...parsed.notices];
  state.backend = parsed.backend;
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
    page.lessonTexts?.setLang(parsed.lang);
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
  const configChanged = configKey(config) !== configKey(state.config);
  state.config = config;
  state.params = parsed.params;
  state.hide = parsed.hide;
  applyHide();
  if (langChanged) renderProseInto(lesson);
  page.widget?.showParams?.(state.params);
  page.widget?.showConfig?.(state.config);
  page.trainingBar?.show(state.config, state.params);
  if (configChanged && lesson.engine && page.session?.started && lesson.training !== 'custom') {
    const result = await page.session.changeTo(state.config);
    if (!result.live) page.trainingBar?.note(result.restored ? 'restored' : 'fresh', page.session.step);
    startTraining();
  } else if (configChanged) {
    page.widget?.onConfig?.(state.config);
  }
  if (lesson.engine && page.session?.started) {
    if (lesson.training !== 'custom') startTraining();
    requestRefresh();
  }
  writeHash();
}


// ---------------------------------------------------------------- start-up

function wireFrame() {
  texts.bind($('site-title'), UI.site);
  texts.bind($('tagline'), UI.tagline);
  texts.bind($('lab-link'), UI.lab);
  texts.bind($('index-link'), UI.allLessons);
  texts.bind($('notice-title'), (lang, t) => t(state.noticeTitle));
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
