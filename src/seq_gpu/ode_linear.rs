//! The three matmul forms of a PyTorch Linear layer (W [out, in] row-major, bias after it), as the
//! latent ODE step binds them: forward with bias and activation, input gradient with the activation's
//! derivative fused, and weight gradient dW = dYᵀ·X with the bias gradient as the ones column.

use crate::gpu::Gpu;
use crate::kernels::matmul::{ACT_NONE, Matmul, MatmulDims, MatmulVariant};
use crate::kernels::{Dispatch, View};

pub struct Linear<'a> {
    pub gpu: &'a Gpu,
    pub matmul: &'a Matmul,
    /// Bound as `aux` where the form has no activation gradient.
    pub dummy: View<'a>,
}

/// A layer's weight and bias in one binding: `wb` starts at W; the bias sits `bias_offset` floats on.
#[derive(Clone, Copy)]
pub struct Weights<'a> {
    pub wb: View<'a>,
    pub bias_offset: u32,
    pub inputs: u32,
    pub outputs: u32,
}

impl Linear<'_> {
    /// y = act(x·Wᵀ + b): x [rows, in], y [rows, out].
    pub fn forward(&self, w: Weights, rows: u32, act: u32, x: View, y: View) -> Dispatch {
        let v = MatmulVariant { trans_b: true, bias: true, act, ..Default::default() };
        let dims = MatmulDims {
            m: rows,
            n: w.outputs,
            k: w.inputs,
            lda: w.inputs,
            ldb: w.inputs,
            ldc: w.outputs,
            bias_offset: w.bias_offset,
            ld_aux: 0,
        };
        self.matmul.dispatch(self.gpu, v, dims, x, w.wb, self.dummy, y)
    }

    /// dx = (dy·W) ⊙ act'(aux), act' from the saved activation aux [rows, in] (ACT_NONE: none):
    /// dy [rows, out], dx [rows, in].
    pub fn input_grad(&self, w: Weights, rows: u32, act_grad: u32, aux: Option<View>, dy: View, dx: View) -> Dispatch {
        let v = MatmulVariant { act_grad, ..Default::default() };
        let dims = MatmulDims {
            m: rows,
            n: w.inputs,
            k: w.outputs,
            lda: w.outputs,
            ldb: w.inputs,
            ldc: w.inputs,
            bias_offset: 0,
            ld_aux: if act_grad == ACT_NONE { 0 } else { w.inputs },
        };
        self.matmul.dispatch(self.gpu, v, dims, dy, w.wb, aux.unwrap_or(self.dummy), dx)
    }

    /// dW = dyᵀ·x summed over `rows` (every time step's rows at once) and db = Σ dy, written over the
    /// layer's gradient (`g` is the gradient buffer's view of W and b, as `Weights`).
    pub fn weight_grad(&self, g: Weights, rows: u32, dy: View, x: View) -> Dispatch {
        let v = MatmulVariant { trans_a: true, ones_col: true, ..Default::default() };
        let dims = MatmulDims {
            m: g.outputs,
            n: g.inputs,
            k: rows,
            lda: g.outputs,
            ldb: g.inputs,
            ldc: g.inputs,
            bias_offset: g.bias_offset,
            ld_aux: 0,
        };
        self.matmul.dispatch(self.gpu, v, dims, dy, x, self.dummy, g.wb)
    }
}
