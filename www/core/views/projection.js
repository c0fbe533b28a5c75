// The latent plane both latent views draw on: μ of n test digits as 2-D points (z₁ and a jittered
// label row for latent = 1, z₁/z₂ for 2, the first two principal components above), and back.
import { pca2 } from './pca.js';

/**
 * `mulv`: [n, 2L] (μ then log σ² per row). Returns `{points: {xs, ys, x: [lo, hi], y: [lo, hi]}, pca}`
 * (`pca` null for L ≤ 2; `iterations` of its power method).
 */
export function projectLatent(mulv, labels, n, L, iterations = 4) {
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  const pca = L > 2 ? pca2(mulv, n, L, 2 * L, iterations) : null;
  for (let i = 0; i < n; i++) {
    const row = i * 2 * L;
    if (L === 1) {
      xs[i] = mulv[row];
      ys[i] = labels[i] + 0.7 * (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5);
    } else if (L === 2) {
      xs[i] = mulv[row];
      ys[i] = mulv[row + 1];
    } else {
      const [a, b] = pca.axes;
      let x = 0;
      let y = 0;
      for (let j = 0; j < L; j++) {
        const c = mulv[row + j] - pca.mean[j];
        x += c * a[j];
        y += c * b[j];
      }
      xs[i] = x;
      ys[i] = y;
    }
  }
  // The middle 99% of the points, padded: one stray code does not squash the rest.
  const range = (v) => {
    const sorted = Float32Array.from(v).sort();
    const lo = sorted[Math.floor(0.005 * n)];
    const hi = sorted[Math.ceil(0.995 * n) - 1];
    const pad = 0.08 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  return { points: { xs, ys, x: range(xs), y: L === 1 ? [-0.7, 9.7] : range(ys) }, pca };
}

/** Plane coordinates to canvas pixels. */
export function toCanvas(points, canvas, x, y) {
  const { width, height } = canvas;
  const { x: [x0, x1], y: [y0, y1] } = points;
  return [((x - x0) / (x1 - x0)) * width, (1 - (y - y0) / (y1 - y0)) * height];
}

/** Canvas pixels to plane coordinates. */
export function fromCanvas(points, canvas, px, py) {
  const { width, height } = canvas;
  const { x: [x0, x1], y: [y0, y1] } = points;
  return [x0 + (px / width) * (x1 - x0), y0 + (1 - py / height) * (y1 - y0)];
}

/** A plane position as a full latent vector (the other PCA directions at the mean). */
export function planeToZ(pca, L, x, y) {
  if (L === 1) return Float32Array.of(x);
  if (L === 2) return Float32Array.of(x, y);
  const { mean, axes: [a, b] } = pca;
  return Float32Array.from({ length: L }, (_, j) => mean[j] + x * a[j] + y * b[j]);
}

/** The index of the point nearest canvas position (px, py), within `radius` canvas pixels (-1: none). */
export function nearestPoint(points, canvas, px, py, radius = Infinity) {
  const { xs, ys } = points;
  let best = -1;
  let bestD = radius ** 2;
  for (let i = 0; i < xs.length; i++) {
    const [cx, cy] = toCanvas(points, canvas, xs[i], ys[i]);
    const d = (cx - px) ** 2 + (cy - py) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  }
  return best;
}
