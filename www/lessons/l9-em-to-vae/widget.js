// Lesson 9, from EM to the VAE: EM on a 2-D Gaussian mixture, where the posterior is exact and the
// E-step closes the ELBO's gap; then why a VAE needs amortized inference. The widget runs on the
// CPU (no engine): a canvas of points coloured by responsibilities, and log p(x) vs the ELBO.
import { COLOURS, LineChart, button, crispCanvas, el, line, num, slider } from '../ui.js';
import { EmRun, ellipse, makeData } from '../em.js';
import { T, summary, text, title } from './prose.js';

const COMPONENT_COLOURS = [[37, 99, 235], [220, 38, 38], [5, 150, 105], [217, 119, 6], [124, 58, 237], [13, 148, 136]];
const RUN_ITERATIONS = 30;

export default {
  name: 'em-to-vae',
  number: 9,
  engine: false,
  title,
  summary,
  config: {},
  params: {
    clusters: { type: 'int', min: 1, max: 6, default: 3 },
    points: { type: 'int', min: 20, max: 1000, default: 300 },
    data: { type: 'int', min: 0, max: 1000000, default: 1 },
    init: { type: 'int', min: 0, max: 1000000, default: 2 },
    iter: { type: 'int', min: 0, max: 400, default: 0 },
  },
  text,
  Widget: class {
    constructor(ctx) {
      this.ctx = ctx;
      const t = (this.texts = ctx.texts);
      this.clusters = slider(t, {
        key: 'clusters',
        label: T.clusters,
        spec: { min: 1, max: 6, step: 1, integer: true },
        width: '100px',
        onInput: (v, { dragging }) => this.change({ clusters: v, iter: 0 }, dragging),
      });
      this.points = slider(t, {
        key: 'points',
        label: T.points,
        spec: { min: 20, max: 1000, step: 10, integer: true },
        width: '120px',
        onInput: (v, { dragging }) => this.change({ points: v, iter: 0 }, dragging),
      });
      this.halfButton = el('button.primary', { type: 'button', onclick: () => this.change({ iter: this.params.iter + 1 }) });
      this.halfButton.dataset.control = 'iter';
      t.onSwitch(() => this.labelHalf());
      const full = button(t, T.full, () => this.change({ iter: this.params.iter + (this.run.nextIsE ? 2 : 1) }));
      const run = button(t, T.run(RUN_ITERATIONS), () => this.animate());
      const back = button(t, T.restart, () => this.change({ iter: 0 }));
      const newStart = button(t, T.newStart, () => this.change({ init: (this.params.init + 1) % 1000000, iter: 0 }));
      const newData = button(t, T.newData, () => this.change({ data: (this.params.data + 1) % 1000000, iter: 0 }));
      for (const [b, key] of [[full, 'iter'], [run, 'iter'], [back, 'iter'], [newStart, 'init'], [newData, 'data']]) b.dataset.control = key;
      this.plane = crispCanvas(0.62, null);
      this.plane.canvas.dataset.figure = 'plane';
      this.chartBox = el('div.chart-box');
      this.chart = new LineChart(t, this.chartBox, (tr) => ({
        title: tr(T.chart),
        // The start's ELBO (q uniform, before any E-step) lies far below the rest; once the run has
        // moved on, the y range follows the later points so the climb stays visible.
        scales: { x: { time: false }, y: { range: (u, lo, hi) => this.yRange(lo, hi) } },
        axes: [{ label: tr(T.halfStep) }, { size: 56 }],
        series: [{ label: '#' }, line(tr(T.logp), COLOURS.blue, { points: { show: true, size: 5 } }), line(tr(T.elbo), COLOURS.amber, { dash: [5, 4], points: { show: true, size: 5 } })],
      }), { height: 230 });
      this.readouts = el('div.readouts');
      this.root = el('div.widget', {},
        el('div.widget-controls', {}, this.clusters.root, this.points.root),
        el('div.widget-controls', {}, this.halfButton, full, run, back, newStart, newData),
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, t.bind(el('figcaption'), T.canvas), this.plane.canvas),
          el('div', {}, el('figure.card.chart', {}, this.chartBox), this.readouts)));
      this.parts = { widget: this.root };
      this.showParams(ctx.params);
      t.onSwitch(() => this.draw());
    }

    get params() {
      return this.ctx.params;
    }

    labelHalf() {
      this.halfButton.textContent = this.texts.t(this.run?.nextIsE === false ? T.nextM : T.nextE);
    }

    /** Applies changed params (writing them into the link) and redraws. */
    change(patch, dragging = false) {
      for (const [k, v] of Object.entries(patch)) this.ctx.setParam(k, v, { dragging });
      this.showParams(this.params);
    }

    showParams(params) {
      this.clusters.set(params.clusters);
      this.points.set(params.points);
      const key = `${params.data}|${params.points}|${params.clusters}|${params.init}`;
      if (key !== this.key || !this.run || this.run.done > params.iter) {
        this.key = key;
        this.data = makeData(params.data, params.points);
        this.run = new EmRun(this.data, params.clusters, params.init);
      }
      this.run.advance(params.iter);
      this.labelHalf();
      this.draw();
    }

    /** Runs RUN_ITERATIONS iterations, a half-step per frame, so the climb is visible. */
    animate() {
      cancelAnimationFrame(this.frame);
      const target = Math.min(400, this.params.iter + 2 * RUN_ITERATIONS);
      const tick = () => {
        if (this.destroyed || this.params.iter >= target) return;
        this.change({ iter: this.params.iter + 1 });
        this.frame = requestAnimationFrame(tick);
      };
      tick();
    }

    refresh() {
      this.draw();
    }

    yRange(lo, hi) {
      const hist = this.run?.history ?? [];
      if (hist.length > 2) {
        const values = hist.flatMap((s, i) => (i === 0 ? [s.logp] : [s.logp, s.elbo]));
        lo = Math.min(...values);
        hi = Math.max(...values);
      }
      const pad = Math.max(0.02, 0.08 * (hi - lo));
      return [lo - pad, hi + pad];
    }

    draw() {
      const r = this.run;
      if (!r) return;
      const xs = this.data;
      const n = xs.length / 2;
      const K = r.K;
      this.plane.redraw((ctx, w, h) => {
        let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
        for (let i = 0; i < n; i++) {
          x0 = Math.min(x0, xs[2 * i]);
          x1 = Math.max(x1, xs[2 * i]);
          y0 = Math.min(y0, xs[2 * i + 1]);
          y1 = Math.max(y1, xs[2 * i + 1]);
        }
        const pad = 0.6;
        const scale = Math.min(w / (x1 - x0 + 2 * pad), h / (y1 - y0 + 2 * pad));
        const cx = (x0 + x1) / 2;
        const cy = (y0 + y1) / 2;
        const px = (x) => w / 2 + (x - cx) * scale;
        const py = (y) => h / 2 - (y - cy) * scale;
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, w, h);
        for (let i = 0; i < n; i++) {
          let [rr, gg, bb] = [0, 0, 0];
          for (let c = 0; c < K; c++) {
            const q = r.q[i * K + c];
            const col = COMPONENT_COLOURS[c];
            rr += q * col[0];
            gg += q * col[1];
            bb += q * col[2];
          }
          ctx.fillStyle = `rgb(${rr | 0} ${gg | 0} ${bb | 0})`;
          ctx.beginPath();
          ctx.arc(px(xs[2 * i]), py(xs[2 * i + 1]), 2.6, 0, 2 * Math.PI);
          ctx.fill();
        }
        for (let c = 0; c < K; c++) {
          const [R, G, B] = COMPONENT_COLOURS[c];
          for (const k of [1, 2]) {
            const e = ellipse(r.model.cov[c], k);
            ctx.strokeStyle = `rgba(${R}, ${G}, ${B}, ${k === 1 ? 0.95 : 0.5})`;
            ctx.lineWidth = 1 + 3 * Math.sqrt(r.model.pi[c]);
            ctx.beginPath();
            // Canvas y points down: the angle flips sign.
            ctx.ellipse(px(r.model.mu[c][0]), py(r.model.mu[c][1]), e.rx * scale, Math.max(0.5, e.ry * scale), -e.angle, 0, 2 * Math.PI);
            ctx.stroke();
          }
          const [mx, my] = [px(r.model.mu[c][0]), py(r.model.mu[c][1])];
          ctx.strokeStyle = '#111';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(mx - 6, my);
          ctx.lineTo(mx + 6, my);
          ctx.moveTo(mx, my - 6);
          ctx.lineTo(mx, my + 6);
          ctx.stroke();
        }
      });
      const hist = r.history;
      this.chart.setData([hist.map((_, i) => i), hist.map((s) => s.logp), hist.map((s) => s.elbo)]);
      const last = hist[hist.length - 1];
      const zh = this.texts.lang === 'zh';
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      const iterations = Math.floor(r.done / 2);
      this.readouts.replaceChildren(
        stat(num(last.logp, 4), zh ? 'log p(x)，按点平均' : 'log p(x) per point'),
        stat(num(last.elbo, 4), zh ? 'ELBO，按点平均' : 'ELBO per point'),
        stat(num(last.logp - last.elbo, 4), zh ? '差距 = KL(q ‖ p(c|x))' : 'gap = KL(q ‖ p(c|x))'),
        stat(zh ? `${iterations} 次迭代，下一步：${r.nextIsE ? 'E' : 'M'}` : `${iterations} iterations; next: ${r.nextIsE ? 'E' : 'M'}-step`, zh ? '进度' : 'progress'),
      );
    }

    destroy() {
      this.destroyed = true;
      cancelAnimationFrame(this.frame);
      this.plane.stop();
      this.chart.destroy();
    }
  },
};
