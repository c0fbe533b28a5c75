//! CPU twin of shaders/bce_logits.wgsl: per row Σ BCE-with-logits = max(ℓ, 0) − x·ℓ + ln(1 + e^−|ℓ|)
//! and the gradient (σ(ℓ) − x)·scale, fused, with vector exp/ln (one of each per pixel).

use super::BceParams;
use super::math::Math;
use super::simd::{Kernel, Simd, dispatch};

struct Job<'a> {
    p: BceParams,
    logits: &'a [f32],
    x: &'a [f32],
    dlogits: &'a mut [f32],
    row_stats: &'a mut [f32],
}

impl Kernel for Job<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let Job { p, logits, x, dlogits, row_stats } = self;
        let pixels = p.pixels as usize;
        let write = p.write_grad == 1;
        let math = Math::<V>::new();
        for row in 0..p.rows as usize {
            let x_row = (row / p.rep as usize) * p.ld_x as usize;
            let scale = V::splat(if p.scale_from_stats == 1 { row_stats[row * 4 + 3] } else { p.grad_scale });
            let mut sum = V::zero();
            for q in (0..pixels).step_by(V::LANES) {
                let len = pixels - q;
                // SAFETY: logits (and dlogits when written) hold rows × pixels floats and x holds
                // rows/rep rows at stride ld_x (checked by `bce_logits`); *_upto stay in the row.
                unsafe {
                    let l = V::load_upto(logits.as_ptr().add(row * pixels + q), len);
                    let t = V::load_upto(x.as_ptr().add(x_row + q), len);
                    let (softplus, sigmoid) = math.softplus_and_sigmoid(l);
                    // Padding lanes (ℓ = x = 0) contribute ln 2: masked off below.
                    let loss = l.max(V::zero()) - t * l + softplus;
                    sum = sum + if len >= V::LANES { loss } else { V::load_partial(store(loss).as_ptr(), len) };
                    if write {
                        ((sigmoid - t) * scale).store_upto(dlogits.as_mut_ptr().add(row * pixels + q), len);
                    }
                }
            }
            row_stats[row * 4] = sum.reduce_sum();
        }
    }
}

#[inline(always)]
fn store<V: Simd>(v: V) -> [f32; 16] {
    let mut buf = [0f32; 16];
    // SAFETY: 16 ≥ LANES floats.
    unsafe { v.store(buf.as_mut_ptr()) };
    buf
}

/// `bce_logits_cpu`: logits, dlogits [rows, pixels]; x [rows / rep, ld_x]; row_stats [rows, 4]
/// (column 0 written; column 3 read with scale_from_stats).
pub fn bce_logits(p: &BceParams, logits: &[f32], x: &[f32], dlogits: &mut [f32], row_stats: &mut [f32]) {
    let (rows, pixels, rep) = (p.rows as usize, p.pixels as usize, p.rep as usize);
    assert!(rep > 0 && p.ld_x >= p.pixels, "bce_logits: rep = 0 or ld_x < pixels");
    assert!(logits.len() >= rows * pixels && row_stats.len() >= rows * 4, "bce_logits: logits or row_stats too short");
    assert!(p.write_grad != 1 || dlogits.len() >= rows * pixels, "bce_logits: dlogits too short");
    let x_rows = rows.div_ceil(rep);
    assert!(x_rows == 0 || x.len() >= (x_rows - 1) * p.ld_x as usize + pixels, "bce_logits: x too short");
    dispatch(Job { p: *p, logits, x, dlogits, row_stats })
}
