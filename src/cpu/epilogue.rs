//! The fused epilogue of the CPU matmuls (bias, activation, activation gradient of the layer
//! below), applied to a vector of accumulators before it is stored; shared by matmul and weight_grad.

use super::math::Math;
use super::simd::Simd;
use super::{ACT_NONE, ACT_RELU, ACT_TANH};

/// What happens to an accumulated value before it is stored (`matmul_cpu`'s order: bias,
/// activation, then the activation gradient of the layer below).
#[derive(Clone, Copy)]
pub(crate) struct Epilogue<V> {
    /// b + bias_offset, or null.
    pub bias: *const f32,
    pub act: u32,
    pub act_grad: u32,
    pub aux: *const f32,
    pub ld_aux: usize,
    math: Math<V>,
    one: V,
}

impl<V: Simd> Epilogue<V> {
    /// Built once per call (its constants outside the loops, see `Math`).
    #[inline(always)]
    pub fn new(bias: *const f32, act: u32, act_grad: u32, aux: *const f32, ld_aux: usize) -> Self {
        Epilogue { bias, act, act_grad, aux, ld_aux, math: Math::new(), one: V::splat(std::hint::black_box(1.0)) }
    }

    #[inline(always)]
    pub fn none() -> Self {
        Self::new(std::ptr::null(), ACT_NONE, ACT_NONE, std::ptr::null(), 0)
    }

    pub fn is_identity(&self) -> bool {
        self.bias.is_null() && self.act == ACT_NONE && self.act_grad == ACT_NONE
    }

    /// The epilogue of outputs (i, j..j + min(cols, LANES)).
    /// # Safety
    /// The bias and aux entries of those outputs are readable.
    #[inline(always)]
    pub unsafe fn apply(&self, acc: V, i: usize, j: usize, cols: usize) -> V {
        unsafe {
            let mut x = acc;
            if !self.bias.is_null() {
                x = x + V::load_upto(self.bias.add(j), cols);
            }
            x = match self.act {
                ACT_RELU => x.max(V::zero()),
                ACT_TANH => self.math.tanh(x),
                _ => x,
            };
            match self.act_grad {
                ACT_RELU => {
                    let h = V::load_upto(self.aux.add(i * self.ld_aux + j), cols);
                    V::select(V::zero().lt(h), x, V::zero())
                }
                ACT_TANH => {
                    let h = V::load_upto(self.aux.add(i * self.ld_aux + j), cols);
                    x * (self.one - h * h)
                }
                _ => x,
            }
        }
    }
}
