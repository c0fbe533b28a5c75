// The training view's pictures: a fixed set of test digits above their reconstructions, and samples
// decoded from z ~ N(0, I) drawn with the seed's PRNG. Each refresh is one scheduled engine call;
// each canvas is named with what it shows and the step it shows it at.
import { liveName } from './a11y.js';
import { PIXELS, drawDigitGrid } from './digits.js';
import { normals } from '../prng.js';
import { timed } from '../timing.js';

export const RECON_INDICES = Uint32Array.from({ length: 16 }, (_, i) => i);
const COLS = 8;
export const SAMPLE_COUNT = 32;

export class DigitViews {
  /** `ctx.scheduler` is read on every call (it is replaced after a lost device). */
  constructor(ctx, { reconCanvas, samplesCanvas }) {
    this.ctx = ctx;
    this.reconCanvas = reconCanvas;
    this.samplesCanvas = samplesCanvas;
    this.originals = null;
    this.draw = 0; // which set of prior samples ("New samples" moves on)
    this.labels = null;
    this.names = {
      recon: liveName(reconCanvas, 'Reconstructions: waiting for the model.'),
      samples: liveName(samplesCanvas, 'Samples: waiting for the model.'),
    };
  }

  get #step() {
    return this.ctx.step ?? this.ctx.status?.().step ?? 0;
  }

  async refreshRecon() {
    const scheduler = this.ctx.scheduler;
    this.originals ??= await scheduler.run((e) => e.test_images(RECON_INDICES));
    this.labels ??= await scheduler.run((e) => e.test_labels(RECON_INDICES.length));
    const recon = await scheduler.run((e) => e.reconstruct(RECON_INDICES));
    // Rows: originals 0–7, reconstructions 0–7, originals 8–15, reconstructions 8–15.
    const tiles = new Float32Array(32 * PIXELS);
    for (let half = 0; half < 2; half++) {
      const src = half * COLS * PIXELS;
      tiles.set(this.originals.subarray(src, src + COLS * PIXELS), (2 * half) * COLS * PIXELS);
      tiles.set(recon.subarray(src, src + COLS * PIXELS), (2 * half + 1) * COLS * PIXELS);
    }
    timed('recon', () => drawDigitGrid(this.reconCanvas, tiles, { count: 32, cols: COLS, scale: 2, gap: 2, groupRows: 2, groupGap: 8 }));
    this.names.recon.set(`Reconstructions at step ${this.#step}: the first ${RECON_INDICES.length} test digits (${[...this.labels].join(', ')}), each above what the model makes of it.`);
  }

  async refreshSamples() {
    // z is drawn when the job runs, so it matches the latent size of the model it is decoded by.
    const pixels = await this.ctx.scheduler.run((e) => {
      const { latent, seed, conditional } = this.ctx.config;
      const z = normals(seed, this.draw, SAMPLE_COUNT * latent);
      const labels = conditional ? Uint8Array.from({ length: SAMPLE_COUNT }, (_, i) => i % 10) : undefined;
      return e.decode(z, labels);
    });
    timed('samples', () => drawDigitGrid(this.samplesCanvas, pixels, { count: SAMPLE_COUNT, cols: COLS, scale: 2, gap: 2 }));
    this.names.samples.set(`Samples at step ${this.#step}: ${SAMPLE_COUNT} digits decoded from z ~ N(0, I), draw ${this.draw + 1} of the seed.`);
  }
}
