// Every figure a run produced, kept compactly for charts: per-step training metrics (merged pairwise
// into wider buckets past `cap` points, so memory and plotting stay bounded) and the test probes.
export const TEST_CHUNKS = 20; // 20 probes of 500 images = the whole 10k test set

// `mean`: for test probes, the running mean over the last TEST_CHUNKS probes; for training, the loss.
const FIELDS = ['step', 'recon', 'kl', 'objective', 'loss', 'mean'];

/** One metric stream; each point is the mean over `width` consecutive records. */
class Series {
  constructor(cap) {
    this.cap = cap;
    this.clear();
  }

  clear() {
    this.width = 1;
    for (const f of FIELDS) this[f] = [];
    this.partial = null;
  }

  push(m, mean = m.recon + m.kl) {
    const record = { step: m.step, recon: m.recon, kl: m.kl, objective: m.objective, loss: m.recon + m.kl, mean };
    if (this.width === 1) {
      this.#append(record, 1);
    } else {
      const p = (this.partial ??= { n: 0, step: 0, recon: 0, kl: 0, objective: 0, loss: 0, mean: 0 });
      p.n++;
      for (const f of FIELDS) p[f] += record[f];
      if (p.n === this.width) {
        this.#append(p, p.n);
        this.partial = null;
      }
    }
    if (this.step.length > this.cap) this.#halve();
  }

  #append(sum, n) {
    for (const f of FIELDS) this[f].push(sum[f] / n);
  }

  #halve() {
    for (const f of FIELDS) {
      const a = this[f];
      const merged = [];
      for (let i = 0; i + 1 < a.length; i += 2) merged.push((a[i] + a[i + 1]) / 2);
      this[f] = merged;
    }
    this.width *= 2;
    this.partial = null;
  }

  /** Drops points past `step` (after continuing from an older snapshot). */
  truncate(step) {
    let keep = this.step.length;
    while (keep > 0 && this.step[keep - 1] > step) keep--;
    for (const f of FIELDS) this[f].length = keep;
    this.partial = null;
  }

  toJSON() {
    return Object.fromEntries([['width', this.width], ...FIELDS.map((f) => [f, this[f].slice()])]);
  }

  /** The newest point as a metrics record (or null). */
  get lastPoint() {
    const i = this.step.length - 1;
    return i < 0 ? null : { step: this.step[i], recon: this.recon[i], kl: this.kl[i], objective: this.objective[i] };
  }

  /** Takes the points of `saved` (toJSON() plus `partial`), checking they are numbers of one length. */
  load(saved) {
    const n = saved?.step?.length;
    if (!Number.isInteger(saved?.width) || saved.width < 1 || !Number.isInteger(n)) throw new Error('a metric series is malformed');
    for (const f of FIELDS) {
      if (!Array.isArray(saved[f]) || saved[f].length !== n || saved[f].some((v) => typeof v !== 'number')) throw new Error(`the metric “${f}” is malformed`);
    }
    this.width = saved.width;
    for (const f of FIELDS) this[f] = saved[f].slice();
    this.partial = saved.partial && typeof saved.partial === 'object' ? { ...saved.partial } : null;
  }
}

export class MetricHistory {
  constructor(cap = 20000) {
    this.train = new Series(cap);
    this.test = new Series(cap);
    this.clear();
  }

  clear() {
    this.train.clear();
    this.test.clear();
    this.recentTest = [];
    this.last = null;
    this.lastTest = null;
    this.version = 0;
  }

  /** Adds the output of engine.metrics(). Returns the highest training step seen (or 0). */
  add({ train, test }) {
    for (const m of train) this.train.push(m);
    for (const m of test) {
      this.recentTest.push(m.recon + m.kl);
      if (this.recentTest.length > TEST_CHUNKS) this.recentTest.shift();
      this.test.push(m, this.testLoss);
    }
    if (train.length > 0) this.last = train[train.length - 1];
    if (test.length > 0) this.lastTest = test[test.length - 1];
    if (train.length + test.length > 0) this.version++;
    return this.last?.step ?? 0;
  }

  /** Test loss (recon + KL) averaged over the last TEST_CHUNKS probes, or null before the first. */
  get testLoss() {
    if (this.recentTest.length === 0) return null;
    return this.recentTest.reduce((a, b) => a + b, 0) / this.recentTest.length;
  }

  truncate(step) {
    this.train.truncate(step);
    this.test.truncate(step);
    this.recentTest = [];
    if (this.last && this.last.step > step) this.last = this.train.lastPoint;
    if (this.lastTest && this.lastTest.step > step) this.lastTest = this.test.lastPoint;
    this.version++;
  }

  /** A structured-clone copy for IndexedDB (MetricHistory.load reads it back). */
  save() {
    const series = (s) => ({ ...s.toJSON(), partial: s.partial ? { ...s.partial } : null });
    return { train: series(this.train), test: series(this.test), recentTest: this.recentTest.slice(), last: this.last, lastTest: this.lastTest };
  }

  /** The history `save()` made; throws an Error that says what is malformed. */
  static load(saved) {
    const history = new MetricHistory();
    if (!saved || typeof saved !== 'object') throw new Error('the metric history is missing');
    history.train.load(saved.train);
    history.test.load(saved.test);
    const recent = Array.isArray(saved.recentTest) ? saved.recentTest.filter((v) => typeof v === 'number') : [];
    history.recentTest = recent.slice(-TEST_CHUNKS);
    history.last = saved.last ?? history.train.lastPoint;
    history.lastTest = saved.lastTest ?? history.test.lastPoint;
    history.version = 1;
    return history;
  }

  toJSON() {
    return { train: this.train.toJSON(), test: this.test.toJSON() };
  }
}
