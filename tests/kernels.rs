//! Every kernel against its CPU oracle on shapes that do not divide the tile or workgroup sizes
//! (7×13×5, batch 1, 1×137 …), on the machine's GPU adapter.

mod common;

use common::{assert_close, gpu, read, run, uniform, upload, upload_u32};
use vaelab::kernels::adam::{AdamParams, adam_cpu, bias_corrections};
use vaelab::kernels::bce_logits::{BceParams, bce_logits_cpu};
use vaelab::kernels::gather_batch::{GatherParams, NO_LABEL, gather_batch_cpu};
use vaelab::kernels::iwae_weights::{IwaeWeightsParams, iwae_weights_cpu};
use vaelab::kernels::matmul::{ACT_NONE, ACT_RELU, ACT_TANH, MatmulDims, MatmulKernel, MatmulVariant, matmul_cpu};
use vaelab::kernels::permute_batch::permute_batch_cpu;
use vaelab::kernels::reparam_backward::{ReparamBackwardParams, reparam_backward_cpu};
use vaelab::kernels::reparam_forward::{ReparamParams, reparam_forward_cpu};
use vaelab::kernels::step::{StepRing, StepUniform};
use vaelab::kernels::step_reduce::{StepReduceParams, step_reduce_cpu};
use vaelab::kernels::{Kernels, View};

fn step_record(step: u32, seed: u32) -> StepUniform {
    StepUniform { step, seed, kl_weight: 1.0, capacity: -1.0, lr_t: 1e-3, inv_sqrt_bc2: 1.0, ..Default::default() }
}

fn step_ring(gpu: &vaelab::gpu::Gpu, record: StepUniform) -> StepRing {
    let mut ring = StepRing::new(gpu, "test steps", 1);
    ring.write(gpu, &[record]);
    ring
}

/// One matmul case: shapes, padding of the leading dimensions, and a variant.
fn check_matmul(m: u32, n: u32, k: u32, pad: u32, v: MatmulVariant) {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    let (a_rows, a_cols) = if v.trans_a { (k, m) } else { (m, k) };
    let (b_rows, b_cols) = if v.trans_b { (n, k) } else { (k, n) };
    let (lda, ldb, ldc) = (a_cols + pad, b_cols + pad, n + pad);
    let bias_in_b = b_rows * ldb;
    let a = uniform(1, (a_rows * lda) as usize, -1.0, 1.0);
    let b = uniform(2, (bias_in_b + n) as usize, -1.0, 1.0);
    // Saved activations for the gradient variants: tanh outputs in (−1, 1), ReLU outputs ≥ 0 with zeros.
    let aux: Vec<f32> = uniform(3, (m * n) as usize, -1.0, 1.0)
        .into_iter()
        .map(|h| if v.act_grad == ACT_RELU { h.max(0.0) } else { h })
        .collect();
    let c_len = (m * ldc + m) as usize;
    let dims =
        MatmulDims { m, n, k, lda, ldb, ldc, bias_offset: if v.ones_col { m * ldc } else { bias_in_b }, ld_aux: n };
    let (ga, gb, gaux) = (upload(&gpu, &a), upload(&gpu, &b), upload(&gpu, &aux));
    let sentinel = vec![-7.0f32; c_len];
    let mut want = sentinel.clone();
    matmul_cpu(v, dims, &a, &b, &aux, &mut want);
    let tol = 1e-5 * k as f32;
    let mut first: Option<(MatmulKernel, Vec<f32>)> = None;
    for kernel in MatmulKernel::ALL {
        if !kernel.supports(v, dims) {
            continue;
        }
        let gc = upload(&gpu, &sentinel);
        let views = (View::whole(&ga), View::whole(&gb), View::whole(&gaux), View::whole(&gc));
        let d = kernels.matmul.dispatch_with(&gpu, kernel, v, dims, views.0, views.1, views.2, views.3);
        run(&gpu, &[&d]);
        let got = read(&gpu, &gc, c_len);
        assert_close(&format!("{kernel:?} matmul {m}x{n}x{k} pad {pad} {v:?}"), &got, &want, tol, 1e-4);
        // Every kernel accumulates in the same order, so the autotuner's pick never changes a run.
        match &first {
            None => first = Some((kernel, got)),
            Some((k0, reference)) => {
                let differ = got.iter().zip(reference).position(|(x, y)| x.to_bits() != y.to_bits());
                assert!(differ.is_none(), "{kernel:?} and {k0:?} differ bitwise at {differ:?} ({m}x{n}x{k} {v:?})");
            }
        }
    }
}

fn variants() -> Vec<MatmulVariant> {
    let mut out = Vec::new();
    for trans_a in [false, true] {
        for trans_b in [false, true] {
            let base = MatmulVariant { trans_a, trans_b, ..Default::default() };
            out.push(base);
            out.push(MatmulVariant { bias: true, act: ACT_RELU, ..base });
            out.push(MatmulVariant { bias: true, act: ACT_TANH, ..base });
            out.push(MatmulVariant { act_grad: ACT_RELU, ..base });
            out.push(MatmulVariant { act_grad: ACT_TANH, ..base });
            out.push(MatmulVariant { ones_col: true, ..base });
        }
    }
    out
}

#[test]
fn matmul_blocks_divide_shapes_unevenly() {
    for v in variants() {
        check_matmul(7, 13, 5, 0, v);
        check_matmul(33, 65, 17, 3, v);
    }
}

#[test]
fn matmul_shapes_smaller_than_blocks() {
    for v in variants() {
        check_matmul(1, 1, 1, 0, v);
        check_matmul(1, 137, 3, 0, v);
        check_matmul(3, 2, 137, 1, v);
    }
}

#[test]
fn matmul_vec4_shapes_in_fours() {
    // Multiples of 4 but not of the 32×32 workgroup tile, so the vec4 kernel runs and is clamped.
    for v in variants() {
        check_matmul(12, 20, 8, 0, v);
        check_matmul(36, 44, 28, 4, v);
        check_matmul(4, 4, 4, 0, v);
    }
}

#[test]
fn matmul_model_shapes() {
    // The default model's layers at a batch that is not a multiple of 32: forward, input and weight gradients.
    let fwd = MatmulVariant { trans_b: true, bias: true, act: ACT_RELU, ..Default::default() };
    check_matmul(37, 400, 784, 0, fwd);
    check_matmul(37, 400, 784, 0, MatmulVariant { act_grad: ACT_RELU, ..Default::default() });
    check_matmul(784, 400, 37, 0, MatmulVariant { trans_a: true, ones_col: true, ..Default::default() });
    check_matmul(64, 64, 64, 0, MatmulVariant::default());
}

#[test]
fn permute_and_gather_batch_match_oracles_across_an_epoch_boundary() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    let n_images = 37u32;
    let pixels = 784u32;
    let images: Vec<u8> = (0..n_images * pixels).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let labels: Vec<u8> = (0..n_images).map(|i| (i * 7 % 10) as u8).collect();
    let pack = |bytes: &[u8]| -> Vec<u32> {
        let mut padded = bytes.to_vec();
        padded.resize(bytes.len().next_multiple_of(4), 0);
        padded.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    };
    let (g_images, g_labels) = (upload_u32(&gpu, &pack(&images)), upload_u32(&gpu, &pack(&labels)));
    for (shuffle, binarize, label_col, rows, offset, phase) in
        [(1, 0, NO_LABEL, 13, 30, 0), (1, 1, 784, 13, 5, 0), (0, 1, NO_LABEL, 1, 36, 1), (0, 0, 784, 5, 34, 1)]
    {
        let ld_x = 794;
        let params = GatherParams { rows, pixels, ld_x, n_images, shuffle, binarize, label_col, _pad: 0 };
        let record = StepUniform { epoch: 2, offset, phase, ..step_record(11, 5) };
        let ring = step_ring(&gpu, record);
        let x = gpu.storage("x", (rows * ld_x) as u64 * 4);
        let bi = gpu.storage("index", rows as u64 * 4);
        let bl = gpu.storage("labels", rows as u64 * 4);
        let (step, whole) = (ring.view(), View::whole);
        let permute = kernels.permute_batch.dispatch(&gpu, params, step, whole(&g_labels), whole(&bi), whole(&bl));
        let gather =
            kernels.gather_batch.dispatch(&gpu, params, step, whole(&g_images), whole(&bi), whole(&bl), whole(&x));
        run(&gpu, &[&permute, &gather]);
        let (want_index, want_labels) = permute_batch_cpu(&params, &record, &labels);
        let mut want_x = vec![0f32; (rows * ld_x) as usize];
        gather_batch_cpu(&params, &record, &images, &want_index, &want_labels, &mut want_x);
        let got_index: Vec<u32> = bytemuck::cast_slice(&read(&gpu, &bi, rows as usize)).to_vec();
        let got_labels: Vec<u32> = bytemuck::cast_slice(&read(&gpu, &bl, rows as usize)).to_vec();
        assert_eq!(got_index, want_index, "images shuffle={shuffle}");
        assert_eq!(got_labels, want_labels, "labels shuffle={shuffle}");
        assert_close(
            &format!("gather shuffle={shuffle} binarize={binarize}"),
            &read(&gpu, &x, want_x.len()),
            &want_x,
            0.0,
            0.0,
        );
    }
}

#[test]
fn reparam_forward_matches_oracle() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    let (in_rows, latent, rep) = (7u32, 5u32, 3u32);
    let out_rows = in_rows * rep;
    let ld_z = latent + 10;
    let mulv = uniform(4, (in_rows * 2 * latent) as usize, -2.0, 2.0);
    let labels: Vec<u32> = (0..in_rows).map(|i| i * 3 % 10).collect();
    let params = ReparamParams { out_rows, latent, rep, ld_z, label_col: latent, _pad: [0; 3] };
    let record = step_record(42, 9);
    let ring = step_ring(&gpu, record);
    let (g_mulv, g_labels) = (upload(&gpu, &mulv), upload_u32(&gpu, &labels));
    let z = gpu.storage("z", (out_rows * ld_z) as u64 * 4);
    let eps = gpu.storage("eps", (out_rows * latent) as u64 * 4);
    let stats = gpu.storage("stats", out_rows as u64 * 16);
    let d = kernels.reparam_forward.dispatch(
        &gpu,
        params,
        ring.view(),
        View::whole(&g_mulv),
        View::whole(&g_labels),
        View::whole(&z),
        View::whole(&eps),
        View::whole(&stats),
    );
    run(&gpu, &[&d]);
    let mut want_z = vec![0f32; (out_rows * ld_z) as usize];
    let mut want_eps = vec![0f32; (out_rows * latent) as usize];
    let mut want_stats = vec![0f32; out_rows as usize * 4];
    reparam_forward_cpu(&params, &record, &mulv, &labels, &mut want_z, &mut want_eps, &mut want_stats);
    // ln and cos are not correctly rounded on GPUs: a few ulps, amplified by e^{s/2} ≤ e.
    assert_close("eps", &read(&gpu, &eps, want_eps.len()), &want_eps, 2e-5, 2e-5);
    assert_close("z", &read(&gpu, &z, want_z.len()), &want_z, 1e-4, 1e-4);
    let got_stats = read(&gpu, &stats, want_stats.len());
    let cols = |s: &[f32], c: usize| s.chunks(4).map(|r| r[c]).collect::<Vec<_>>();
    assert_close("kl", &cols(&got_stats, 1), &cols(&want_stats, 1), 1e-4, 1e-4);
    assert_close("log p - log q", &cols(&got_stats, 2), &cols(&want_stats, 2), 1e-3, 1e-4);
}

#[test]
fn bce_logits_matches_oracle() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    for (in_rows, rep, pixels, write_grad, scale_from_stats) in
        [(7u32, 2u32, 137u32, 1u32, 0u32), (1, 1, 784, 1, 0), (3, 1, 65, 0, 0), (5, 3, 137, 1, 1)]
    {
        let rows = in_rows * rep;
        let ld_x = pixels + 10;
        // Large logits too, to exercise the overflow-free form.
        let logits = uniform(5, (rows * pixels) as usize, -40.0, 40.0);
        let x = uniform(6, (in_rows * ld_x) as usize, 0.0, 1.0);
        // Column 3 holds per-row gradient weights for the IWAE form.
        let mut stats_in = vec![0f32; rows as usize * 4];
        for (r, w) in uniform(15, rows as usize, 0.0, 1.0).into_iter().enumerate() {
            stats_in[r * 4 + 3] = w;
        }
        let grad_scale = 1.0 / rows as f32;
        let params = BceParams { rows, pixels, ld_x, rep, grad_scale, write_grad, scale_from_stats, _pad: 0 };
        let (gl, gx) = (upload(&gpu, &logits), upload(&gpu, &x));
        let dl = gpu.storage("dlogits", (rows * pixels) as u64 * 4);
        let stats = upload(&gpu, &stats_in);
        let views = (View::whole(&gl), View::whole(&gx), View::whole(&dl), View::whole(&stats));
        let d = kernels.bce_logits.dispatch(&gpu, params, views.0, views.1, views.2, views.3);
        run(&gpu, &[&d]);
        let mut want_dl = vec![0f32; (rows * pixels) as usize];
        let mut want_stats = stats_in.clone();
        bce_logits_cpu(&params, &logits, &x, &mut want_dl, &mut want_stats);
        if write_grad == 1 {
            assert_close("dlogits", &read(&gpu, &dl, want_dl.len()), &want_dl, 1e-6, 1e-4);
        }
        let got: Vec<f32> = read(&gpu, &stats, rows as usize * 4).chunks(4).map(|r| r[0]).collect();
        let want: Vec<f32> = want_stats.chunks(4).map(|r| r[0]).collect();
        assert_close(&format!("recon rows {rows}x{pixels}"), &got, &want, 1e-3, 1e-5);
    }
}

/// Per-row stats with recon and log p − log q of realistic sizes (hundreds of nats apart).
fn iwae_stats(rows: usize, seed: u32) -> Vec<f32> {
    let recon = uniform(seed, rows, 80.0, 200.0);
    let log_pq = uniform(seed + 1, rows, -30.0, 5.0);
    (0..rows).flat_map(|r| [recon[r], 20.0, log_pq[r], 0.0]).collect()
}

#[test]
fn iwae_weights_match_oracle() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    for (in_rows, rep) in [(7u32, 5u32), (1, 1), (3, 64)] {
        let stats_in = iwae_stats((in_rows * rep) as usize, 16);
        let stats = upload(&gpu, &stats_in);
        let params = IwaeWeightsParams { in_rows, rep, _pad: [0; 2] };
        let d = kernels.iwae_weights.dispatch(&gpu, params, View::whole(&stats));
        run(&gpu, &[&d]);
        let mut want = stats_in.clone();
        iwae_weights_cpu(&params, &mut want);
        let got = read(&gpu, &stats, want.len());
        assert_close(&format!("iwae weights {in_rows}x{rep}"), &got, &want, 1e-6, 1e-4);
        for b in 0..in_rows as usize {
            let total: f32 = (0..rep as usize).map(|k| got[(b * rep as usize + k) * 4 + 3]).sum();
            assert!((total - 1.0).abs() < 1e-5, "weights of row {b} sum to {total}");
        }
    }
}

#[test]
fn step_reduce_matches_oracle() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    let cases = [
        (137u32, 1u32, 0u32, -1.0f32, 0.5f32),
        (1, 1, 0, -1.0, 1.0),
        (65, 1, 0, 3.0, 1000.0),
        (65, 1, 0, 1e6, 1000.0),
        (35, 5, 1, -1.0, 1.0),
    ];
    for (rows, rep, iwae, capacity, kl_weight) in cases {
        let stats = if iwae == 1 { iwae_stats(rows as usize, 17) } else { uniform(7, rows as usize * 4, 0.0, 10.0) };
        let record = StepUniform { slot: 3, capacity, kl_weight, ..step_record(3, 1) };
        let ring = step_ring(&gpu, record);
        let gs = upload(&gpu, &stats);
        let metrics = gpu.storage("metrics", 8 * 16);
        let weight = gpu.storage("weight", 16);
        let params = StepReduceParams { rows, rep, iwae, _pad: 0 };
        let views = (View::whole(&gs), View::whole(&metrics), View::whole(&weight));
        let d = kernels.step_reduce.dispatch(&gpu, params, ring.view(), views.0, views.1, views.2);
        run(&gpu, &[&d]);
        let want = step_reduce_cpu(&params, &record, &stats);
        assert_close("metrics record", &read(&gpu, &metrics, 16)[12..16], &want, 1e-3, 1e-5);
        assert_close("kl gradient weight", &read(&gpu, &weight, 1), &want[3..4], 0.0, 1e-6);
    }
}

#[test]
fn reparam_backward_matches_oracle() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    let (in_rows, latent, rep) = (7u32, 5u32, 3u32);
    let ld_dz = latent + 10;
    let out_rows = in_rows * rep;
    let dz = uniform(8, (out_rows * ld_dz) as usize, -1.0, 1.0);
    let eps = uniform(9, (out_rows * latent) as usize, -2.0, 2.0);
    let mulv = uniform(10, (in_rows * 2 * latent) as usize, -2.0, 2.0);
    let stats = uniform(11, out_rows as usize * 4, 0.0, 1.0);
    let w = 0.75f32;
    for iwae in [0, 1] {
        let params = ReparamBackwardParams { in_rows, latent, rep, ld_dz, kl_scale: 0.5, iwae, _pad: [0; 2] };
        let (gdz, geps, gmulv, gw) = (upload(&gpu, &dz), upload(&gpu, &eps), upload(&gpu, &mulv), upload(&gpu, &[w]));
        let gstats = upload(&gpu, &stats);
        let out = gpu.storage("dmulv", (in_rows * 2 * latent) as u64 * 4);
        let whole = View::whole;
        let d = kernels.reparam_backward.dispatch(
            &gpu,
            params,
            whole(&gdz),
            whole(&geps),
            whole(&gmulv),
            whole(&gw),
            whole(&gstats),
            whole(&out),
        );
        run(&gpu, &[&d]);
        let mut want = vec![0f32; (in_rows * 2 * latent) as usize];
        reparam_backward_cpu(&params, &dz, &eps, &mulv, w, &stats, &mut want);
        assert_close(&format!("d mu|logvar (iwae={iwae})"), &read(&gpu, &out, want.len()), &want, 1e-5, 1e-4);
    }
}

#[test]
fn adam_matches_oracle() {
    let gpu = gpu();
    let kernels = Kernels::new(&gpu);
    let len = 37 * 4;
    let grads = uniform(11, len, -1.0, 1.0);
    let mut weights = uniform(12, len, -1.0, 1.0);
    let mut m = uniform(13, len, -0.1, 0.1);
    let mut v = uniform(14, len, 0.0, 0.01);
    let (lr_t, inv_sqrt_bc2) = bias_corrections(1e-3, 0.9, 0.999, 3);
    let record = StepUniform { lr_t, inv_sqrt_bc2, ..step_record(2, 1) };
    let ring = step_ring(&gpu, record);
    let params = AdamParams { len4: (len / 4) as u32, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    let (gg, gw, gm, gv) = (upload(&gpu, &grads), upload(&gpu, &weights), upload(&gpu, &m), upload(&gpu, &v));
    let d = kernels.adam.dispatch(
        &gpu,
        params,
        ring.view(),
        View::whole(&gg),
        View::whole(&gw),
        View::whole(&gm),
        View::whole(&gv),
    );
    run(&gpu, &[&d]);
    adam_cpu(&params, &record, &grads, &mut weights, &mut m, &mut v);
    assert_close("weights", &read(&gpu, &gw, len), &weights, 1e-7, 1e-5);
    assert_close("m", &read(&gpu, &gm, len), &m, 1e-8, 1e-5);
    assert_close("v", &read(&gpu, &gv, len), &v, 1e-9, 1e-5);
    assert_eq!(ACT_NONE, 0);
}
