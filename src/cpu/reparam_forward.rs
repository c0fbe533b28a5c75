//! CPU twin of shaders/reparam_forward.wgsl: z = μ + e^{s/2}·ε with ε from the same Threefry
//! stream as `reparam_forward_cpu` (bitwise equal), plus each row's KL and log p(z) − log q(z|x).

use super::math::Math;
use super::simd::{Kernel, Simd, dispatch};
use super::threefry::{lane_ids, threefry, uniform_open01};
use super::{ReparamParams, StepUniform};
use crate::rng;

struct Job<'a> {
    p: ReparamParams,
    step: StepUniform,
    first_row: u32,
    mulv: &'a [f32],
    labels: &'a [u32],
    z: &'a mut [f32],
    eps: &'a mut [f32],
    row_stats: &'a mut [f32],
}

impl Kernel for Job<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let Job { p, step, first_row, mulv, labels, z, eps, row_stats } = self;
        let (latent, rep, ld_z) = (p.latent as usize, p.rep as usize, p.ld_z as usize);
        let key = rng::key(step.seed, rng::STREAM_EPS, step.phase);
        let half = V::splat(0.5);
        let math = Math::<V>::new();
        for row in 0..p.out_rows as usize {
            let src = row / rep;
            let counter = (first_row as usize + row) * latent;
            let e_row = &mut eps[row * latent..(row + 1) * latent];
            // `rng::normal_at`: the generator on LANES counters at once, Box–Muller (libm's ln
            // and cos, so ε stays bitwise the oracle's) per element.
            for l in (0..latent).step_by(V::LANES) {
                let c1 = V::splat_bits((counter + l) as u32).add_u32(lane_ids::<V>());
                let (b0, b1) = threefry(key, V::splat_bits(step.step), c1);
                let (mut u1, mut u2) = ([0f32; 16], [0f32; 16]);
                // SAFETY: 16 ≥ LANES floats each.
                unsafe {
                    uniform_open01(b0).store(u1.as_mut_ptr());
                    uniform_open01(b1).store(u2.as_mut_ptr());
                }
                for (i, e) in e_row[l..].iter_mut().take(V::LANES).enumerate() {
                    *e = rng::box_muller(u1[i], u2[i]);
                }
            }
            let (mut kl, mut log_pq) = (V::zero(), V::zero());
            for l in (0..latent).step_by(V::LANES) {
                let len = latent - l;
                // SAFETY: mulv holds rows/rep × 2·latent floats and z rows × ld_z (checked by
                // `reparam_forward`); e_row holds latent floats; *_upto stay below latent.
                unsafe {
                    let mu = V::load_upto(mulv.as_ptr().add(src * 2 * latent + l), len);
                    let s = V::load_upto(mulv.as_ptr().add(src * 2 * latent + latent + l), len);
                    let e = V::load_upto(e_row.as_ptr().add(l), len);
                    let sigma = math.exp(half * s);
                    let zl = mu + sigma * e;
                    zl.store_upto(z.as_mut_ptr().add(row * ld_z + l), len);
                    // Padding lanes are zero: they add 0.5·(0 + 1 − 1 − 0) = 0 and 0.
                    kl = kl + half * (mu * mu + sigma * sigma - V::splat(1.0) - s);
                    log_pq = log_pq + half * (e * e - zl * zl + s);
                }
            }
            row_stats[row * 4 + 1] = kl.reduce_sum();
            row_stats[row * 4 + 2] = log_pq.reduce_sum();
            if p.label_col != u32::MAX {
                let at = row * ld_z + p.label_col as usize;
                for (digit, d) in z[at..at + 10].iter_mut().enumerate() {
                    *d = if digit as u32 == labels[src] { 1.0 } else { 0.0 };
                }
            }
        }
    }
}

/// `reparam_forward_cpu` over local rows: `first_row` is the global decoder row of local row 0 (a
/// multiple of p.rep), so ε is keyed by (step.step, (first_row + row)·latent + l) as on the GPU.
/// mulv [out_rows / rep, 2·latent], labels [out_rows / rep], z [out_rows, ld_z],
/// eps [out_rows, latent], row_stats [out_rows, 4] (columns 1 and 2 written).
#[allow(clippy::too_many_arguments)]
pub fn reparam_forward(
    p: &ReparamParams,
    step: &StepUniform,
    first_row: u32,
    mulv: &[f32],
    labels: &[u32],
    z: &mut [f32],
    eps: &mut [f32],
    row_stats: &mut [f32],
) {
    let (rows, latent, rep) = (p.out_rows as usize, p.latent as usize, p.rep.max(1) as usize);
    assert!(p.rep > 0 && first_row.is_multiple_of(p.rep), "reparam_forward: first_row must be a multiple of rep");
    assert!(mulv.len() >= rows.div_ceil(rep) * 2 * latent, "reparam_forward: mulv too short");
    assert!(rows == 0 || z.len() >= (rows - 1) * p.ld_z as usize + latent, "reparam_forward: z too short");
    assert!(p.ld_z as usize >= latent, "reparam_forward: ld_z < latent");
    assert!(eps.len() >= rows * latent && row_stats.len() >= rows * 4, "reparam_forward: eps or row_stats too short");
    dispatch(Job { p: *p, step: *step, first_row, mulv, labels, z, eps, row_stats })
}
