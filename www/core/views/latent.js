// The latent-space view: μ of 2,000 test digits as a scatter coloured by label (PCA to 2-D when
// latent > 2), the decoded manifold grid for latent = 2, hover/click decoding, one slider per
// latent dimension, and an interpolation strip between two chosen digits. Every figure has a name that
// follows it; the scatter and the manifold are driven by arrow keys (a11y.js) as well as by pointer.
import { aDigit, clusterCentres, formatZ, gridKeys, labelClusters, labelLegend, liveName, outlineCell, planePointer, scatterControls } from './a11y.js';
import { LABEL_COLOURS, PIXELS, context2d, drawDigitGrid, imageFor } from './digits.js';
import { normalQuantile } from '../prng.js';
import { fromCanvas, nearestPoint, planeToZ, projectLatent, toCanvas } from './projection.js';
import { nextTask } from '../scheduler.js';
import { timed } from '../timing.js';

export const SCATTER_COUNT = 2000;
const GRID = 15; // manifold tiles per side
const GRID_P = (i) => 0.05 + (0.9 * i) / (GRID - 1); // Keras: norm.ppf(linspace(0.05, 0.95, n))
const STRIP = 10; // interpolation steps between the two end digits
const SLIDER_RANGE = 4;
const DEFAULT_PICK = [3, 2]; // test digits #3 (a 0) and #2 (a 1), so the strip shows something at once

export class LatentExplorer {
  constructor(ctx, els) {
    this.ctx = ctx;
    this.els = els;
    this.latent = 0;
    this.mulv = null; // [n, 2L] from encode_test_range
    this.labels = null;
    this.pick = DEFAULT_PICK.slice(); // chosen test indices for the interpolation (at most two)
    this.z = null;
    this.hover = null; // [x, y] canvas position on the scatter
    this.nearestIndex = -1; // the test digit nearest the scatter's cursor
    labelLegend(els.legend);
    this.names = {
      scatter: liveName(els.scatter, 'Latent scatter: waiting for the model.', { role: 'application' }),
      manifold: liveName(els.manifold, 'Manifold: waiting for the model.', { role: 'application' }),
      z: liveName(els.zCanvas, 'Decoded z: waiting for the model.'),
      strip: liveName(els.strip, 'Interpolation: waiting for the model.'),
    };
    this.bindPointer();
    els.zZero.addEventListener('click', () => this.setZ(new Float32Array(this.latent)));
  }

  /**
   * Call when the model changed shape (or on first use): clears what no longer applies. `set`: the
   * data's entry of DATA_SETS (www/core/data.js: class names, what an image is); other data means
   * other test images.
   */
  reset(latent, set = this.set) {
    const changed = latent !== this.latent;
    this.latent = latent;
    this.mulv = null;
    if (set && set !== this.set) {
      this.set = set;
      this.labels = null;
      this.pick = DEFAULT_PICK.slice();
      labelLegend(this.els.legend, set.classes);
    }
    if (changed) {
      this.pick = DEFAULT_PICK.slice();
      this.z = new Float32Array(latent);
      this.points = null; // the old projection does not apply to the new latent space
      this.base = null;
      this.pca = null;
      this.buildSliders();
    }
    const two = latent === 2;
    this.els.manifoldNote.hidden = two;
    this.els.manifold.hidden = !two;
    this.els.manifoldCaption.hidden = !two;
    this.els.projection.textContent = latent > 2 ? ` (first two principal components of ${latent} dimensions)` : latent === 1 ? ' (z₁ across, one row per label)' : ' (z₁ across, z₂ up)';
  }

  buildSliders() {
    const box = this.els.sliders;
    box.replaceChildren();
    this.sliderInputs = [];
    for (let d = 0; d < this.latent; d++) {
      const label = document.createElement('label');
      const name = document.createElement('span');
      name.textContent = `z${d + 1}`;
      const input = document.createElement('input');
      Object.assign(input, { type: 'range', min: -SLIDER_RANGE, max: SLIDER_RANGE, step: 0.01, value: 0 });
      input.addEventListener('input', () => {
        const z = Float32Array.from(this.z);
        z[d] = Number(input.value);
        this.setZ(z, false);
      });
      input.setAttribute('aria-label', `z${d + 1}`);
      label.append(name, input);
      box.append(label);
      this.sliderInputs.push(input);
    }
  }

  /** Everything the view shows, in turn (each piece is one scheduled engine call). */
  async refresh() {
    await this.refreshScatter();
    if (this.latent === 2) await this.refreshManifold();
    await this.refreshZ();
    await this.refreshStrip();
  }

  async refreshScatter() {
    // One engine job: the engine encodes the first SCATTER_COUNT test digits from its GPU copy.
    const L = this.latent;
    const mulv = await this.ctx.scheduler.run((e) => (this.ctx.config.latent === L ? e.encode_test_range(0, SCATTER_COUNT) : null));
    if (!mulv || mulv.length !== SCATTER_COUNT * 2 * L) return; // the model changed meanwhile
    this.labels ??= await this.ctx.scheduler.run((e) => e.test_labels(SCATTER_COUNT));
    // Three short tasks rather than one long one.
    this.mulv = mulv;
    timed('scatter project', () => this.#project());
    await nextTask();
    timed('scatter paint', () => this.#paintPoints());
    await nextTask();
    timed('scatter draw', () => this.drawScatter());
  }

  /** Plane coordinates of every point and the bounds of the plot. */
  #project() {
    ({ points: this.points, pca: this.pca } = projectLatent(this.mulv, this.labels, this.labels.length, this.latent, 4));
  }

  #toCanvas(x, y) {
    return toCanvas(this.points, this.els.scatter, x, y);
  }

  #fromCanvas(px, py) {
    return fromCanvas(this.points, this.els.scatter, px, py);
  }

  #planeToZ(x, y) {
    return planeToZ(this.pca, this.latent, x, y);
  }

  /** Paints the points once per refresh into `this.base`; hover and picks are drawn over a copy. */
  #paintPoints() {
    const { width, height } = this.els.scatter;
    const base = new Uint8ClampedArray(width * height * 4).fill(255);
    const { xs, ys, x: [x0, x1], y: [y0, y1] } = this.points;
    const sx = width / (x1 - x0);
    const sy = height / (y1 - y0);
    if (this.latent >= 2) {
      const ox = Math.round(-x0 * sx);
      const oy = Math.round(height + y0 * sy);
      if (oy >= 0 && oy < height) for (let x = 0; x < width; x++) base.fill(200, 4 * (oy * width + x), 4 * (oy * width + x) + 3);
      if (ox >= 0 && ox < width) for (let y = 0; y < height; y++) base.fill(200, 4 * (y * width + ox), 4 * (y * width + ox) + 3);
    }
    const cx = Array.from(xs, (x) => (x - x0) * sx);
    const cy = Array.from(ys, (y) => height - (y - y0) * sy);
    this.centres = clusterCentres(cx, cy, this.labels);
    // Each point is a 3×3 opaque square (opaque keeps the label colours' contrast on white).
    for (let i = 0; i < xs.length; i++) {
      const cx = Math.round((xs[i] - x0) * sx);
      const cy = Math.round(height - (ys[i] - y0) * sy);
      if (cx < 1 || cy < 1 || cx >= width - 1 || cy >= height - 1) continue;
      const colour = LABEL_COLOURS[this.labels[i]];
      for (let dy = -1; dy <= 1; dy++) {
        let p = 4 * ((cy + dy) * width + cx - 1);
        for (let dx = 0; dx < 3; dx++, p += 4) {
          base[p] = colour[0];
          base[p + 1] = colour[1];
          base[p + 2] = colour[2];
        }
      }
    }
    this.base = base;
  }

  drawScatter() {
    const canvas = this.els.scatter;
    const { width, height } = canvas;
    if (!this.base || this.base.length !== width * height * 4) this.#paintPoints();
    const image = imageFor(canvas, width, height);
    const data = image.data;
    data.set(this.base);
    const put = (px, py, [r, g, b]) => {
      if (px < 0 || py < 0 || px >= width || py >= height) return;
      const i = 4 * (py * width + px);
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    };
    const { xs, ys } = this.points;
    for (const [k, index] of this.pick.entries()) {
      const [cx, cy] = this.#toCanvas(xs[index], ys[index]);
      ring(put, cx, cy, 7, [0, 0, 0]);
      ring(put, cx, cy, 8, k === 0 ? [255, 255, 255] : [0, 0, 0]);
    }
    if (this.hover) {
      const [hx, hy] = this.hover.map(Math.round);
      for (let d = -6; d <= 6; d++) {
        put(hx + d, hy, [0, 0, 0]);
        put(hx, hy + d, [0, 0, 0]);
      }
    }
    const ctx = context2d(canvas);
    ctx.putImageData(image, 0, 0);
    labelClusters(ctx, this.centres);
    this.nameScatter();
  }

  /** The scatter's accessible name: what it shows, where the cursor is, which digits are picked. */
  nameScatter() {
    const item = this.set?.item ?? 'digit';
    const label = (i) => (item === 'digit' ? aDigit(this.labels?.[i]) : this.set.classes[this.labels?.[i]] ?? '');
    const d = (i) => `#${i} (${label(i)})`;
    const where = this.hover && this.z ? ` Cursor at z = ${formatZ(this.z)}${this.nearestIndex >= 0 ? `, nearest test ${item} ${d(this.nearestIndex)}` : ''}.` : '';
    const ends = this.pick.length ? ` Interpolation ${this.pick.length === 2 ? 'ends' : 'end'}: ${this.pick.map(d).join(' and ')}.` : ' No interpolation ends picked.';
    const key = item === 'digit' ? '' : ` (${this.set.classes.map((c, i) => `${i} ${c}`).join(', ')})`;
    this.names.scatter.set(`Latent scatter of ${SCATTER_COUNT.toLocaleString('en')} test ${item}s by label${key}${this.latent > 2 ? ' (first two principal components)' : ''}.${where}${ends}`);
  }

  async refreshManifold() {
    const z = new Float32Array(GRID * GRID * 2);
    for (let row = 0; row < GRID; row++) {
      for (let col = 0; col < GRID; col++) {
        z[2 * (row * GRID + col)] = normalQuantile(GRID_P(col));
        z[2 * (row * GRID + col) + 1] = normalQuantile(GRID_P(GRID - 1 - row)); // z₂ grows upwards
      }
    }
    const pixels = await this.#decode(z, GRID * GRID);
    if (!pixels) return;
    this.manifoldPixels = pixels;
    timed('manifold', () => this.drawManifold());
  }

  /** The manifold grid, with the keyboard cursor's cell outlined. */
  drawManifold() {
    const canvas = this.els.manifold;
    if (this.manifoldPixels) drawDigitGrid(canvas, this.manifoldPixels, { count: GRID * GRID, cols: GRID, scale: 1, gap: 0 });
    const edge = normalQuantile(GRID_P(GRID - 1)).toFixed(2);
    let where = '';
    const cell = this.gridCursor?.cell;
    if (cell) {
      outlineCell(context2d(canvas), canvas, GRID, cell);
      where = ` Cursor on column ${cell[0] + 1}, row ${cell[1] + 1}: z = ${formatZ(this.#cellZ(...cell))}.`;
    }
    this.names.manifold.set(`Manifold: ${GRID} × ${GRID} digits decoded on a grid of z₁ (across) and z₂ (up) from −${edge} to ${edge}.${where}`);
  }

  #cellZ(col, row) {
    return Float32Array.of(normalQuantile(GRID_P(col)), normalQuantile(GRID_P(GRID - 1 - row)));
  }

  /** Decodes `n` latent rows when the model still has this latent size (else null). */
  async #decode(z, n, key) {
    const L = this.latent;
    return this.ctx.scheduler.run((e) => {
      if (this.ctx.config.latent !== L || z.length !== n * L) return null;
      const labels = this.ctx.config.conditional ? new Uint8Array(n).fill(this.#label()) : undefined;
      return e.decode(z, labels);
    }, key);
  }

  #label() {
    return this.pick.length > 0 && this.labels ? this.labels[this.pick[this.pick.length - 1]] : 0;
  }

  /** Shows decode(z) and moves the sliders to z (unless a slider is the source). */
  setZ(z, moveSliders = true) {
    this.z = z;
    if (moveSliders) this.sliderInputs.forEach((input, d) => (input.value = String(z[d])));
    this.els.zCaption.textContent = `z = ${formatZ(z)}`;
    this.refreshZ().catch(this.ctx.onError);
  }

  async refreshZ() {
    if (!this.z || this.z.length !== this.latent) return;
    const pixels = await this.#decode(Float32Array.from(this.z), 1, 'z');
    if (!pixels) return;
    drawDigitGrid(this.els.zCanvas, pixels, { count: 1, cols: 1, scale: 5, gap: 0 });
    this.names.z.set(`Decoded z = ${formatZ(this.z)}`);
  }

  async refreshStrip() {
    if (this.pick.length < 2) {
      drawDigitGrid(this.els.strip, new Float32Array(0), { count: STRIP + 2, cols: STRIP + 2, scale: 2, gap: 4 });
      this.els.stripCaption.textContent = this.pick.length ? `From test digit #${this.pick[0]}: pick one more digit in the scatter.` : 'Click two digits in the scatter (or move there with the arrow keys and press Enter): the strip decodes the straight line between their means.';
      this.names.strip.now(`Interpolation: ${this.els.stripCaption.textContent}`);
      return;
    }
    if (!this.mulv) return;
    const L = this.latent;
    const [a, b] = this.pick;
    const z = new Float32Array(STRIP * L);
    for (let s = 0; s < STRIP; s++) {
      const t = s / (STRIP - 1);
      for (let j = 0; j < L; j++) z[s * L + j] = (1 - t) * this.mulv[a * 2 * L + j] + t * this.mulv[b * 2 * L + j];
    }
    const decoded = await this.#decode(z, STRIP, 'strip');
    if (!decoded) return;
    const ends = await this.ctx.scheduler.run((e) => e.test_images(Uint32Array.of(a, b)));
    const tiles = new Float32Array((STRIP + 2) * PIXELS);
    tiles.set(ends.subarray(0, PIXELS), 0);
    tiles.set(decoded, PIXELS);
    tiles.set(ends.subarray(PIXELS), (STRIP + 1) * PIXELS);
    drawDigitGrid(this.els.strip, tiles, { count: STRIP + 2, cols: STRIP + 2, scale: 2, gap: 4 });
    const item = this.set?.item ?? 'digit';
    const name = (i) => (item === 'digit' ? `a ${this.labels[i]}` : this.set.classes[this.labels[i]]);
    this.els.stripCaption.textContent = `From test ${item} #${a} (${name(a)}) to #${b} (${name(b)}): the originals at both ends, ${STRIP} decoded steps between.`;
    this.names.strip.set(`Interpolation: ${this.els.stripCaption.textContent}`);
  }

  /** Picks test digit `index` as the newest interpolation end and decodes its mean. */
  #pickIndex(index) {
    if (index < 0) return;
    this.pick = [...this.pick, index].slice(-2);
    const L = this.latent;
    this.setZ(this.mulv.slice(index * 2 * L, index * 2 * L + L));
    this.drawScatter();
    this.refreshStrip().catch(this.ctx.onError);
  }

  /** The scatter's cursor moved to canvas position `at` (null: gone): decode there. */
  #hoverAt(at) {
    this.hover = at;
    this.nearestIndex = at ? this.#nearest(...at, Infinity) : -1;
    if (at) this.setZ(this.#planeToZ(...this.#fromCanvas(...at)));
    this.drawScatter();
  }

  /** Pointer, touch and keys on the scatter and the manifold (a11y.js). */
  bindPointer() {
    const hint = this.els.keysHint?.id;
    scatterControls(this.els.scatter, {
      hint,
      ready: () => Boolean(this.points),
      origin: () => this.#toCanvas(0, 0),
      hover: (at) => this.#hoverAt(at),
      pick: (at, { anyDistance }) => this.#pickIndex(this.#nearest(...at, anyDistance ? Infinity : 14)),
      clear: () => {
        this.pick = [];
        this.hover = null;
        this.nearestIndex = -1;
        if (this.points) this.drawScatter();
        this.refreshStrip().catch(this.ctx.onError);
      },
    });
    const manifold = this.els.manifold;
    const manifoldZ = ([px, py]) => {
      const tile = manifold.width / GRID;
      const p = (t) => Math.min(0.999, Math.max(0.001, 0.05 + (0.9 * (t / tile - 0.5)) / (GRID - 1)));
      return Float32Array.of(normalQuantile(p(px)), normalQuantile(p(manifold.height - py)));
    };
    planePointer(manifold, { onMove: (at) => this.latent === 2 && this.setZ(manifoldZ(at)) });
    this.gridCursor = gridKeys(manifold, GRID, {
      hint,
      ready: () => this.latent === 2,
      select: (col, row) => {
        if (col !== null) this.setZ(this.#cellZ(col, row));
        this.drawManifold();
      },
    });
  }

  /** The test digit nearest canvas position (px, py) within `radius` pixels (-1 when none). */
  #nearest(px, py, radius = 14) {
    return nearestPoint(this.points, this.els.scatter, px, py, radius);
  }
}

function ring(put, cx, cy, r, colour) {
  for (let a = 0; a < 64; a++) {
    const t = (a / 64) * 2 * Math.PI;
    put(Math.round(cx + r * Math.cos(t)), Math.round(cy + r * Math.sin(t)), colour);
  }
}
