//! The VRNN step's GPU memory: every per-time-step activation and gradient as a time-major
//! [T, R, width] buffer (R = batch rounded up to 64 rows, so each step's block is 256-byte aligned).

use crate::gpu::Gpu;
use crate::kernels::View;
use crate::kernels::add_cols::Block;
use crate::seq::vrnn::{Inference, VrnnConfig};

/// Rows per time step: the batch rounded up to a multiple of this, so that a [R, w] block of any
/// width w starts on a 256-byte boundary. Padding rows carry weight 0 in the loss.
pub const ROW_ALIGN: usize = 64;

/// A row-major matrix inside a buffer: `rows` rows of stride `ld` from float `start`.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    pub buf: &'a wgpu::Buffer,
    pub start: usize,
    pub rows: usize,
    pub ld: usize,
}

impl<'a> Mat<'a> {
    pub fn view(&self) -> View<'a> {
        debug_assert!(self.start.is_multiple_of(64), "a bound matrix must start on 256 bytes");
        View::floats(self.buf, self.start, self.rows * self.ld)
    }

    /// Columns from `off` on, for add_cols.
    pub fn cols(&self, off: usize) -> (Mat<'a>, Block) {
        (*self, Block { ld: self.ld as u32, off: off as u32 })
    }
}

/// `blocks` time steps of [R, width].
pub struct Seq {
    pub buf: wgpu::Buffer,
    pub width: usize,
    pub rows: usize,
    pub blocks: usize,
}

impl Seq {
    fn new(gpu: &Gpu, label: &str, blocks: usize, rows: usize, width: usize) -> Seq {
        let buf = gpu.storage(label, (blocks * rows * width * 4) as u64);
        Seq { buf, width, rows, blocks }
    }

    /// Step t's block.
    pub fn at(&self, t: usize) -> Mat<'_> {
        self.span(t, t + 1)
    }

    /// Steps t0..t1 stacked: (t1 − t0)·R rows.
    pub fn span(&self, t0: usize, t1: usize) -> Mat<'_> {
        assert!(t0 < t1 && t1 <= self.blocks);
        Mat { buf: &self.buf, start: t0 * self.rows * self.width, rows: (t1 - t0) * self.rows, ld: self.width }
    }
}

/// Sizes of one step: T steps of R rows (B real), D pixels per row, F, H, L, E (posterior summary).
#[derive(Clone, Copy, Debug)]
pub struct Dims {
    pub t: usize,
    pub r: usize,
    pub batch: usize,
    pub d: usize,
    pub f: usize,
    pub h: usize,
    pub l: usize,
    pub e: usize,
}

impl Dims {
    pub fn new(c: &VrnnConfig, batch: usize) -> Dims {
        let e = if c.inference == Inference::Backward { c.hidden } else { c.features };
        let r = batch.max(1).next_multiple_of(ROW_ALIGN);
        Dims { t: c.rows, r, batch, d: c.cols, f: c.features, h: c.hidden, l: c.latent, e }
    }
}

/// Every buffer of the step, named after the f64 model's values (src/seq/vrnn.rs, vrnn_backward.rs).
pub struct VrnnBuffers {
    pub dims: Dims,
    // Inputs: binary pixels, ε, row weights (1/B or 0); row_stats [T·R, 4]: BCE sums, weights.
    pub x: Seq,
    pub eps: Seq,
    pub w: Seq,
    pub row_stats: Seq,
    pub kl: Seq,
    // Forward: [φx | φz], [summary | h_{t−1}], [φz | h_{t−1}]; h and a have T + 1 blocks
    // (h[0] = 0 is h_0's input; a[T] = 0 starts the backward GRU).
    pub gru_in: Seq,
    pub enc_in: Seq,
    pub eh: Seq,
    pub post: Seq,
    pub z: Seq,
    pub dec_in: Seq,
    pub gi: Seq,
    pub gh: Seq,
    pub tape: Seq,
    pub h: Seq,
    pub ph: Seq,
    pub prior: Seq,
    pub dh: Seq,
    pub logits: Seq,
    // Backward inference only (one block when unused).
    pub gi_b: Seq,
    pub gh_b: Seq,
    pub tape_b: Seq,
    pub a: Seq,
    // Gradients.
    pub dlogits: Seq,
    pub d_dh: Seq,
    pub d_dec_pz: Seq,
    pub d_dec_in: Seq,
    pub dpost: Seq,
    pub dprior: Seq,
    pub d_ph: Seq,
    pub dh_prior: Seq,
    pub dh_extra: Seq,
    /// dL/dh_t carried back one step, in two buffers used by turns (a dispatch may not read and
    /// write one buffer); `zero` is dL/dh_T = 0.
    pub dhc: [Seq; 2],
    pub zero: Seq,
    /// gru_forward's outputs (h_t, a_t), copied into h and a: its input and output may not share a buffer.
    pub hn: Seq,
    pub an: Seq,
    pub d_gi: Seq,
    pub d_gh: Seq,
    pub d_gru_in: Seq,
    pub dh_hh: Seq,
    pub dz: Seq,
    pub d_eh: Seq,
    pub d_enc_in: Seq,
    pub dpx: Seq,
    pub da: Seq,
    pub dhz_b: Seq,
    pub carry_b: Seq,
    pub d_gi_b: Seq,
    pub d_gh_b: Seq,
    pub dx_b: Seq,
}

impl VrnnBuffers {
    pub fn new(gpu: &Gpu, dims: Dims, backward_inference: bool) -> VrnnBuffers {
        let Dims { t, r, d, f, h, l, e, .. } = dims;
        let seq = |label: &str, blocks: usize, width: usize| Seq::new(gpu, label, blocks, r, width);
        let tb = if backward_inference { t } else { 1 };
        VrnnBuffers {
            dims,
            x: seq("vrnn x", t, d),
            eps: seq("vrnn eps", t, l),
            w: seq("vrnn row weights", t, 1),
            row_stats: seq("vrnn row stats", t, 4),
            kl: seq("vrnn kl", t, 1),
            gru_in: seq("vrnn gru_in", t, 2 * f),
            enc_in: seq("vrnn enc_in", t, e + h),
            eh: seq("vrnn eh", t, f),
            post: seq("vrnn post", t, 2 * l),
            z: seq("vrnn z", t, l),
            dec_in: seq("vrnn dec_in", t, f + h),
            gi: seq("vrnn gi", t, 3 * h),
            gh: seq("vrnn gh", t, 3 * h),
            tape: seq("vrnn tape", t, 3 * h),
            h: seq("vrnn h", t + 1, h),
            ph: seq("vrnn ph", t, f),
            prior: seq("vrnn prior", t, 2 * l),
            dh: seq("vrnn dh", t, f),
            logits: seq("vrnn logits", t, d),
            gi_b: seq("vrnn gi_b", tb, 3 * h),
            gh_b: seq("vrnn gh_b", tb, 3 * h),
            tape_b: seq("vrnn tape_b", tb, 3 * h),
            a: seq("vrnn a", tb + 1, h),
            dlogits: seq("vrnn dlogits", t, d),
            d_dh: seq("vrnn d_dh", t, f),
            d_dec_pz: seq("vrnn d_dec_pz", t, f),
            d_dec_in: seq("vrnn d_dec_in", t, f + h),
            dpost: seq("vrnn dpost", t, 2 * l),
            dprior: seq("vrnn dprior", t, 2 * l),
            d_ph: seq("vrnn d_ph", t, f),
            dh_prior: seq("vrnn dh_prior", t, h),
            dh_extra: seq("vrnn dh_extra", t, h),
            dhc: [seq("vrnn dhc even", 1, h), seq("vrnn dhc odd", 1, h)],
            zero: seq("vrnn zero dh", 1, h),
            hn: seq("vrnn hn", t, h),
            an: seq("vrnn an", tb, h),
            d_gi: seq("vrnn d_gi", t, 3 * h),
            d_gh: seq("vrnn d_gh", t, 3 * h),
            d_gru_in: seq("vrnn d_gru_in", t, 2 * f),
            dh_hh: seq("vrnn dh_hh", t, h),
            dz: seq("vrnn dz", t, l),
            d_eh: seq("vrnn d_eh", t, f),
            d_enc_in: seq("vrnn d_enc_in", t, e + h),
            dpx: seq("vrnn dpx", t, f),
            da: seq("vrnn da", tb, h),
            dhz_b: seq("vrnn dhz_b", tb, h),
            carry_b: seq("vrnn carry_b", tb, h),
            d_gi_b: seq("vrnn d_gi_b", tb, 3 * h),
            d_gh_b: seq("vrnn d_gh_b", tb, 3 * h),
            dx_b: seq("vrnn dx_b", tb, f),
        }
    }
}
