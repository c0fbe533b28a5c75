//! Every buffer of the GPU latent ODE step, allocated once for an `OdeShape`: parameters, gradients
//! and Adam moments (padded layout), the step's inputs, and the activations kept for the backward.

use super::ode_layout::{InputLayout, OdeShape, PaddedParams};
use crate::gpu::Gpu;
use crate::kernels::View;

pub struct OdeBuffers {
    pub params: wgpu::Buffer,
    pub grads: wgpu::Buffer,
    pub adam_m: wgpu::Buffer,
    pub adam_v: wgpu::Buffer,
    /// One step's inputs (InputLayout).
    pub inputs: wgpu::Buffer,
    /// The prior's (μ | logvar) = 0 for gauss_kl.
    pub zeros: wgpu::Buffer,
    /// Encoder: gi, gh, tape [T, stride, 3H]; hs [T + 1, stride, H] (hs[0] = 0, the initial state).
    pub gi: wgpu::Buffer,
    pub gh: wgpu::Buffer,
    pub tape: wgpu::Buffer,
    pub hs: wgpu::Buffer,
    /// The cell's output before its mask writes it into hs (wgpu allows no read and write binding
    /// of one buffer in a dispatch, so every "in place" step goes through a second buffer).
    pub h_new: wgpu::Buffer,
    /// q(z0)'s head [stride, 2L], per-row KL [stride], (recon, KL, ·, ·) rows [stride, 4].
    pub mulv: wgpu::Buffer,
    pub kl: wgpu::Buffer,
    pub row_stats: wgpu::Buffer,
    /// Field evaluations [eval slots, stride, ·]: stage inputs u and hidden a, and their gradients.
    pub u: wgpu::Buffer,
    pub a: wgpu::Buffer,
    pub dk: wgpu::Buffer,
    pub da: wgpu::Buffer,
    /// k1..k4 of the substep being taken, and the stage inputs' gradients du1..du4 [4, stride, L].
    pub k: wgpu::Buffer,
    pub du: wgpu::Buffer,
    /// The state the substep starts from, a copy of its stage-0 slot [stride, L].
    pub z_cur: wgpu::Buffer,
    /// Decoder over every grid point [points, stride, ·].
    pub a_dec: wgpu::Buffer,
    pub xhat: wgpu::Buffer,
    pub dxhat: wgpu::Buffer,
    pub da_dec: wgpu::Buffer,
    pub dz_dec: wgpu::Buffer,
    /// dL/dz ping-pong, two buffers [stride, L]; dL/d(μ | logvar) [stride, 2L].
    pub dz: [wgpu::Buffer; 2],
    pub dmulv: wgpu::Buffer,
    /// dL/dh ping-pong [2, stride, H]; gru_backward's direct part and the W_hh part [stride, H].
    pub dh: wgpu::Buffer,
    /// dL/dh' masked, gru_backward's input [stride, H].
    pub dh_masked: wgpu::Buffer,
    pub dh_direct: wgpu::Buffer,
    pub dh_hidden: wgpu::Buffer,
    pub d_gi: wgpu::Buffer,
    pub d_gh: wgpu::Buffer,
    /// step_reduce's rows (recon, KL, loss, KL weight) per ring slot, its KL weight (always 1 here),
    /// and the gradient norm per slot from ode_clip.
    pub metrics: wgpu::Buffer,
    pub kl_weight: wgpu::Buffer,
    pub norms: wgpu::Buffer,
}

impl OdeBuffers {
    pub fn new(gpu: &Gpu, s: &OdeShape, padded: &PaddedParams, inputs: &InputLayout, slots: usize) -> Self {
        let c = &s.config;
        let (h, l, m, d) = (c.hidden, c.latent, c.field_hidden, c.decoder_hidden);
        let (t, p, rows) = (s.enc_steps, s.points(), s.stride);
        let evals = s.eval_slots();
        let f = |label: &str, floats: usize| gpu.storage(label, floats as u64 * 4);
        OdeBuffers {
            params: f("ode params", padded.len),
            grads: f("ode grads", padded.len),
            adam_m: f("ode adam m", padded.len),
            adam_v: f("ode adam v", padded.len),
            inputs: f("ode inputs", inputs.len),
            zeros: f("ode zeros", rows * 2 * l),
            gi: f("ode gi", t * rows * 3 * h),
            gh: f("ode gh", t * rows * 3 * h),
            tape: f("ode gru tape", t * rows * 3 * h),
            hs: f("ode hs", (t + 1) * rows * h),
            h_new: f("ode h_new", rows * h),
            mulv: f("ode mulv", rows * 2 * l),
            kl: f("ode kl", rows),
            row_stats: f("ode row stats", rows * 4),
            u: f("ode u", evals * rows * l),
            a: f("ode a", evals * rows * m),
            dk: f("ode dk", evals * rows * l),
            da: f("ode da", evals * rows * m),
            k: f("ode k", 4 * rows * l),
            du: f("ode du", 4 * rows * l),
            z_cur: f("ode z_cur", rows * l),
            a_dec: f("ode a_dec", p * rows * d),
            xhat: f("ode xhat", p * rows * 2),
            dxhat: f("ode dxhat", p * rows * 2),
            da_dec: f("ode da_dec", p * rows * d),
            dz_dec: f("ode dz_dec", p * rows * l),
            dz: [f("ode dz 0", rows * l), f("ode dz 1", rows * l)],
            dmulv: f("ode dmulv", rows * 2 * l),
            dh: f("ode dh", 2 * rows * h),
            dh_masked: f("ode dh masked", rows * h),
            dh_direct: f("ode dh direct", rows * h),
            dh_hidden: f("ode dh hidden", rows * h),
            d_gi: f("ode d_gi", t * rows * 3 * h),
            d_gh: f("ode d_gh", t * rows * 3 * h),
            metrics: f("ode metrics", slots * 4),
            kl_weight: f("ode kl weight", 4),
            norms: f("ode grad norms", slots),
        }
    }
}

/// `len` floats of `buffer` from float `start` (which the layouts keep 64-float aligned).
pub fn view(buffer: &wgpu::Buffer, start: usize, len: usize) -> View<'_> {
    View::floats(buffer, start, len)
}
