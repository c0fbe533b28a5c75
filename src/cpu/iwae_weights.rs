//! CPU twin of shaders/iwae_weights.wgsl: each sample's importance weight ω_k = softmax_k(log w_k),
//! log w = row_stats column 2 − column 0, into column 3. Rows are few: scalar, with `Math::exp`.

use super::IwaeWeightsParams;
use super::math::Math;
use super::simd::{Scalar, Simd};

/// `iwae_weights_cpu` on row_stats [in_rows·rep, 4].
pub fn iwae_weights(p: &IwaeWeightsParams, row_stats: &mut [f32]) {
    let rep = p.rep as usize;
    assert!(row_stats.len() >= p.in_rows as usize * rep * 4, "iwae_weights: row_stats too short");
    let math = Math::<Scalar>::new();
    let exp = |x: f32| math.exp(Scalar::splat(x)).first();
    for b in 0..p.in_rows as usize {
        let rows = b * rep..(b + 1) * rep;
        // log w is a difference of losses near 100: taken in f64, so its rounding (≈ 1e−5 in f32)
        // does not become a relative error of the weight.
        let log_w = |stats: &[f32], r: usize| stats[r * 4 + 2] as f64 - stats[r * 4] as f64;
        let top = rows.clone().map(|r| log_w(row_stats, r)).fold(f64::NEG_INFINITY, f64::max);
        let total: f32 = rows.clone().map(|r| exp((log_w(row_stats, r) - top) as f32)).sum();
        for r in rows {
            row_stats[r * 4 + 3] = exp((log_w(row_stats, r) - top) as f32) / total;
        }
    }
}
