//! The latent ODE's backward pass over a whole batch, reverse of ode_forward.rs: decoder, the RK4
//! substeps back in time (each observed grid point adds its decoder gradient), q(z0), the head and
//! BPTT through the GRU; every weight gradient is one matmul over all the time steps' rows at once.

use super::ode_buffers::view;
use super::ode_layout::*;
use super::ode_step::Ctx;
use crate::kernels::Dispatch;
use crate::kernels::gru_forward::GruParams;
use crate::kernels::matmul::{ACT_NONE, ACT_RELU, ACT_TANH};
use crate::kernels::ode_reparam::RowsParams;
use crate::kernels::reparam_backward::ReparamBackwardParams;
use crate::kernels::rk4_combine::{output_weights, stage_coefficient};

pub fn backward(cx: &Ctx) -> Vec<Dispatch> {
    let mut out = decoder(cx);
    out.extend(solve(cx));
    out.extend(encoder(cx));
    out
}

fn decoder(cx: &Ctx) -> Vec<Dispatch> {
    let (s, b, lin) = (cx.shape, cx.buffers, cx.linear());
    let (l, d) = (s.config.latent, s.config.decoder_hidden);
    let rows = s.points() * s.stride;
    let (z, a_dec) = (view(&b.u, 0, rows * l), view(&b.a_dec, 0, rows * d));
    let (dxhat, da_dec, dz_dec) =
        (view(&b.dxhat, 0, rows * 2), view(&b.da_dec, 0, rows * d), view(&b.dz_dec, 0, rows * l));
    let r = rows as u32;
    vec![
        lin.input_grad(cx.params(DEC2_W, DEC2_B), r, ACT_RELU, Some(a_dec), dxhat, da_dec),
        lin.input_grad(cx.params(DEC1_W, DEC1_B), r, ACT_NONE, None, da_dec, dz_dec),
        lin.weight_grad(cx.grads(DEC2_W, DEC2_B), r, dxhat, a_dec),
        lin.weight_grad(cx.grads(DEC1_W, DEC1_B), r, da_dec, z),
    ]
}

/// Back through every substep: dk_s = w_s dz' + c_{s+1} h du_{s+1}, the field's VJP at each stage
/// (tanh' fused), dz = dz' + Σ du_s; at grid point g the decoder's dL/dz_g joins. Then the field's
/// weight gradients over all eval slots (unused slots are zero in both factors).
fn solve(cx: &Ctx) -> Vec<Dispatch> {
    let (s, b, k, lin) = (cx.shape, cx.buffers, cx.kernels, cx.linear());
    let (l, m) = (s.config.latent, s.config.field_hidden);
    let (rows, stride, subs) = (s.batch as u32, s.stride, s.config.substeps);
    let (h, w) = (s.h(), output_weights(s.h()));
    let n = rows * l as u32;
    let a = |slot: usize| view(&b.a, slot * stride * m, stride * m);
    let da = |slot: usize| view(&b.da, slot * stride * m, stride * m);
    let dk = |slot: usize| view(&b.dk, slot * stride * l, stride * l);
    let du = |stage: usize| view(&b.du, stage * stride * l, stride * l);
    let dz = |i: usize| view(&b.dz[i % 2], 0, stride * l);
    let dz_dec = |g: usize| view(&b.dz_dec, g * stride * l, stride * l);
    let mut out = Vec::new();
    let mut cur = dz_dec(s.intervals);
    let mut flips = 0;
    for g in (0..s.intervals).rev() {
        for j in (0..subs).rev() {
            for stage in (0..4).rev() {
                let slot = s.eval_slot(stage, j, g);
                let (coef, from) =
                    if stage == 3 { (0.0, cur) } else { (stage_coefficient(h, stage + 1), du(stage + 1)) };
                out.push(k.rk4.axpy(cx.gpu, n, w[stage], cur, coef, from, dk(slot)));
                out.push(lin.input_grad(
                    cx.params(FIELD2_W, FIELD2_B),
                    rows,
                    ACT_TANH,
                    Some(a(slot)),
                    dk(slot),
                    da(slot),
                ));
                out.push(lin.input_grad(cx.params(FIELD1_W, FIELD1_B), rows, ACT_NONE, None, da(slot), du(stage)));
            }
            out.push(k.rk4.combine4(cx.gpu, n, cur, [1.0; 4], [du(0), du(1), du(2), du(3)], dz(flips)));
            cur = dz(flips);
            flips += 1;
        }
        out.push(k.rk4.axpy(cx.gpu, n, 1.0, cur, 1.0, dz_dec(g), dz(flips)));
        cur = dz(flips);
        flips += 1;
    }
    let all = (s.eval_slots() * stride) as u32;
    let (u_all, a_all) = (view(&b.u, 0, all as usize * l), view(&b.a, 0, all as usize * m));
    let (dk_all, da_all) = (view(&b.dk, 0, all as usize * l), view(&b.da, 0, all as usize * m));
    out.push(lin.weight_grad(cx.grads(FIELD2_W, FIELD2_B), all, dk_all, a_all));
    out.push(lin.weight_grad(cx.grads(FIELD1_W, FIELD1_B), all, da_all, u_all));
    out
}

/// Where solve() leaves dL/dz0: the dz ping-pong slot written last.
fn dz0_slot(s: &OdeShape) -> usize {
    let flips = s.intervals * (s.config.substeps + 1);
    (flips + 1) % 2
}

fn encoder(cx: &Ctx) -> Vec<Dispatch> {
    let (s, b, k, lin) = (cx.shape, cx.buffers, cx.kernels, cx.linear());
    let (hd, l) = (s.config.hidden, s.config.latent);
    let (t, rows, stride) = (s.enc_steps, s.batch as u32, s.stride);
    let h3 = 3 * hd;
    let mut out = Vec::new();
    // dz0 → d(μ | logvar) with the KL's gradient (weight 1/batch), then the head.
    let dz0 = if s.intervals == 0 { view(&b.dz_dec, 0, stride * l) } else { view(&b.dz[dz0_slot(s)], 0, stride * l) };
    let mulv = view(&b.mulv, 0, stride * 2 * l);
    let dmulv = view(&b.dmulv, 0, stride * 2 * l);
    let rp = ReparamBackwardParams {
        in_rows: rows,
        latent: l as u32,
        rep: 1,
        ld_dz: l as u32,
        kl_scale: (1.0 / s.batch as f64) as f32,
        iwae: 0,
        _pad: [0; 2],
    };
    let eps = view(&b.inputs, cx.inputs.eps, stride * l);
    out.push(k.reparam_backward.dispatch(cx.gpu, rp, dz0, eps, mulv, view(&b.kl_weight, 0, 4), cx.dummy(), dmulv));
    let h_last = view(&b.hs, t * stride * hd, stride * hd);
    out.push(lin.weight_grad(cx.grads(HEAD_W, HEAD_B), rows, dmulv, h_last));
    let dh = |i: usize| view(&b.dh, (i % 2) * stride * hd, stride * hd);
    out.push(lin.input_grad(cx.params(HEAD_W, HEAD_B), rows, ACT_NONE, None, dmulv, dh(0)));
    // BPTT, last step first: mask, the cell's backward, dh = z ⊙ dh' + d_gh·W_hh.
    let gru = GruParams { rows, hidden: hd as u32, _pad: [0; 2] };
    let mask = RowsParams { rows, cols: hd as u32, _pad: [0; 2] };
    for (i, step) in (0..t).rev().enumerate() {
        let block = |buf, width: usize| view(buf, step * stride * width, stride * width);
        let h_prev = view(&b.hs, step * stride * hd, stride * hd);
        let (dh_direct, dh_hidden) = (view(&b.dh_direct, 0, stride * hd), view(&b.dh_hidden, 0, stride * hd));
        let dh_masked = view(&b.dh_masked, 0, stride * hd);
        out.push(k.mask_rows.dispatch(
            cx.gpu,
            mask,
            view(&b.inputs, cx.inputs.enc_mask + step * stride, stride),
            dh(i),
            dh_masked,
        ));
        out.push(k.gru_backward.dispatch(
            cx.gpu,
            gru,
            dh_masked,
            block(&b.tape, h3),
            block(&b.gh, h3),
            h_prev,
            block(&b.d_gi, h3),
            block(&b.d_gh, h3),
            dh_direct,
        ));
        if step > 0 {
            out.push(lin.input_grad(
                cx.params(GRU_W_HH, GRU_B_HH),
                rows,
                ACT_NONE,
                None,
                block(&b.d_gh, h3),
                dh_hidden,
            ));
            out.push(k.rk4.axpy(cx.gpu, rows * hd as u32, 1.0, dh_direct, 1.0, dh_hidden, dh(i + 1)));
        }
    }
    let all = (t * stride) as u32;
    let x_all = view(&b.inputs, cx.inputs.enc_x, t * stride * 3);
    out.push(lin.weight_grad(cx.grads(GRU_W_IH, GRU_B_IH), all, view(&b.d_gi, 0, t * stride * h3), x_all));
    let h_all = view(&b.hs, 0, t * stride * hd);
    out.push(lin.weight_grad(cx.grads(GRU_W_HH, GRU_B_HH), all, view(&b.d_gh, 0, t * stride * h3), h_all));
    out
}
