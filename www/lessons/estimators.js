// The numerical side of lessons 1, 2, 3 and 7, in float64: log-mean-exp of importance weights (the
// estimate of log p(x) and the importance-weighted bounds), effective sample size, the Gaussian KL,
// the Bernoulli log-likelihood of an image under decoded pixel probabilities, active units.

/** log((1/(end−start)) Σ exp(a[i])) over a[start..end), stable in float64. */
export function logMeanExp(a, start = 0, end = a.length) {
  let max = -Infinity;
  for (let i = start; i < end; i++) if (a[i] > max) max = a[i];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = start; i < end; i++) sum += Math.exp(a[i] - max);
  return max + Math.log(sum) - Math.log(end - start);
}

/** The running estimate log p̂_k = logsumexp(a[0..k)) − log k for every k = 1…n. */
export function runningLogMeanExp(a) {
  const out = new Float64Array(a.length);
  let max = -Infinity;
  let sum = 0; // Σ exp(a[i] − max)
  for (let k = 0; k < a.length; k++) {
    const v = a[k];
    if (v > max) {
      sum = sum * Math.exp(max - v) + 1;
      max = v;
    } else {
      sum += Math.exp(v - max);
    }
    out[k] = max + Math.log(sum) - Math.log(k + 1);
  }
  return out;
}

/**
 * The expected importance-weighted bound E[L_k] for each k in `ks`, estimated from one long run of
 * log-weights by averaging log-mean-exp over ⌊n/k⌋ disjoint blocks of k (each block is an
 * independent draw of L_k, so the average is unbiased; few blocks for large k means more noise).
 */
export function blockBounds(a, ks) {
  return ks.map((k) => {
    const blocks = Math.floor(a.length / k);
    if (blocks === 0) return null;
    let s = 0;
    for (let b = 0; b < blocks; b++) s += logMeanExp(a, b * k, (b + 1) * k);
    return s / blocks;
  });
}

/** Effective sample size (Σw)² / Σw² of the first k log-weights: 1 when one sample dominates, k when all are equal. */
export function effectiveSampleSize(a, k = a.length) {
  let max = -Infinity;
  for (let i = 0; i < k; i++) if (a[i] > max) max = a[i];
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < k; i++) {
    const w = Math.exp(a[i] - max);
    s1 += w;
    s2 += w * w;
  }
  return s2 > 0 ? (s1 * s1) / s2 : 0;
}

export function mean(a, start = 0, end = a.length) {
  let s = 0;
  for (let i = start; i < end; i++) s += a[i];
  return s / (end - start);
}

/** Standard error of the mean of a[start..end). */
export function stderr(a, start = 0, end = a.length) {
  const m = mean(a, start, end);
  let s = 0;
  for (let i = start; i < end; i++) s += (a[i] - m) ** 2;
  const n = end - start;
  return Math.sqrt(s / (n - 1) / n);
}

/** KL(N(μ, σ²) ‖ N(0, 1)) of each dimension: ½(μ² + σ² − 1 − log σ²), from μ and log σ². */
export function klPerDim(mu, logvar) {
  return Array.from(mu, (m, j) => 0.5 * (m * m + Math.exp(logvar[j]) - 1 - logvar[j]));
}

/**
 * log p(x | z) of image `x` (pixels in [0, 1], the Bernoulli targets the engine trains on) under
 * decoded probabilities `p` (offset `o`): Σ x log p + (1 − x) log(1 − p), p kept inside (1e-7, 1 − 1e-7).
 */
export function bernoulliLogLik(x, p, o = 0) {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, p[o + i]));
    s += x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q);
  }
  return s;
}

/**
 * Per-dimension activity of an encoder: Cov_x(E_q[z_u]) over the rows of `mulv` ([n, 2L]: μ then
 * log σ²), and the mean KL of each dimension. A unit is active when its activity exceeds 0.01
 * (Burda et al., 2016).
 */
export function unitActivity(mulv, n, L) {
  const mean = new Float64Array(L);
  const sq = new Float64Array(L);
  const kl = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    const row = i * 2 * L;
    for (let u = 0; u < L; u++) {
      const m = mulv[row + u];
      const lv = mulv[row + L + u];
      mean[u] += m;
      sq[u] += m * m;
      kl[u] += 0.5 * (m * m + Math.exp(lv) - 1 - lv);
    }
  }
  const activity = Array.from(mean, (s, u) => Math.max(0, sq[u] / n - (s / n) ** 2) * (n / Math.max(1, n - 1)));
  return { activity, kl: Array.from(kl, (s) => s / n) };
}

export const ACTIVE_THRESHOLD = 0.01;

/** 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, … up to `max` (inclusive), for log-spaced k axes. */
export function logGrid(max) {
  const steps = [1, 1.5, 2, 3, 5, 7];
  const out = [];
  for (let decade = 1; decade <= max; decade *= 10) {
    for (const s of steps) {
      const k = Math.round(s * decade);
      if (k <= max && !out.includes(k)) out.push(k);
    }
  }
  if (out[out.length - 1] !== max) out.push(max);
  return out;
}
