//! CPU twin of shaders/adam.wgsl: one Adam update over a slice of the flat parameters, with
//! `adam_cpu`'s operations in its order (no fused multiply-add), so results equal it bitwise.

use super::simd::{Kernel, Simd, dispatch};
use super::{AdamParams, StepUniform};

struct Job<'a> {
    p: AdamParams,
    lr_t: f32,
    inv_sqrt_bc2: f32,
    grads: &'a [f32],
    weights: &'a mut [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
}

impl Kernel for Job<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let len = self.grads.len();
        let (b1, b2) = (V::splat(self.p.beta1), V::splat(self.p.beta2));
        let (c1, c2) = (V::splat(1.0 - self.p.beta1), V::splat(1.0 - self.p.beta2));
        let (lr, bc2, eps) = (V::splat(self.lr_t), V::splat(self.inv_sqrt_bc2), V::splat(self.p.eps));
        let (g, w, m, v) = (self.grads.as_ptr(), self.weights.as_mut_ptr(), self.m.as_mut_ptr(), self.v.as_mut_ptr());
        for i in (0..len).step_by(V::LANES) {
            let rest = len - i;
            // SAFETY: the four slices hold `len` floats (checked by `adam`); *_upto stay below len.
            unsafe {
                let gi = V::load_upto(g.add(i), rest);
                let mi = b1 * V::load_upto(m.add(i), rest) + c1 * gi;
                let vi = b2 * V::load_upto(v.add(i), rest) + c2 * gi * gi;
                let wi = V::load_upto(w.add(i), rest) - lr * mi / (vi.sqrt() * bc2 + eps);
                mi.store_upto(m.add(i), rest);
                vi.store_upto(v.add(i), rest);
                wi.store_upto(w.add(i), rest);
            }
        }
    }
}

/// One Adam step over `grads.len()` parameters (`p.len4` is not used: any length works).
/// Panics if the four slices differ in length.
pub fn adam(p: &AdamParams, step: &StepUniform, grads: &[f32], weights: &mut [f32], m: &mut [f32], v: &mut [f32]) {
    let len = grads.len();
    assert!(weights.len() == len && m.len() == len && v.len() == len, "adam: slices differ in length");
    dispatch(Job { p: *p, lr_t: step.lr_t, inv_sqrt_bc2: step.inv_sqrt_bc2, grads, weights, m, v })
}
