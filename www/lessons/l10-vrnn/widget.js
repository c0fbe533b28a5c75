// Lesson 10, the VRNN: a latent variable per row. The widget runs the engine's VrnnLab (src/web/vrnn.rs)
// from the main wasm module (vaelab.js), trained on a Web Worker or WebGPU (FrameTrained), on MNIST read row by row: a
// test digit's top rows given and several completions (posterior above, prior below), digits generated
// row by row from the prior, the test KL per row, the loss, and a forward/backward inference switch.
// The lesson's number is `number` below (the folder name follows the l<N>- convention).
import { loadMnist } from '../../core/data.js';
import { COLOURS, LineChart, button, crispCanvas, el, line, num, segmented, slider } from '../ui.js';
import { FrameTrained, field, message } from '../frame-training.js';
import { T, summary, text, title } from './prose.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const TRAIN_IMAGES = 4000; // VrnnLab uses at most the first 4000 (src/web/vrnn.rs MAX_TRAIN)
const TEST_IMAGES = 200;
const IDX_HEADER = 16; // an IDX image file's header bytes
const COMPLETIONS = 5;

/** A 28×28 canvas of probabilities, black ink on white (one put per image: the strips redraw often). */
const bitmap = document.createElement('canvas');
bitmap.width = bitmap.height = SIDE;
const bitmapPixels = new ImageData(SIDE, SIDE);
function digitBitmap(img) {
  const px = bitmapPixels.data;
  for (let i = 0; i < PIXELS; i++) {
    const g = Math.round(255 * (1 - Math.max(0, Math.min(1, img[i]))));
    px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = g;
    px[4 * i + 3] = 255;
  }
  bitmap.getContext('2d').putImageData(bitmapPixels, 0, 0);
  return bitmap;
}
const GENERATED = 8;

// The CPU build needs no WebGPU; it and MNIST are loaded once per page, on this thread.
let vrnnModule = null;
function loadVrnn() {
  vrnnModule ??= (async () => {
    const [mod, data] = await Promise.all([
      import(new URL('../../pkg/vaelab.js', import.meta.url).href).then(async (m) => {
        await m.default();
        return m;
      }),
      loadMnist(new URL('../../data', import.meta.url).href),
    ]);
    if (typeof mod.VrnnLab !== 'function') {
      throw Object.assign(new Error('this build of the engine has no VrnnLab (src/web/vrnn.rs)'), { zh: '这个引擎版本没有 VrnnLab（src/web/vrnn.rs）' });
    }
    const images = (bytes, n) => bytes.subarray(IDX_HEADER, IDX_HEADER + Math.min(n, Math.floor((bytes.length - IDX_HEADER) / PIXELS)) * PIXELS);
    return { mod, train: images(data.trainImages, TRAIN_IMAGES), test: images(data.testImages, TEST_IMAGES) };
  })();
  vrnnModule.catch(() => (vrnnModule = null)); // a failed download can be retried by reopening the lesson
  return vrnnModule;
}

export default {
  name: 'vrnn',
  number: 10,
  engine: false,
  title,
  summary,
  config: {},
  // Not `seed`: that name is the engine's config key, which the page reads before the widget's keys.
  params: {
    vrnn_seed: { type: 'int', min: 0, max: 1000000, default: 1 },
    inference: { type: 'enum', values: ['forward', 'backward'], default: 'forward' },
    steps: { type: 'int', min: 0, max: 20000, default: 600 },
    rows: { type: 'int', min: 0, max: SIDE, default: 12 },
    digit: { type: 'int', min: 0, max: TEST_IMAGES - 1, default: 0 },
    draw: { type: 'int', min: 0, max: 1000000, default: 0 },
  },
  text,
  Widget: class extends FrameTrained {
    constructor(ctx) {
      super(ctx, T, { drawEveryMs: 400, evalEveryMs: 3000, firstGuessMs: 50, maxStepsPerFrame: 50 });
      const t = this.texts;
      this.msPerStep = null;
      const more = button(t, T.more(300), () => this.change({ steps: Math.min(20000, this.params.steps + 300) }));
      const reseed = button(t, T.newSeed, () => this.change({ vrnn_seed: (this.params.vrnn_seed + 1) % 1000000 }));
      more.dataset.control = 'steps';
      reseed.dataset.control = 'vrnn_seed';
      this.inference = segmented(t, {
        key: 'inference',
        label: T.inference,
        options: [{ value: 'forward', label: T.forward }, { value: 'backward', label: T.backward }],
        onChange: (v) => this.change({ inference: v }),
      });
      this.cost = el('span.readout.vrnn-cost', { dataset: { control: 'steps' } });

      this.digit = slider(t, {
        key: 'digit',
        label: T.digit,
        spec: { min: 0, max: TEST_IMAGES - 1, step: 1, integer: true },
        width: '110px',
        onInput: (v, { dragging }) => this.change({ digit: v }, dragging),
      });
      this.rows = slider(t, {
        key: 'rows',
        label: T.rows,
        spec: { min: 0, max: SIDE, step: 1, integer: true },
        width: '140px',
        onInput: (v, { dragging }) => this.change({ rows: v }, dragging),
      });
      const resample = button(t, T.newSamples, () => this.change({ draw: (this.params.draw + 1) % 1000000 }));
      resample.dataset.control = 'draw';

      this.completion = crispCanvas(1 / (COMPLETIONS + 1) + 0.02, null);
      this.completion.canvas.dataset.figure = 'completion';
      this.completion.canvas.setAttribute('role', 'img');
      this.generated = crispCanvas(1 / GENERATED + 0.01, null);
      this.generated.canvas.dataset.figure = 'generated';
      this.generated.canvas.setAttribute('role', 'img');
      this.kl = crispCanvas(0.5, null);
      this.kl.canvas.dataset.figure = 'kl';
      this.kl.canvas.setAttribute('role', 'img');

      this.chartBox = el('div.chart-box');
      this.chart = new LineChart(t, this.chartBox, (tr) => ({
        title: tr(T.chart),
        scales: { x: { time: false } },
        axes: [{ label: tr(T.stepAxis) }, { size: 56 }],
        series: [{ label: tr(T.stepAxis) }, line(tr(T.loss), COLOURS.blue), line(tr(T.kl), COLOURS.amber)],
      }), { height: 230 });
      this.readouts = el('div.readouts');

      this.root = el('div.widget', {},
        this.waiting,
        this.problem,
        el('div.widget-controls', {}, this.pauseButton, more, reseed, this.cost),
        el('div.widget-controls', {}, this.inference.root, this.backend.root),
        el('div.run-line', {}, this.status, this.progress, this.live),
        el('div.widget-controls', {}, this.digit.root, this.rows.root, resample),
        el('figure.card', {}, t.bind(el('figcaption'), T.completeCaption), this.completion.canvas),
        el('figure.card', {}, t.bind(el('figcaption'), T.generateCaption), this.generated.canvas),
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, t.bind(el('figcaption'), T.klCaption), this.kl.canvas),
          el('figure.card.chart', {}, this.chartBox)),
        this.readouts);
      this.parts = { widget: this.root };
      this.canvases = [this.completion, this.generated, this.kl];
      t.onSwitch(() => this.drawAll());
      this.loadWith(loadVrnn());
    }

    modelKey(params) {
      return `${params.vrnn_seed}|${params.inference}`;
    }

    get wasm() {
      return this.engine.mod;
    }

    labSpec(params) {
      const { train, test } = this.engine;
      return { name: 'VrnnLab', args: [params.vrnn_seed, params.inference, train, test] };
    }

    newGpuRun(params) {
      const { mod, train } = this.engine;
      return mod.VrnnGpu.create(params.vrnn_seed, params.inference, train);
    }

    showControls(params) {
      this.inference.set(params.inference);
      this.digit.set(params.digit);
      this.rows.set(params.rows);
    }

    costPerStep() {
      return this.msPerStep ?? undefined;
    }

    noteCost(ms) {
      this.msPerStep = this.msPerStep == null ? ms : 0.8 * this.msPerStep + 0.2 * ms;
    }

    readEvals(r) {
      return { loss: Number(field(r, 'loss')), recon: Number(field(r, 'recon')), kl: Number(field(r, 'kl')), klSteps: Array.from(field(r, 'kl_steps') ?? [], Number) };
    }

    // ------------------------------------------------------------ drawing

    /** Calls the engine for a figure's images; its error is kept in words for the figure to say. */
    images(fn) {
      if (!this.lab) return { data: null, error: null };
      try {
        return { data: fn(), error: null };
      } catch (e) {
        return { data: null, error: message(e) };
      }
    }

    drawAll() {
      if (this.destroyed) return;
      this.drawnAt = performance.now();
      const { digit, rows, draw } = this.params;
      this.shownCompletion = this.images(() => ({
        digit: Array.from(this.lab.test_image(digit)),
        completions: Array.from(this.lab.complete(digit, rows, COMPLETIONS, draw)),
      }));
      this.shownGenerated = this.images(() => Array.from(this.lab.generate(GENERATED, draw)));
      this.drawCompletion();
      this.drawGenerated();
      this.drawKl();
      this.chart.setData([this.history.step, this.history.loss, this.history.kl]);
      this.drawStatus();
      this.drawReadouts();
    }

    /** Draws 28×28 images of probabilities side by side (black ink on white), `given` rows marked. */
    strip(canvas, images, { given = null, error = null, gapAfterFirst = false } = {}) {
      canvas.redraw((ctx, w, h) => {
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, w, h);
        const count = images.length || 1;
        const gap = 6;
        const extra = gapAfterFirst ? 10 : 0;
        const size = Math.min(h - 4, (w - gap * (count - 1) - extra) / count);
        const cell = size / SIDE;
        ctx.imageSmoothingEnabled = false; // one block per pixel, as the images are
        images.forEach((img, i) => {
          const x0 = i * (size + gap) + (gapAfterFirst && i > 0 ? extra : 0);
          ctx.drawImage(digitBitmap(img), x0, 2, size, size);
          ctx.strokeStyle = '#d1d5db';
          ctx.lineWidth = 1;
          ctx.strokeRect(x0, 2, size, size);
          if (given != null && (i > 0 || !gapAfterFirst)) {
            ctx.strokeStyle = COLOURS.red;
            ctx.lineWidth = 2;
            ctx.beginPath();
            ctx.moveTo(x0, 2 + given * cell);
            ctx.lineTo(x0 + size, 2 + given * cell);
            ctx.stroke();
          }
        });
        if (error || !images.length) {
          ctx.font = '600 13px system-ui, sans-serif';
          ctx.fillStyle = error ? '#b91c1c' : '#6b7280';
          ctx.fillText(error ? `${this.texts.t(T.drawFailed)} ${error}` : this.texts.t(T.loading), 10, 20, w - 20);
        }
      });
    }

    drawCompletion() {
      const { data, error } = this.shownCompletion ?? {};
      const images = data ? [data.digit, ...Array.from({ length: COMPLETIONS }, (_, i) => data.completions.slice(i * PIXELS, (i + 1) * PIXELS))] : [];
      this.strip(this.completion, images, { given: this.params.rows, error, gapAfterFirst: true });
      const zh = this.texts.lang === 'zh';
      const label = error ? error : zh
        ? `第 ${this.params.digit} 个测试数字，给定上面 ${this.params.rows} 行，以及 ${COMPLETIONS} 个补全`
        : `Test digit ${this.params.digit} with its top ${this.params.rows} rows given, and ${COMPLETIONS} completions`;
      this.completion.canvas.setAttribute('aria-label', label);
      this.completion.canvas.dataset.label = label;
    }

    drawGenerated() {
      const { data, error } = this.shownGenerated ?? {};
      const images = data ? Array.from({ length: GENERATED }, (_, i) => data.slice(i * PIXELS, (i + 1) * PIXELS)) : [];
      this.strip(this.generated, images, { error });
      this.generated.canvas.setAttribute('aria-label', this.texts.lang === 'zh' ? `${GENERATED} 个逐行生成的数字` : `${GENERATED} digits generated row by row`);
    }

    /** The test KL per row as bars (rows 1..28 along x). */
    drawKl() {
      const ks = this.evals?.klSteps ?? [];
      const tr = (d) => this.texts.t(d);
      this.kl.redraw((ctx, w, h) => {
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, w, h);
        const left = 34;
        const right = w - 6;
        const top = 8;
        const bottom = h - 20;
        const max = Math.max(1e-9, ...ks);
        const bw = (right - left) / SIDE;
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillStyle = '#6b7280';
        ctx.fillText(num(max, max < 1 ? 2 : 1), 2, top + 8);
        ctx.fillText('0', 2, bottom);
        for (const r of [1, 7, 14, 21, 28]) ctx.fillText(String(r), left + (r - 0.5) * bw - 4, h - 6);
        ctx.strokeStyle = '#e5e7eb';
        ctx.beginPath();
        ctx.moveTo(left, bottom);
        ctx.lineTo(right, bottom);
        ctx.stroke();
        ks.forEach((k, t) => {
          const bh = (Math.max(0, k) / max) * (bottom - top);
          ctx.fillStyle = t < this.params.rows ? COLOURS.blue : COLOURS.amber;
          ctx.fillRect(left + t * bw + 1, bottom - bh, bw - 2, bh);
        });
      });
      const zh = this.texts.lang === 'zh';
      const label = ks.length ? (zh ? '每行 KL：' : 'KL per row: ') + ks.map((k) => num(k, 2)).join(', ') : tr(T.loading);
      this.kl.canvas.setAttribute('aria-label', label);
      this.kl.canvas.dataset.label = label;
    }

    drawStatus() {
      const tr = (d) => this.texts.t(d);
      const zh = this.texts.lang === 'zh';
      const step = this.step;
      const target = this.params.steps;
      const loss = this.history.loss.at(-1);
      const phase = this.failed ? T.failed : this.paused ? T.paused : step >= target ? T.trained : this.lab ? T.training : T.loading;
      const perEpoch = Math.ceil(TRAIN_IMAGES / 64);
      this.status.textContent = zh
        ? `第 ${step} / ${target} 步 · 第 ${Math.floor(step / perEpoch)} 轮${loss != null ? ` · −ELBO ${num(loss, 1)}` : ''} · ${tr(phase)}`
        : `Step ${step.toLocaleString('en')} of ${target.toLocaleString('en')} · epoch ${Math.floor(step / perEpoch)}${loss != null ? ` · −ELBO ${num(loss, 1)}` : ''} · ${tr(phase)}`;
      this.progress.value = target > 0 ? Math.min(1, step / target) : 1;
      const ms = this.msPerStep;
      this.cost.textContent = ms == null ? '' : zh ? `每步（64 张图）${num(ms, 1)} 毫秒` : `${num(ms, 1)} ms per step of 64 images`;
      this.status.dataset.step = String(step);
      this.say(this.status.textContent, phase);
    }

    drawReadouts() {
      const tr = (d) => this.texts.t(d);
      const stat = (value, label, key) => el('div.stat', { dataset: { readout: key } }, el('b', { textContent: value }), el('span', { textContent: label }));
      const e = this.evals;
      this.readouts.replaceChildren(
        stat(e ? num(e.loss, 2) : '–', tr(T.negElbo), 'elbo'),
        stat(e ? num(e.recon, 2) : '–', tr(T.recon), 'recon'),
        stat(e ? num(e.kl, 2) : '–', tr(T.klTotal), 'kl'),
      );
    }
  },
};
