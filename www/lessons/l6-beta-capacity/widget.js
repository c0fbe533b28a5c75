// Lesson 6, β-VAE and capacity: β > 1 and β < 1, the information-bottleneck reading of the KL
// term, and γ·|KL − C| with C annealed. Widget: β / capacity controls that change the running
// model, the decoded manifold of a 2-D latent space, prior samples, and KL against its target.
import { normalQuantile, normals } from '../../core/prng.js';
import { COLOURS, LineChart, el, line, num, segmented, uPlot } from '../ui.js';
import { TRAIN, EngineWidget, configSlider, digitCanvas, drawDigits } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const GRID = 15;
const SAMPLES = 24;

export default {
  name: 'beta-capacity',
  number: 6,
  engine: true,
  retrainOnChange: 2000,
  title,
  summary,
  config: { latent: 2 },
  params: {
    train: TRAIN,
  },
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      this.objective = segmented(t, {
        key: 'objective',
        label: T.objective,
        options: [{ value: 'elbo', label: T.betaVae }, { value: 'capacity', label: T.capacity }],
        onChange: (v) => ctx.setConfig([['objective', v]]),
      });
      this.beta = configSlider(ctx, 'beta', T.beta);
      this.gamma = configSlider(ctx, 'gamma', T.gamma, { range: { min: 1, max: 10000, log: true }, width: '120px' });
      this.cmax = configSlider(ctx, 'capacity_max', T.cmax, { range: { min: 0, max: 50, step: 0.5 }, width: '140px' });
      this.csteps = configSlider(ctx, 'capacity_steps', T.csteps, { range: { min: 0, max: 100000, step: 100 }, width: '140px' });
      this.manifold = digitCanvas(GRID * GRID, GRID, 1, 0);
      this.manifold.classList.add('grid');
      this.manifold.dataset.figure = 'manifold';
      this.manifoldNote = t.bind(el('p.note'), T.noManifold);
      this.samples = digitCanvas(SAMPLES, 6, 2, 4);
      this.chartBox = el('div.chart-box');
      this.chart = new LineChart(t, this.chartBox, (tr) => ({
        title: tr(T.chart),
        scales: { x: { time: false }, y: {}, recon: {} },
        axes: [{ label: tr(T.step) }, { label: 'KL', size: 46 }, { scale: 'recon', side: 1, label: tr(T.recon), size: 50, grid: { show: false } }],
        series: [
          { label: tr(T.step) },
          line(tr(T.kl), COLOURS.amber),
          line(tr(T.target), COLOURS.grey, { dash: [5, 4] }),
          line(tr(T.recon), COLOURS.blue, { scale: 'recon', width: 1.2 }),
        ],
      }), { height: 250 });
      this.charts = [this.chart];
      this.readouts = el('div.readouts');
      this.root.append(
        this.waiting,
        el('div.widget-controls', {}, this.objective.root, this.beta.root, this.gamma.root, this.cmax.root, this.csteps.root),
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, t.bind(el('figcaption'), T.manifold), this.manifold, this.manifoldNote),
          el('div', {},
            el('figure.card', {}, this.samples, t.bind(el('figcaption'), T.samples)),
            el('figure.card.chart', {}, this.chartBox))),
        this.readouts,
      );
      this.showConfig(ctx.config);
      t.onSwitch(() => this.drawReadouts());
    }

    showConfig(config) {
      this.objective.set(config.objective === 'capacity' ? 'capacity' : 'elbo');
      this.beta.set(config.beta);
      this.gamma.set(config.gamma);
      this.cmax.set(config.capacity_max);
      this.csteps.set(config.capacity_steps);
      const capacity = config.objective === 'capacity';
      this.beta.root.hidden = capacity;
      for (const c of [this.gamma, this.cmax, this.csteps]) c.root.hidden = !capacity;
      const two = config.latent === 2;
      this.manifold.hidden = !two;
      this.manifoldNote.hidden = two;
    }

    async refresh() {
      const session = this.session;
      if (!session) return;
      this.ready();
      this.drawChart();
      const { latent: L, seed, conditional } = session.config;
      if (L === 2) {
        const z = new Float32Array(GRID * GRID * 2);
        for (let row = 0; row < GRID; row++) {
          for (let col = 0; col < GRID; col++) {
            const p = (i) => 0.05 + (0.9 * i) / (GRID - 1);
            z[2 * (row * GRID + col)] = normalQuantile(p(col));
            z[2 * (row * GRID + col) + 1] = normalQuantile(p(GRID - 1 - row));
          }
        }
        const labels = conditional ? new Uint8Array(GRID * GRID) : undefined;
        const pixels = await this.run((e) => (session.config.latent === 2 ? e.decode(z, labels) : null), 'manifold');
        if (pixels && !this.destroyed) drawDigits(this.manifold, pixels, { count: GRID * GRID, cols: GRID, scale: 1, gap: 0 });
      }
      const z = normals(seed, 5, SAMPLES * L);
      const labels = conditional ? Uint8Array.from({ length: SAMPLES }, (_, i) => i % 10) : undefined;
      const samples = await this.run((e) => (session.config.latent === L ? e.decode(z, labels) : null), 'samples');
      if (samples && !this.destroyed) drawDigits(this.samples, samples, { count: SAMPLES, cols: 6, scale: 2, gap: 4 });
      this.drawReadouts();
    }

    drawChart() {
      const { train } = this.session.history;
      const c = this.session.config;
      const capacity = c.objective === 'capacity';
      const target = train.step.map((s) => (capacity ? c.capacity_max * (c.capacity_steps === 0 ? 1 : Math.min(1, s / c.capacity_steps)) : null));
      this.chart.setData(uPlot.join([[train.step, train.kl, target, train.recon]]));
    }

    drawReadouts() {
      const s = this.session?.status();
      if (!s || s.kl == null) return;
      const c = this.session.config;
      const zh = this.texts.lang === 'zh';
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      const C = c.capacity_max * (c.capacity_steps === 0 ? 1 : Math.min(1, s.step / c.capacity_steps));
      this.readouts.replaceChildren(
        stat(`${num(s.kl, 2)} nats`, zh ? 'KL（最近一个训练批的平均）' : 'KL (mean over the latest training batch)'),
        c.objective === 'capacity'
          ? stat(`${num(C, 2)} nats`, zh ? `当前容量 C（第 ${s.step} 步）` : `capacity C now (step ${s.step})`)
          : stat(num(c.beta, 2), zh ? 'β' : 'β'),
        stat(`${num(s.recon, 1)} nats`, zh ? '重构' : 'reconstruction'),
        stat(num(s.testLoss, 1), zh ? '测试集 −ELBO（β = 1 计）' : 'test −ELBO (counted at β = 1)'),
      );
    }
  },
};
