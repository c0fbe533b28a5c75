//! The CPU elementwise kernels (gather, reparameterization, BCE, IWAE weights, KL backward, Adam)
//! and the vector math under them, against the CPU oracles of their WGSL twins, on every
//! instruction set this machine has. Run: `cargo test --release --test cpu_elementwise`.

mod common;

use common::cpu_check::{Rng, assert_bitwise, assert_within, each_isa};
use vaelab::cpu;

// ---- elementwise kernels ------------------------------------------------------------------------

use vaelab::cpu::{
    AdamParams, BceParams, GatherParams, IwaeWeightsParams, NO_LABEL, ReparamBackwardParams, ReparamParams, StepUniform,
};
use vaelab::kernels::{adam, bce_logits, gather_batch, iwae_weights, reparam_backward, reparam_forward};

fn step_record(step: u32, phase: u32) -> StepUniform {
    StepUniform { step, seed: 42, phase, lr_t: 1e-3, inv_sqrt_bc2: 1.7, ..Default::default() }
}

#[test]
fn gather_batch_equals_oracle_bitwise_with_binarization_and_labels() {
    let mut rng = Rng(5);
    for (rows, pixels, binarize, label_col, ld_x) in
        [(1, 137, 0, NO_LABEL, 137), (7, 784, 1, NO_LABEL, 784), (5, 784, 1, 784, 794), (3, 13, 0, 13, 29)]
    {
        let n_images = 40u32;
        let images: Vec<u8> = (0..n_images * pixels).map(|_| (rng.next() * 256.0) as u8).collect();
        let index: Vec<u32> = (0..rows).map(|_| (rng.next() * n_images as f32) as u32).collect();
        let labels: Vec<u32> = (0..rows).map(|_| (rng.next() * 10.0) as u32).collect();
        let picked: Vec<u8> =
            index.iter().flat_map(|&i| images[(i * pixels) as usize..((i + 1) * pixels) as usize].to_vec()).collect();
        let p = GatherParams { rows, pixels, ld_x, n_images, shuffle: 1, binarize, label_col, _pad: 0 };
        for phase in [0, 1] {
            let step = step_record(17, phase);
            let mut want = vec![f32::NAN; (rows * ld_x) as usize];
            gather_batch::gather_batch_cpu(&p, &step, &images, &index, &labels, &mut want);
            each_isa(|| {
                let mut got = vec![f32::NAN; want.len()];
                cpu::gather_batch(&p, &step, &picked, &index, &labels, &mut got);
                assert_bitwise(&format!("gather {rows}×{pixels} binarize {binarize} phase {phase}"), &got, &want);
            });
        }
    }
}

#[test]
fn reparam_forward_in_two_calls_matches_oracle_and_its_eps_bitwise() {
    for (in_rows, latent, rep, label_col) in
        [(1u32, 1u32, 1u32, u32::MAX), (5, 20, 1, 20), (4, 37, 3, u32::MAX), (9, 2, 2, 2)]
    {
        let out_rows = in_rows * rep;
        let ld_z = latent + if label_col == u32::MAX { 0 } else { 10 };
        let p = ReparamParams { out_rows, latent, rep, ld_z, label_col, _pad: [0; 3] };
        let mut rng = Rng(latent as u64 + 77);
        let mulv: Vec<f32> = (0..in_rows * 2 * latent)
            .map(|i| if i % (2 * latent) < latent { rng.next() * 4.0 - 2.0 } else { rng.next() * 6.0 - 4.0 })
            .collect();
        let labels: Vec<u32> = (0..in_rows).map(|_| (rng.next() * 10.0) as u32).collect();
        let step = step_record(3, 0);
        let (zl, el, sl) = ((out_rows * ld_z) as usize, (out_rows * latent) as usize, out_rows as usize * 4);
        let (mut z, mut eps, mut stats) = (vec![f32::NAN; zl], vec![f32::NAN; el], vec![0f32; sl]);
        reparam_forward::reparam_forward_cpu(&p, &step, &mulv, &labels, &mut z, &mut eps, &mut stats);
        each_isa(|| {
            let (mut gz, mut ge, mut gs) = (vec![f32::NAN; zl], vec![f32::NAN; el], vec![0f32; sl]);
            // Rows [0, split) then [split, out_rows): the second call starts at global row `split`.
            let split = (in_rows / 2) * rep;
            for (first, rows) in [(0, split), (split, out_rows - split)] {
                let (f, src) = (first as usize, (first / rep) as usize);
                let q = ReparamParams { out_rows: rows, ..p };
                cpu::reparam_forward(
                    &q,
                    &step,
                    first,
                    &mulv[src * 2 * latent as usize..],
                    &labels[src..],
                    &mut gz[f * ld_z as usize..],
                    &mut ge[f * latent as usize..],
                    &mut gs[f * 4..],
                );
            }
            assert_bitwise("reparam eps", &ge, &eps);
            assert_within("reparam z", &gz, &z, |i| 1e-6 * (1.0 + z[i].abs() as f64));
            assert_within("reparam row stats", &gs, &stats, |i| 1e-5 * (1.0 + stats[i].abs() as f64));
        });
    }
}

#[test]
fn bce_logits_rows_and_gradients_match_oracle() {
    for (rows, pixels, rep, write_grad, from_stats) in
        [(1u32, 1u32, 1u32, 1u32, 0u32), (3, 784, 1, 1, 0), (6, 137, 3, 1, 1), (2, 784, 2, 0, 0), (5, 31, 1, 1, 0)]
    {
        let ld_x = pixels + 10;
        let mut rng = Rng(pixels as u64);
        let logits: Vec<f32> = (0..rows * pixels)
            .map(|i| if i % 97 == 5 { 120.0 * (rng.next() - 0.5) * 2.0 } else { 24.0 * rng.next() - 12.0 })
            .collect();
        let x: Vec<f32> =
            (0..rows.div_ceil(rep) * ld_x).map(|i| if i % 3 == 0 { rng.next() } else { (i % 2) as f32 }).collect();
        let p =
            BceParams { rows, pixels, ld_x, rep, grad_scale: 0.25, write_grad, scale_from_stats: from_stats, _pad: 0 };
        let stats0: Vec<f32> = (0..rows * 4).map(|_| rng.next()).collect();
        let (mut dl, mut stats) = (vec![f32::NAN; (rows * pixels) as usize], stats0.clone());
        bce_logits::bce_logits_cpu(&p, &logits, &x, &mut dl, &mut stats);
        let per_row: Vec<f64> = (0..rows as usize)
            .map(|r| logits[r * pixels as usize..][..pixels as usize].iter().map(|l| l.abs() as f64 + 1.0).sum())
            .collect();
        each_isa(|| {
            let (mut gdl, mut gstats) = (vec![f32::NAN; dl.len()], stats0.clone());
            cpu::bce_logits(&p, &logits, &x, &mut gdl, &mut gstats);
            assert_within("bce row loss", &gstats, &stats, |i| 1e-6 * per_row[i / 4]);
            let scale = |i: usize| if from_stats == 1 { stats0[i / pixels as usize * 4 + 3] } else { 0.25 } as f64;
            if write_grad == 1 {
                assert_within("bce gradient", &gdl, &dl, |i| 2e-7 * scale(i) + 1e-12);
            } else {
                assert!(gdl.iter().all(|g| g.is_nan()), "bce wrote a gradient with write_grad = 0");
            }
        });
    }
}

#[test]
fn iwae_weights_match_oracle_for_one_and_many_samples() {
    for (in_rows, rep) in [(1u32, 1u32), (3, 5), (2, 64), (7, 2)] {
        let mut rng = Rng(rep as u64 + 3);
        let stats: Vec<f32> = (0..in_rows * rep * 4)
            .map(|i| match i % 4 {
                0 => 50.0 + 150.0 * rng.next(),
                2 => 40.0 * rng.next() - 20.0,
                _ => f32::NAN,
            })
            .collect();
        let p = IwaeWeightsParams { in_rows, rep, _pad: [0; 2] };
        let mut want = stats.clone();
        iwae_weights::iwae_weights_cpu(&p, &mut want);
        let mut got = stats.clone();
        cpu::iwae_weights(&p, &mut got);
        let col3 = |v: &[f32]| v.iter().skip(3).step_by(4).copied().collect::<Vec<f32>>();
        let w = col3(&want);
        assert_within("iwae weights", &col3(&got), &w, |i| 2e-6 * w[i] as f64 + 1e-30);
    }
}

#[test]
fn reparam_backward_matches_oracle_with_kl_and_iwae() {
    for (in_rows, latent, rep, iwae) in [(1u32, 1u32, 1u32, 0u32), (5, 20, 1, 0), (3, 37, 3, 1), (4, 9, 2, 0)] {
        let ld_dz = latent + 3;
        let p = ReparamBackwardParams { in_rows, latent, rep, ld_dz, kl_scale: 0.5, iwae, _pad: [0; 2] };
        let mut rng = Rng(latent as u64 * 3 + iwae as u64);
        let samples = in_rows * rep;
        let dz = rng.fill((samples * ld_dz) as usize, -1.0, 1.0);
        let eps = rng.fill((samples * latent) as usize, -3.0, 3.0);
        let mulv: Vec<f32> = (0..in_rows * 2 * latent).map(|_| rng.next() * 4.0 - 2.0).collect();
        let stats = rng.fill((samples * 4) as usize, 0.0, 1.0);
        let mut want = vec![f32::NAN; mulv.len()];
        reparam_backward::reparam_backward_cpu(&p, &dz, &eps, &mulv, 0.8, &stats, &mut want);
        each_isa(|| {
            let mut got = vec![f32::NAN; mulv.len()];
            cpu::reparam_backward(&p, &dz, &eps, &mulv, 0.8, &stats, &mut got);
            assert_within("reparam_backward", &got, &want, |i| 2e-6 * (1.0 + want[i].abs() as f64) * rep as f64);
        });
    }
}

#[test]
fn adam_equals_oracle_bitwise_on_any_length() {
    for len in [1usize, 4, 137, 1000] {
        let mut rng = Rng(len as u64);
        let grads = rng.fill(len, -1.0, 1.0);
        let (w0, m0, v0) = (rng.fill(len, -1.0, 1.0), rng.fill(len, -0.1, 0.1), rng.fill(len, 0.0, 0.01));
        let p = AdamParams { len4: len.div_ceil(4) as u32, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        let step = step_record(9, 0);
        let pad = |x: &[f32]| [x, &[0.0; 3]].concat();
        let (mut w, mut m, mut v) = (pad(&w0), pad(&m0), pad(&v0));
        adam::adam_cpu(&p, &step, &pad(&grads), &mut w, &mut m, &mut v);
        each_isa(|| {
            let (mut gw, mut gm, mut gv) = (w0.clone(), m0.clone(), v0.clone());
            cpu::adam(&p, &step, &grads, &mut gw, &mut gm, &mut gv);
            assert_bitwise("adam weights", &gw, &w[..len]);
            assert_bitwise("adam m", &gm, &m[..len]);
            assert_bitwise("adam v", &gv, &v[..len]);
        });
    }
}

// ---- vector math ------------------------------------------------------------------------------------

use vaelab::cpu::math::{Func, eval};

/// Largest error of `f` over `xs` against `reference`, in units in the last place of the f32
/// reference and absolute; printed with --nocapture.
fn worst(f: Func, xs: &[f32], reference: impl Fn(f64) -> f64) -> (f64, f64) {
    let mut out = vec![0f32; xs.len()];
    eval(f, xs, &mut out);
    let (mut ulps, mut abs) = (0f64, 0f64);
    for (&x, &y) in xs.iter().zip(&out) {
        let want = reference(x as f64);
        let ulp =
            f32::from_bits((want as f32).abs().to_bits() & 0x7F80_0000).max(f32::MIN_POSITIVE) as f64 / 8_388_608.0;
        let err = (y as f64 - want).abs();
        assert!(err.is_finite(), "{f:?}({x}) = {y}, want {want}");
        ulps = ulps.max(err / ulp);
        abs = abs.max(err);
    }
    println!("{:<14} {f:?}: max {ulps:.2} ulp, {abs:.2e} absolute over {} points", cpu::isa(), xs.len());
    (ulps, abs)
}

fn sweep(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    (0..=n).map(|i| lo + (hi - lo) * (i as f64 / n as f64) as f32).collect()
}

#[test]
fn math_exp_and_ln_within_stated_ulp() {
    let positive: Vec<f32> = (0x0080_0000u32..0x7F7F_FFFF).step_by(997).map(f32::from_bits).collect();
    each_isa(|| {
        assert!(worst(Func::Exp, &sweep(-87.0, 88.0, 1 << 21), f64::exp).0 <= 1.5);
        assert!(worst(Func::Ln, &positive, f64::ln).0 <= 1.0);
    });
}

#[test]
fn math_tanh_sigmoid_softplus_within_stated_error() {
    let mut tiny: Vec<f32> = (0..200).map(|i| 1e-30f32 * 1.5f32.powi(i)).filter(|x| *x < 0.7).collect();
    tiny.extend(tiny.clone().iter().map(|x| -x));
    each_isa(|| {
        let (ulps, abs) = worst(Func::Tanh, &[sweep(-12.0, 12.0, 1 << 21), tiny.clone()].concat(), f64::tanh);
        assert!(ulps <= 2.0 && abs <= 1e-7, "tanh");
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        assert!(worst(Func::Sigmoid, &sweep(-80.0, 80.0, 1 << 21), sigmoid).0 <= 3.0);
        assert!(worst(Func::Sigmoid, &sweep(-200.0, 200.0, 1 << 16), sigmoid).1 <= 1e-7);
        let softplus = |x: f64| (-x.abs()).exp().ln_1p();
        assert!(worst(Func::SoftplusNegAbs, &sweep(-80.0, 80.0, 1 << 21), softplus).0 <= 2.5);
        assert!(worst(Func::SoftplusNegAbs, &sweep(-200.0, 200.0, 1 << 16), softplus).1 <= 1e-7);
    });
}
