//! CPU twin of shaders/reparam_backward.wgsl: dL/dz through z = μ + e^{s/2}·ε and the closed-form KL
//! (or the IWAE weights) to dL/dμ and dL/dlogvar, LANES latent dimensions at a time.

use super::ReparamBackwardParams;
use super::math::Math;
use super::simd::{Kernel, Simd, dispatch};

struct Job<'a> {
    p: ReparamBackwardParams,
    dz: &'a [f32],
    eps: &'a [f32],
    mulv: &'a [f32],
    kl_grad_weight: f32,
    row_stats: &'a [f32],
    dmulv: &'a mut [f32],
}

impl Kernel for Job<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let Job { p, dz, eps, mulv, kl_grad_weight, row_stats, dmulv } = self;
        let (latent, rep, ld_dz) = (p.latent as usize, p.rep as usize, p.ld_dz as usize);
        let iwae = p.iwae == 1;
        // d/dμ KL = μ, d/ds KL = ½(e^s − 1) (Kingma & Welling 2014, appendix B), times β·warm-up.
        let w = V::splat(if iwae { 0.0 } else { kl_grad_weight * p.kl_scale });
        let half = V::splat(0.5);
        let math = Math::<V>::new();
        for b in 0..p.in_rows as usize {
            for l in (0..latent).step_by(V::LANES) {
                let len = latent - l;
                // SAFETY: shapes checked by `reparam_backward`; *_upto stay below latent.
                unsafe {
                    let mu = V::load_upto(mulv.as_ptr().add(b * 2 * latent + l), len);
                    let s = V::load_upto(mulv.as_ptr().add(b * 2 * latent + latent + l), len);
                    let sigma = math.exp(half * s);
                    let (mut dmu, mut ds) = (V::zero(), V::zero());
                    for k in 0..rep {
                        let row = b * rep + k;
                        let e = V::load_upto(eps.as_ptr().add(row * latent + l), len);
                        let mut g = V::load_upto(dz.as_ptr().add(row * ld_dz + l), len);
                        if iwae {
                            let omega = V::splat(row_stats[row * 4 + 3]);
                            g = g + omega * (mu + sigma * e);
                            ds = ds - half * omega;
                        }
                        dmu = dmu + g;
                        ds = ds + g * half * e * sigma;
                    }
                    (dmu + w * mu).store_upto(dmulv.as_mut_ptr().add(b * 2 * latent + l), len);
                    let dkl = w * half * (math.exp(s) - V::splat(1.0));
                    (ds + dkl).store_upto(dmulv.as_mut_ptr().add(b * 2 * latent + latent + l), len);
                }
            }
        }
    }
}

/// `reparam_backward_cpu`: dz [in_rows·rep, ld_dz], eps [in_rows·rep, latent], mulv and dmulv
/// [in_rows, 2·latent], row_stats [in_rows·rep, 4] (column 3 read under IWAE).
#[allow(clippy::too_many_arguments)]
pub fn reparam_backward(
    p: &ReparamBackwardParams,
    dz: &[f32],
    eps: &[f32],
    mulv: &[f32],
    kl_grad_weight: f32,
    row_stats: &[f32],
    dmulv: &mut [f32],
) {
    let (rows, latent) = (p.in_rows as usize, p.latent as usize);
    let samples = rows * p.rep as usize;
    assert!(p.ld_dz >= p.latent, "reparam_backward: ld_dz < latent");
    assert!(samples == 0 || dz.len() >= (samples - 1) * p.ld_dz as usize + latent, "reparam_backward: dz too short");
    assert!(eps.len() >= samples * latent, "reparam_backward: eps too short");
    assert!(mulv.len() >= rows * 2 * latent && dmulv.len() >= rows * 2 * latent, "reparam_backward: mulv too short");
    assert!(p.iwae != 1 || row_stats.len() >= samples * 4, "reparam_backward: row_stats too short");
    dispatch(Job { p: *p, dz, eps, mulv, kl_grad_weight, row_stats, dmulv })
}
