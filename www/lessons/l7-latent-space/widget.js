// Lesson 7, the latent space: the decoded manifold (latent = 2), the test set's μ by label (PCA
// when latent > 2), interpolation, one slider per dimension, and active units / posterior collapse
// with 50 dimensions. Parts placed in the text: @map and @units; keys and touch from core/views/a11y.js.
import { clusterCentres, gridKeys, labelClusters, labelLegend, outlineCell, planePointer, scatterControls } from '../../core/views/a11y.js';
import { LABEL_COLOURS, PIXELS, css } from '../../core/views/digits.js';
import { normalQuantile } from '../../core/prng.js';
import { fromCanvas, nearestPoint, planeToZ, projectLatent, toCanvas } from '../../core/views/projection.js';
import { nextTask } from '../../core/scheduler.js';
import { ACTIVE_THRESHOLD, unitActivity } from '../estimators.js';
import { COLOURS, crispCanvas, el, num, segmented } from '../ui.js';
import { TRAIN, EngineWidget, digitCanvas, drawDigits } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const COUNT = 2000; // test digits in the scatter and the activity statistics
const CHUNK = 250;
const GRID = 15;
const STRIP = 10;
const SLIDER_RANGE = 4;
const LATENTS = [2, 10, 20, 50];

export default {
  name: 'latent-space',
  number: 7,
  engine: true,
  title,
  summary,
  config: { latent: 2 },
  params: {
    a: { type: 'int', min: 0, max: COUNT - 1, default: 3 },
    b: { type: 'int', min: 0, max: COUNT - 1, default: 2 },
    train: TRAIN,
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
      t.bind(this.scatterCaption, (lang) => T.scatter[lang](this.session?.config.latent ?? this.config.latent, COUNT));
      const legend = el('div.legend');
      labelLegend(legend);
      this.keysHint = t.bind(el('p.note.keys', { id: 'l7-keys' }), T.keys);
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
        this.keysHint,
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
      this.scatterCaption.textContent = T.scatter[this.texts.lang](L, COUNT);
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
      const cx = new Float32Array(COUNT);
      const cy = new Float32Array(COUNT);
      for (let i = 0; i < COUNT; i++) {
        [cx[i], cy[i]] = this.toCanvas(xs[i], ys[i]);
        ctx.fillStyle = css(LABEL_COLOURS[this.labels[i]]); // opaque: the palette's contrast holds
        ctx.fillRect(Math.round(cx[i]) - 1, Math.round(cy[i]) - 1, 3, 3);
      }
      labelClusters(ctx, clusterCentres(cx, cy, this.labels));
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
      this.manifoldPixels = await this.decode(z, GRID * GRID, 'manifold');
      this.drawManifold();
    }

    drawManifold() {
      if (this.manifoldPixels) drawDigits(this.manifold, this.manifoldPixels, { count: GRID * GRID, cols: GRID, scale: 1, gap: 0 });
      if (this.gridCursor.cell) outlineCell(this.manifold.getContext('2d'), this.manifold, GRID, this.gridCursor.cell);
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
      this.stripCaption.textContent = T.strip[this.texts.lang](a, b, this.labels[a], this.labels[b], STRIP);
      this.scatterCaption.textContent = T.scatter[this.texts.lang](this.L, COUNT);
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

    /** Pointer, touch and keys on the scatter (cursor, B ← A ← picked) and the manifold. */
    bindPointer() {
      const hover = (at) => {
        this.hover = at;
        if (at) this.setZ(this.planeToZ(...this.fromCanvas(...at)));
        this.drawScatter();
      };
      scatterControls(this.scatter, {
        hint: this.keysHint.id,
        ready: () => Boolean(this.points),
        origin: () => this.toCanvas(0, 0),
        hover,
        pick: (at, { anyDistance }) => {
          const best = nearestPoint(this.points, this.scatter, ...at, anyDistance ? Infinity : 14);
          if (best < 0) return;
          this.ctx.setParam('a', this.params.b);
          this.ctx.setParam('b', best);
          this.setZ(this.mulv.slice(best * 2 * this.L, best * 2 * this.L + this.L));
          this.drawScatter();
          this.refreshStrip().catch(this.ctx.onError);
        },
        clear: () => hover(null),
      });
      const manifoldZ = ([px, py]) => {
        const tile = this.manifold.width / GRID;
        const p = (t) => Math.min(0.999, Math.max(0.001, 0.05 + (0.9 * (t / tile - 0.5)) / (GRID - 1)));
        return Float32Array.of(normalQuantile(p(px)), normalQuantile(p(this.manifold.height - py)));
      };
      planePointer(this.manifold, { onMove: (at) => this.L === 2 && this.setZ(manifoldZ(at)) });
      this.gridCursor = gridKeys(this.manifold, GRID, {
        hint: this.keysHint.id,
        ready: () => this.L === 2,
        select: (col, row) => {
          const tile = this.manifold.width / GRID;
          if (col !== null) this.setZ(manifoldZ([(col + 0.5) * tile, this.manifold.height - (GRID - 1 - row + 0.5) * tile]));
          this.drawManifold();
        },
      });
    }
  },
};
