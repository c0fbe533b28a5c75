//! The latent ODE's forward pass over a whole batch as a list of dispatches: the GRU encoder over the
//! observed points (last first), q(z0) and its KL, RK4 with the tanh field, the relu decoder at every
//! grid point and the masked likelihood; step_reduce puts the batch means into the metrics ring.

use super::ode_buffers::view;
use super::ode_layout::*;
use super::ode_step::Ctx;
use crate::kernels::Dispatch;
use crate::kernels::gauss_kl::GaussKlParams;
use crate::kernels::gru_forward::GruParams;
use crate::kernels::matmul::{ACT_NONE, ACT_RELU, ACT_TANH};
use crate::kernels::ode_mse::OdeMseParams;
use crate::kernels::ode_reparam::RowsParams;
use crate::kernels::rk4_combine::{output_weights, stage_coefficient};
use crate::kernels::step_reduce::StepReduceParams;

pub fn forward(cx: &Ctx) -> Vec<Dispatch> {
    let mut out = encoder(cx);
    out.extend(solve(cx));
    out.extend(decoder(cx));
    out
}

fn encoder(cx: &Ctx) -> Vec<Dispatch> {
    let (s, b, k, lin) = (cx.shape, cx.buffers, cx.kernels, cx.linear());
    let (hd, l) = (s.config.hidden as u32, s.config.latent);
    let (t, rows, stride) = (s.enc_steps, s.batch as u32, s.stride);
    let h3 = 3 * hd as usize;
    let mut out = Vec::new();
    // gi = x·W_ihᵀ + b_ih for every step at once; then per step gh, the cell, and the mask.
    let x_all = view(&b.inputs, cx.inputs.enc_x, t * stride * 3);
    out.push(lin.forward(
        cx.params(GRU_W_IH, GRU_B_IH),
        (t * stride) as u32,
        ACT_NONE,
        x_all,
        view(&b.gi, 0, t * stride * h3),
    ));
    let gru = GruParams { rows, hidden: hd, _pad: [0; 2] };
    let mask = RowsParams { rows, cols: hd, _pad: [0; 2] };
    for step in 0..t {
        let block = |buf, width: usize| view(buf, step * stride * width, stride * width);
        let h_prev = view(&b.hs, step * stride * hd as usize, stride * hd as usize);
        let h_next = view(&b.hs, (step + 1) * stride * hd as usize, stride * hd as usize);
        out.push(lin.forward(cx.params(GRU_W_HH, GRU_B_HH), rows, ACT_NONE, h_prev, block(&b.gh, h3)));
        let h_new = view(&b.h_new, 0, stride * hd as usize);
        out.push(k.gru_forward.dispatch(
            cx.gpu,
            gru,
            block(&b.gi, h3),
            block(&b.gh, h3),
            h_prev,
            h_new,
            block(&b.tape, h3),
        ));
        out.push(k.mask_rows.dispatch(
            cx.gpu,
            mask,
            view(&b.inputs, cx.inputs.enc_mask + step * stride, stride),
            h_new,
            h_next,
        ));
    }
    let h_last = view(&b.hs, t * stride * hd as usize, stride * hd as usize);
    let mulv = view(&b.mulv, 0, stride * 2 * l);
    out.push(lin.forward(cx.params(HEAD_W, HEAD_B), rows, ACT_NONE, h_last, mulv));
    let kl = GaussKlParams { rows, latent: l as u32, _pad: [0; 2] };
    out.push(k.gauss_kl.dispatch(cx.gpu, kl, mulv, view(&b.zeros, 0, stride * 2 * l), view(&b.kl, 0, stride)));
    let z0 = view(&b.u, 0, stride * l);
    let rp = RowsParams { rows, cols: l as u32, _pad: [0; 2] };
    out.push(k.ode_reparam.dispatch(cx.gpu, rp, mulv, view(&b.inputs, cx.inputs.eps, stride * l), z0));
    out
}

/// RK4 from z0 over `intervals` grid intervals of `substeps` steps; every stage's input and hidden
/// activation stay in their eval slots for the backward pass.
fn solve(cx: &Ctx) -> Vec<Dispatch> {
    let (s, b, k, lin) = (cx.shape, cx.buffers, cx.kernels, cx.linear());
    let (l, m) = (s.config.latent, s.config.field_hidden);
    let (rows, stride, subs) = (s.batch as u32, s.stride, s.config.substeps);
    let h = s.h();
    let u = |slot: usize| view(&b.u, slot * stride * l, stride * l);
    let a = |slot: usize| view(&b.a, slot * stride * m, stride * m);
    let kk = |stage: usize| view(&b.k, stage * stride * l, stride * l);
    let n = rows * l as u32;
    // z_cur = z0; each substep reads its start from z_cur (stage inputs, RK4 sum into the next
    // stage-0 slot) and then copies that slot back into z_cur.
    let z = view(&b.z_cur, 0, stride * l);
    let mut out = vec![k.rk4.axpy(cx.gpu, n, 1.0, u(0), 0.0, u(0), z)];
    for g in 0..s.intervals {
        for j in 0..subs {
            for stage in 0..4 {
                let slot = s.eval_slot(stage, j, g);
                if stage > 0 {
                    out.push(k.rk4.axpy(cx.gpu, n, 1.0, z, stage_coefficient(h, stage), kk(stage - 1), u(slot)));
                }
                out.push(lin.forward(cx.params(FIELD1_W, FIELD1_B), rows, ACT_TANH, u(slot), a(slot)));
                out.push(lin.forward(cx.params(FIELD2_W, FIELD2_B), rows, ACT_NONE, a(slot), kk(stage)));
            }
            let next = if j + 1 < subs { s.eval_slot(0, j + 1, g) } else { s.eval_slot(0, 0, g + 1) };
            out.push(k.rk4.combine4(cx.gpu, n, z, output_weights(h), [kk(0), kk(1), kk(2), kk(3)], u(next)));
            if g + 1 < s.intervals || j + 1 < subs {
                out.push(k.rk4.axpy(cx.gpu, n, 1.0, u(next), 0.0, u(next), z));
            }
        }
    }
    out
}

/// x̂ at every grid point (the stage-0 slots of substep 0 are one block [points, stride, L]), the
/// masked likelihood with dL/dx̂, and the batch means.
fn decoder(cx: &Ctx) -> Vec<Dispatch> {
    let (s, b, k, lin) = (cx.shape, cx.buffers, cx.kernels, cx.linear());
    let (l, d, stride) = (s.config.latent, s.config.decoder_hidden, s.stride);
    let rows = s.points() * stride;
    let z = view(&b.u, 0, rows * l);
    let a_dec = view(&b.a_dec, 0, rows * d);
    let xhat = view(&b.xhat, 0, rows * 2);
    let mut out = vec![
        lin.forward(cx.params(DEC1_W, DEC1_B), rows as u32, ACT_RELU, z, a_dec),
        lin.forward(cx.params(DEC2_W, DEC2_B), rows as u32, ACT_NONE, a_dec, xhat),
    ];
    let sigma = s.config.sigma;
    let p = OdeMseParams {
        rows: s.batch as u32,
        stride: stride as u32,
        points: s.points() as u32,
        _pad0: 0,
        inv_var: (1.0 / (sigma * sigma)) as f32,
        scale: (1.0 / s.batch as f64) as f32,
        _pad1: [0; 2],
    };
    let obs = view(&b.inputs, cx.inputs.x_obs, rows * 2);
    let mask = view(&b.inputs, cx.inputs.obs_mask, rows);
    let stats = view(&b.row_stats, 0, stride * 4);
    out.push(k.ode_mse.dispatch(
        cx.gpu,
        p,
        xhat,
        obs,
        mask,
        view(&b.kl, 0, stride),
        view(&b.dxhat, 0, rows * 2),
        stats,
    ));
    let reduce = StepReduceParams { rows: s.batch as u32, rep: 1, iwae: 0, _pad: 0 };
    let metrics = crate::kernels::View::whole(&b.metrics);
    out.push(k.step_reduce.dispatch(cx.gpu, reduce, cx.ring.view(), stats, metrics, view(&b.kl_weight, 0, 4)));
    out
}
