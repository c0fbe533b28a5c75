// Lesson 1, latent variables: the generative story p(x) = ∫ p(x|z) p(z) dz and why sampling the
// prior cannot estimate it. Widget: log p̂(x) of one test digit after k samples, z from the prior
// vs from the encoder, with decoded examples of both kinds of code.
import { PIXELS } from '../../core/views/digits.js';
import { normals } from '../../core/prng.js';
import { bernoulliLogLik, effectiveSampleSize, runningLogMeanExp } from '../estimators.js';
import { COLOURS, LineChart, el, line, num } from '../ui.js';
import { EngineWidget, digitCanvas, drawDigits, sampleControls, sampleParams } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const KMAX = 5000;
const EXAMPLES = 8;

export default {
  name: 'latent-variables',
  number: 1,
  engine: true,
  title,
  summary,
  config: {},
  params: sampleParams({ digit: 7, k: KMAX, kmax: KMAX }),
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      const { picker, kSlider, resample } = sampleControls(this, KMAX, () => this.draw());
      this.picker = picker;
      this.kSlider = kSlider;
      this.digit = digitCanvas(1, 1, 3);
      this.priorTiles = digitCanvas(EXAMPLES, EXAMPLES, 2, 6);
      this.postTiles = digitCanvas(EXAMPLES, EXAMPLES, 2, 6);
      this.priorLabels = el('div.tile-labels');
      this.postLabels = el('div.tile-labels');
      const digitCap = t.bind(el('figcaption'), T.digitCaption);
      const priorCap = t.bind(el('figcaption'), T.priorCaption);
      const postCap = t.bind(el('figcaption'), T.postCaption);
      this.chartBox = el('div.chart-box');
      this.chartBox.dataset.figure = 'chart';
      this.chart = new LineChart(t, this.chartBox, (tr) => ({
        title: tr(T.chartTitle),
        scales: { x: { time: false, distr: 3 }, y: {} },
        axes: [{ label: tr(T.samples) }, { label: tr(T.nats), size: 60 }],
        series: [{ label: 'k' }, line(tr(T.fromPrior), COLOURS.red), line(tr(T.fromEncoder), COLOURS.blue)],
        legend: { live: true },
      }));
      this.charts = [this.chart];
      this.readouts = el('div.readouts');
      this.root.append(
        this.waiting,
        el('div.widget-controls', {}, this.picker.root, this.kSlider.root, resample),
        el('figure.card', {}, el('div.digit-row', {},
          el('figure', {}, this.digit, digitCap),
          el('figure', {}, this.priorTiles, this.priorLabels, priorCap),
          el('figure', {}, this.postTiles, this.postLabels, postCap))),
        el('figure.card.chart', {}, this.chartBox, this.readouts),
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
      const draw = this.params.draw;
      const sampleSeed = (Math.imul(seed + 1, 0x9e3779b1) ^ draw) >>> 0;
      const x = await this.run((e) => e.test_images(Uint32Array.of(index)));
      const logWeights = (proposal) => this.run((e) => {
        if (typeof e.log_weights !== 'function') throw new Error('this build of the engine has no log_weights(image, k, proposal, seed); rebuild the page with the current engine');
        return e.log_weights(index, KMAX, proposal, sampleSeed);
      });
      const post = await logWeights('posterior');
      const prior = await logWeights('prior');
      // Example codes of both kinds, decoded here to show what they look like.
      const mulv = await this.run((e) => e.encode_test(Uint32Array.of(index)));
      const eps = normals(sampleSeed, 1, EXAMPLES * L);
      const zPrior = normals(sampleSeed, 2, EXAMPLES * L);
      const zPost = new Float32Array(EXAMPLES * L);
      for (let s = 0; s < EXAMPLES; s++) {
        for (let j = 0; j < L; j++) zPost[s * L + j] = mulv[j] + Math.exp(0.5 * mulv[L + j]) * eps[s * L + j];
      }
      const labels = session.config.conditional ? new Uint8Array(EXAMPLES).fill(this.params.digit) : undefined;
      const priorPixels = await this.run((e) => e.decode(zPrior, labels));
      const postPixels = await this.run((e) => e.decode(zPost, labels));
      if (this.destroyed) return;
      this.result = {
        x,
        prior: runningLogMeanExp(prior),
        post: runningLogMeanExp(post),
        priorW: prior,
        postW: post,
        priorLik: Array.from({ length: EXAMPLES }, (_, s) => bernoulliLogLik(x, priorPixels, s * PIXELS)),
        postLik: Array.from({ length: EXAMPLES }, (_, s) => bernoulliLogLik(x, postPixels, s * PIXELS)),
        priorPixels,
        postPixels,
        step: session.step,
      };
      this.draw();
    }

    draw() {
      const r = this.result;
      if (!r) return;
      drawDigits(this.digit, r.x, { count: 1, cols: 1, scale: 3 });
      drawDigits(this.priorTiles, r.priorPixels, { count: EXAMPLES, cols: EXAMPLES, scale: 2, gap: 6 });
      drawDigits(this.postTiles, r.postPixels, { count: EXAMPLES, cols: EXAMPLES, scale: 2, gap: 6 });
      const labels = (box, values) => box.replaceChildren(...values.map((v) => el('span', { textContent: num(v, 0) })));
      labels(this.priorLabels, r.priorLik);
      labels(this.postLabels, r.postLik);
      const k = Math.min(this.params.k, r.prior.length);
      const xs = Array.from({ length: k }, (_, i) => i + 1);
      this.chart.setData([xs, Array.from(r.prior.subarray(0, k)), Array.from(r.post.subarray(0, k))]);
      const lang = this.texts.lang;
      const p = r.prior[k - 1];
      const q = r.post[k - 1];
      const essPrior = effectiveSampleSize(r.priorW, k);
      const essPost = effectiveSampleSize(r.postW, k);
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      const zh = lang === 'zh';
      this.readouts.replaceChildren(
        stat(num(q, 1), zh ? `编码器提议：log p̂(x)，k = ${k}` : `encoder proposal: log p̂(x) at k = ${k}`),
        stat(num(p, 1), zh ? `先验提议：log p̂(x)，k = ${k}` : `prior proposal: log p̂(x) at k = ${k}`),
        stat(num(q - p, 1), zh ? '两者之差（奈特）：先验估计低了这么多' : 'difference (nats): how far the prior estimate is short'),
        stat(`${num(essPost, 0)} / ${k}`, zh ? '有效样本量，编码器提议' : 'effective sample size, encoder proposal'),
        stat(`${num(essPrior, 1)} / ${k}`, zh ? '有效样本量，先验提议' : 'effective sample size, prior proposal'),
        stat(String(r.step), zh ? '模型已训练的步数' : 'training steps of the model so far'),
      );
    }
  },
};
