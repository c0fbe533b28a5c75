// Lesson 11, latent ODEs: z as a trajectory. The widget runs the engine's OdeLab (src/web/ode.rs) from
// the main wasm module (vaelab.js), trained on a Web Worker or WebGPU (FrameTrained): a GRU reads a test spiral's noisy
// points inside a draggable time window backwards into q(z0), an MLP vector field carries z0 forward
// with fixed-step RK4, and a decoder reads each z(t) — inside the window a reconstruction, past it an
// extrapolation. Also: samples from the prior, the loss, test MSEs, and what RK4 substeps cost.
// The lesson's number is `number` below (the folder name follows the l<N>- convention).
import { liveName, planeKeys } from '../../core/views/a11y.js';
import { COLOURS, LineChart, button, crispCanvas, el, line, num, slider } from '../ui.js';
import { FrameTrained, field, message } from '../frame-training.js';
import { DT, INK, SAMPLES, T_MAX, T_OBS, paintPlane, paintPrior, paintTime, samplesOf, trajectoryOf } from './figures.js';
import { T, summary, text, title } from './prose.js';

const MIN_WIDTH = 0.3; // the narrowest window the widget lets the reader make

// The CPU build needs no WebGPU; it is loaded once per page, on this thread.
let odeModule = null;
function loadOde() {
  odeModule ??= (async () => {
    const mod = await import(new URL('../../pkg/vaelab.js', import.meta.url).href);
    await mod.default();
    if (typeof mod.OdeLab !== 'function') {
      throw Object.assign(new Error('this build of the engine has no OdeLab (src/web/ode.rs)'), { zh: '这个引擎版本没有 OdeLab（src/web/ode.rs）' });
    }
    return mod;
  })();
  return odeModule;
}

/** Calls `fn(seed)`, with the seed as a BigInt when the engine takes a u64 (wasm-bindgen wants one then). */
function seeded(fn, seed) {
  try {
    return fn(seed);
  } catch (e) {
    if (e instanceof TypeError && /BigInt/i.test(e.message)) return fn(BigInt(seed));
    throw e;
  }
}

const round1 = (t) => Math.round(t * 10) / 10;

export default {
  name: 'latent-ode',
  number: 11,
  engine: false,
  title,
  summary,
  config: {},
  // Not `seed`: that name is the engine's config key, which the page reads before the widget's keys.
  params: {
    ode_seed: { type: 'int', min: 0, max: 1000000, default: 1 },
    substeps: { type: 'int', min: 1, max: 8, default: 1 },
    steps: { type: 'int', min: 0, max: 20000, default: 2000 },
    from: { type: 'num', min: 0, max: T_MAX, default: 0 },
    to: { type: 'num', min: 0, max: T_MAX, default: T_OBS },
    spiral: { type: 'int', min: 0, max: 199, default: 0 },
    draw: { type: 'int', min: 0, max: 1000000, default: 0 },
  },
  text,
  Widget: class extends FrameTrained {
    constructor(ctx) {
      super(ctx, T, { drawEveryMs: 250, evalEveryMs: 2000, firstGuessMs: 5, maxStepsPerFrame: 200 });
      const t = this.texts;
      this.costs = new Map(); // substeps → measured ms per step

      // Training: pause / more / new seed, substeps.
      const more = button(t, T.more(1000), () => this.change({ steps: Math.min(20000, this.params.steps + 1000) }));
      const reseed = button(t, T.newSeed, () => this.change({ ode_seed: (this.params.ode_seed + 1) % 1000000 }));
      more.dataset.control = 'steps';
      reseed.dataset.control = 'ode_seed';
      this.substeps = slider(t, {
        key: 'substeps',
        label: T.substeps,
        spec: { min: 1, max: 8, step: 1, integer: true },
        width: '110px',
        onInput: (v, { dragging }) => {
          this.ctx.setParam('substeps', v, { dragging });
          if (!dragging) this.showParams(this.params);
        },
      });
      this.cost = el('span.readout.ode-cost', { dataset: { control: 'substeps' } });

      // The test spiral and its window.
      this.spiral = slider(t, {
        key: 'spiral',
        label: T.spiral,
        spec: { min: 0, max: 199, step: 1, integer: true },
        width: '110px',
        onInput: (v, { dragging }) => this.change({ spiral: v }, dragging),
      });
      const another = button(t, T.another, () => this.change({ spiral: (this.params.spiral + 1) % 200 }), 'link');
      another.dataset.control = 'spiral';
      this.fromSlider = slider(t, {
        key: 'from',
        label: T.from,
        spec: { min: 0, max: T_MAX, step: 0.1 },
        width: '110px',
        onInput: (v, { dragging }) => this.setWindow(v, Math.max(this.params.to, v + MIN_WIDTH), dragging, 'from'),
      });
      this.toSlider = slider(t, {
        key: 'to',
        label: T.to,
        spec: { min: 0, max: T_MAX, step: 0.1 },
        width: '110px',
        onInput: (v, { dragging }) => this.setWindow(Math.min(this.params.from, v - MIN_WIDTH), v, dragging, 'to'),
      });
      const reset = button(t, T.resetWindow, () => this.setWindow(0, T_OBS), 'link');
      reset.dataset.control = 'from';

      this.time = crispCanvas(0.46, null);
      this.time.canvas.dataset.figure = 'trajectory';
      this.time.canvas.style.touchAction = 'none';
      const hint = el('p.note', { id: 'ode-window-keys' });
      t.bind(hint, T.keys);
      this.timeName = liveName(this.time.canvas, t.t(T.loading), { role: 'application' });
      planeKeys(this.time.canvas, {
        move: (dx, dy) => {
          const { from, to } = this.params;
          if (dx) {
            const shift = Math.max(-from, Math.min(T_MAX - to, dx * DT));
            this.setWindow(from + shift, to + shift);
          } else {
            this.setWindow(from, Math.min(T_MAX, Math.max(from + MIN_WIDTH, to - dy * DT)));
          }
        },
        home: () => this.setWindow(0, T_OBS),
        hint: 'ode-window-keys',
      });
      this.wirePointer();
      this.plane = crispCanvas(0.85, null);
      this.plane.canvas.dataset.figure = 'plane';
      this.prior = crispCanvas(0.85, null);
      this.prior.canvas.dataset.figure = 'prior';
      const resample = button(t, T.newSamples, () => this.change({ draw: (this.params.draw + 1) % 1000000 }));
      resample.dataset.control = 'draw';

      this.chartBox = el('div.chart-box');
      this.chart = new LineChart(t, this.chartBox, (tr) => ({
        title: tr(T.chart),
        // Log scale: the loss falls by orders of magnitude and the KL is much smaller (both are positive).
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: tr(T.stepAxis) }, { size: 56 }],
        series: [{ label: tr(T.stepAxis) }, line(tr(T.loss), COLOURS.blue), line(tr(T.kl), COLOURS.amber)],
      }), { height: 230 });
      this.readouts = el('div.readouts');

      const legend = el('div.legend-row', {},
        ...[[INK.clean, T.legendClean], [INK.point, T.legendObserved], [INK.recon, T.legendRecon], [INK.extrap, T.legendExtrap]].map(([c, label]) =>
          el('span', {}, el('i', { style: { background: c } }), t.bind(el('span'), label))));
      this.root = el('div.widget', {},
        this.waiting,
        this.problem,
        el('div.widget-controls', {}, this.pauseButton, more, reseed, this.substeps.root, this.cost),
        el('div.widget-controls', {}, this.backend.root),
        el('div.run-line', {}, this.status, this.progress, this.live),
        el('div.widget-controls', {}, this.spiral.root, another, this.fromSlider.root, this.toSlider.root, reset),
        el('figure.card', {}, t.bind(el('figcaption'), T.timeCaption), this.time.canvas, legend, hint),
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, t.bind(el('figcaption'), T.planeCaption), this.plane.canvas),
          el('figure.card', {}, t.bind(el('figcaption'), T.priorCaption), this.prior.canvas, el('div.widget-controls.slim', {}, resample))),
        el('div.cards.lesson-cards.two', {},
          el('figure.card.chart', {}, this.chartBox),
          el('div', {}, this.readouts)));
      this.parts = { widget: this.root };
      this.canvases = [this.time, this.plane, this.prior];
      t.onSwitch(() => this.drawAll());
      this.loadWith(loadOde());
    }

    // ------------------------------------------------------------ params and the run

    setWindow(from, to, dragging = false, moved = null) {
      from = round1(Math.max(0, Math.min(T_MAX - MIN_WIDTH, from)));
      to = round1(Math.min(T_MAX, Math.max(from + MIN_WIDTH, to)));
      if (moved === 'to' && to - from < MIN_WIDTH - 1e-9) from = round1(to - MIN_WIDTH);
      this.change({ from, to }, dragging);
    }

    showControls(params) {
      this.substeps.set(params.substeps);
      this.spiral.set(params.spiral);
      this.fromSlider.set(params.from);
      this.toSlider.set(params.to);
    }

    modelKey(params) {
      return `${params.ode_seed}|${params.substeps}`;
    }

    get wasm() {
      return this.engine;
    }

    labSpec(params) {
      return { name: 'OdeLab', args: [params.ode_seed, params.substeps] };
    }

    newGpuRun(params) {
      return this.engine.OdeGpu.create(params.ode_seed, params.substeps);
    }

    costPerStep() {
      return this.costs.get(this.params.substeps);
    }

    noteCost(ms) {
      const before = this.costs.get(this.params.substeps);
      this.costs.set(this.params.substeps, before == null ? ms : 0.8 * before + 0.2 * ms);
    }

    readEvals(r) {
      return { recon: Number(field(r, 'recon_mse')), extrap: Number(field(r, 'extrap_mse')), negElbo: Number(field(r, 'neg_elbo')) };
    }

    // ------------------------------------------------------------ the window on the time axis

    /** Pointer: drag a handle, or the band between them; a press elsewhere moves the nearer edge there. */
    wirePointer() {
      const canvas = this.time.canvas;
      let drag = null;
      const timeAt = (x) => {
        const { left, right } = this.layout ?? { left: 0, right: canvas.width };
        return Math.max(0, Math.min(T_MAX, ((x - left) / (right - left)) * T_MAX));
      };
      canvas.addEventListener('pointerdown', (event) => {
        const r = canvas.getBoundingClientRect();
        const x = event.clientX - r.left;
        const { from, to } = this.params;
        const px = (t) => this.layout.left + (t / T_MAX) * (this.layout.right - this.layout.left);
        const t = timeAt(x);
        if (Math.abs(x - px(from)) <= 9) drag = { kind: 'from' };
        else if (Math.abs(x - px(to)) <= 9) drag = { kind: 'to' };
        else if (t > from && t < to) drag = { kind: 'band', at: t, from, to };
        else drag = { kind: Math.abs(t - from) < Math.abs(t - to) ? 'from' : 'to' };
        canvas.setPointerCapture?.(event.pointerId);
        move(t, true);
        event.preventDefault();
      });
      const move = (t, dragging) => {
        if (!drag) return;
        const { from, to } = this.params;
        if (drag.kind === 'from') this.setWindow(Math.min(t, to - MIN_WIDTH), to, dragging);
        else if (drag.kind === 'to') this.setWindow(from, Math.max(t, from + MIN_WIDTH), dragging, 'to');
        else {
          const shift = Math.max(-drag.from, Math.min(T_MAX - drag.to, t - drag.at));
          this.setWindow(drag.from + shift, drag.to + shift, dragging);
        }
      };
      canvas.addEventListener('pointermove', (event) => {
        const r = canvas.getBoundingClientRect();
        const x = event.clientX - r.left;
        if (drag) move(timeAt(x), true);
        else if (this.layout) {
          const px = (t) => this.layout.left + (t / T_MAX) * (this.layout.right - this.layout.left);
          const near = Math.abs(x - px(this.params.from)) <= 9 || Math.abs(x - px(this.params.to)) <= 9;
          canvas.style.cursor = near ? 'ew-resize' : 'grab';
        }
      });
      const end = (event) => {
        if (!drag) return;
        const r = canvas.getBoundingClientRect();
        move(timeAt(event.clientX - r.left), false);
        drag = null;
      };
      canvas.addEventListener('pointerup', end);
      canvas.addEventListener('pointercancel', () => (drag = null));
    }

    // ------------------------------------------------------------ drawing

    /** The test spiral with the window as the encoder sees it (or the engine's words why not). */
    trajectory() {
      if (!this.lab) return { error: null, data: null };
      const { spiral, from, to } = this.params;
      try {
        return { data: trajectoryOf(this.lab.trajectory(spiral, from, to)), error: null };
      } catch (e) {
        return { data: null, error: message(e) };
      }
    }

    drawAll() {
      if (this.destroyed) return;
      this.drawnAt = performance.now();
      const traj = this.trajectory();
      this.traj = traj;
      this.drawTime(traj);
      this.drawPlane(traj);
      this.drawPrior();
      this.chart.setData([this.history.step, this.history.loss, this.history.kl]);
      this.drawStatus();
      this.drawReadouts();
    }

    drawStatus() {
      const tr = (d) => this.texts.t(d);
      const zh = this.texts.lang === 'zh';
      const step = this.step;
      const target = this.params.steps;
      const loss = this.history.loss.at(-1);
      const phase = this.failed ? T.failed : this.paused ? T.paused : step >= target ? T.trained : this.lab ? T.training : T.loading;
      const ms = this.costs.get(this.params.substeps);
      this.status.textContent = zh
        ? `第 ${step} / ${target} 步 · 第 ${Math.floor(step / 20)} 轮${loss != null ? ` · −ELBO ${num(loss, 2)}` : ''} · ${tr(phase)}`
        : `Step ${step.toLocaleString('en')} of ${target.toLocaleString('en')} · epoch ${Math.floor(step / 20)}${loss != null ? ` · −ELBO ${num(loss, 2)}` : ''} · ${tr(phase)}`;
      this.progress.value = target > 0 ? Math.min(1, step / target) : 1;
      this.cost.textContent = ms == null ? '' : zh ? `每步 ${num(ms, 2)} 毫秒` : `${num(ms, 2)} ms per step`;
      this.status.dataset.step = String(step);
      this.say(this.status.textContent, phase);
    }

    drawReadouts() {
      const zh = this.texts.lang === 'zh';
      const tr = (d) => this.texts.t(d);
      const stat = (value, label, key) => el('div.stat', { dataset: { readout: key } }, el('b', { textContent: value }), el('span', { textContent: label }));
      const e = this.evals;
      const costs = [...this.costs].sort((a, b) => a[0] - b[0]).map(([s, ms]) => `S=${s}: ${num(ms, 2)}`).join(' · ');
      const h = DT / this.params.substeps;
      this.readouts.replaceChildren(
        stat(e ? num(e.recon, 4) : '–', tr(T.reconMse), 'recon'),
        stat(e ? num(e.extrap, 4) : '–', tr(T.extrapMse), 'extrap'),
        stat(e ? num(e.negElbo, 2) : '–', tr(T.negElbo), 'elbo'),
        stat(costs || '–', zh ? `实测每步毫秒数（S = 每个网格间隔的 RK4 子步数；当前 h = ${num(h, 4)}，每条轨迹到 t = 5 要求 ${4 * 50 * this.params.substeps} 次 f）` : `measured ms per step (S = RK4 substeps per grid interval; now h = ${num(h, 4)}, ${4 * 50 * this.params.substeps} evaluations of f per trajectory up to t = 5)`, 'cost'),
      );
    }

    drawTime({ data, error }) {
      const { from, to } = this.params;
      const tr = (d) => this.texts.t(d);
      const problem = error ? `${tr(T.windowProblem)} ${error}` : data ? null : tr(T.loading);
      this.time.redraw((ctx, w, h) => {
        this.layout = paintTime(ctx, w, h, { data, from, to, problem, isError: Boolean(error) });
      });
      const zh = this.texts.lang === 'zh';
      const observed = data ? data.observed.filter(Boolean).length : 0;
      const label = error ? `${tr(T.windowProblem)} ${error}` : zh
        ? `第 ${this.params.spiral + 1} 条测试螺线；观测窗口 t = ${num(from, 1)} 到 ${num(to, 1)}，其中 ${observed} 个观测点；窗口之后为外推`
        : `Test spiral ${this.params.spiral + 1}; observed window t = ${num(from, 1)} to ${num(to, 1)} with ${observed} observed points; extrapolated after it`;
      this.timeName.set(label);
      this.time.canvas.dataset.label = label; // the latest, at once (the accessible name follows at a calm rate)
    }

    drawPlane({ data }) {
      this.plane.redraw((ctx, w, h) => paintPlane(ctx, w, h, data, this.params.to));
    }

    drawPrior() {
      let samples = [];
      let error = null;
      if (this.lab) {
        try {
          samples = samplesOf(seeded((seed) => this.lab.sample_prior(SAMPLES, seed, T_MAX), this.params.draw), SAMPLES);
        } catch (e) {
          error = message(e);
        }
      }
      this.prior.redraw((ctx, w, h) => paintPrior(ctx, w, h, samples, error));
    }
  },
};
