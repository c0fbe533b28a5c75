// Lesson 8, conditional generation: a conditional VAE (the label one-hot into encoder and decoder).
// Widget: the styles of a chosen digit (its manifold when latent = 2), the same z decoded with
// every label, and the style of real test digits carried over to all ten labels.
import { PIXELS } from '../../core/views/digits.js';
import { normalQuantile, normals } from '../../core/prng.js';
import { button, el, segmented } from '../ui.js';
import { DIGITS, TRAIN, EngineWidget, digitCanvas, drawDigits } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const GRID = 12; // the style manifold of one digit (latent = 2)
const STYLES = 32; // samples of one digit otherwise
const ROWS = 5; // codes in the "same z, every label" table
const SOURCES = [0, 1, 2, 3, 4]; // test digits whose style is carried over: a 7, 2, 1, 0 and 4

export default {
  name: 'conditional',
  number: 8,
  engine: true,
  title,
  summary,
  config: { conditional: true, latent: 2 },
  params: {
    digit: { type: 'int', min: 0, max: 9, default: 7 },
    draw: { type: 'int', min: 0, max: 1000000, default: 0 },
    train: TRAIN,
  },
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      this.digits = segmented(t, {
        key: 'digit',
        label: T.digit,
        options: DIGITS,
        onChange: (d) => {
          ctx.setParam('digit', d);
          this.digits.set(d);
          this.refreshStyles().catch(ctx.onError);
        },
      });
      const more = button(t, T.more, () => {
        ctx.setParam('draw', (this.params.draw + 1) % 1000000);
        ctx.requestRefresh();
      });
      more.dataset.control = 'draw';
      this.styles = digitCanvas(GRID * GRID, GRID, 1, 0);
      this.styles.classList.add('grid');
      this.styles.dataset.figure = 'styles';
      this.stylesCaption = el('figcaption');
      t.bind(this.stylesCaption, (lang) => this.stylesText(lang));
      this.same = digitCanvas(ROWS * 10, 10, 2, 3);
      this.transfer = digitCanvas(SOURCES.length * 11, 11, 2, 3);
      this.note = t.bind(el('p.panel.notice'), T.notConditional);
      this.root.append(
        this.waiting,
        this.note,
        el('div.widget-controls', {}, this.digits.root, more),
        el('div.cards.lesson-cards.two', {},
          el('figure.card', {}, this.stylesCaption, this.styles),
          el('div', {},
            el('figure.card', {}, t.bind(el('figcaption'), T.same), this.same),
            el('figure.card', {}, t.bind(el('figcaption'), T.transfer), this.transfer))),
      );
      this.showParams(ctx.params);
      this.showConfig(ctx.config);
    }

    stylesText(lang) {
      const L = this.session?.config.latent ?? this.config.latent;
      return (L === 2 ? T.styles2 : T.styles)[lang](this.params.digit);
    }

    showParams(params) {
      this.digits.set(params.digit);
    }

    showConfig(config) {
      this.note.hidden = config.conditional;
    }

    seed() {
      return (Math.imul(this.session.config.seed + 3, 0x9e3779b1) ^ this.params.draw) >>> 0;
    }

    async refresh() {
      if (!this.session) return;
      this.ready();
      await this.refreshStyles();
      const { latent: L } = this.session.config;
      // Same z, every label.
      const codes = normals(this.seed(), 11, ROWS * L);
      const z = new Float32Array(ROWS * 10 * L);
      const labels = new Uint8Array(ROWS * 10);
      for (let r = 0; r < ROWS; r++) {
        for (let c = 0; c < 10; c++) {
          z.set(codes.subarray(r * L, (r + 1) * L), (r * 10 + c) * L);
          labels[r * 10 + c] = c;
        }
      }
      const same = await this.decodeIf(L, z, labels, 'same');
      if (same) drawDigits(this.same, same, { count: ROWS * 10, cols: 10, scale: 2, gap: 3 });
      // Style transfer: μ of real digits (encoded with their label), decoded with every label.
      const indices = Uint32Array.from(SOURCES);
      const mulv = await this.run((e) => (this.session.config.latent === L ? e.encode_test(indices) : null));
      const originals = await this.run((e) => e.test_images(indices));
      if (!mulv) return;
      const zt = new Float32Array(SOURCES.length * 10 * L);
      const lt = new Uint8Array(SOURCES.length * 10);
      for (let r = 0; r < SOURCES.length; r++) {
        for (let c = 0; c < 10; c++) {
          zt.set(mulv.subarray(r * 2 * L, r * 2 * L + L), (r * 10 + c) * L);
          lt[r * 10 + c] = c;
        }
      }
      const moved = await this.decodeIf(L, zt, lt, 'transfer');
      if (!moved || this.destroyed) return;
      const tiles = new Float32Array(SOURCES.length * 11 * PIXELS);
      for (let r = 0; r < SOURCES.length; r++) {
        tiles.set(originals.subarray(r * PIXELS, (r + 1) * PIXELS), r * 11 * PIXELS);
        tiles.set(moved.subarray(r * 10 * PIXELS, (r + 1) * 10 * PIXELS), (r * 11 + 1) * PIXELS);
      }
      drawDigits(this.transfer, tiles, { count: SOURCES.length * 11, cols: 11, scale: 2, gap: 3 });
    }

    /** Decodes when the model still has latent size L (labels are ignored by an unconditional model). */
    decodeIf(L, z, labels, key) {
      return this.run((e) => (this.session.config.latent === L ? e.decode(z, this.session.config.conditional ? labels : undefined) : null), key);
    }

    async refreshStyles() {
      if (!this.session) return;
      const { latent: L } = this.session.config;
      const d = this.params.digit;
      this.stylesCaption.textContent = this.stylesText(this.texts.lang);
      let z;
      let n;
      if (L === 2) {
        n = GRID * GRID;
        z = new Float32Array(2 * n);
        const p = (i) => 0.05 + (0.9 * i) / (GRID - 1);
        for (let row = 0; row < GRID; row++) {
          for (let col = 0; col < GRID; col++) {
            z[2 * (row * GRID + col)] = normalQuantile(p(col));
            z[2 * (row * GRID + col) + 1] = normalQuantile(p(GRID - 1 - row));
          }
        }
      } else {
        n = STYLES;
        z = normals(this.seed(), 12, n * L);
      }
      const pixels = await this.decodeIf(L, z, new Uint8Array(n).fill(d), 'styles');
      if (!pixels || this.destroyed) return;
      if (L === 2) drawDigits(this.styles, pixels, { count: n, cols: GRID, scale: 1, gap: 0 });
      else drawDigits(this.styles, pixels, { count: n, cols: 8, scale: 1, gap: 2 });
    }
  },
};
