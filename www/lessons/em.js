// Expectation–maximization for a mixture of 2-D Gaussians, in plain JS (lesson 9): seeded data, the
// exact posterior (E-step), closed-form updates (M-step), and log p(x) and the ELBO after every
// half-step, so the lesson can show that the E-step closes the gap and the M-step raises both.
import { mulberry32 } from '../core/prng.js';

const COV_FLOOR = 1e-3; // keeps a component from collapsing onto one point (likelihood → ∞)

function gaussian(next) {
  const u1 = 1 - next();
  const u2 = next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * `n` points from a fixed "true" mixture of three elongated clusters whose placement depends on
 * `seed`. Returns Float64Array [x0, y0, x1, y1, …].
 */
export function makeData(seed, n) {
  const next = mulberry32(0x51ed ^ Math.imul(seed + 1, 0x9e3779b1));
  const clusters = [];
  while (clusters.length < 3) {
    const mx = -3 + 6 * next();
    const my = -3 + 6 * next();
    if (clusters.some((c) => Math.hypot(c.mx - mx, c.my - my) < 2.4)) continue;
    const angle = Math.PI * next();
    clusters.push({ mx, my, angle, a: 0.45 + 0.6 * next(), b: 0.2 + 0.3 * next(), weight: 0.2 + next() });
  }
  const total = clusters.reduce((s, c) => s + c.weight, 0);
  const xs = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let u = next() * total;
    let c = clusters[0];
    for (const k of clusters) {
      c = k;
      if ((u -= k.weight) <= 0) break;
    }
    const s = gaussian(next) * c.a;
    const t = gaussian(next) * c.b;
    xs[2 * i] = c.mx + s * Math.cos(c.angle) - t * Math.sin(c.angle);
    xs[2 * i + 1] = c.my + s * Math.sin(c.angle) + t * Math.cos(c.angle);
  }
  return xs;
}

/** A starting model: means at K distinct random data points, unit covariances, equal weights. */
export function initModel(xs, K, seed) {
  const n = xs.length / 2;
  const next = mulberry32(0xbeef ^ Math.imul(seed + 1, 0x85ebca6b));
  const picked = new Set();
  while (picked.size < Math.min(K, n)) picked.add(Math.floor(next() * n));
  const mu = [...picked].map((i) => [xs[2 * i], xs[2 * i + 1]]);
  return { pi: new Array(K).fill(1 / K), mu, cov: mu.map(() => [1, 0, 1]) }; // cov as [sxx, sxy, syy]
}

/** log N(x; μ, Σ) in 2-D with Σ = [[a, b], [b, c]]. */
function logGauss(x, y, mu, [a, b, c]) {
  const det = a * c - b * b;
  const dx = x - mu[0];
  const dy = y - mu[1];
  const quad = (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
  return -0.5 * quad - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
}

/** log π_c + log N(x_n; μ_c, Σ_c) for every n, c: Float64Array [n·K]. */
function joint(xs, model) {
  const n = xs.length / 2;
  const K = model.pi.length;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < K; c++) out[i * K + c] = Math.log(model.pi[c]) + logGauss(xs[2 * i], xs[2 * i + 1], model.mu[c], model.cov[c]);
  }
  return out;
}

/** Σ_n log p(x_n) and, for `q` ([n·K] probabilities), Σ_n Σ_c q (log p(x_n, c) − log q). */
export function scores(xs, model, q) {
  const n = xs.length / 2;
  const K = model.pi.length;
  const lj = joint(xs, model);
  let logp = 0;
  let elbo = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, lj[i * K + c]);
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.exp(lj[i * K + c] - max);
    logp += max + Math.log(s);
    for (let c = 0; c < K; c++) {
      const r = q[i * K + c];
      if (r > 0) elbo += r * (lj[i * K + c] - Math.log(r));
    }
  }
  return { logp, elbo };
}

/** E-step: the exact posterior p(c | x_n), the responsibilities. */
export function eStep(xs, model) {
  const n = xs.length / 2;
  const K = model.pi.length;
  const lj = joint(xs, model);
  const q = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, lj[i * K + c]);
    let s = 0;
    for (let c = 0; c < K; c++) s += (q[i * K + c] = Math.exp(lj[i * K + c] - max));
    for (let c = 0; c < K; c++) q[i * K + c] /= s;
  }
  return q;
}

/** M-step: responsibility-weighted means, covariances (with a small floor) and weights. */
export function mStep(xs, q, K) {
  const n = xs.length / 2;
  const pi = [];
  const mu = [];
  const cov = [];
  for (let c = 0; c < K; c++) {
    let w = 0;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      const r = q[i * K + c];
      w += r;
      mx += r * xs[2 * i];
      my += r * xs[2 * i + 1];
    }
    const safe = Math.max(w, 1e-12);
    mx /= safe;
    my /= safe;
    let a = 0;
    let b = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const r = q[i * K + c];
      const dx = xs[2 * i] - mx;
      const dy = xs[2 * i + 1] - my;
      a += r * dx * dx;
      b += r * dx * dy;
      d += r * dy * dy;
    }
    pi.push(Math.max(w / n, 1e-12));
    mu.push([mx, my]);
    cov.push([a / safe + COV_FLOOR, b / safe, d / safe + COV_FLOOR]);
  }
  return { pi, mu, cov };
}

/**
 * The run of EM from the starting model: `advance(halfSteps)` moves forward (E on even half-steps,
 * M on odd), `history` holds {logp, elbo} per point after each half-step (index 0: the start, with
 * q uniform, since no E-step has run yet).
 */
export class EmRun {
  constructor(xs, K, initSeed) {
    this.xs = xs;
    this.K = K;
    this.n = xs.length / 2;
    this.model = initModel(xs, K, initSeed);
    this.q = new Float64Array(this.n * K).fill(1 / K);
    this.done = 0;
    this.history = [this.#score()];
  }

  #score() {
    const { logp, elbo } = scores(this.xs, this.model, this.q);
    return { logp: logp / this.n, elbo: elbo / this.n };
  }

  /** Whether the next half-step is an E-step. */
  get nextIsE() {
    return this.done % 2 === 0;
  }

  advance(target) {
    while (this.done < target) {
      if (this.nextIsE) this.q = eStep(this.xs, this.model);
      else this.model = mStep(this.xs, this.q, this.K);
      this.done++;
      this.history.push(this.#score());
    }
  }
}

/** Axes and angle of the ellipse of covariance [a, b, c] at `k` standard deviations. */
export function ellipse([a, b, c], k = 1) {
  const tr = (a + c) / 2;
  const disc = Math.sqrt(Math.max(0, ((a - c) / 2) ** 2 + b * b));
  const l1 = tr + disc;
  const l2 = Math.max(0, tr - disc);
  const angle = Math.abs(b) < 1e-12 ? (a >= c ? 0 : Math.PI / 2) : Math.atan2(l1 - a, b);
  return { rx: k * Math.sqrt(l1), ry: k * Math.sqrt(l2), angle };
}
