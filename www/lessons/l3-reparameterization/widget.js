// Lesson 3, the reparameterization trick: z = μ + σ ⊙ ε, the gradient through a sample, and the
// closed-form KL. Widget: μ, σ, ε and z of a chosen digit's code as bars, eight decoded draws,
// a spread slider that scales ε, and "resample ε".
import { PIXELS } from '../../core/views/digits.js';
import { normals } from '../../core/prng.js';
import { klPerDim } from '../estimators.js';
import { COLOURS, button, crispCanvas, el, num, slider } from '../ui.js';
import { TRAIN, EngineWidget, digitCanvas, digitPicker, drawDigits } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const DRAWS = 8;

export default {
  name: 'reparameterization',
  number: 3,
  engine: true,
  title,
  summary,
  config: {},
  params: {
    digit: { type: 'int', min: 0, max: 9, default: 4 },
    example: { type: 'int', min: 0, max: 99, default: 0 },
    spread: { type: 'num', min: 0, max: 3, default: 1 },
    draw: { type: 'int', min: 0, max: 1000000, default: 0 },
    train: TRAIN,
  },
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      this.picker = digitPicker(this, () => ctx.requestRefresh());
      this.spread = slider(t, {
        key: 'spread',
        label: T.spread,
        spec: { min: 0, max: 3, step: 0.05 },
        onInput: (v, { dragging }) => {
          ctx.setParam('spread', v, { dragging });
          this.decodeDraws().catch(ctx.onError);
        },
      });
      const resample = button(t, T.resample, () => {
        ctx.setParam('draw', (this.params.draw + 1) % 1000000);
        this.drawBars();
        this.decodeDraws().catch(ctx.onError);
      }, 'primary');
      resample.dataset.control = 'draw';
      this.bars = crispCanvas(0.42, null);
      this.bars.canvas.dataset.figure = 'bars';
      this.tiles = digitCanvas(DRAWS + 2, DRAWS + 2, 2, 6);
      this.readouts = el('div.readouts');
      this.root.append(
        this.waiting,
        el('div.widget-controls', {}, this.picker.root, this.spread.root, resample),
        el('figure.card', {}, t.bind(el('figcaption'), T.barsCaption), this.bars.canvas),
        el('figure.card', {}, this.tiles, t.bind(el('figcaption'), T.digitsCaption)),
        this.readouts,
      );
      this.showParams(ctx.params);
      t.onSwitch(() => this.drawBars());
    }

    destroy() {
      super.destroy();
      this.bars.stop();
    }

    showParams(params) {
      this.spread.set(params.spread);
      this.picker.show(params);
    }

    /** ε for draw `d` of the current model (the same link shows the same ε). */
    eps(L) {
      const seed = this.session.config.seed;
      return normals((Math.imul(seed + 7, 0x9e3779b1) ^ this.params.draw) >>> 0, 3, DRAWS * L);
    }

    async refresh() {
      if (!this.session) return;
      this.ready();
      const index = this.pickedIndex();
      const L = this.session.config.latent;
      const mulv = await this.run((e) => e.encode_test(Uint32Array.of(index)));
      const x = await this.run((e) => e.test_images(Uint32Array.of(index)));
      if (this.destroyed) return;
      this.code = { L, mu: mulv.slice(0, L), logvar: mulv.slice(L, 2 * L), x, step: this.session.step };
      this.drawBars();
      await this.decodeDraws();
    }

    async decodeDraws() {
      const c = this.code;
      if (!c || !this.session) return;
      const { L, mu, logvar } = c;
      const eps = this.eps(L);
      const s = this.params.spread;
      const z = new Float32Array((DRAWS + 1) * L);
      z.set(mu, 0);
      for (let d = 0; d < DRAWS; d++) {
        for (let j = 0; j < L; j++) z[(d + 1) * L + j] = mu[j] + s * Math.exp(0.5 * logvar[j]) * eps[d * L + j];
      }
      const labels = this.session.config.conditional ? new Uint8Array(DRAWS + 1).fill(this.params.digit) : undefined;
      const pixels = await this.run((e) => (this.session.config.latent === L ? e.decode(z, labels) : null), 'draws');
      if (!pixels || this.destroyed) return;
      const tiles = new Float32Array((DRAWS + 2) * PIXELS);
      tiles.set(c.x, 0);
      tiles.set(pixels, PIXELS);
      drawDigits(this.tiles, tiles, { count: DRAWS + 2, cols: DRAWS + 2, scale: 2, gap: 6 });
      this.drawBars();
    }

    drawBars() {
      const c = this.code;
      if (!c) return;
      const { L, mu, logvar } = c;
      const sigma = Array.from(logvar, (v) => Math.exp(0.5 * v));
      const eps = this.eps(L).subarray(0, L);
      const s = this.params.spread;
      const z = Array.from(mu, (m, j) => m + s * sigma[j] * eps[j]);
      const kl = klPerDim(mu, logvar);
      const unused = sigma.filter((v, j) => v > 0.9 && Math.abs(mu[j]) < 0.1).length;
      const zh = this.texts.lang === 'zh';
      const rows = [
        { name: 'μ', values: Array.from(mu), colour: COLOURS.blue, range: 3.5 },
        { name: 'σ', values: sigma, colour: COLOURS.amber, range: 1.5, positive: true },
        { name: s === 1 ? 'ε' : `${s}·ε`, values: Array.from(eps, (e) => s * e), colour: COLOURS.grey, range: 3.5 },
        { name: 'z', values: z, colour: COLOURS.violet, range: 3.5 },
      ];
      this.bars.redraw((ctx, w, h) => drawBarRows(ctx, w, h, rows, L));
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      const total = kl.reduce((a, b) => a + b, 0);
      const order = kl.map((v, j) => [v, j]).sort((a, b) => b[0] - a[0]).slice(0, 3);
      this.readouts.replaceChildren(
        stat(num(total, 1), zh ? 'KL(q(z|x) ‖ p(z))，各维之和（奈特）' : 'KL(q(z|x) ‖ p(z)), summed over dimensions (nats)'),
        stat(order.map(([v, j]) => `z${j + 1}: ${num(v, 1)}`).join(' · '), zh ? 'KL 最大的三个维度' : 'the three dimensions with the most KL'),
        stat(`${unused} / ${L}`, zh ? '未使用的维度（σ > 0.9 且 |μ| < 0.1）' : 'unused dimensions (σ > 0.9 and |μ| < 0.1)'),
        stat(String(c.step), zh ? '模型已训练的步数' : 'training steps of the model so far'),
      );
    }
  },
};

/** Rows of bars sharing the dimension axis; each row is centred on 0 (σ rows start at 0). */
function drawBarRows(ctx, w, h, rows, L) {
  const left = 30;
  const rowH = h / rows.length;
  const colW = (w - left - 6) / L;
  const barW = Math.max(2, Math.min(18, colW * 0.62));
  ctx.font = '13px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  rows.forEach((row, r) => {
    const top = r * rowH + 6;
    const height = rowH - 12;
    const zero = row.positive ? top + height : top + height / 2;
    const scale = row.positive ? height / row.range : height / 2 / row.range;
    // The prior's ±1 (σ = 1 for the σ row).
    ctx.fillStyle = 'rgba(107, 114, 128, 0.12)';
    if (row.positive) ctx.fillRect(left, zero - scale, w - left, 1.5);
    else ctx.fillRect(left, zero - scale, w - left, 2 * scale);
    ctx.fillStyle = '#9ca3af';
    ctx.fillRect(left, zero, w - left, 1);
    ctx.fillStyle = '#1b1f24';
    ctx.fillText(row.name, 4, top + height / 2);
    ctx.fillStyle = row.colour;
    row.values.forEach((v, j) => {
      const clipped = Math.max(row.positive ? 0 : -row.range, Math.min(row.range, v));
      const x = left + j * colW + (colW - barW) / 2;
      const y = zero - clipped * scale;
      ctx.fillRect(x, Math.min(y, zero), barW, Math.max(1, Math.abs(zero - y)));
    });
  });
  // Dimension numbers under the last row (every few when crowded).
  ctx.fillStyle = '#5b6470';
  ctx.font = '10px system-ui, sans-serif';
  const every = Math.ceil(L / 32);
  for (let j = 0; j < L; j += every) ctx.fillText(String(j + 1), left + j * colW + colW / 2 - 3, h - 3);
}
