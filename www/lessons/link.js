// Lesson links: `#lesson=<name>&lang=en|zh&v=1&<config keys>&<widget keys>&hide=a,b`. Config values
// go to the engine's config_from_pairs (clamped there); widget keys are clamped here to each
// lesson's ranges. Every repair becomes a notice; nothing read from the URL is ever used as HTML.
import { BACKEND_CHOICES } from '../core/choose-backend.js';
import { LINK_VERSION, shown } from '../core/url-state.js';

export const LANGS = ['en', 'zh'];

function decode(text, notices) {
  try {
    return decodeURIComponent(text);
  } catch {
    notices.push({ en: `${shown(text)} is not valid percent-encoding; read as written`, zh: `${shown(text)} 不是有效的百分号编码，按原文读取` });
    return text;
  }
}

/** The browser's preferred lesson language when a link names none. */
export function preferredLang() {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en'];
  return langs.some((l) => /^zh\b/i.test(l)) ? 'zh' : 'en';
}

/**
 * Splits a hash into its parts. `lessons`: name → lesson (with `.params`, the widget keys),
 * `configKeys`: the engine's keys. Returns `{name, lang, pairs, params, hide, backend, notices}`; `name` is
 * null for the index, `params` are clamped values (defaults filled in) and notices are `{en, zh}`.
 */
export function parseLessonHash(hash, { lessons, configKeys, fallbackLang }) {
  const notices = [];
  const raw = new Map();
  const body = hash.replace(/^#/, '');
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq), notices).trim();
    const value = eq < 0 ? '' : decode(part.slice(eq + 1), notices);
    raw.set(key, value); // a repeated key: the last one wins, as in URLSearchParams.get on the page
  }
  let name = null;
  if (raw.has('lesson')) {
    const asked = raw.get('lesson');
    if (lessons.has(asked)) name = asked;
    else notices.push({ en: `there is no lesson ${shown(asked)}; showing the list of lessons`, zh: `没有名为 ${shown(asked)} 的课，下面是全部课程` });
  }
  let lang = fallbackLang;
  if (raw.has('lang')) {
    const asked = raw.get('lang');
    if (LANGS.includes(asked)) lang = asked;
    else notices.push({ en: `lang: ${shown(asked)} is not en or zh; using ${fallbackLang}`, zh: `lang：${shown(asked)} 不是 en 或 zh，改用 ${fallbackLang}` });
  }
  if (raw.has('v') && raw.get('v') !== LINK_VERSION) {
    notices.push({ en: `link version ${shown(raw.get('v'))} is unknown; read as version ${LINK_VERSION}`, zh: `未知的链接版本 ${shown(raw.get('v'))}，按版本 ${LINK_VERSION} 读取` });
  }
  const lesson = name ? lessons.get(name) : null;
  const specs = lesson?.params ?? {};
  const pairs = [];
  const params = {};
  for (const [key, spec] of Object.entries(specs)) params[key] = spec.default;
  let hide = [];
  let backend = 'auto';
  for (const [key, value] of raw) {
    // The lab's own keys beyond the config (its view, autoplay) mean nothing in a lesson: a lab
    // link turned into a lesson link keeps them quietly.
    if (['lesson', 'lang', 'v', 'view', 'autoplay'].includes(key)) continue;
    if (key === 'backend') {
      if (BACKEND_CHOICES.includes(value)) backend = value;
      else notices.push({ en: `backend: ${shown(value)} is not ${BACKEND_CHOICES.join(', ')}; choosing automatically`, zh: `backend：${shown(value)} 不是 ${BACKEND_CHOICES.join('、')} 之一，自动选择` });
    } else if (key === 'hide') {
      hide = parseHide(value, lesson, configKeys, notices);
    } else if (configKeys.includes(key) || key === 'preset') {
      pairs.push([key, value]);
    } else if (key in specs) {
      const { value: v, notice } = clampParam(key, specs[key], value);
      params[key] = v;
      if (notice) notices.push(notice);
    } else if (lesson) {
      notices.push({ en: `ignored the unknown key ${shown(key)}`, zh: `忽略了未知的键 ${shown(key)}` });
    }
  }
  return { name, lang, pairs, params, hide, backend, notices };
}

function parseHide(value, lesson, configKeys, notices) {
  const known = new Set([...configKeys, ...Object.keys(lesson?.params ?? {}), 'training', 'model']);
  const keys = [];
  for (const key of value.split(',').map((k) => k.trim()).filter(Boolean)) {
    if (known.has(key)) keys.push(key);
    else notices.push({ en: `hide: ${shown(key)} is not a control of this lesson; ignored`, zh: `hide：${shown(key)} 不是本课的控件，已忽略` });
  }
  return [...new Set(keys)];
}

const fmt = (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/**
 * Clamps one widget value to its spec: `{type: 'int'|'num', min, max, default}`,
 * `{type: 'enum', values, default}` or `{type: 'list', min, max, maxLength, default}`.
 * Returns `{value, notice}` (notice `{en, zh}` or null).
 */
export function clampParam(key, spec, rawValue) {
  const text = String(rawValue).trim();
  const say = (en, zh) => ({ en: `${key}: ${en}`, zh: `${key}：${zh}` });
  if (spec.type === 'enum') {
    if (spec.values.includes(text)) return { value: text, notice: null };
    return { value: spec.default, notice: say(`${shown(text)} is not one of ${spec.values.join(', ')}; using ${spec.default}`, `${shown(text)} 不在 ${spec.values.join('、')} 之中，改用 ${spec.default}`) };
  }
  if (spec.type === 'list') {
    const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
    const values = [];
    let changed = parts.length === 0 || parts.length > spec.maxLength;
    for (const p of parts.slice(0, spec.maxLength)) {
      const n = Number(p);
      if (!Number.isFinite(n)) {
        changed = true;
        continue;
      }
      const v = Math.min(spec.max, Math.max(spec.min, Math.round(n)));
      if (v !== n) changed = true;
      if (!values.includes(v)) values.push(v);
    }
    const value = values.length > 0 ? values.sort((a, b) => a - b) : spec.default.slice();
    if (!changed) return { value, notice: null };
    return { value, notice: say(`${shown(text)} is not a list of up to ${spec.maxLength} whole numbers in ${spec.min}–${spec.max}; using ${value.join(',')}`, `${shown(text)} 不是至多 ${spec.maxLength} 个 ${spec.min}–${spec.max} 之间整数的列表，改用 ${value.join(',')}`) };
  }
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) {
    return { value: spec.default, notice: say(`${shown(text)} is not a number; using ${fmt(spec.default)}`, `${shown(text)} 不是数字，改用 ${fmt(spec.default)}`) };
  }
  let value = Math.min(spec.max, Math.max(spec.min, n));
  if (spec.type === 'int') value = Math.round(value);
  if (value === n) return { value, notice: null };
  return { value, notice: say(`${fmt(n)} is outside ${fmt(spec.min)}–${fmt(spec.max)}${spec.type === 'int' ? ' (whole numbers)' : ''}; using ${fmt(value)}`, `${fmt(n)} 超出 ${fmt(spec.min)}–${fmt(spec.max)}${spec.type === 'int' ? '（整数）' : ''}的范围，改用 ${fmt(value)}`) };
}

/** A widget value as link text. */
export function paramText(value) {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'number' ? fmt(value) : String(value);
}

/** The hash of a lesson state: lesson, lang, version, every config key, the widget keys, hide, backend. */
export function buildLessonHash({ name, lang, configQuery, params = {}, hide = [], backend = 'auto' }) {
  if (!name) return `#lang=${lang}`;
  const enc = (v) => encodeURIComponent(v).replace(/%2C/g, ',');
  const parts = [`lesson=${enc(name)}`, `lang=${lang}`, `v=${LINK_VERSION}`];
  if (configQuery) {
    for (const p of configQuery.split('&').filter(Boolean)) {
      const eq = p.indexOf('=');
      parts.push(`${p.slice(0, eq)}=${enc(p.slice(eq + 1))}`);
    }
  }
  for (const [key, value] of Object.entries(params)) parts.push(`${key}=${enc(paramText(value))}`);
  if (hide.length > 0) parts.push(`hide=${hide.map(enc).join(',')}`);
  if (backend !== 'auto') parts.push(`backend=${backend}`);
  return `#${parts.join('&')}`;
}
