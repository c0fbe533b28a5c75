//! The VRNN step's forward pass and loss as dispatches, in the order of Vrnn::forward and
//! Vrnn::image_loss (src/seq/vrnn.rs) but for the whole batch: only the recurrence runs per time
//! step; φx, the decoder, the prior and the losses run once over all T·R rows.

use super::layout::GpuModel;
use super::ops::Ops;
use super::vrnn_buffers::{Seq, VrnnBuffers};
use crate::kernels::bce_logits::BceParams;
use crate::kernels::gauss_kl::GaussKlParams;
use crate::kernels::matmul::{ACT_NONE, ACT_RELU};
use crate::kernels::vrnn_metrics::VrnnMetricsParams;
use crate::kernels::vrnn_reparam_forward::ReparamParams;
use crate::kernels::{Dispatch, View};

/// x, ε → every activation of the step (buffers of `b`).
pub fn forward(ops: &Ops, m: &GpuModel, b: &VrnnBuffers, out: &mut Vec<Dispatch>) {
    let d = b.dims;
    let (t_all, f, e) = (d.t, d.f, d.e);
    // φx of every row, into gru_in's first F columns.
    out.push(ops.linear(&m.phi_x, b.x.span(0, t_all), b.gru_in.span(0, t_all), ACT_RELU));
    if let Some(back) = &m.back {
        // a_t = GRU_back(φx_t, a_{t+1}) for t = T−1..0; a[T] = 0.
        out.push(ops.linear(&back.ih, b.gru_in.span(0, t_all), b.gi_b.span(0, t_all), ACT_NONE));
        for t in (0..t_all).rev() {
            out.push(ops.linear(&back.hh, b.a.at(t + 1), b.gh_b.at(t), ACT_NONE));
            out.push(ops.gru_forward(b.gi_b.at(t), b.gh_b.at(t), b.a.at(t + 1), b.an.at(t), b.tape_b.at(t)));
            out.push(ops.add(d.h, b.a.at(t).cols(0), &[b.an.at(t).cols(0)], false, None));
        }
        out.push(ops.add(d.h, b.enc_in.span(0, t_all).cols(0), &[b.a.span(0, t_all).cols(0)], false, None));
    } else {
        out.push(ops.add(f, b.enc_in.span(0, t_all).cols(0), &[b.gru_in.span(0, t_all).cols(0)], false, None));
    }
    let rp = ReparamParams { rows: d.r as u32, latent: d.l as u32, _pad: [0; 2] };
    for t in 0..t_all {
        // Posterior from [summary_t, h_{t−1}], z_t, φz_t; then h_t = GRU([φx_t, φz_t], h_{t−1}).
        out.push(ops.add(d.h, b.enc_in.at(t).cols(e), &[b.h.at(t).cols(0)], false, None));
        out.push(ops.linear(&m.encoder[0], b.enc_in.at(t), b.eh.at(t), ACT_RELU));
        out.push(ops.linear(&m.encoder[1], b.eh.at(t), b.post.at(t), ACT_NONE));
        out.push(ops.k.reparam_forward.dispatch(
            ops.gpu,
            rp,
            b.post.at(t).view(),
            b.eps.at(t).view(),
            b.z.at(t).view(),
        ));
        out.push(ops.linear(&m.phi_z, b.z.at(t), b.dec_in.at(t), ACT_RELU));
        out.push(ops.add(f, b.gru_in.at(t).cols(f), &[b.dec_in.at(t).cols(0)], false, None));
        out.push(ops.linear(&m.rnn.ih, b.gru_in.at(t), b.gi.at(t), ACT_NONE));
        out.push(ops.linear(&m.rnn.hh, b.h.at(t), b.gh.at(t), ACT_NONE));
        out.push(ops.gru_forward(b.gi.at(t), b.gh.at(t), b.h.at(t), b.hn.at(t), b.tape.at(t)));
        out.push(ops.add(d.h, b.h.at(t + 1).cols(0), &[b.hn.at(t).cols(0)], false, None));
    }
    // Decoder from [φz_t, h_{t−1}] and prior from h_{t−1}: no recurrence, all steps at once.
    let hs = b.h.span(0, t_all);
    out.push(ops.add(d.h, b.dec_in.span(0, t_all).cols(f), &[hs.cols(0)], false, None));
    out.push(ops.linear(&m.decoder[0], b.dec_in.span(0, t_all), b.dh.span(0, t_all), ACT_RELU));
    out.push(ops.linear(&m.decoder[1], b.dh.span(0, t_all), b.logits.span(0, t_all), ACT_NONE));
    out.push(ops.linear(&m.prior[0], hs, b.ph.span(0, t_all), ACT_RELU));
    out.push(ops.linear(&m.prior[1], b.ph.span(0, t_all), b.prior.span(0, t_all), ACT_NONE));
}

/// Loss terms and their gradients: BCE and σ(ℓ) − x (weighted per row by w), KL(q ‖ p) per row
/// and its gradient in both heads, the step's means into record `step.slot` of `metrics`.
pub fn loss<'a>(ops: &Ops, b: &'a VrnnBuffers, step: View, metrics: View, out: &mut Vec<Dispatch>) {
    let d = b.dims;
    let rows = (d.t * d.r) as u32;
    let all = |s: &'a Seq| s.span(0, d.t).view();
    let bce = BceParams {
        rows,
        pixels: d.d as u32,
        ld_x: d.d as u32,
        rep: 1,
        grad_scale: 0.0,
        write_grad: 1,
        scale_from_stats: 1,
        _pad: 0,
    };
    let k = &ops.k;
    out.push(k.base.bce_logits.dispatch(ops.gpu, bce, all(&b.logits), all(&b.x), all(&b.dlogits), all(&b.row_stats)));
    let kp = GaussKlParams { rows, latent: d.l as u32, _pad: [0; 2] };
    out.push(k.gauss_kl.dispatch(ops.gpu, kp, all(&b.post), all(&b.prior), all(&b.kl)));
    out.push(k.gauss_kl_backward.dispatch(
        ops.gpu,
        kp,
        false,
        all(&b.post),
        all(&b.prior),
        all(&b.w),
        all(&b.dpost),
        all(&b.dprior),
    ));
    let mp = VrnnMetricsParams { rows: d.r as u32, steps: d.t as u32, record: record_len(d.t) as u32, _pad: 0 };
    out.push(k.metrics.dispatch(ops.gpu, mp, step, all(&b.row_stats), all(&b.kl), all(&b.w), metrics));
}

/// Floats per metrics record: loss, recon, KL, ‖g‖, then KL per time step.
pub fn record_len(steps: usize) -> usize {
    4 + steps
}
