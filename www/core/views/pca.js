// Projects latent means to two dimensions for the scatter: PCA by power iteration with deflation
// on the L×L covariance (L ≤ 64, so this is tiny), with signs fixed so refreshes do not flip.

/**
 * `rows`: n vectors of length `dim` (a Float32Array, row stride `stride`); every `every`-th row is
 * used (a sample is plenty for two axes and keeps this a few milliseconds even before the JIT warms).
 * Returns `{mean, axes: [pc1, pc2], variance: [λ1, λ2], total}`; pc2 is zero when dim = 1.
 */
export function pca2(rows, n, dim, stride = dim, every = 1) {
  const mean = new Float64Array(dim);
  let used = 0;
  for (let i = 0; i < n; i += every, used++) {
    const row = i * stride;
    for (let j = 0; j < dim; j++) mean[j] += rows[row + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= used;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (let i = 0; i < n; i += every) {
    const row = i * stride;
    for (let j = 0; j < dim; j++) c[j] = rows[row + j] - mean[j];
    for (let j = 0; j < dim; j++) {
      const cj = c[j];
      const base = j * dim;
      for (let k = j; k < dim; k++) cov[base + k] += cj * c[k];
    }
  }
  let total = 0;
  for (let j = 0; j < dim; j++) {
    for (let k = j; k < dim; k++) cov[k * dim + j] = cov[j * dim + k] /= Math.max(1, used - 1);
    total += cov[j * dim + j];
  }
  const axes = [];
  const variance = [];
  for (let component = 0; component < 2; component++) {
    const [v, lambda] = topEigen(cov, dim);
    axes.push(v);
    variance.push(lambda);
    for (let j = 0; j < dim; j++) for (let k = 0; k < dim; k++) cov[j * dim + k] -= lambda * v[j] * v[k];
  }
  return { mean, axes, variance, total };
}

/** The top eigenvector and eigenvalue of a symmetric PSD matrix, by power iteration. */
function topEigen(m, dim) {
  // A fixed, uneven start: deterministic, and rarely orthogonal to the answer.
  let v = Float64Array.from({ length: dim }, (_, i) => 1 + i / dim);
  let w = new Float64Array(dim);
  let lambda = 0;
  for (let iter = 0; iter < 200; iter++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      let s = 0;
      const base = j * dim;
      for (let k = 0; k < dim; k++) s += m[base + k] * v[k];
      w[j] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    if (norm < 1e-12) return [new Float64Array(dim), 0];
    let delta = 0;
    for (let j = 0; j < dim; j++) {
      w[j] /= norm;
      delta += Math.abs(w[j] - v[j]);
    }
    [v, w] = [w, v];
    lambda = norm;
    if (delta < 1e-7) break;
  }
  let biggest = 0;
  for (let j = 1; j < dim; j++) if (Math.abs(v[j]) > Math.abs(v[biggest])) biggest = j;
  if (v[biggest] < 0) for (let j = 0; j < dim; j++) v[j] = -v[j];
  return [v, lambda];
}
