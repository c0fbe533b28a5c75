//! The VRNN step's building blocks as bound dispatches: the kernels it uses (built once per device)
//! and `Ops`, which turns "this layer, these matrices" into matmul / add_cols / GRU launches.

use std::sync::Arc;

use super::layout::GLin;
use super::vrnn_buffers::Mat;
use crate::gpu::Gpu;
use crate::kernels::add_cols::{AddCols, AddColsKernel, Block};
use crate::kernels::clip_grad_norm::ClipGradNorm;
use crate::kernels::gauss_kl::GaussKl;
use crate::kernels::gauss_kl_backward::GaussKlBackward;
use crate::kernels::gru_backward::GruBackward;
use crate::kernels::gru_forward::{GruForward, GruParams};
use crate::kernels::matmul::{ACT_NONE, ACT_RELU, MatmulDims, MatmulVariant};
use crate::kernels::vrnn_gather::VrnnGather;
use crate::kernels::vrnn_metrics::VrnnMetrics;
use crate::kernels::vrnn_reparam_backward::VrnnReparamBackward;
use crate::kernels::vrnn_reparam_forward::VrnnReparamForward;
use crate::kernels::{Dispatch, Kernels, View};

/// Every launcher the VRNN step uses: the VAE's (matmul, bce_logits, adam) and the sequence ones.
pub struct VrnnKernels {
    pub base: Arc<Kernels>,
    pub gru_forward: GruForward,
    pub gru_backward: GruBackward,
    pub gauss_kl: GaussKl,
    pub gauss_kl_backward: GaussKlBackward,
    pub add_cols: AddColsKernel,
    pub reparam_forward: VrnnReparamForward,
    pub reparam_backward: VrnnReparamBackward,
    pub gather: VrnnGather,
    pub metrics: VrnnMetrics,
    pub clip: ClipGradNorm,
}

impl VrnnKernels {
    pub fn new(gpu: &Gpu, base: Arc<Kernels>) -> Self {
        VrnnKernels {
            base,
            gru_forward: GruForward::new(gpu),
            gru_backward: GruBackward::new(gpu),
            gauss_kl: GaussKl::new(gpu),
            gauss_kl_backward: GaussKlBackward::new(gpu),
            add_cols: AddColsKernel::new(gpu),
            reparam_forward: VrnnReparamForward::new(gpu),
            reparam_backward: VrnnReparamBackward::new(gpu),
            gather: VrnnGather::new(gpu),
            metrics: VrnnMetrics::new(gpu),
            clip: ClipGradNorm::new(gpu),
        }
    }
}

/// Binds launches against one parameter buffer and its gradient buffer (same padded layout).
pub struct Ops<'a> {
    pub gpu: &'a Gpu,
    pub k: &'a VrnnKernels,
    pub params: &'a wgpu::Buffer,
    pub grads: &'a wgpu::Buffer,
}

impl<'a> Ops<'a> {
    fn dummy(&self) -> View<'a> {
        View::whole(&self.k.base.dummy)
    }

    fn matmul(&self, v: MatmulVariant, d: MatmulDims, a: View, b: View, aux: View, c: View) -> Dispatch {
        self.k.base.matmul.dispatch(self.gpu, v, d, a, b, aux, c)
    }

    /// y = act(x·Wᵀ + b) for x.rows rows (PyTorch Linear); y may be a column block at y's start.
    pub fn linear(&self, l: &GLin, x: Mat, y: Mat, act: u32) -> Dispatch {
        let v = MatmulVariant { trans_b: true, bias: true, act, ..Default::default() };
        let d = MatmulDims {
            m: x.rows as u32,
            n: l.output as u32,
            k: l.input as u32,
            lda: x.ld as u32,
            ldb: l.input as u32,
            ldc: y.ld as u32,
            bias_offset: l.bias_rel as u32,
            ld_aux: 0,
        };
        let w = View::floats(self.params, l.w, l.span());
        self.matmul(v, d, x.view(), w, self.dummy(), y.view())
    }

    /// dx = dy·W over dx's first `n` input columns, times ReLU'(aux) when `aux` (the layer's input
    /// when that input is a ReLU output).
    pub fn linear_dx(&self, l: &GLin, dy: Mat, dx: Mat, n: usize, aux: Option<Mat>) -> Dispatch {
        let v = MatmulVariant { act_grad: if aux.is_some() { ACT_RELU } else { ACT_NONE }, ..Default::default() };
        let d = MatmulDims {
            m: dy.rows as u32,
            n: n as u32,
            k: l.output as u32,
            lda: dy.ld as u32,
            ldb: l.input as u32,
            ldc: dx.ld as u32,
            bias_offset: 0,
            ld_aux: aux.map_or(0, |a| a.ld as u32),
        };
        let w = View::floats(self.params, l.w, l.output * l.input);
        let aux = aux.map_or(self.dummy(), |a| a.view());
        self.matmul(v, d, dy.view(), w, aux, dx.view())
    }

    /// dW = dyᵀ·x and db = Σ_rows dy (the ones column), over all of dy's rows at once: every
    /// time step of the batch in one launch, so nothing has to be accumulated across launches.
    pub fn linear_dw(&self, l: &GLin, dy: Mat, x: Mat) -> Dispatch {
        let v = MatmulVariant { trans_a: true, ones_col: true, ..Default::default() };
        let d = MatmulDims {
            m: l.output as u32,
            n: l.input as u32,
            k: dy.rows as u32,
            lda: dy.ld as u32,
            ldb: x.ld as u32,
            ldc: l.input as u32,
            bias_offset: l.bias_rel as u32,
            ld_aux: 0,
        };
        let g = View::floats(self.grads, l.w, l.span());
        self.matmul(v, d, dy.view(), x.view(), self.dummy(), g)
    }

    /// dst[:, off..off + cols] (+)= Σ sources, optionally × ReLU'(mask): add_cols.wgsl.
    pub fn add(
        &self,
        cols: usize,
        dst: (Mat, Block),
        sources: &[(Mat, Block)],
        accumulate: bool,
        mask: Option<(Mat, Block)>,
    ) -> Dispatch {
        let op = AddCols {
            rows: dst.0.rows as u32,
            cols: cols as u32,
            dst: dst.1,
            sources: sources.iter().map(|s| s.1).collect(),
            accumulate,
            mask: mask.map(|m| m.1),
        };
        let views: Vec<View> = sources.iter().map(|s| s.0.view()).collect();
        let mask_view = mask.map_or(self.dummy(), |m| m.0.view());
        self.k.add_cols.dispatch(self.gpu, &op, &views, mask_view, self.dummy(), dst.0.view())
    }

    /// One GRU step's gates after its two matmuls: h_next and the tape from gi, gh, h.
    pub fn gru_forward(&self, gi: Mat, gh: Mat, h: Mat, h_next: Mat, tape: Mat) -> Dispatch {
        let p = GruParams { rows: h.rows as u32, hidden: h.ld as u32, _pad: [0; 2] };
        self.k.gru_forward.dispatch(self.gpu, p, gi.view(), gh.view(), h.view(), h_next.view(), tape.view())
    }

    /// Its backward: d_gi, d_gh and dh = z ⊙ dh_next.
    #[allow(clippy::too_many_arguments)]
    pub fn gru_backward(&self, dh_next: Mat, tape: Mat, gh: Mat, h: Mat, d_gi: Mat, d_gh: Mat, dh: Mat) -> Dispatch {
        let p = GruParams { rows: h.rows as u32, hidden: h.ld as u32, _pad: [0; 2] };
        let views = [dh_next, tape, gh, h, d_gi, d_gh, dh].map(|m| m.view());
        let [a, b, c, d, e, f, g] = views;
        self.k.gru_backward.dispatch(self.gpu, p, a, b, c, d, e, f, g)
    }
}
