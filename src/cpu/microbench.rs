//! Benchmarks of the CPU kernels shared by `cargo bench --bench cpu_kernels` and the browser's
//! `CpuKernelBench`: the default model's kernels at their real shapes, and the FMA peak of a core.

use std::ops::Range;

use super::simd::{Kernel, Simd, dispatch};
use super::*;

/// One timed operation with its buffers, set up outside the timing.
pub struct Case {
    pub name: String,
    /// Floating-point operations per call (0 where a rate in FLOP/s means nothing).
    pub flops: f64,
    pub run: Box<dyn FnMut()>,
}

fn data(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32 / 16_777_216.0 - 0.5)
        .collect()
}

fn gemm(name: &str, v: MatmulVariant, (m, n, k): (u32, u32, u32)) -> Case {
    let (trans_a, trans_b) = (v.trans_a, v.trans_b);
    let (lda, ldb) = (if trans_a { m } else { k }, if trans_b { k } else { n });
    let b_rows = if trans_b { n } else { k };
    let bias_offset = if v.ones_col { m * n } else { b_rows * ldb };
    let d = MatmulDims { m, n, k, lda, ldb, ldc: n, bias_offset, ld_aux: n };
    let a = data((m * k) as usize, 1);
    let b = data((n * k + n) as usize, 2);
    let aux = data((m * n) as usize, 3);
    let mut c = vec![0f32; (m * n + m) as usize];
    Case {
        name: format!("{name} {m}×{n}×{k}"),
        flops: 2.0 * m as f64 * n as f64 * k as f64,
        run: Box::new(move || matmul(v, d, &a, &b, &aux, &mut c)),
    }
}

/// [dW | db] of an outputs × inputs layer over `rows` rows cut into `units` units (one worker).
fn units_case(name: &str, outputs: u32, inputs: u32, rows: usize, units: usize) -> Case {
    let d = MatmulDims {
        m: outputs,
        n: inputs,
        k: rows as u32,
        lda: outputs,
        ldb: inputs,
        ldc: inputs,
        bias_offset: outputs * inputs,
        ld_aux: 0,
    };
    let dy = data(rows * outputs as usize, 4);
    let x = data(rows * inputs as usize, 5);
    let batch = rows * UNITS / units;
    let ranges: Vec<Range<usize>> = (0..units).map(|u| unit_rows(batch, u)).collect();
    let blocks = dyadic_blocks(0, units).len();
    let mut outs = vec![vec![0f32; (outputs * inputs + outputs) as usize]; blocks];
    Case {
        name: format!("{name} {outputs}×{inputs} over {rows} rows in {units} units"),
        flops: 2.0 * outputs as f64 * inputs as f64 * rows as f64,
        run: Box::new(move || {
            let mut views: Vec<&mut [f32]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
            weight_grad_units(d, &dy, &x, &ranges, 0, &mut views)
        }),
    }
}

fn forward(act: u32) -> MatmulVariant {
    MatmulVariant { trans_b: true, bias: true, act, ..Default::default() }
}

fn input_grad() -> MatmulVariant {
    MatmulVariant { act_grad: ACT_RELU, ..Default::default() }
}

/// The matmuls of one worker of two (64 rows) and of one thread doing the whole batch of 128.
pub fn gemm_cases() -> Vec<Case> {
    vec![
        gemm("forward enc.0 A·Bᵀ", forward(ACT_RELU), (64, 400, 784)),
        gemm("forward dec.out A·Bᵀ", forward(ACT_NONE), (64, 784, 400)),
        gemm("input grad dec.out A·B", input_grad(), (64, 400, 784)),
        units_case("weight grad enc.0 Aᵀ·B", 400, 784, 64, 4),
        units_case("weight grad dec.out Aᵀ·B", 784, 400, 64, 4),
        gemm("forward enc.0 A·Bᵀ", forward(ACT_RELU), (128, 400, 784)),
        gemm("forward dec.out A·Bᵀ", forward(ACT_NONE), (128, 784, 400)),
        gemm("input grad dec.out A·B", input_grad(), (128, 400, 784)),
        units_case("weight grad enc.0 Aᵀ·B", 400, 784, 128, 8),
        units_case("weight grad dec.out Aᵀ·B", 784, 400, 128, 8),
        gemm("forward enc.head A·Bᵀ", forward(ACT_NONE), (128, 40, 400)),
        gemm("forward dec.0 A·Bᵀ", forward(ACT_RELU), (128, 400, 20)),
        gemm("input grad enc.head A·B", input_grad(), (128, 400, 40)),
        gemm("input grad dec.0 A·B", MatmulVariant::default(), (128, 20, 400)),
        units_case("weight grad enc.head Aᵀ·B", 40, 400, 128, 8),
        units_case("weight grad dec.0 Aᵀ·B", 400, 20, 128, 8),
    ]
}

/// The elementwise kernels of one step of the default model (batch 128, latent 20).
pub fn elementwise_cases() -> Vec<Case> {
    let (rows, pixels, latent) = (128u32, 784u32, 20u32);
    let mut cases = Vec::new();
    for binarize in [0, 1] {
        let p = GatherParams {
            rows,
            pixels,
            ld_x: pixels,
            n_images: 60_000,
            shuffle: 1,
            binarize,
            label_col: NO_LABEL,
            _pad: 0,
        };
        let bytes: Vec<u8> = (0..rows * pixels).map(|i| (i * 37 % 256) as u8).collect();
        let index: Vec<u32> = (0..rows).map(|i| i * 409).collect();
        let mut x = vec![0f32; (rows * pixels) as usize];
        let step = StepUniform { step: 5, seed: 1, ..Default::default() };
        let name = format!("gather_batch 128×784{}", if binarize == 1 { " binarized" } else { "" });
        cases.push(Case {
            name,
            flops: 0.0,
            run: Box::new(move || gather_batch(&p, &step, &bytes, &index, &[], &mut x)),
        });
    }
    let p = ReparamParams { out_rows: rows, latent, rep: 1, ld_z: latent, label_col: u32::MAX, _pad: [0; 3] };
    let mulv = data((rows * 2 * latent) as usize, 6);
    let (mut z, mut eps, mut stats) =
        (vec![0f32; (rows * latent) as usize], vec![0f32; (rows * latent) as usize], vec![0f32; 512]);
    let step = StepUniform::default();
    let run = move || reparam_forward(&p, &step, 0, &mulv, &[], &mut z, &mut eps, &mut stats);
    cases.push(Case { name: "reparam_forward 128×20".into(), flops: 0.0, run: Box::new(run) });
    let p =
        BceParams { rows, pixels, ld_x: pixels, rep: 1, grad_scale: 1.0, write_grad: 1, scale_from_stats: 0, _pad: 0 };
    let (logits, x) = (data((rows * pixels) as usize, 7), data((rows * pixels) as usize, 8));
    let (mut dl, mut stats) = (vec![0f32; (rows * pixels) as usize], vec![0f32; 512]);
    let run = move || bce_logits(&p, &logits, &x, &mut dl, &mut stats);
    cases.push(Case { name: "bce_logits 128×784".into(), flops: 0.0, run: Box::new(run) });
    let p =
        ReparamBackwardParams { in_rows: rows, latent, rep: 1, ld_dz: latent, kl_scale: 1.0, iwae: 0, _pad: [0; 2] };
    let (dz, eps, mulv) = (data(2560, 9), data(2560, 10), data(5120, 11));
    let mut dmulv = vec![0f32; 5120];
    let run = move || reparam_backward(&p, &dz, &eps, &mulv, 1.0, &[], &mut dmulv);
    cases.push(Case { name: "reparam_backward 128×20".into(), flops: 0.0, run: Box::new(run) });
    // The default model's parameters: 784·400 + 400, 400·40 + 40, 20·400 + 400, 400·784 + 784.
    let len = 314_000 + 16_040 + 8_400 + 314_384;
    let p = AdamParams { len4: (len / 4) as u32, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    let (grads, mut w, mut m, mut v) = (data(len, 12), data(len, 13), vec![0f32; len], vec![0f32; len]);
    let step = StepUniform { lr_t: 1e-3, inv_sqrt_bc2: 1.0, ..Default::default() };
    let run = move || adam(&p, &step, &grads, &mut w, &mut m, &mut v);
    cases.push(Case { name: format!("adam {len}"), flops: 0.0, run: Box::new(run) });
    for (name, f) in [("exp", math::Func::Exp), ("ln", math::Func::Ln), ("tanh", math::Func::Tanh)] {
        let (xs, mut out) =
            (data(100_352, 16).iter().map(|x| x * 8.0 + 4.1).collect::<Vec<f32>>(), vec![0f32; 100_352]);
        let run = move || math::eval(f, &xs, &mut out);
        cases.push(Case { name: format!("math {name} 128×784"), flops: 0.0, run: Box::new(run) });
    }
    let parts = [data(len, 14), data(len, 15)];
    let mut out = vec![0f32; len];
    let run = move || merge_blocks(&[(0, 4), (4, 4)], &[&parts[0], &parts[1]], &mut out);
    cases.push(Case { name: format!("merge_blocks 2 × {len}"), flops: 0.0, run: Box::new(run) });
    cases
}

/// Milliseconds per call: the best of `rounds` rounds, each calling `run` often enough to last
/// about `round_ms` (after one warm-up call). `now` is the platform clock in milliseconds.
pub fn time(run: &mut dyn FnMut(), now: &dyn Fn() -> f64, rounds: usize, round_ms: f64) -> f64 {
    let start = now();
    run();
    let once = (now() - start).max(1e-4);
    let reps = ((round_ms / once).ceil() as usize).clamp(1, 100_000);
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let start = now();
        for _ in 0..reps {
            run();
        }
        best = best.min((now() - start) / reps as f64);
    }
    best
}

struct Peak {
    iters: usize,
}

impl Kernel for Peak {
    type Output = f32;
    #[inline(always)]
    fn run<V: Simd>(self) -> f32 {
        // 12 independent chains: enough to cover FMA latency × throughput (5 × 2 on Zen).
        let (x, y) = (V::splat(0.999_999), V::splat(1e-7));
        let mut acc: [V; 12] = std::array::from_fn(|i| V::splat(i as f32));
        for _ in 0..self.iters {
            for a in acc.iter_mut() {
                *a = a.mul_add(x, y);
            }
        }
        acc.iter().fold(V::zero(), |s, &a| s + a).reduce_sum()
    }
}

/// GFLOP/s of multiply-adds on registers only, on the current instruction set: the single-core
/// peak that matmul efficiency is measured against.
pub fn fma_peak_gflops(now: &dyn Fn() -> f64) -> f64 {
    let iters = std::hint::black_box(1 << 20);
    let lanes = match super::simd::current() {
        Isa::Avx2Fma => 8,
        Isa::Scalar => 1,
        _ => 4,
    };
    let mut sink = 0.0;
    let ms = time(&mut || sink += dispatch(Peak { iters }), now, 5, 50.0);
    assert!(sink.is_finite());
    2.0 * lanes as f64 * 12.0 * iters as f64 / ms / 1e6
}
