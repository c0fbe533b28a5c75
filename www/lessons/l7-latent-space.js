// Lesson 7, the latent space: the decoded manifold (latent = 2), the test set's μ by label (PCA
// when latent > 2), interpolation, one slider per dimension, and active units / posterior collapse
// with 50 dimensions. The widget has two parts placed in the text: @map and @units.
import { LABEL_COLOURS, PIXELS, css } from '../core/views/digits.js';
import { normalQuantile } from '../core/prng.js';
import { fromCanvas, planeToZ, projectLatent, toCanvas } from '../core/views/projection.js';
import { nextTask } from '../core/scheduler.js';
import { ACTIVE_THRESHOLD, unitActivity } from './estimators.js';
import { COLOURS, crispCanvas, el, num, segmented } from './ui.js';
import { EngineWidget, digitCanvas, drawDigits } from './widget-kit.js';

const COUNT = 2000; // test digits in the scatter and the activity statistics
const CHUNK = 250;
const GRID = 15;
const STRIP = 10;
const SLIDER_RANGE = 4;
const LATENTS = [2, 10, 20, 50];

const text = {
  en: String.raw`
## A map of codes

Every image $x$ has a posterior $q(z \given x)$, and its mean $\mu(x)$ is where the encoder places $x$ on the map. Colour the means of 2,000 test digits by their labels and the digits gather in regions, although the model never saw a label. The KL term keeps the whole cloud near the origin and roughly the size of $\N(0, I)$; the reconstruction term keeps different digits apart.

With two latent dimensions we can also go the other way: decode a grid of codes and look at the whole space at once. The grid is spaced by quantiles of the normal distribution, $z = \Phi^{-1}(p)$ for evenly spaced $p$, so that every cell holds the same prior probability — as in the Keras VAE example. Neighbouring cells decode to similar images: the decoder is continuous, and the KL term has made nearby codes mean similar things.

With more dimensions the map is drawn by principal component analysis: the two directions in which the means vary most. Hovering decodes the point under the cursor, with every other direction at its average.

## Walking between digits

Because the space is continuous, the straight line between two codes decodes into a path of plausible images — a 1 that slowly grows a loop and becomes a 0. Click two points of the scatter to choose the ends. (In many dimensions, spherical interpolation is sometimes preferred: a straight line between two typical Gaussian points passes through the unusually empty region near the origin.)

@map

## Dimensions the model switches off

Give the model 50 latent dimensions and it does not keep them all. For some, the encoder ends up outputting $\mu \approx 0$ and $\sigma \approx 1$ for every image: $q(z_u \given x)$ equals the prior, the dimension costs no KL, and the decoder learns to ignore it. Burda et al. (2016) call a unit **active** when its mean varies across images:

$$A_u = \operatorname{Cov}_x\big(\E_{q(z \given x)}[z_u]\big) > 0.01.$$

This is the KL term acting as a budget. A dimension is worth using only if the reconstruction it buys exceeds its KL cost; once a few dimensions describe a digit well, the next one would cost more than it earns. Switching a dimension off is slow, though. Measured with this lab's command-line tool (seed 1, grey pixels), 45 of 50 units are still active after 3,000 steps and 33 after ten epochs; Burda et al., training for thousands of epochs on binarized MNIST, were left with about 20. Switch to 50 dimensions below and keep training: a group of strong dimensions carries almost everything, and the rest sink toward the threshold one by one.

In the extreme — a decoder strong enough to model $x$ without $z$, such as an autoregressive one — every dimension switches off and the code carries nothing. That is **posterior collapse**. Common remedies: KL warm-up (start with β near 0 and raise it), "free bits" (no penalty for the first λ nats of each dimension), and weaker decoders.

@units

Q: Are inactive dimensions wasted? Can I drop them?
They cost a little computation and nothing else: the decoder ignores them, as the sliders show — move an inactive dimension and the decoded digit does not change. Dropping them after training changes nothing; choosing a smaller latent size from the start gives a similar model.

Q: Why are 4 and 9 (or 3, 5 and 8) so close on the map?
They share strokes. The model only knows pixels, and a 4 with a closed top differs from a 9 in a handful of them; digits that are easy to confuse get nearby codes.
`,
  zh: String.raw`
## 编码的地图

每张图像 $x$ 都有一个后验 $q(z \given x)$，它的均值 $\mu(x)$ 就是编码器把 $x$ 放在地图上的位置。把 2000 张测试数字的均值按标签着色，数字会自发地聚成一片一片——尽管模型从来没见过标签。KL 项让整团点云待在原点附近、大小与 $\N(0, I)$ 相当；重构项则把不同的数字分开。

隐空间只有两维时，还可以反过来看：在网格上解码，一次看到整个空间。网格按正态分布的分位数取点，$z = \Phi^{-1}(p)$，$p$ 等间隔，这样每个格子占有相同的先验概率——和 Keras 的 VAE 示例一样。相邻的格子解码出相似的图像：解码器是连续的，而 KL 项让相近的编码表示相近的东西。

维数更多时，地图用主成分分析来画：取均值变化最大的两个方向。鼠标悬停会解码光标所在的点，其余方向取平均值。

## 在数字之间漫步

空间是连续的，所以两个编码之间的直线解码出来是一串合理的图像——一个 1 慢慢长出一个圈，变成 0。点击散点图上的两个点来选定两端。（维数很多时，有人更喜欢球面插值：两个典型高斯点之间的直线，会穿过原点附近那片异常空旷的区域。）

@map

## 被模型关掉的维度

给模型 50 个隐变量维度，它并不会全都留着。有些维度上，编码器最终对每张图像都输出 $\mu \approx 0$、$\sigma \approx 1$：$q(z_u \given x)$ 就等于先验，这一维不花任何 KL，解码器也学会了忽略它。Burda 等（2016）把均值随图像变化的单元称为**活跃**单元：

$$A_u = \operatorname{Cov}_x\big(\E_{q(z \given x)}[z_u]\big) > 0.01.$$

这是 KL 项在充当预算。一个维度只有在它换来的重构收益超过它的 KL 代价时才值得使用；几个维度已经把数字描述得不错之后，再加一维就得不偿失了。不过，关掉一个维度是个缓慢的过程。用本实验台的命令行工具实测（种子 1，灰度像素），训练 3000 步后 50 个单元中仍有 45 个活跃，十轮之后是 33 个；Burda 等在二值化 MNIST 上训练了数千轮，最后剩下大约 20 个。在下面切换到 50 维并继续训练：少数几个强维度承载了几乎全部信息，其余的则一个接一个地沉向阈值。

极端情况下——解码器强到不需要 $z$ 就能建模 $x$，比如自回归解码器——所有维度都会被关掉，编码什么也不携带。这就是**后验坍塌**。常见的补救办法有：KL 预热（β 从接近 0 开始逐渐增大）、"自由比特"（每一维的前 λ 奈特不受惩罚），以及使用更弱的解码器。

@units

Q: 不活跃的维度是浪费吗？能删掉吗？
它们只多花一点计算，别无代价：解码器忽略它们，滑块可以证明这一点——拖动一个不活跃的维度，解码出的数字纹丝不动。训练后删掉它们什么也不会改变；一开始就选更小的隐变量维数，会得到差不多的模型。

Q: 为什么 4 和 9（或者 3、5、8）在地图上挨得这么近？
它们共用笔画。模型只认识像素，一个上端封口的 4 和一个 9 只差几个像素；容易混淆的数字，编码也相近。
`,
};

const T = {
  latent: { en: 'Latent dimensions', zh: '隐变量维数' },
  scatter: {
    en: (L) => `μ of ${COUNT.toLocaleString('en')} test digits, coloured by label${L > 2 ? ` (the first two principal components of ${L} dimensions)` : L === 2 ? ' (z₁ across, z₂ up)' : ' (z₁ across, one row per label)'}. Hover to decode; click two digits to interpolate.`,
    zh: (L) => `${COUNT} 张测试数字的 μ，按标签着色${L > 2 ? `（${L} 维中的前两个主成分）` : L === 2 ? '（横轴 z₁，纵轴 z₂）' : '（横轴 z₁，每个标签一行）'}。悬停可解码；点击两个数字进行插值。`,
  },
  manifold: { en: 'The decoded manifold (latent = 2): z₁ across, z₂ up, on Gaussian quantiles.', zh: '解码出的流形（二维隐空间）：横轴 z₁、纵轴 z₂，取在高斯分位数上。' },
  noManifold: { en: 'The manifold grid needs a two-dimensional latent space.', zh: '流形网格需要二维隐空间。' },
  useTwo: { en: 'Switch to 2 dimensions', zh: '切换到 2 维' },
  z: { en: 'Decoded z', zh: '解码 z' },
  sliders: { en: 'One slider per dimension (grey: inactive)', zh: '每维一个滑块（灰色：不活跃）' },
  zero: { en: 'All to 0', zh: '全部归零' },
  strip: {
    en: (a, b, la, lb) => `From test digit #${a} (a ${la}) to #${b} (a ${lb}): the originals at both ends, ${STRIP} decoded steps between.`,
    zh: (a, b, la, lb) => `从测试数字 #${a}（一个 ${la}）到 #${b}（一个 ${lb}）：两端是原图，中间是 ${STRIP} 个解码的插值。`,
  },
  more: { en: 'Keep training: 5,000 more steps', zh: '继续训练 5000 步' },
  units: {
    en: 'Activity of each dimension, Cov over x of μ (log scale; dashed: the 0.01 threshold), and its average KL.',
    zh: '每个维度的活跃度：μ 关于 x 的方差（对数刻度；虚线为 0.01 阈值），以及该维的平均 KL。',
  },
};

export default {
  name: 'latent-space',
  number: 7,
  engine: true,
  title: { en: 'The latent space', zh: '隐空间' },
  summary: {
    en: 'Walk the code space: the decoded manifold, the codes of the test set, interpolations, a slider per dimension — and the dimensions the model switches off.',
    zh: '在编码空间里走一走：解码出的流形、测试集的编码、插值、每维一个滑块——以及被模型关掉的维度。',
  },
  config: { latent: 2 },
  params: {
    a: { type: 'int', min: 0, max: COUNT - 1, default: 3 },
    b: { type: 'int', min: 0, max: COUNT - 1, default: 2 },
    train: { type: 'int', min: 0, max: 200000, default: 3000 },
  },
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      const latentSwitch = () => segmented(t, {
        key: 'latent',
        label: T.latent,
        options: LATENTS.map((n) => ({ value: n, label: { en: String(n), zh: String(n) } })),
        onChange: (v) => ctx.setConfig([['latent', String(v)]]),
      });
      this.switches = [latentSwitch(), latentSwitch()];
      // The map part.
      this.scatter = el('canvas.plot', { width: 440, height: 440 });
      this.scatter.dataset.figure = 'scatter';
      this.scatterCaption = el('figcaption');
      t.bind(this.scatterCaption, (lang) => T.scatter[lang](this.session?.config.latent ?? this.config.latent));
      const legend = el('div.legend', {}, LABEL_COLOURS.map((c, i) => el('span', {}, el('i', { style: { background: css(c) } }), String(i))));
      this.manifold = digitCanvas(GRID * GRID, GRID, 1, 0);
      this.manifold.classList.add('grid');
      this.manifoldBox = el('figure.card', {}, t.bind(el('figcaption'), T.manifold), this.manifold);
      const useTwo = el('button.link', { type: 'button', onclick: () => ctx.setConfig([['latent', '2']]) });
      t.bind(useTwo, T.useTwo);
      this.manifoldNote = el('figure.card', {}, el('p.note', {}, t.bind(el('span'), T.noManifold), ' ', useTwo));
      this.zCanvas = digitCanvas(1, 1, 5, 0);
      this.zCaption = el('span.readout', { textContent: '' });
      this.sliderBox = el('div.sliders');
      const zero = el('button.link', { type: 'button', onclick: () => this.setZ(new Float32Array(this.L)) });
      t.bind(zero, T.zero);
      this.strip = digitCanvas(STRIP + 2, STRIP + 2, 2, 4);
      this.stripCaption = el('figcaption');
      this.mapPart = el('div.widget', {},
        this.waiting,
        el('div.widget-controls', {}, this.switches[0].root),
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, this.scatterCaption, this.scatter, legend),
          el('div', {}, this.manifoldBox, this.manifoldNote)),
        el('div.cards.lesson-cards.side', {},
          el('figure.card', {}, el('figcaption', {}, t.bind(el('b'), T.z), ' ', this.zCaption), this.zCanvas),
          el('figure.card', {}, el('figcaption', {}, t.bind(el('b'), T.sliders), ' ', zero), this.sliderBox)),
        el('figure.card', {}, this.strip, this.stripCaption));
      // The units part.
      this.units = crispCanvas(0.32, null);
      this.units.canvas.dataset.figure = 'units';
      this.readouts = el('div.readouts');
      const more = el('button', { type: 'button', onclick: () => ctx.setParam('train', Math.max(this.params.train, this.session?.step ?? 0) + 5000) });
      t.bind(more, T.more);
      more.dataset.control = 'train';
      this.unitsPart = el('div.widget', {},
        el('div.widget-controls', {}, this.switches[1].root, more),
        el('figure.card', {}, t.bind(el('figcaption'), T.units), this.units.canvas),
        this.readouts);
      this.parts = { map: this.mapPart, units: this.unitsPart, widget: this.mapPart };
      this.root = this.mapPart;
      this.L = 0;
      this.bindPointer();
      this.showConfig(ctx.config);
      t.onSwitch(() => {
        this.drawStripCaption();
        this.drawUnits();
      });
    }

    destroy() {
      super.destroy();
      this.units.stop();
    }

    showConfig(config) {
      for (const s of this.switches) s.set(config.latent);
    }

    showParams() {
      this.drawScatter();
      this.refreshStrip().catch(this.ctx.onError);
    }

    onRun() {
      this.mulv = null;
      this.points = null;
    }

    /** Builds the per-dimension sliders when the latent size changes. */
    resetLatent(L) {
      if (L === this.L) return;
      this.L = L;
      this.z = new Float32Array(L);
      this.sliders = Array.from({ length: L }, (_, d) => {
        const input = el('input', { type: 'range', min: -SLIDER_RANGE, max: SLIDER_RANGE, step: 0.01, value: 0 });
        input.addEventListener('input', () => {
          const z = Float32Array.from(this.z);
          z[d] = Number(input.value);
          this.setZ(z, false);
        });
        const label = el('label', {}, el('span', { textContent: `z${d + 1}` }), input);
        return { label, input };
      });
      this.sliderBox.replaceChildren(...this.sliders.map((s) => s.label));
      const two = L === 2;
      this.manifoldBox.hidden = !two;
      this.manifoldNote.hidden = two;
      this.scatterCaption.textContent = T.scatter[this.texts.lang](L);
    }

    async refresh() {
      const session = this.session;
      if (!session) return;
      this.ready();
      const L = session.config.latent;
      this.resetLatent(L);
      const mulv = new Float32Array(COUNT * 2 * L);
      for (let start = 0; start < COUNT; start += CHUNK) {
        const rows = await this.run((e) => (session.config.latent === L ? e.encode_test_range(start, CHUNK) : null));
        if (!rows || this.destroyed || rows.length !== CHUNK * 2 * L) return;
        mulv.set(rows, start * 2 * L);
      }
      this.labels = session.labels.subarray(0, COUNT);
      this.mulv = mulv;
      this.project();
      await nextTask();
      this.drawScatter();
      const activity = unitActivity(mulv, COUNT, L);
      this.activity = activity;
      this.drawUnits();
      this.markSliders();
      if (L === 2) await this.refreshManifold();
      await this.refreshZ();
      await this.refreshStrip();
    }

    project() {
      ({ points: this.points, pca: this.pca } = projectLatent(this.mulv, this.labels, COUNT, this.L, 2));
    }

    toCanvas(x, y) {
      return toCanvas(this.points, this.scatter, x, y);
    }

    fromCanvas(px, py) {
      return fromCanvas(this.points, this.scatter, px, py);
    }

    planeToZ(x, y) {
      return planeToZ(this.pca, this.L, x, y);
    }

    drawScatter() {
      if (!this.points) return;
      const ctx = this.scatter.getContext('2d', { willReadFrequently: true });
      const { width, height } = this.scatter;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, width, height);
      const { xs, ys } = this.points;
      if (this.L >= 2) {
        const [ox, oy] = this.toCanvas(0, 0);
        ctx.fillStyle = '#d1d5db';
        ctx.fillRect(0, Math.round(oy), width, 1);
        ctx.fillRect(Math.round(ox), 0, 1, height);
      }
      ctx.globalAlpha = 0.75;
      for (let i = 0; i < COUNT; i++) {
        const [cx, cy] = this.toCanvas(xs[i], ys[i]);
        ctx.fillStyle = css(LABEL_COLOURS[this.labels[i]]);
        ctx.fillRect(Math.round(cx) - 1, Math.round(cy) - 1, 3, 3);
      }
      ctx.globalAlpha = 1;
      for (const [k, index] of [this.params.a, this.params.b].entries()) {
        const [cx, cy] = this.toCanvas(xs[index], ys[index]);
        ctx.lineWidth = 2;
        ctx.strokeStyle = '#111';
        ctx.beginPath();
        ctx.arc(cx, cy, 7, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.fillStyle = '#111';
        ctx.font = 'bold 12px system-ui, sans-serif';
        ctx.fillText(k === 0 ? 'A' : 'B', cx + 9, cy - 6);
      }
      if (this.hover) {
        const [hx, hy] = this.hover;
        ctx.fillStyle = '#000';
        ctx.fillRect(hx - 6, hy, 13, 1);
        ctx.fillRect(hx, hy - 6, 1, 13);
      }
    }

    async refreshManifold() {
      const z = new Float32Array(GRID * GRID * 2);
      const p = (i) => 0.05 + (0.9 * i) / (GRID - 1);
      for (let row = 0; row < GRID; row++) {
        for (let col = 0; col < GRID; col++) {
          z[2 * (row * GRID + col)] = normalQuantile(p(col));
          z[2 * (row * GRID + col) + 1] = normalQuantile(p(GRID - 1 - row));
        }
      }
      const pixels = await this.decode(z, GRID * GRID, 'manifold');
      if (pixels) drawDigits(this.manifold, pixels, { count: GRID * GRID, cols: GRID, scale: 1, gap: 0 });
    }

    /** Decodes `n` rows of the current latent size (null if the model changed meanwhile). */
    decode(z, n, key) {
      const L = this.L;
      const session = this.session;
      return this.run((e) => {
        if (session.config.latent !== L || z.length !== n * L) return null;
        const labels = session.config.conditional ? new Uint8Array(n).fill(this.labels?.[this.params.b] ?? 0) : undefined;
        return e.decode(z, labels);
      }, key);
    }

    setZ(z, moveSliders = true) {
      this.z = z;
      if (moveSliders) this.sliders.forEach((s, d) => (s.input.value = String(z[d])));
      this.zCaption.textContent = `z = (${[...z.slice(0, 4)].map((v) => v.toFixed(2)).join(', ')}${z.length > 4 ? ', …' : ''})`;
      this.refreshZ().catch(this.ctx.onError);
    }

    async refreshZ() {
      if (!this.z || this.z.length !== this.L) return;
      const pixels = await this.decode(Float32Array.from(this.z), 1, 'z');
      if (pixels) drawDigits(this.zCanvas, pixels, { count: 1, cols: 1, scale: 5, gap: 0 });
    }

    async refreshStrip() {
      if (!this.mulv || !this.session) return;
      const L = this.L;
      const { a, b } = this.params;
      const z = new Float32Array(STRIP * L);
      for (let s = 0; s < STRIP; s++) {
        const t = s / (STRIP - 1);
        for (let j = 0; j < L; j++) z[s * L + j] = (1 - t) * this.mulv[a * 2 * L + j] + t * this.mulv[b * 2 * L + j];
      }
      const decoded = await this.decode(z, STRIP, 'strip');
      if (!decoded) return;
      const ends = await this.run((e) => e.test_images(Uint32Array.of(a, b)));
      const tiles = new Float32Array((STRIP + 2) * PIXELS);
      tiles.set(ends.subarray(0, PIXELS), 0);
      tiles.set(decoded, PIXELS);
      tiles.set(ends.subarray(PIXELS), (STRIP + 1) * PIXELS);
      drawDigits(this.strip, tiles, { count: STRIP + 2, cols: STRIP + 2, scale: 2, gap: 4 });
      this.drawStripCaption();
    }

    drawStripCaption() {
      if (!this.labels) return;
      const { a, b } = this.params;
      this.stripCaption.textContent = T.strip[this.texts.lang](a, b, this.labels[a], this.labels[b]);
      this.scatterCaption.textContent = T.scatter[this.texts.lang](this.L);
    }

    markSliders() {
      if (!this.activity) return;
      this.sliders.forEach((s, d) => s.label.classList.toggle('inactive', this.activity.activity[d] <= ACTIVE_THRESHOLD));
    }

    drawUnits() {
      const act = this.activity;
      if (!act) return;
      const L = act.activity.length;
      const active = act.activity.filter((v) => v > ACTIVE_THRESHOLD).length;
      const zh = this.texts.lang === 'zh';
      this.units.redraw((ctx, w, h) => {
        const left = 56;
        const top = 8;
        const mid = h * 0.62;
        const bottom = h - 16;
        const colW = (w - left - 8) / L;
        const barW = Math.max(2, Math.min(16, colW * 0.66));
        const lo = -5;
        const hi = 1;
        const y = (v) => top + ((hi - Math.log10(Math.max(10 ** lo, v))) / (hi - lo)) * (mid - top - 10);
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillStyle = '#5b6470';
        for (const e of [-4, -2, 0]) {
          ctx.fillText(`1e${e}`, 6, y(10 ** e) + 4);
          ctx.fillStyle = '#eef0f3';
          ctx.fillRect(left, y(10 ** e), w - left, 1);
          ctx.fillStyle = '#5b6470';
        }
        act.activity.forEach((v, j) => {
          ctx.fillStyle = v > ACTIVE_THRESHOLD ? COLOURS.blue : '#c4c9d1';
          const x = left + j * colW + (colW - barW) / 2;
          const yy = y(v);
          ctx.fillRect(x, yy, barW, mid - 10 - yy);
        });
        ctx.strokeStyle = COLOURS.red;
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(left, y(ACTIVE_THRESHOLD));
        ctx.lineTo(w, y(ACTIVE_THRESHOLD));
        ctx.stroke();
        ctx.setLineDash([]);
        // Mean KL per dimension, below.
        const maxKl = Math.max(1, ...act.kl);
        ctx.fillStyle = '#5b6470';
        ctx.fillText('KL', 6, (mid + bottom) / 2 + 4);
        act.kl.forEach((v, j) => {
          ctx.fillStyle = act.activity[j] > ACTIVE_THRESHOLD ? COLOURS.amber : '#c4c9d1';
          const x = left + j * colW + (colW - barW) / 2;
          const hh = (v / maxKl) * (bottom - mid - 4);
          ctx.fillRect(x, bottom - hh, barW, Math.max(1, hh));
        });
        ctx.fillStyle = '#5b6470';
        ctx.font = '10px system-ui, sans-serif';
        const every = Math.ceil(L / 25);
        for (let j = 0; j < L; j += every) ctx.fillText(String(j + 1), left + j * colW + colW / 2 - 3, h - 3);
      });
      const stat = (value, label) => el('div.stat', {}, el('b', { textContent: value }), el('span', { textContent: label }));
      const totalKl = act.kl.reduce((a, b) => a + b, 0);
      this.readouts.replaceChildren(
        stat(`${active} / ${L}`, zh ? '活跃单元（方差 > 0.01）' : 'active units (activity > 0.01)'),
        stat(`${num(totalKl, 1)} nats`, zh ? '平均 KL，各维之和' : 'mean KL, summed over dimensions'),
        stat(`${num(act.kl.filter((v, j) => act.activity[j] <= ACTIVE_THRESHOLD).reduce((a, b) => a + b, 0), 2)} nats`, zh ? '其中不活跃维度的 KL' : 'of which in inactive dimensions'),
        stat(String(this.session?.step ?? 0), zh ? '模型已训练的步数' : 'training steps of the model so far'),
      );
    }

    bindPointer() {
      const local = (event, canvas) => {
        const r = canvas.getBoundingClientRect();
        return [((event.clientX - r.left) / r.width) * canvas.width, ((event.clientY - r.top) / r.height) * canvas.height];
      };
      this.scatter.addEventListener('pointermove', (event) => {
        if (!this.points) return;
        this.hover = local(event, this.scatter);
        this.drawScatter();
        this.setZ(this.planeToZ(...this.fromCanvas(...this.hover)));
      });
      this.scatter.addEventListener('pointerleave', () => {
        this.hover = null;
        this.drawScatter();
      });
      this.scatter.addEventListener('click', (event) => {
        if (!this.points) return;
        const [px, py] = local(event, this.scatter);
        let best = -1;
        let bestD = 14 ** 2;
        for (let i = 0; i < COUNT; i++) {
          const [cx, cy] = this.toCanvas(this.points.xs[i], this.points.ys[i]);
          const d = (cx - px) ** 2 + (cy - py) ** 2;
          if (d < bestD) [best, bestD] = [i, d];
        }
        if (best < 0) return;
        this.ctx.setParam('a', this.params.b);
        this.ctx.setParam('b', best);
        const L = this.L;
        this.setZ(this.mulv.slice(best * 2 * L, best * 2 * L + L));
        this.drawScatter();
        this.refreshStrip().catch(this.ctx.onError);
      });
      const manifoldZ = (event) => {
        const [px, py] = local(event, this.manifold);
        const tile = this.manifold.width / GRID;
        const p = (t) => Math.min(0.999, Math.max(0.001, 0.05 + (0.9 * (t / tile - 0.5)) / (GRID - 1)));
        return Float32Array.of(normalQuantile(p(px)), normalQuantile(p(this.manifold.height - py)));
      };
      this.manifold.addEventListener('pointermove', (event) => this.L === 2 && this.setZ(manifoldZ(event)));
    }
  },
};
