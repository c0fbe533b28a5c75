// What the lab saves besides weights: the samples grid, the manifold and the interpolation strip as
// PNG files, and the run's per-step metrics as CSV in the columns of `vaelab train`'s CSV.
import { TEST_CHUNKS } from '../core/metric-history.js';

/** The columns of the CSV `vaelab train` writes beside its weights (src/bin/vaelab/main.rs). */
export const CSV_COLUMNS = ['epoch', 'step', 'train_loss', 'train_recon', 'train_kl', 'test_loss', 'test_recon', 'test_kl',
  'active_units', 'samples_per_sec', 'seconds'];

/** The figures that save as PNG: button id → canvas id and the file name's last part. */
const PICTURES = {
  'save-samples': { canvas: 'samples-canvas', part: 'samples' },
  'save-manifold': { canvas: 'manifold-canvas', part: 'manifold' },
  'save-strip': { canvas: 'interp-canvas', part: 'interpolation' },
};

/**
 * When each training step's metrics arrived (ms), for the CSV's seconds and samples/s: the history
 * keeps no times. Starts over with each run.
 */
class StepClock {
  constructor() {
    this.reset(0);
  }

  reset(step) {
    this.start = performance.now();
    this.first = step;
    this.times = new Float64Array(1024);
    this.count = 0; // times[i] is the arrival of step first + i + 1
  }

  add(step, now) {
    const i = step - this.first - 1;
    if (i < 0 || i !== this.count) return; // not the next step (a restore): left blank
    if (i >= this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[i] = now;
    this.count++;
  }

  /** Seconds since the run started at step `step` (null when unknown). */
  seconds(step) {
    const i = step - this.first - 1;
    return i >= 0 && i < this.count ? (this.times[i] - this.start) / 1000 : null;
  }

  /** Images per second over the second before step `step` arrived (null when unknown). */
  rate(step, batch) {
    const i = step - this.first - 1;
    if (i < 1 || i >= this.count) return null;
    let j = i - 1;
    while (j > 0 && this.times[i] - this.times[j] < 1000) j--;
    const dt = (this.times[i] - this.times[j]) / 1000;
    return dt > 0 ? ((i - j) * batch) / dt : null;
  }
}

const fixed = (v, digits) => (v == null || !Number.isFinite(v) ? '' : v.toFixed(digits));

/**
 * The CSV text of a run: one row per training point of `history` (one per step until the history
 * merges old points, past 20,000), the test columns on the steps a test probe ran (the mean of the
 * last 20 probes of 500 images: the whole test set once 200 steps ran), `active_units` empty (the
 * page does not measure it per step).
 */
export function metricsCsv(history, { batch, nTrain, clock = null }) {
  const { train, test } = history;
  const probes = new Map();
  const window = [];
  for (let i = 0; i < test.step.length; i++) {
    window.push([test.recon[i], test.kl[i]]);
    if (window.length > TEST_CHUNKS) window.shift();
    const mean = (k) => window.reduce((s, w) => s + w[k], 0) / window.length;
    probes.set(test.step[i], { recon: mean(0), kl: mean(1) });
  }
  const lines = [CSV_COLUMNS.join(',')];
  for (let i = 0; i < train.step.length; i++) {
    const step = train.step[i];
    const probe = train.width === 1 ? probes.get(step) : undefined;
    lines.push([
      fixed((step * batch) / nTrain, 4), Number.isInteger(step) ? String(step) : step.toFixed(1),
      fixed(train.loss[i], 4), fixed(train.recon[i], 4), fixed(train.kl[i], 4),
      fixed(probe && probe.recon + probe.kl, 4), fixed(probe?.recon, 4), fixed(probe?.kl, 4),
      '', fixed(clock?.rate(step, batch), 1), fixed(clock?.seconds(step), 2),
    ].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Wires the PNG buttons and "Metrics as CSV"; returns `{csv()}` for window.vaelab. */
export function wireExports({ session, message }) {
  const $ = (id) => document.getElementById(id);
  const clock = new StepClock();
  session.on('run', ({ step }) => clock.reset(step));
  session.on('metrics', (m) => {
    const now = performance.now();
    for (const r of m.train) clock.add(r.step, now);
  });
  const stem = () => `vaelab-${session.config.data}-seed${session.config.seed}-step${session.step}`;
  for (const [button, { canvas, part }] of Object.entries(PICTURES)) {
    $(button).addEventListener('click', () => {
      const figure = $(canvas);
      if (figure.hidden) return message(`The ${part} is not shown for this model, so there is nothing to save.`);
      figure.toBlob((blob) => (blob ? download(blob, `${stem()}-${part}.png`) : message(`Could not make a PNG of the ${part}.`)), 'image/png');
    });
  }
  const csv = () => metricsCsv(session.history, { batch: session.config.batch_size, nTrain: session.status().nTrain, clock });
  $('save-csv').addEventListener('click', () => download(new Blob([csv()], { type: 'text/csv' }), `${stem()}.csv`));
  return { csv };
}
