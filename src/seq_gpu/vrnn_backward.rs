//! The VRNN step's exact gradient as dispatches (Vrnn::backward in src/seq/vrnn_backward.rs): the
//! decoder and prior parts for all steps at once, BPTT per step through the GRU and the posterior
//! path, the backward GRU (backward inference), then every weight gradient in one matmul each.

use super::layout::GpuModel;
use super::ops::Ops;
use super::vrnn_buffers::{Seq, VrnnBuffers};
use crate::kernels::Dispatch;
use crate::kernels::vrnn_reparam_forward::ReparamParams;

pub fn backward<'a>(ops: &Ops, m: &GpuModel, b: &'a VrnnBuffers, out: &mut Vec<Dispatch>) {
    let d = b.dims;
    let (n, f, h, e) = (d.t, d.f, d.h, d.e);
    let all = |s: &'a Seq| s.span(0, n);
    // Decoder: dlogits → d(hidden) (ReLU'), → d[φz | h]; the φz half with ReLU'(φz) separately.
    out.push(ops.linear_dx(&m.decoder[1], all(&b.dlogits), all(&b.d_dh), f, Some(all(&b.dh))));
    out.push(ops.linear_dx(&m.decoder[0], all(&b.d_dh), all(&b.d_dec_pz), f, Some(all(&b.dec_in))));
    out.push(ops.linear_dx(&m.decoder[0], all(&b.d_dh), all(&b.d_dec_in), f + h, None));
    // Prior: d(head) from the KL → d(hidden) (ReLU') → dh_{t−1}.
    out.push(ops.linear_dx(&m.prior[1], all(&b.dprior), all(&b.d_ph), f, Some(all(&b.ph))));
    out.push(ops.linear_dx(&m.prior[0], all(&b.d_ph), all(&b.dh_prior), h, None));
    out.push(ops.add(h, all(&b.dh_extra).cols(0), &[all(&b.d_dec_in).cols(f), all(&b.dh_prior).cols(0)], false, None));
    let rp = ReparamParams { rows: d.r as u32, latent: d.l as u32, _pad: [0; 2] };
    for t in (0..n).rev() {
        // GRU: dh_t → gate gradients, d[φx_t | φz_t] (both ReLU outputs), dh_{t−1} parts.
        let dh_next = if t + 1 == n { b.zero.at(0) } else { b.dhc[(t + 1) % 2].at(0) };
        let dh_prev = b.dhc[t % 2].at(0);
        out.push(ops.gru_backward(dh_next, b.tape.at(t), b.gh.at(t), b.h.at(t), b.d_gi.at(t), b.d_gh.at(t), dh_prev));
        out.push(ops.linear_dx(&m.rnn.ih, b.d_gi.at(t), b.d_gru_in.at(t), 2 * f, Some(b.gru_in.at(t))));
        out.push(ops.linear_dx(&m.rnn.hh, b.d_gh.at(t), b.dh_hh.at(t), h, None));
        // φz_t feeds the GRU and the decoder; then z_t, the posterior head (KL term already there).
        out.push(ops.add(f, b.d_dec_pz.at(t).cols(0), &[b.d_gru_in.at(t).cols(f)], true, None));
        out.push(ops.linear_dx(&m.phi_z, b.d_dec_pz.at(t), b.dz.at(t), d.l, None));
        out.push(ops.k.reparam_backward.dispatch(
            ops.gpu,
            rp,
            b.post.at(t).view(),
            b.eps.at(t).view(),
            b.dz.at(t).view(),
            b.dpost.at(t).view(),
        ));
        out.push(ops.linear_dx(&m.encoder[1], b.dpost.at(t), b.d_eh.at(t), f, Some(b.eh.at(t))));
        out.push(ops.linear_dx(&m.encoder[0], b.d_eh.at(t), b.d_enc_in.at(t), e + h, None));
        // dh_{t−1} = z ⊙ dh_t (gru_backward) + W_hh part + posterior part + decoder and prior parts.
        let sources = [b.dh_hh.at(t).cols(0), b.d_enc_in.at(t).cols(e), b.dh_extra.at(t).cols(0)];
        out.push(ops.add(h, dh_prev.cols(0), &sources, true, None));
    }
    let gru_x = all(&b.gru_in);
    if let Some(back) = &m.back {
        // The backward GRU ran t = T−1..0, so its BPTT runs t = 0..T−1: a_t's gradient is the
        // posterior's plus what a_{t−1}'s step sent back.
        for t in 0..n {
            let mut sources = vec![b.d_enc_in.at(t).cols(0)];
            if t > 0 {
                sources.extend([b.dhz_b.at(t - 1).cols(0), b.carry_b.at(t - 1).cols(0)]);
            }
            out.push(ops.add(h, b.da.at(t).cols(0), &sources, false, None));
            out.push(ops.gru_backward(
                b.da.at(t),
                b.tape_b.at(t),
                b.gh_b.at(t),
                b.a.at(t + 1),
                b.d_gi_b.at(t),
                b.d_gh_b.at(t),
                b.dhz_b.at(t),
            ));
            out.push(ops.linear_dx(&back.hh, b.d_gh_b.at(t), b.carry_b.at(t), h, None));
        }
        out.push(ops.linear_dx(&back.ih, all(&b.d_gi_b), all(&b.dx_b), f, Some(gru_x)));
        let sources = [all(&b.d_gru_in).cols(0), all(&b.dx_b).cols(0)];
        out.push(ops.add(f, all(&b.dpx).cols(0), &sources, false, None));
        out.push(ops.linear_dw(&back.ih, all(&b.d_gi_b), gru_x));
        out.push(ops.linear_dw(&back.hh, all(&b.d_gh_b), b.a.span(1, n + 1)));
    } else {
        // φx_t feeds the GRU (already ReLU-masked) and the posterior (masked here).
        let sources = [all(&b.d_gru_in).cols(0), all(&b.d_enc_in).cols(0)];
        out.push(ops.add(f, all(&b.dpx).cols(0), &sources, false, Some(gru_x.cols(0))));
    }
    let hs = b.h.span(0, n);
    out.push(ops.linear_dw(&m.phi_x, all(&b.dpx), all(&b.x)));
    out.push(ops.linear_dw(&m.phi_z, all(&b.d_dec_pz), all(&b.z)));
    out.push(ops.linear_dw(&m.prior[0], all(&b.d_ph), hs));
    out.push(ops.linear_dw(&m.prior[1], all(&b.dprior), all(&b.ph)));
    out.push(ops.linear_dw(&m.encoder[0], all(&b.d_eh), all(&b.enc_in)));
    out.push(ops.linear_dw(&m.encoder[1], all(&b.dpost), all(&b.eh)));
    out.push(ops.linear_dw(&m.decoder[0], all(&b.d_dh), all(&b.dec_in)));
    out.push(ops.linear_dw(&m.decoder[1], all(&b.dlogits), all(&b.dh)));
    out.push(ops.linear_dw(&m.rnn.ih, all(&b.d_gi), gru_x));
    out.push(ops.linear_dw(&m.rnn.hh, all(&b.d_gh), hs));
}
