// The shareable state in the URL hash, `#v=1&<every config key>&view=<view>[&autoplay=1][&backend=…]
// [&steps=N&edits=…]`. Config values go to the engine's config_from_pairs and `steps`/`edits` to its
// replay_from_link, which clamp and explain; nothing read from the URL becomes HTML. `autoplay=1`
// (start training once the engine is up) stays only where it was given.
import { BACKEND_CHOICES } from './choose-backend.js';

export const LINK_VERSION = '1';

/** A user-supplied string made safe and short for a notice (shown with textContent anyway). */
export function shown(raw) {
  const clean = [...String(raw)].filter((c) => c >= ' ' && c !== '\u007f').slice(0, 24).join('');
  return `“${clean}”`;
}

function decode(text, notices) {
  try {
    return decodeURIComponent(text);
  } catch {
    notices.push(`${shown(text)} is not valid percent-encoding; read as written`);
    return text;
  }
}

/**
 * Splits a hash into config pairs and page state. `configKeys` is the engine's key list, `views`
 * the page's views. Returns `{pairs, view, autoplay, backend, replay: {steps, edits}, notices}` (`replay`
 * holds the raw texts, undefined when absent); unknown keys are ignored with a notice.
 */
export function parseHash(hash, { configKeys, views }) {
  const notices = [];
  const pairs = [];
  let view;
  let autoplay = false;
  let backend = 'auto';
  const replay = { steps: undefined, edits: undefined };
  const body = hash.replace(/^#/, '');
  if (body === '') return { pairs, view, autoplay, backend, replay, notices };
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq), notices).trim();
    const value = eq < 0 ? '' : decode(part.slice(eq + 1), notices);
    if (key === 'v') {
      if (value !== LINK_VERSION) notices.push(`link version ${shown(value)} is unknown; read as version ${LINK_VERSION}`);
    } else if (key === 'view') {
      if (views.includes(value)) view = value;
      else notices.push(`view: ${shown(value)} is not one of ${views.join(', ')}; using ${views[0]}`);
    } else if (key === 'autoplay') {
      if (['1', '0', ''].includes(value)) autoplay = value !== '0';
      else notices.push(`autoplay: ${shown(value)} is not 1 or 0; not starting by itself`);
    } else if (key === 'backend') {
      if (BACKEND_CHOICES.includes(value)) backend = value;
      else notices.push(`backend: ${shown(value)} is not ${BACKEND_CHOICES.join(', ')}; choosing automatically`);
    } else if (key === 'steps' || key === 'edits') {
      replay[key] = value; // read by the engine against the link's config (config/replay.rs)
    } else if (configKeys.includes(key) || key === 'preset') {
      pairs.push([key, value]); // a preset (config/presets.rs) is expanded by the engine, first
    } else {
      notices.push(`ignored the unknown key ${shown(key)}`);
    }
  }
  return { pairs, view, autoplay, backend, replay, notices };
}

/** `key=value&…` (the engine's config_to_query output) as `[[key, value], …]`. */
export function queryPairs(query) {
  return query.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

/**
 * The hash for a config query and a view (and `&autoplay=1` when `autoplay`, `&backend=…` unless
 * auto, then `replay`: the engine's `steps=N&edits=…` text, when given).
 */
export function buildHash(query, view, { autoplay = false, backend = 'auto', replay = '' } = {}) {
  const encoded = queryPairs(query).map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ',')}`);
  const tail = `${backend !== 'auto' ? `&backend=${backend}` : ''}${autoplay ? '&autoplay=1' : ''}${replay ? `&${replay}` : ''}`;
  return `#v=${LINK_VERSION}&${encoded.join('&')}&view=${encodeURIComponent(view)}${tail}`;
}

/**
 * Writes hashes with history.replaceState (no hashchange, no history entry), at most every
 * `minMs` while a slider is dragged (browsers throttle rapid replaceState), always ending with the last.
 */
export class HashWriter {
  constructor(minMs = 250) {
    this.minMs = minMs;
    this.lastWrite = -Infinity;
    this.timer = 0;
    this.next = null;
  }

  /** `hash`: the hash, or a function making it (called only when it is written: once per throttle window). */
  write(hash) {
    this.next = hash;
    const wait = this.lastWrite + this.minMs - performance.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    const next = typeof this.next === 'function' ? this.next() : this.next;
    if (next !== null && next !== location.hash) history.replaceState(history.state, '', next);
    this.next = null;
    this.lastWrite = performance.now();
  }
}
