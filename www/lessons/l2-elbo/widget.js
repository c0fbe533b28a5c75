// Lesson 2, the ELBO: Jensen's inequality, log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)), and the
// importance-weighted bounds L_k. Widget: for one test digit, the ELBO and L_k for k = 1…5000
// (block averages of 5,000 posterior log-weights); the gap is the posterior mismatch.
import { blockBounds, klPerDim, logGrid, mean, runningLogMeanExp, stderr } from '../estimators.js';
import { COLOURS, LineChart, el, line, num } from '../ui.js';
import { EngineWidget, digitCanvas, drawDigits, sampleControls, sampleParams } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const KMAX = 5000;

export default {
  name: 'elbo',
  number: 2,
  engine: true,
  title,
  summary,
  config: {},
  params: sampleParams({ digit: 2, k: 100, kmax: KMAX }),
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      const { picker, kSlider, resample } = sampleControls(this, KMAX, () => this.draw());
      this.picker = picker;
      this.kSlider = kSlider;
      this.digits = digitCanvas(2, 2, 3, 6);
      this.chartBox = el('div.chart-box');
      this.chartBox.dataset.figure = 'chart';
      this.chart = new LineChart(t, this.chartBox, (tr) => ({
        title: tr(T.chartTitle),
        scales: { x: { time: false, distr: 3 }, y: {} },
        axes: [{ label: tr(T.samples) }, { label: tr(T.nats), size: 60 }],
        series: [
          { label: 'k' },
          line(tr(T.bound), COLOURS.blue, { width: 2.2, points: { show: true, size: 5 } }),
          line(tr(T.oneRun), 'rgba(37, 99, 235, 0.35)', { width: 1 }),
          line(tr(T.elbo), COLOURS.grey, { dash: [6, 4] }),
          line(tr(T.chosen), COLOURS.red, { width: 0, points: { show: true, size: 10, fill: COLOURS.red } }),
        ],
      }), { height: 280 });
      this.charts = [this.chart];
      this.readouts = el('div.readouts');
      const cap = t.bind(el('figcaption'), T.digitCaption);
      this.root.append(
        this.waiting,
        el('div.widget-controls', {}, this.picker.root, this.kSlider.root, resample),
        el('div.cards.lesson-cards.side', {},
          el('figure.card.digit-card', {}, this.digits, cap),
          el('figure.card.chart', {}, this.chartBox)),
        this.readouts,
      );
      this.showParams(ctx.params);
      t.onSwitch(() => this.draw());
    }

    showParams(params) {
      this.kSlider.set(params.k);
      this.picker.show(params);
    }

    async refresh() {
      const session = this.session;
      if (!session) return;
      this.ready();
      const index = this.pickedIndex();
      const { latent: L, seed } = session.config;
      const sampleSeed = (Math.imul(seed + 1, 0x85ebca6b) ^ this.params.draw) >>> 0;
      const logw = await this.run((e) => e.log_weights(index, KMAX, 'posterior', sampleSeed));
      const mulv = await this.run((e) => e.encode_test(Uint32Array.of(index)));
      const x = await this.run((e) => e.test_images(Uint32Array.of(index)));
      const recon = await this.run((e) => e.reconstruct(Uint32Array.of(index)));
      if (this.destroyed) return;
      const kl = klPerDim(mulv.subarray(0, L), mulv.subarray(L, 2 * L)).reduce((a, b) => a + b, 0);
      const grid = logGrid(KMAX);
      this.result = {
        logw,
        grid,
        bounds: blockBounds(logw, grid),
        running: runningLogMeanExp(logw),
        elbo: mean(logw),
        elboErr: stderr(logw),
        kl,
        pictures: Float32Array.from([...x, ...recon]),
        step: session.step,
      };
      this.draw();
    }

    draw() {
      const r = this.result;
      if (!r) return;
      drawDigits(this.digits, r.pictures, { count: 2, cols: 2, scale: 3, gap: 6 });
      const k = this.params.k;
      const xs = [...new Set([...r.grid, k])].sort((a, b) => a - b);
      const bounds = blockBounds(r.logw, xs);
      const at = (k) => bounds[xs.indexOf(k)];
      this.chart.setData([
        xs,
        xs.map((x) => (r.grid.includes(x) ? at(x) : null)),
        xs.map((x) => r.running[x - 1]),
        xs.map(() => r.elbo),
        xs.map((x) => (x === k ? at(x) : null)),
      ]);
      const top = r.bounds[r.bounds.length - 1];
      const zh = this.texts.lang === 'zh';
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      this.readouts.replaceChildren(
        stat(`${num(r.elbo, 1)} ± ${num(r.elboErr, 1)}`, zh ? 'ELBO（5000 个单样本估计的均值 ± 标准误）' : 'ELBO (mean of 5,000 one-sample estimates ± standard error)'),
        stat(num(at(k), 1), zh ? `𝓛ₖ，k = ${k}` : `𝓛ₖ at k = ${k}`),
        stat(num(top, 1), zh ? '𝓛₅₀₀₀：最接近 log p(x) 的估计' : '𝓛₅₀₀₀: the closest estimate of log p(x)'),
        stat(num(top - r.elbo, 2), zh ? '差距 𝓛₅₀₀₀ − ELBO：KL(q‖p(z|x)) 至少这么大（奈特）' : 'gap 𝓛₅₀₀₀ − ELBO: KL(q‖p(z|x)) is at least this (nats)'),
        stat(num(r.elbo + r.kl, 1), zh ? 'ELBO 的重构项 E_q log p(x|z)' : 'reconstruction part of the ELBO, E_q log p(x|z)'),
        stat(num(r.kl, 1), zh ? 'KL(q(z|x) ‖ p(z))，解析计算' : 'KL(q(z|x) ‖ p(z)), in closed form'),
      );
    }
  },
};
