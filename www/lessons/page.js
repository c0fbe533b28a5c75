// The lessons page's shared state: the link's state, the frame's texts, the open lesson's parts and
// the engine session; and the small helpers every part of the page uses (hash, notices, links).
import { config_to_query } from '../core/engine.js';
import { HashWriter } from '../core/url-state.js';
import { Texts, UI } from './i18n.js';
import { buildLessonHash } from './link.js';
import { el } from './ui.js';

export const $ = (id) => document.getElementById(id);

export const state = {
  name: null, // current lesson or null for the index
  lang: 'en',
  config: null,
  params: {},
  hide: [],
  backend: 'auto', // where the engine runs (the link's backend key, read at start-up)
  notices: [],
  noticeTitle: UI.noticeTitle, // what the notices are about: the link's values, or an opened file
  configKeys: [],
};
export const texts = new Texts('en'); // the frame's texts (header, index, notices)
/** What changes as lessons open and close, and the engine session once a lesson started it. */
export const page = {
  lessonTexts: null, // the current lesson's texts (cleared when it closes)
  widget: null,
  trainingBar: null,
  share: null,
  session: null,
  sessionWired: false, // listeners on the session are added once, however many lessons start it
  lessonReady: null,
};
const hashWriter = new HashWriter();
export const refresher = { busy: null, dirty: false, next: 0 };

export function currentHash() {
  return buildLessonHash({
    name: state.name,
    lang: state.lang,
    configQuery: state.config ? config_to_query(state.config) : '',
    params: state.params,
    hide: state.hide,
    backend: state.backend,
  });
}

/** Writes the state into the hash with replaceState (no hashchange), throttled while dragging. */
export function writeHash(dragging = false) {
  hashWriter.write(currentHash); // made when written: while a slider drags, at most every 250 ms
  if (!dragging) hashWriter.flush();
}

export function setNotices(list, title = UI.noticeTitle) {
  state.notices = list;
  state.noticeTitle = title;
  $('notice-title').textContent = texts.t(title);
  const ul = $('notice-list');
  ul.replaceChildren(...list.map((n) => texts.bind(el('li'), n)));
  $('notice').hidden = list.length === 0;
}


export function lessonHref(name, lang = state.lang) {
  return `#lesson=${name}&lang=${lang}`;
}

export function defaultPairs(lesson) {
  return Object.entries(lesson.config ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]);
}
