// Lesson 4, reconstruction vs KL: the two terms of −ELBO, read as the length of a two-part message
// (bits-back), and β as the price of code bits. Widget: live charts of both terms while the model
// trains, a β slider that changes the running model, reconstructions and prior samples.
import { PIXELS } from '../../core/views/digits.js';
import { normals } from '../../core/prng.js';
import { COLOURS, LineChart, el, line, num, uPlot } from '../ui.js';
import { TRAIN, EngineWidget, configSlider, digitCanvas, drawDigits } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const SHOWN = 8; // test digits with their reconstructions
const SAMPLES = 16;

export default {
  name: 'recon-vs-kl',
  number: 4,
  engine: true,
  retrainOnChange: 1500,
  title,
  summary,
  config: {},
  params: {
    train: TRAIN,
  },
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      this.beta = configSlider(ctx, 'beta', T.beta, { width: '220px' });
      const chart = (title, extra) => {
        const box = el('div.chart-box');
        const c = new LineChart(t, box, extra(title));
        return { box, c };
      };
      const recon = chart(T.recon, (title) => (tr) => ({
        title: tr(title),
        scales: { x: { time: false }, y: {} },
        axes: [{ label: tr(T.step) }, { label: tr(T.nats), size: 56 }],
        series: [{ label: tr(T.step) }, line(tr(T.train), COLOURS.blue), line(tr(T.test), COLOURS.red, { width: 0, points: { show: true, size: 5, fill: COLOURS.red } })],
      }));
      const kl = chart(T.kl, (title) => (tr) => ({
        title: tr(title),
        scales: { x: { time: false }, y: {}, beta: { range: (u, lo, hi) => [0, Math.max(2, hi * 1.1)] } },
        axes: [{ label: tr(T.step) }, { label: tr(T.nats), size: 50 }, { scale: 'beta', side: 1, label: 'β', size: 40, grid: { show: false } }],
        series: [
          { label: tr(T.step) },
          line(tr(T.train), COLOURS.amber),
          line(tr(T.betaSeries), COLOURS.grey, { scale: 'beta', dash: [4, 4], width: 1.2 }),
          line(tr(T.test), COLOURS.violet, { width: 0, points: { show: true, size: 5, fill: COLOURS.violet } }),
        ],
      }));
      recon.box.dataset.figure = 'recon';
      this.reconChart = recon.c;
      this.klChart = kl.c;
      this.charts = [recon.c, kl.c];
      this.reconTiles = digitCanvas(2 * SHOWN, SHOWN, 2, 4);
      this.sampleTiles = digitCanvas(SAMPLES, SAMPLES / 2, 2, 4);
      this.readouts = el('div.readouts');
      this.root.append(
        this.waiting,
        el('div.widget-controls', {}, this.beta.root),
        el('div.cards.lesson-cards.two', {}, el('figure.card.chart', {}, recon.box), el('figure.card.chart', {}, kl.box)),
        this.readouts,
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, this.reconTiles, t.bind(el('figcaption'), T.reconCaption)),
          el('figure.card', {}, this.sampleTiles, t.bind(el('figcaption'), T.samplesCaption))),
      );
      this.betaLog = [];
      this.showConfig(ctx.config);
      t.onSwitch(() => this.drawReadouts());
    }

    showConfig(config) {
      this.beta.set(config.beta);
      const step = this.session?.loop.submitted ?? 0;
      const last = this.betaLog[this.betaLog.length - 1];
      if (!last || last[1] !== config.beta) this.betaLog.push([step, config.beta]);
    }

    onRun() {
      this.betaLog = [[this.session?.loop.submitted ?? 0, this.config.beta]];
    }

    betaAt(step) {
      let b = this.betaLog[0]?.[1] ?? this.config.beta;
      for (const [s, v] of this.betaLog) if (s <= step) b = v;
      return b;
    }

    async refresh() {
      const session = this.session;
      if (!session) return;
      this.ready();
      this.drawCharts();
      const indices = Uint32Array.from({ length: SHOWN }, (_, i) => i);
      this.originals ??= await this.run((e) => e.test_images(indices));
      const recon = await this.run((e) => e.reconstruct(indices));
      const { latent, seed, conditional } = session.config;
      const z = normals(seed, 0, SAMPLES * latent);
      const labels = conditional ? Uint8Array.from({ length: SAMPLES }, (_, i) => i % 10) : undefined;
      const samples = await this.run((e) => (session.config.latent === latent ? e.decode(z, labels) : null));
      if (this.destroyed) return;
      const tiles = new Float32Array(2 * SHOWN * PIXELS);
      tiles.set(this.originals, 0);
      tiles.set(recon, SHOWN * PIXELS);
      drawDigits(this.reconTiles, tiles, { count: 2 * SHOWN, cols: SHOWN, scale: 2, gap: 4 });
      if (samples) drawDigits(this.sampleTiles, samples, { count: SAMPLES, cols: SAMPLES / 2, scale: 2, gap: 4 });
      this.drawReadouts();
    }

    drawCharts() {
      const { train, test } = this.session.history;
      const betas = train.step.map((s) => this.betaAt(s));
      this.reconChart.setData(uPlot.join([[train.step, train.recon], [test.step, test.recon]]));
      this.klChart.setData(uPlot.join([[train.step, train.kl, betas], [test.step, test.kl]]));
    }

    drawReadouts() {
      const s = this.session?.status();
      if (!s || s.recon == null) return;
      const zh = this.texts.lang === 'zh';
      const bits = (nats) => nats / Math.LN2;
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      const total = s.recon + s.kl;
      this.readouts.replaceChildren(
        stat(`${num(s.recon, 1)} nats · ${num(bits(s.recon), 0)} bits`, zh ? '重构：已知编码时描述数字的长度' : 'reconstruction: describing the digit given its code'),
        stat(`${num(s.kl, 1)} nats · ${num(bits(s.kl), 0)} bits`, zh ? 'KL：描述编码本身的净长度' : 'KL: the net length of the code itself'),
        stat(`${num(total, 1)} nats · ${num(bits(total) / 784, 3)} bits/pixel`, zh ? '合计 −ELBO（最近一步的训练批）' : 'total −ELBO (the latest training batch)'),
        stat(num(this.config.beta, 2), zh ? '当前的 β' : 'β now'),
      );
    }
  },
};
