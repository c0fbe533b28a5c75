// Small building blocks for the lesson widgets: elements, labelled sliders and toggle groups bound
// to a key (so classroom links can hide them), readouts, uPlot line charts that relabel when the
// language changes (named with their latest values, a table of the last points beside them), and a
// crisp 2-D canvas for hand-drawn figures (bars, the EM plane).
import { chartTable, liveName } from '../core/views/a11y.js';
import { cpuPlot, uPlot } from '../core/views/plot.js';

export { uPlot };

/** `el('div.card.wide', {hidden: true}, child, 'text', …)`: an element with classes, props and children. */
export function el(spec, props = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const node = document.createElement(tag || 'div');
  if (classes.length) node.className = classes.join(' ');
  for (const [k, v] of Object.entries(props ?? {})) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'style') Object.assign(node.style, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'attrs') for (const [a, val] of Object.entries(v)) node.setAttribute(a, val);
    else node[k] = v;
  }
  for (const c of children.flat()) if (c != null && c !== false) node.append(c);
  return node;
}

/**
 * A labelled range input (+ a number field) for `key`. `texts` binds the label; `spec`:
 * {min, max, step, log, integer}. `onInput(value, {dragging})`. Returns {root, set(value), range, number}.
 */
export function slider(texts, { key, label, spec, onInput, width }) {
  const log = Boolean(spec.log);
  const toRange = (v) => (log ? Math.log10(v) : v);
  const fromRange = (r) => (log ? 10 ** r : r);
  const range = el('input', {
    type: 'range',
    min: String(toRange(spec.min)),
    max: String(toRange(spec.max)),
    step: String(log ? 0.01 : spec.step ?? 1),
  });
  const number = el('input', { type: 'number', min: String(spec.min), max: String(spec.max), step: String(spec.numberStep ?? spec.step ?? 'any') });
  const name = el('span.name');
  texts.bind(name, label);
  texts.bind(number, label, 'ariaLabel'); // the label names the range; the number field needs its own
  const root = el('label.control.slider', { dataset: { control: key } }, name, range, number);
  if (width) root.style.setProperty('--range-width', width);
  const clamp = (v) => {
    let x = Math.min(spec.max, Math.max(spec.min, v));
    if (spec.integer) x = Math.round(x);
    return x;
  };
  const round = (v) => (spec.integer ? Math.round(v) : Number(v.toPrecision(3)));
  range.addEventListener('input', () => {
    const v = clamp(round(fromRange(Number(range.value))));
    number.value = String(v);
    onInput(v, { dragging: true });
  });
  range.addEventListener('change', () => onInput(clamp(round(fromRange(Number(range.value)))), { dragging: false }));
  number.addEventListener('change', () => {
    const n = Number(number.value);
    const v = Number.isFinite(n) ? clamp(n) : spec.min;
    set(v);
    onInput(v, { dragging: false });
  });
  const set = (v) => {
    if (document.activeElement !== range) range.value = String(toRange(v));
    if (document.activeElement !== number) number.value = String(v);
  };
  return { root, set, range, number };
}

/** A row of toggle buttons for `key`: [{value, label}]. Returns {root, set}. */
export function segmented(texts, { key, label, options, onChange }) {
  const name = el('span.name');
  if (label) texts.bind(name, label);
  const buttons = options.map((o) => {
    const b = el('button', { type: 'button', onclick: () => onChange(o.value) });
    b.dataset.value = String(o.value);
    texts.bind(b, o.label);
    return b;
  });
  const root = el('div.control.segmented', { dataset: { control: key } }, label ? name : null, el('span.group', {}, buttons));
  const set = (v) => {
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.value === String(v)));
  };
  return { root, set };
}

export function button(texts, label, onClick, cls = '') {
  const b = el(`button${cls ? `.${cls}` : ''}`, { type: 'button', onclick: onClick });
  texts.bind(b, label);
  return b;
}

/** Number formatting shared by readouts. */
export function num(v, digits = 1) {
  if (v == null || !Number.isFinite(v)) return '–';
  return v.toFixed(digits);
}

// ---------------------------------------------------------------- charts

/**
 * A uPlot line chart whose texts follow the language. `build(t)` returns uPlot options without
 * width (`t` translates {en, zh}); the chart follows its container's width.
 */
const TABLE_ROWS = 20;
const short = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : String(Number(v.toPrecision(4))));

export class LineChart {
  constructor(texts, container, build, { height = 240 } = {}) {
    this.texts = texts;
    this.container = container;
    this.build = build;
    this.height = height;
    this.data = null;
    this.plot = null;
    this.name = liveName(container, '');
    const t = (d) => texts.t(d);
    this.table = chartTable(() => this.#rows(), {
      label: (shown) => t(shown ? { en: 'Hide the table', zh: '隐藏表格' } : { en: 'Show as a table', zh: '以表格显示' }),
      caption: () => t({ en: `The last ${TABLE_ROWS} points`, zh: `最近 ${TABLE_ROWS} 个点` }),
    });
    container.tabIndex = 0; // Enter on the focused chart shows its table
    container.addEventListener('keydown', (event) => event.key === 'Enter' && this.table.button.click());
    texts.onSwitch(() => {
      this.#create();
      this.table.refreshLabel();
      this.table.update();
    });
    this.observer = new ResizeObserver(() => {
      const w = this.container.clientWidth;
      if (this.plot && w > 0 && Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: this.height });
    });
    this.observer.observe(container);
  }

  #create() {
    const t = (d) => this.texts.t(d);
    const opts = this.build(t);
    this.title = opts.title;
    const width = Math.max(260, this.container.clientWidth || 600);
    const empty = opts.series.map(() => []);
    this.plot?.destroy();
    this.container.replaceChildren();
    this.plot = cpuPlot({ width, height: this.height, ...opts }, this.data ?? empty, this.container);
    this.#describe();
  }

  /** The chart's name: its title and the last value of each series ("… : k 300; L_k −95.2"). */
  #describe() {
    if (!this.table.button.isConnected && this.container.parentElement) this.container.after(this.table.button, this.table.table);
    const series = this.plot.series;
    const title = this.title ?? '';
    const lastOf = (ys) => {
      for (let i = (ys?.length ?? 0) - 1; i >= 0; i--) if (ys[i] != null) return ys[i];
      return null;
    };
    const values = (this.data ?? []).map(lastOf);
    const parts = series.map((s, i) => (values[i] == null ? null : `${s.label ?? ''} ${short(values[i])}`.trim())).filter(Boolean);
    this.name.set(parts.length ? `${title}: ${parts.join('; ')}` : title);
    this.table.update();
  }

  /** The table alternative: the last TABLE_ROWS x values and every series at them. */
  #rows() {
    const columns = this.plot?.series.map((s) => s.label ?? '') ?? [];
    const xs = this.data?.[0] ?? [];
    const rows = [];
    for (let i = Math.max(0, xs.length - TABLE_ROWS); i < xs.length; i++) rows.push(this.data.map((col) => (col[i] == null ? '' : short(col[i]))));
    return { columns, rows };
  }

  /** `data`: [xs, ys1, ys2, …] (uPlot's aligned columns; null for gaps). */
  setData(data, resetScales = true) {
    this.data = data;
    this.plot.setData(data, resetScales);
    this.#describe();
  }

  /** The chart's drawing canvas (tests compare its pixels). */
  get canvas() {
    return this.container.querySelector('canvas');
  }

  destroy() {
    this.observer.disconnect();
    this.plot?.destroy();
  }
}

/** Common uPlot pieces. */
export const line = (label, stroke, extra = {}) => ({ label, stroke, width: 1.8, points: { show: false }, spanGaps: true, ...extra });
export const COLOURS = { blue: '#2563eb', red: '#dc2626', amber: '#d97706', violet: '#7c3aed', green: '#059669', grey: '#6b7280', teal: '#0d9488' };

// ---------------------------------------------------------------- hand-drawn figures

/**
 * A 2-D canvas sized to its CSS width × `aspect`, at device-pixel resolution; `draw(ctx, w, h)` in CSS
 * pixels. Redraws on resize. Returns {canvas, redraw(fn?)}.
 */
export function crispCanvas(aspect, draw, cls = 'figure') {
  const canvas = el(`canvas.${cls}`);
  let painter = draw;
  const redraw = (fn) => {
    if (fn) painter = fn;
    const w = Math.max(200, canvas.clientWidth || canvas.parentElement?.clientWidth || 600);
    const h = Math.round(w * aspect);
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
    if (canvas.height !== Math.round(h * dpr)) canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    painter?.(ctx, w, h);
  };
  const observer = new ResizeObserver(() => redraw());
  observer.observe(canvas);
  return { canvas, redraw, stop: () => observer.disconnect() };
}

