//! The sequence models' WGSL kernels against their f64 oracles in src/seq/ (GRU cell, Gaussian KL,
//! RK4), on shapes that divide no workgroup size (B = 1, 7, 67; H = 5, 13, 130; L = 3, 17).

mod common;

use common::{gpu, read, run, uniform, upload};
use vaelab::gpu::Gpu;
use vaelab::kernels::View;
use vaelab::kernels::gauss_kl::{GaussKl, GaussKlParams};
use vaelab::kernels::gauss_kl_backward::GaussKlBackward;
use vaelab::kernels::gru_backward::GruBackward;
use vaelab::kernels::gru_forward::{GruForward, GruParams};
use vaelab::kernels::rk4_combine::{Rk4Combine, output_weights, stage_coefficient};
use vaelab::seq::gauss_kl::{KlGrad, kl, kl_backward};
use vaelab::seq::gru::Gru;
use vaelab::seq::rk4::{self, VectorField};

const ROWS: [usize; 3] = [1, 7, 67];
const HIDDEN: [usize; 3] = [5, 13, 130];
const LATENT: [usize; 2] = [3, 17];

/// Asserts |gpu − oracle| ≤ atol + rtol·|oracle| everywhere, listing the first mismatches with
/// their indices; returns the largest absolute error (printed with --nocapture).
fn compare(what: &str, gpu: &[f32], oracle: &[f64], atol: f64, rtol: f64) -> f64 {
    assert_eq!(gpu.len(), oracle.len(), "{what}: length");
    let err = |i: usize| (gpu[i] as f64 - oracle[i]).abs();
    // NaN (in either) fails too.
    let bad: Vec<usize> =
        (0..gpu.len()).filter(|&i| err(i).is_nan() || err(i) > atol + rtol * oracle[i].abs()).collect();
    let first: Vec<String> =
        bad.iter().take(8).map(|&i| format!("[{i}] gpu={} oracle={} err={:.3e}", gpu[i], oracle[i], err(i))).collect();
    assert!(bad.is_empty(), "{what}: {} of {} differ; first: {}", bad.len(), gpu.len(), first.join(", "));
    let max = (0..gpu.len()).map(err).fold(0.0, f64::max);
    eprintln!("{what}: max abs error {max:.3e} over {} values", gpu.len());
    max
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

fn output(gpu: &Gpu, len: usize) -> wgpu::Buffer {
    // A sentinel, so an element no thread writes shows up as a mismatch.
    upload(gpu, &vec![-7.0f32; len])
}

/// Row-major y = W·v + b for one row, W: [out, in] (PyTorch nn.Linear layout).
fn affine(w: &[f64], b: &[f64], v: &[f64]) -> Vec<f64> {
    let n = v.len();
    (0..b.len()).map(|o| b[o] + (0..n).map(|c| w[o * n + c] * v[c]).sum::<f64>()).collect()
}

// ---------------------------------------------------------------------------------------------
// GRU cell

/// One GRU shape: forward (h', tape) and backward (d_gi, d_gh, dh) against Gru::forward/backward.
/// The backward's matmul half is checked too: d_gi, d_gh are the bias gradients, and
/// dh = z ⊙ dh' + d_gh·W_hh, dx = d_gi·W_ih reproduce the oracle's dh and dx.
fn check_gru(gpu: &Gpu, fwd: &GruForward, bwd: &GruBackward, rows: usize, hd: usize, max: &mut [f64; 6]) {
    let input = 3;
    let cell = Gru::new(input, hd);
    let seed = (rows * 1000 + hd) as u32;
    // Weights up to ±1 so that gates saturate somewhere; states in (−1, 1).
    let p = f64s(&uniform(seed, cell.len(), -1.0, 1.0));
    let x = f64s(&uniform(seed + 1, rows * input, -2.0, 2.0));
    let h = f64s(&uniform(seed + 2, rows * hd, -1.0, 1.0));
    let dh_next = f64s(&uniform(seed + 3, rows * hd, -1.0, 1.0));
    let h3 = 3 * hd;
    let (w_ih, rest) = p.split_at(h3 * input);
    let (w_hh, rest) = rest.split_at(h3 * hd);
    let (b_ih, b_hh) = rest.split_at(h3);

    // Oracle, row by row; gi and gh (the matmul kernels' job) computed here in f64.
    let (mut gi, mut gh) = (Vec::new(), Vec::new());
    let (mut want_h, mut want_tape) = (Vec::new(), Vec::new());
    let (mut want_dgi, mut want_dgh, mut want_dh, mut want_dx) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for b in 0..rows {
        let (xb, hb) = (&x[b * input..(b + 1) * input], &h[b * hd..(b + 1) * hd]);
        gi.extend(affine(w_ih, b_ih, xb));
        gh.extend(affine(w_hh, &b_hh[..h3], hb));
        let mut h_next = vec![0.0; hd];
        let tape = cell.forward(&p, xb, hb, &mut h_next);
        want_h.extend(h_next);
        want_tape.extend(tape.r.iter().chain(&tape.z).chain(&tape.n));
        let (mut dp, mut dx, mut dh) = (vec![0.0; cell.len()], vec![0.0; input], vec![0.0; hd]);
        cell.backward(&p, &tape, &dh_next[b * hd..(b + 1) * hd], &mut dp, &mut dx, &mut dh);
        let bias = h3 * (input + hd);
        want_dgi.extend_from_slice(&dp[bias..bias + h3]);
        want_dgh.extend_from_slice(&dp[bias + h3..bias + 2 * h3]);
        want_dh.extend(dh);
        want_dx.extend(dx);
    }

    let params = GruParams { rows: rows as u32, hidden: hd as u32, _pad: [0; 2] };
    let (g_gi, g_gh, g_h) = (upload(gpu, &f32s(&gi)), upload(gpu, &f32s(&gh)), upload(gpu, &f32s(&h)));
    let (g_hn, g_tape) = (output(gpu, rows * hd), output(gpu, rows * h3));
    let w = View::whole;
    run(gpu, &[&fwd.dispatch(gpu, params, w(&g_gi), w(&g_gh), w(&g_h), w(&g_hn), w(&g_tape))]);
    let what = format!("gru_forward B={rows} H={hd}");
    max[0] = max[0].max(compare(&format!("{what} h'"), &read(gpu, &g_hn, rows * hd), &want_h, 1e-6, 1e-5));
    max[1] = max[1].max(compare(&format!("{what} tape"), &read(gpu, &g_tape, rows * h3), &want_tape, 1e-6, 1e-5));

    // Backward from the oracle's tape (rounded to f32), so the two kernels are checked apart.
    let g_dhn = upload(gpu, &f32s(&dh_next));
    let g_otape = upload(gpu, &f32s(&want_tape));
    let (g_dgi, g_dgh, g_dh) = (output(gpu, rows * h3), output(gpu, rows * h3), output(gpu, rows * hd));
    let d = bwd.dispatch(gpu, params, w(&g_dhn), w(&g_otape), w(&g_gh), w(&g_h), w(&g_dgi), w(&g_dgh), w(&g_dh));
    run(gpu, &[&d]);
    let what = format!("gru_backward B={rows} H={hd}");
    let (dgi, dgh) = (read(gpu, &g_dgi, rows * h3), read(gpu, &g_dgh, rows * h3));
    max[2] = max[2].max(compare(&format!("{what} d_gi"), &dgi, &want_dgi, 1e-6, 1e-5));
    max[3] = max[3].max(compare(&format!("{what} d_gh"), &dgh, &want_dgh, 1e-6, 1e-5));
    // The matmul half, in f64 from the kernel's outputs: dh = direct + d_gh·W_hh, dx = d_gi·W_ih.
    let direct = read(gpu, &g_dh, rows * hd);
    let dh: Vec<f32> = (0..rows * hd)
        .map(|i| {
            let (b, c) = (i / hd, i % hd);
            let through_w: f64 = (0..h3).map(|row| dgh[b * h3 + row] as f64 * w_hh[row * hd + c]).sum();
            (direct[i] as f64 + through_w) as f32
        })
        .collect();
    let dx: Vec<f32> = (0..rows * input)
        .map(|i| {
            let (b, c) = (i / input, i % input);
            (0..h3).map(|row| dgi[b * h3 + row] as f64 * w_ih[row * input + c]).sum::<f64>() as f32
        })
        .collect();
    max[4] = max[4].max(compare(&format!("{what} dh (direct + d_gh·W_hh)"), &dh, &want_dh, 1e-5, 1e-4));
    max[5] = max[5].max(compare(&format!("{what} dx (d_gi·W_ih)"), &dx, &want_dx, 1e-5, 1e-4));
}

#[test]
fn gru_kernels_match_oracle_on_uneven_shapes() {
    let gpu = gpu();
    let (fwd, bwd) = (GruForward::new(&gpu), GruBackward::new(&gpu));
    let mut max = [0.0; 6];
    for rows in ROWS {
        for hd in HIDDEN {
            check_gru(&gpu, &fwd, &bwd, rows, hd, &mut max);
        }
    }
    eprintln!(
        "gru max abs errors: h' {:.2e}, tape {:.2e}, d_gi {:.2e}, d_gh {:.2e}, dh {:.2e}, dx {:.2e}",
        max[0], max[1], max[2], max[3], max[4], max[5]
    );
}

// ---------------------------------------------------------------------------------------------
// KL between diagonal Gaussians

/// Row b's (μ, lv) halves of a stacked [B, 2L] head.
fn halves(v: &[f64], b: usize, latent: usize) -> (&[f64], &[f64]) {
    v[b * 2 * latent..(b + 1) * 2 * latent].split_at(latent)
}

/// One KL shape: per-row KL and the weighted gradient (overwritten and accumulated) against
/// gauss_kl::kl / kl_backward. `standard` puts the prior at N(0, I), the latent ODE's case.
fn check_gauss_kl(
    gpu: &Gpu,
    fwd: &GaussKl,
    bwd: &GaussKlBackward,
    rows: usize,
    latent: usize,
    standard: bool,
) -> [f64; 2] {
    let seed = (rows * 100 + latent) as u32 + if standard { 50_000 } else { 0 };
    let n = rows * 2 * latent;
    // μ in (−2, 2), log-variances in (−3, 2): KL terms from ~0 to hundreds.
    let stacked = |s: u32| -> Vec<f64> {
        let (mu, lv) = (uniform(s, n, -2.0, 2.0), uniform(s + 1, n, -3.0, 2.0));
        (0..n).map(|i| if (i / latent).is_multiple_of(2) { mu[i] } else { lv[i] } as f64).collect()
    };
    let q = stacked(seed);
    let p = if standard { vec![0.0; n] } else { stacked(seed + 2) };
    let w = f64s(&uniform(seed + 4, rows, 0.0, 2.0));
    let init_q = f64s(&uniform(seed + 5, n, -1.0, 1.0));
    let init_p = f64s(&uniform(seed + 6, n, -1.0, 1.0));

    let mut want_kl = Vec::new();
    let (mut want_dq, mut want_dp) = (init_q.clone(), init_p.clone());
    for (b, &wb) in w.iter().enumerate() {
        let ((mu1, lv1), (mu2, lv2)) = (halves(&q, b, latent), halves(&p, b, latent));
        want_kl.push(kl(mu1, lv1, mu2, lv2));
        let r = b * 2 * latent..(b + 1) * 2 * latent;
        let (dmu1, dlv1) = want_dq[r.clone()].split_at_mut(latent);
        let (dmu2, dlv2) = want_dp[r].split_at_mut(latent);
        kl_backward(mu1, lv1, mu2, lv2, wb, KlGrad { mu1: dmu1, lv1: dlv1, mu2: dmu2, lv2: dlv2 });
    }
    let params = GaussKlParams { rows: rows as u32, latent: latent as u32, _pad: [0; 2] };
    let (g_q, g_p, g_w) = (upload(gpu, &f32s(&q)), upload(gpu, &f32s(&p)), upload(gpu, &f32s(&w)));
    let g_kl = output(gpu, rows);
    let v = View::whole;
    run(gpu, &[&fwd.dispatch(gpu, params, v(&g_q), v(&g_p), v(&g_kl))]);
    let what = format!("gauss_kl B={rows} L={latent}{}", if standard { " N(0,I) prior" } else { "" });
    let e_kl = compare(&what, &read(gpu, &g_kl, rows), &want_kl, 1e-5, 1e-5);

    let mut e_grad = 0.0f64;
    for accumulate in [false, true] {
        // Overwriting must ignore what was there; accumulating adds to it.
        let (g_dq, g_dp) = (upload(gpu, &f32s(&init_q)), upload(gpu, &f32s(&init_p)));
        let v = View::whole;
        run(gpu, &[&bwd.dispatch(gpu, params, accumulate, v(&g_q), v(&g_p), v(&g_w), v(&g_dq), v(&g_dp))]);
        let expect = |want: &[f64], init: &[f64]| -> Vec<f64> {
            if accumulate { want.to_vec() } else { want.iter().zip(init).map(|(a, b)| a - b).collect() }
        };
        let what = format!("gauss_kl_backward B={rows} L={latent} accumulate={accumulate}");
        let eq = compare(&format!("{what} dq"), &read(gpu, &g_dq, n), &expect(&want_dq, &init_q), 1e-5, 1e-5);
        let ep = compare(&format!("{what} dp"), &read(gpu, &g_dp, n), &expect(&want_dp, &init_p), 1e-5, 1e-5);
        e_grad = e_grad.max(eq).max(ep);
    }
    [e_kl, e_grad]
}

#[test]
fn gauss_kl_kernels_match_oracle_on_uneven_shapes() {
    let gpu = gpu();
    let (fwd, bwd) = (GaussKl::new(&gpu), GaussKlBackward::new(&gpu));
    let mut max = [0.0f64; 2];
    for rows in ROWS {
        for latent in LATENT {
            for standard in [false, true] {
                let e = check_gauss_kl(&gpu, &fwd, &bwd, rows, latent, standard);
                max = [max[0].max(e[0]), max[1].max(e[1])];
            }
        }
    }
    eprintln!("gauss_kl max abs errors: kl {:.2e}, gradients {:.2e}", max[0], max[1]);
}

// ---------------------------------------------------------------------------------------------
// RK4 step: the combinations on the GPU, the field (f(z) = tanh(A z + b)) on the host in f64

struct TanhField {
    dim: usize,
    /// A [D, D] row-major, then b [D].
    p: Vec<f64>,
}

impl VectorField for TanhField {
    /// (input, output)
    type Tape = (Vec<f64>, Vec<f64>);
    fn dim(&self) -> usize {
        self.dim
    }
    fn eval(&self, z: &[f64], out: &mut [f64]) -> Self::Tape {
        let d = self.dim;
        let y = affine(&self.p[..d * d], &self.p[d * d..], z);
        for i in 0..d {
            out[i] = y[i].tanh();
        }
        (z.to_vec(), out[..d].to_vec())
    }
    fn backward(&self, tape: &Self::Tape, dout: &[f64], dparams: &mut [f64], dz: &mut [f64]) {
        let d = self.dim;
        let (z, y) = tape;
        dz[..d].fill(0.0);
        for i in 0..d {
            let g = dout[i] * (1.0 - y[i] * y[i]);
            dparams[d * d + i] += g;
            for j in 0..d {
                dparams[i * d + j] += g * z[j];
                dz[j] += g * self.p[i * d + j];
            }
        }
    }
}

/// One RK4 shape: a whole step and its backward with every combination on the GPU, against
/// rk4::step / step_backward. Returns the largest errors in z', dz and the field's dparams.
fn check_rk4(gpu: &Gpu, kernel: &Rk4Combine, rows: usize, dim: usize, h: f32) -> [f64; 3] {
    let seed = (rows * 10 + dim) as u32 + 70_000;
    let n = rows * dim;
    let scale = 1.5 / (dim as f32).sqrt();
    let mut p = f64s(&uniform(seed, dim * dim, -scale, scale));
    p.extend(f64s(&uniform(seed + 1, dim, -0.5, 0.5)));
    let field = TanhField { dim, p };
    let z = uniform(seed + 2, n, -2.0, 2.0);
    let dz_next = uniform(seed + 3, n, -1.0, 1.0);

    // Oracle, row by row.
    let (mut want_zn, mut want_dz, mut want_dp) = (vec![0.0; n], vec![0.0; n], vec![0.0; field.p.len()]);
    for b in 0..rows {
        let r = b * dim..(b + 1) * dim;
        let tape = rk4::step(&field, &f64s(&z[r.clone()]), h as f64, &mut want_zn[r.clone()]);
        let dzn = f64s(&dz_next[r.clone()]);
        rk4::step_backward(&field, &tape, h as f64, &dzn, &mut want_dp, &mut want_dz[r]);
    }

    // The field over all rows of a [B, D] buffer, on the host: values (f32) and tapes.
    let eval = |u: &[f32]| -> (Vec<f32>, Vec<<TanhField as VectorField>::Tape>) {
        let mut k = vec![0.0; n];
        let tapes =
            (0..rows).map(|b| field.eval(&f64s(&u[b * dim..(b + 1) * dim]), &mut k[b * dim..(b + 1) * dim])).collect();
        (f32s(&k), tapes)
    };
    let g_z = upload(gpu, &z);
    let (k1, t1) = eval(&z);
    let mut g_k = vec![upload(gpu, &k1)];
    let mut tapes = vec![t1];
    for s in 1..4 {
        let g_u = output(gpu, n);
        run(
            gpu,
            &[&kernel.axpy(
                gpu,
                n as u32,
                1.0,
                View::whole(&g_z),
                stage_coefficient(h, s),
                View::whole(&g_k[s - 1]),
                View::whole(&g_u),
            )],
        );
        let (k, t) = eval(&read(gpu, &g_u, n));
        g_k.push(upload(gpu, &k));
        tapes.push(t);
    }
    let g_zn = output(gpu, n);
    let ks = [View::whole(&g_k[0]), View::whole(&g_k[1]), View::whole(&g_k[2]), View::whole(&g_k[3])];
    run(gpu, &[&kernel.combine4(gpu, n as u32, View::whole(&g_z), output_weights(h), ks, View::whole(&g_zn))]);
    let what = format!("rk4_combine B={rows} D={dim} h={h}");
    let e_zn = compare(&format!("{what} z'"), &read(gpu, &g_zn, n), &want_zn, 1e-5, 1e-5);

    // Backward: dk[3] = w₄ dz', then per stage s = 3..0 the field's VJP du[s] on the host and
    // dk[s−1] = w_{s−1} dz' + c_s h du[s] on the GPU; finally dz = dz' + Σ du[s].
    let w = output_weights(h);
    let g_dzn = upload(gpu, &dz_next);
    let mut g_dk = output(gpu, n);
    run(gpu, &[&kernel.axpy(gpu, n as u32, w[3], View::whole(&g_dzn), 0.0, View::whole(&g_dzn), View::whole(&g_dk))]);
    let mut dparams = vec![0.0; field.p.len()];
    let mut g_du: Vec<Option<wgpu::Buffer>> = vec![None, None, None, None];
    for s in (0..4).rev() {
        let dk = f64s(&read(gpu, &g_dk, n));
        let mut du = vec![0.0; n];
        for (b, tape) in tapes[s].iter().enumerate() {
            let r = b * dim..(b + 1) * dim;
            field.backward(tape, &dk[r.clone()], &mut dparams, &mut du[r]);
        }
        let buffer = upload(gpu, &f32s(&du));
        if s > 0 {
            g_dk = output(gpu, n);
            let coef = stage_coefficient(h, s);
            run(
                gpu,
                &[&kernel.axpy(
                    gpu,
                    n as u32,
                    w[s - 1],
                    View::whole(&g_dzn),
                    coef,
                    View::whole(&buffer),
                    View::whole(&g_dk),
                )],
            );
        }
        g_du[s] = Some(buffer);
    }
    let du: Vec<&wgpu::Buffer> = g_du.iter().map(|b| b.as_ref().expect("every stage's du")).collect();
    let g_dz = output(gpu, n);
    run(
        gpu,
        &[&kernel.combine4(
            gpu,
            n as u32,
            View::whole(&g_dzn),
            [1.0; 4],
            [View::whole(du[0]), View::whole(du[1]), View::whole(du[2]), View::whole(du[3])],
            View::whole(&g_dz),
        )],
    );
    let e_dz = compare(&format!("{what} dz"), &read(gpu, &g_dz, n), &want_dz, 1e-5, 1e-5);
    // The field's parameter gradient, summed on the host over the GPU's dk: checks every dk.
    let e_dp = compare(&format!("{what} field dparams"), &f32s(&dparams), &want_dp, 1e-5, 1e-4);
    [e_zn, e_dz, e_dp]
}

#[test]
fn rk4_combine_matches_oracle_on_uneven_shapes() {
    let gpu = gpu();
    let kernel = Rk4Combine::new(&gpu);
    let mut max = [0.0f64; 3];
    for rows in ROWS {
        for dim in [3, 17, 130] {
            for h in [0.1, 0.37] {
                let e = check_rk4(&gpu, &kernel, rows, dim, h);
                max = [max[0].max(e[0]), max[1].max(e[1]), max[2].max(e[2])];
            }
        }
    }
    eprintln!("rk4_combine max abs errors: z' {:.2e}, dz {:.2e}, field dparams {:.2e}", max[0], max[1], max[2]);
}
