// What the engine-backed lesson widgets share: a base class (context, texts, parts, a "waiting for
// the model" line), the digit picker (digit class + which example of it), and digit drawing.
import { PIXELS, drawDigitGrid } from '../core/views/digits.js';
import { el, segmented, button, slider } from './ui.js';
import { schema } from '../core/engine.js';

export const DIGITS = Array.from({ length: 10 }, (_, d) => ({ value: d, label: { en: String(d), zh: String(d) } }));

export class EngineWidget {
  constructor(ctx) {
    this.ctx = ctx;
    this.texts = ctx.texts;
    this.root = el('div.widget');
    this.waiting = el('p.waiting');
    this.texts.bind(this.waiting, { en: 'Waiting for the model: the engine is starting…', zh: '等待模型：引擎正在启动…' });
    this.parts = { widget: this.root };
  }

  get session() {
    return this.ctx.session;
  }

  get params() {
    return this.ctx.params;
  }

  get config() {
    return this.ctx.config;
  }

  /** The engine's model config right now (may lag the link's while a new model is being set up). */
  get engineConfig() {
    return this.session?.config ?? null;
  }

  /** Runs `fn(engine)` on the engine queue, keyed (latest wins). */
  run(fn, key) {
    return this.session.run(fn, key);
  }

  /** The test index of the picked digit and example. */
  pickedIndex() {
    return this.session.testIndex(this.params.digit, this.params.example ?? 0);
  }

  ready() {
    this.waiting.hidden = true;
  }

  destroy() {
    this.destroyed = true;
    for (const c of this.charts ?? []) c.destroy();
  }
}

/**
 * The digit picker: buttons 0–9 (key `digit`) and "another one" (key `example`). `onChange()` runs
 * after the params changed. Returns {root, show(params)}.
 */
export function digitPicker(widget, onChange) {
  const { ctx, texts } = widget;
  const digits = segmented(texts, {
    key: 'digit',
    label: { en: 'Digit', zh: '数字' },
    options: DIGITS,
    onChange: (d) => {
      ctx.setParam('digit', d);
      ctx.setParam('example', 0);
      show(ctx.params);
      onChange();
    },
  });
  const another = button(texts, { en: 'Another one', zh: '换一个' }, () => {
    ctx.setParam('example', ((ctx.params.example ?? 0) + 1) % 100);
    show(ctx.params);
    onChange();
  }, 'link');
  const which = el('span.readout');
  const describe = (lang) => {
    const n = (ctx.params.example ?? 0) + 1;
    return lang === 'zh' ? `（测试集中第 ${n} 个“${ctx.params.digit}”）` : `(the ${ordinal(n)} ${ctx.params.digit} of the test set)`;
  };
  texts.bind(which, describe);
  const show = (params) => {
    digits.set(params.digit);
    which.textContent = describe(texts.lang);
  };
  show(ctx.params);
  const root = el('div.picker', { dataset: { control: 'digit' } }, digits.root, ' ', another, ' ', which);
  another.dataset.control = 'example';
  return { root, show };
}

/**
 * The link keys of the lessons that study one test digit with k importance samples (1 and 2):
 * the digit and which example of it, k, the draw (which random samples), and training steps.
 */
/** The steps a lesson's model trains for (its `train` link key), the same in every lesson. */
export const TRAIN = { type: 'int', min: 0, max: 200000, default: 3000 };

/**
 * A slider for the config key `key`: its range from the schema's slider row (or `range`, for a
 * lesson that zooms in), its number field within the key's limits; it sets the key when released.
 */
export function configSlider(ctx, key, label, { range, width } = {}) {
  const row = schema().find((r) => r.key === key);
  const spec = range ?? { min: row.slider.min, max: row.slider.max, step: row.slider.step };
  const control = slider(ctx.texts, {
    key, label, spec, width,
    onInput: (v, { dragging } = {}) => {
      if (!dragging) ctx.setConfig([[key, String(v)]]);
    },
  });
  control.number.min = String(row.min);
  control.number.max = String(row.max);
  return control;
}

export function sampleParams({ digit, k, kmax }) {
  return {
    digit: { type: 'int', min: 0, max: 9, default: digit },
    example: { type: 'int', min: 0, max: 99, default: 0 },
    k: { type: 'int', min: 1, max: kmax, default: k },
    draw: { type: 'int', min: 0, max: 1000000, default: 0 },
    train: TRAIN,
  };
}

/**
 * Their controls: the digit picker, a log-scale k slider (`onK()` after k changed) and a "new
 * samples" button that moves to the next draw. Returns {picker, kSlider, resample}.
 */
export function sampleControls(widget, kmax, onK) {
  const { ctx, texts } = widget;
  const picker = digitPicker(widget, () => ctx.requestRefresh());
  const kSlider = slider(texts, {
    key: 'k',
    label: { en: 'Samples k', zh: '样本数 k' },
    spec: { min: 1, max: kmax, log: true, integer: true },
    onInput: (v, { dragging }) => {
      ctx.setParam('k', v, { dragging });
      onK();
    },
  });
  const resample = button(texts, { en: 'New samples', zh: '重新采样' }, () => {
    ctx.setParam('draw', (ctx.params.draw + 1) % 1000000);
    ctx.requestRefresh();
  });
  resample.dataset.control = 'draw';
  return { picker, kSlider, resample };
}

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

/** A digit canvas (28·scale square tiles) with class `digits`. */
export function digitCanvas(count = 1, cols = count, scale = 3, gap = 2) {
  const canvas = el('canvas.digits');
  drawDigitGrid(canvas, new Float32Array(0), { count, cols, scale, gap });
  return canvas;
}

/** Draws `pixels` ([n·784]) into `canvas` as a grid. */
export function drawDigits(canvas, pixels, { count = pixels.length / PIXELS, cols = count, scale = 3, gap = 2, groupRows = 0, groupGap = 0 } = {}) {
  drawDigitGrid(canvas, pixels, { count, cols, scale, gap, groupRows, groupGap });
}

