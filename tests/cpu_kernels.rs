//! The CPU kernels (src/cpu) against the CPU oracles of their WGSL twins (src/kernels), on shapes
//! that do not divide the register blocks, on every instruction set this machine has.
//! Run: `cargo test --release --test cpu_kernels`.

use std::ops::Range;

use vaelab::cpu::simd::{Tiles, with_tiles};
use vaelab::cpu::{self, ACT_NONE, ACT_RELU, ACT_TANH, Isa, MatmulDims, MatmulVariant, UNITS, with_isa};
use vaelab::kernels::matmul::matmul_cpu;

/// Deterministic test data (xorshift), uniform in [lo, hi).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
    fn fill(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| lo + (hi - lo) * self.next()).collect()
    }
}

/// Fails with the first mismatches and their indices when |got − want| > tol(i).
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: impl Fn(usize) -> f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let bad: Vec<String> = (0..got.len())
        .filter(|&i| !((got[i] as f64 - want[i] as f64).abs() <= tol(i)))
        .take(6)
        .map(|i| format!("[{i}] got {} want {} (tol {:.2e})", got[i], want[i], tol(i)))
        .collect();
    assert!(bad.is_empty(), "{what} on {}: {}", cpu::isa(), bad.join(", "));
}

fn assert_bitwise(what: &str, got: &[f32], want: &[f32]) {
    let bad: Vec<usize> = (0..got.len()).filter(|&i| got[i].to_bits() != want[i].to_bits()).take(6).collect();
    assert!(got.len() == want.len() && bad.is_empty(), "{what} on {}: differs at {bad:?}", cpu::isa());
}

fn each_isa(f: impl Fn()) {
    for isa in Isa::available() {
        with_isa(isa, &f);
    }
}

// ---- matmul -----------------------------------------------------------------------------------

/// A problem: operands laid out with padded strides, and the tolerance bound from |A|·|B|.
struct Problem {
    v: MatmulVariant,
    d: MatmulDims,
    a: Vec<f32>,
    b: Vec<f32>,
    aux: Vec<f32>,
    c_len: usize,
}

fn problem(v: MatmulVariant, (m, n, k): (u32, u32, u32), pad: u32, seed: u64) -> Problem {
    let mut rng = Rng(seed * 0x9E37_79B9_7F4A_7C15 + 1);
    let (lda, ldb) = (if v.trans_a { m } else { k } + pad, if v.trans_b { k } else { n } + pad);
    let (ldc, ld_aux) = (n + 2 * pad, n + pad);
    let a_rows = if v.trans_a { k } else { m };
    let b_rows = if v.trans_b { n } else { k };
    // One offset for B's bias and C's row-sum column (MatmulDims has one field for both).
    let mut bias_offset = if v.bias { b_rows * ldb + pad } else { 0 };
    if v.ones_col {
        bias_offset = bias_offset.max(m * ldc + pad);
    }
    let a = rng.fill((a_rows * lda) as usize, -1.0, 1.0);
    let b = rng.fill(((b_rows * ldb).max(bias_offset + n)) as usize, -1.0, 1.0);
    let aux = rng.fill((m * ld_aux) as usize, -0.99, 0.99);
    let d = MatmulDims { m, n, k, lda, ldb, ldc, bias_offset, ld_aux };
    let c_len = ((m * ldc).max(bias_offset + m) + pad) as usize;
    Problem { v, d, a, b, aux, c_len }
}

impl Problem {
    fn run(&self) -> Vec<f32> {
        let mut c = vec![f32::NAN; self.c_len];
        cpu::matmul(self.v, self.d, &self.a, &self.b, &self.aux, &mut c);
        c
    }

    /// Compares against matmul_cpu: tolerance 2e-5·(|A|·|B| + |bias|) + 1e-7 per output, and
    /// untouched padding stays NaN.
    fn check(&self, got: &[f32]) {
        let mut want = vec![f32::NAN; self.c_len];
        matmul_cpu(self.v, self.d, &self.a, &self.b, &self.aux, &mut want);
        let abs = |x: &[f32]| x.iter().map(|v| v.abs()).collect::<Vec<f32>>();
        let plain = MatmulVariant { act: ACT_NONE, act_grad: ACT_NONE, ..self.v };
        let mut bound = vec![0f32; self.c_len];
        matmul_cpu(plain, self.d, &abs(&self.a), &abs(&self.b), &self.aux, &mut bound);
        let what = format!("matmul {:?} {}×{}×{}", self.v, self.d.m, self.d.n, self.d.k);
        let nan = |i: usize| want[i].is_nan();
        assert!((0..got.len()).all(|i| nan(i) == got[i].is_nan()), "{what}: wrote outside C (or missed an output)");
        let clean = |x: &[f32]| x.iter().map(|v| if v.is_nan() { 0.0 } else { *v }).collect::<Vec<f32>>();
        assert_close(&what, &clean(got), &clean(&want), |i| 2e-5 * bound[i].abs() as f64 + 1e-7);
    }
}

fn forward(act: u32) -> MatmulVariant {
    MatmulVariant { trans_b: true, bias: true, act, ..Default::default() }
}
fn input_grad(act_grad: u32) -> MatmulVariant {
    MatmulVariant { act_grad, ..Default::default() }
}
fn weight_grad() -> MatmulVariant {
    MatmulVariant { trans_a: true, ones_col: true, ..Default::default() }
}

const ODD_SHAPES: [(u32, u32, u32); 8] =
    [(1, 1, 1), (7, 13, 5), (1, 137, 3), (2, 3, 137), (33, 65, 17), (5, 1, 9), (13, 7, 1), (6, 16, 24)];

#[test]
fn matmul_forward_shapes_smaller_than_blocks() {
    each_isa(|| {
        for (s, &shape) in ODD_SHAPES.iter().enumerate() {
            for act in [ACT_NONE, ACT_RELU, ACT_TANH] {
                let p = problem(forward(act), shape, 3, s as u64);
                p.check(&p.run());
            }
        }
    });
}

#[test]
fn matmul_input_and_weight_grad_blocks_divide_shapes_unevenly() {
    each_isa(|| {
        for (s, &shape) in ODD_SHAPES.iter().enumerate() {
            for v in [input_grad(ACT_NONE), input_grad(ACT_RELU), input_grad(ACT_TANH), weight_grad()] {
                let p = problem(v, shape, 2, 10 + s as u64);
                p.check(&p.run());
            }
        }
    });
}

#[test]
fn matmul_every_variant_matches_oracle() {
    each_isa(|| {
        for bits in 0..144u32 {
            let v = MatmulVariant {
                trans_a: bits & 1 != 0,
                trans_b: bits & 2 != 0,
                bias: bits & 4 != 0,
                ones_col: bits & 8 != 0,
                act: (bits / 16) % 3,
                act_grad: (bits / 48) % 3,
            };
            for shape in [(7, 13, 5), (9, 19, 11)] {
                let p = problem(v, shape, 1, bits as u64);
                p.check(&p.run());
            }
        }
    });
}

#[test]
fn matmul_real_model_shapes() {
    each_isa(|| {
        for (v, shape) in [
            (forward(ACT_RELU), (128, 400, 784)),
            (forward(ACT_NONE), (128, 784, 400)),
            (forward(ACT_RELU), (128, 400, 20)),
            (input_grad(ACT_RELU), (128, 400, 784)),
            (input_grad(ACT_NONE), (128, 20, 400)),
            (weight_grad(), (400, 784, 128)),
            (weight_grad(), (784, 400, 128)),
            (weight_grad(), (40, 400, 128)),
        ] {
            let p = problem(v, shape, 0, 7);
            p.check(&p.run());
        }
    });
}

#[test]
fn matmul_rows_split_across_calls_are_bitwise_equal() {
    each_isa(|| {
        for v in [forward(ACT_TANH), input_grad(ACT_RELU), MatmulVariant { act: ACT_RELU, ..weight_grad() }] {
            let p = problem(MatmulVariant { ones_col: false, ..v }, (37, 45, 29), 0, 3);
            let whole = p.run();
            let mut split = vec![f32::NAN; p.c_len];
            let mut row = 0;
            for (i, rows) in [1u32, 5, 7, 2, 13, 9].into_iter().enumerate() {
                // Rows [row, row + rows) of C: offset A (or Aᵀ's columns), aux and C.
                let (d, a_at) = (p.d, if v.trans_a { row } else { row * p.d.lda });
                let d = MatmulDims { m: rows, ..d };
                let c_at = (row * d.ldc) as usize;
                let aux = &p.aux[(row * d.ld_aux) as usize..];
                cpu::matmul(p.v, d, &p.a[a_at as usize..], &p.b, aux, &mut split[c_at..]);
                row += rows;
                assert!(i < 6 && row <= 37);
            }
            assert_bitwise(&format!("{v:?} split rows"), &split, &whole);
        }
    });
}

#[test]
fn matmul_register_blocks_agree_bitwise() {
    each_isa(|| {
        let shapes = [(2, 4), (4, 2), (4, 3), (3, 3), (4, 4), (5, 2), (6, 2)];
        for v in [forward(ACT_RELU), input_grad(ACT_TANH), weight_grad()] {
            let p = problem(v, (29, 70, 37), 1, 5);
            let first = with_tiles(Tiles { bcast: (4, 2), dot: (3, 3), units: (4, 2) }, || p.run());
            for &bcast in &shapes {
                for &dot in &shapes {
                    let got = with_tiles(Tiles { bcast, dot, units: bcast }, || p.run());
                    assert_bitwise(&format!("{v:?} bcast {bcast:?} dot {dot:?}"), &got, &first);
                }
            }
        }
        let d = MatmulDims { m: 29, n: 70, k: 37, lda: 29, ldb: 70, ldc: 70, bias_offset: 29 * 70, ld_aux: 0 };
        let mut rng = Rng(8);
        let (dy, x) = (rng.fill(37 * 29, -1.0, 1.0), rng.fill(37 * 70, 0.0, 1.0));
        let first = weight_grad_by_workers(d, &dy, &x, 37, 3);
        for &units in &shapes[1..] {
            let got =
                with_tiles(Tiles { bcast: (4, 2), dot: (3, 3), units }, || weight_grad_by_workers(d, &dy, &x, 37, 3));
            assert_bitwise(&format!("weight grad units {units:?}"), &got, &first);
        }
    });
}

// ---- weight gradient in units ---------------------------------------------------------------------

/// [dW | db] of one layer from `workers` workers, merged: d as the workspace's Aᵀ·B + ones_col.
fn weight_grad_by_workers(d: MatmulDims, dy: &[f32], x: &[f32], batch: usize, workers: usize) -> Vec<f32> {
    let len = (d.bias_offset + d.m) as usize;
    let (mut blocks, mut parts) = (Vec::new(), Vec::new());
    for w in 0..workers {
        let units: Range<usize> = w * UNITS / workers..(w + 1) * UNITS / workers;
        let first_row = cpu::unit_rows(batch, units.start).start;
        let local: Vec<Range<usize>> =
            units.clone().map(|u| cpu::unit_rows(batch, u)).map(|r| r.start - first_row..r.end - first_row).collect();
        let mine = cpu::dyadic_blocks(units.start, units.len());
        let mut outs: Vec<Vec<f32>> = vec![vec![f32::NAN; len]; mine.len()];
        let mut views: Vec<&mut [f32]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
        let (dy, x) = (&dy[first_row * d.lda as usize..], &x[first_row * d.ldb as usize..]);
        cpu::weight_grad_units(d, dy, x, &local, units.start, &mut views);
        blocks.extend(mine);
        parts.extend(outs);
    }
    // Any order of blocks gives the same tree: hand them over reversed.
    blocks.reverse();
    parts.reverse();
    let mut out = vec![f32::NAN; len];
    let views: Vec<&[f32]> = parts.iter().map(|p| p.as_slice()).collect();
    cpu::merge_blocks(&blocks, &views, &mut out);
    out
}

#[test]
fn dyadic_blocks_are_maximal_aligned_and_partition_the_range() {
    assert_eq!(cpu::dyadic_blocks(0, 3), vec![(0, 2), (2, 1)]);
    assert_eq!(cpu::dyadic_blocks(3, 3), vec![(3, 1), (4, 2)]);
    assert_eq!(cpu::dyadic_blocks(0, 8), vec![(0, 8)]);
    assert_eq!(cpu::dyadic_blocks(1, 6), vec![(1, 1), (2, 2), (4, 2), (6, 1)]);
    for first in 0..=UNITS {
        for count in 0..=UNITS - first {
            let blocks = cpu::dyadic_blocks(first, count);
            let mut at = first;
            for &(start, len) in &blocks {
                assert!(start == at && len.is_power_of_two() && start % len == 0, "{first}+{count}: {blocks:?}");
                at += len;
            }
            assert_eq!(at, first + count);
            for pair in blocks.windows(2) {
                let ((s, l), (t, k)) = (pair[0], pair[1]);
                assert!(!(l == k && s % (2 * l) == 0 && s + l == t), "{first}+{count} not maximal: {blocks:?}");
            }
        }
    }
}

#[test]
fn weight_grad_bitwise_equal_across_worker_counts() {
    each_isa(|| {
        for (m, n) in [(7u32, 13u32), (33, 65), (1, 137), (40, 20)] {
            for batch in [1usize, 5, 100, 128] {
                let mut rng = Rng(batch as u64 * 31 + m as u64);
                let (lda, ldb, ldc) = (m + 1, n + 3, n + 2);
                let d = MatmulDims { m, n, k: batch as u32, lda, ldb, ldc, bias_offset: m * ldc + 5, ld_aux: 0 };
                let dy = rng.fill(batch * lda as usize, -1.0, 1.0);
                let x = rng.fill(batch * ldb as usize, 0.0, 1.0);
                let one = weight_grad_by_workers(d, &dy, &x, batch, 1);
                for workers in 2..=UNITS {
                    let got = weight_grad_by_workers(d, &dy, &x, batch, workers);
                    assert_bitwise(&format!("{m}×{n} batch {batch}, {workers} workers"), &got, &one);
                }
                let p = Problem { v: weight_grad(), d, a: dy, b: x, aux: vec![], c_len: one.len() };
                p.check(&one);
            }
        }
    });
}

#[test]
fn weight_grad_real_shape_two_workers_matches_oracle() {
    let d = MatmulDims { m: 400, n: 784, k: 128, lda: 400, ldb: 784, ldc: 784, bias_offset: 400 * 784, ld_aux: 0 };
    let mut rng = Rng(99);
    let (dy, x) = (rng.fill(128 * 400, -1.0, 1.0), rng.fill(128 * 784, 0.0, 1.0));
    each_isa(|| {
        let got = weight_grad_by_workers(d, &dy, &x, 128, 2);
        let p = Problem { v: weight_grad(), d, a: dy.clone(), b: x.clone(), aux: vec![], c_len: got.len() };
        p.check(&got);
        assert_bitwise("400×784, 2 vs 8 workers", &got, &weight_grad_by_workers(d, &dy, &x, 128, 8));
    });
}

#[test]
#[should_panic(expected = "no block covers unit")]
fn merge_blocks_rejects_blocks_that_leave_a_gap() {
    cpu::merge_blocks(&[(0, 4), (4, 2)], &[&[0.0], &[0.0]], &mut [0.0]);
}

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
            assert_close("reparam z", &gz, &z, |i| 1e-6 * (1.0 + z[i].abs() as f64));
            assert_close("reparam row stats", &gs, &stats, |i| 1e-5 * (1.0 + stats[i].abs() as f64));
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
            assert_close("bce row loss", &gstats, &stats, |i| 1e-6 * per_row[i / 4]);
            let scale = |i: usize| if from_stats == 1 { stats0[i / pixels as usize * 4 + 3] } else { 0.25 } as f64;
            if write_grad == 1 {
                assert_close("bce gradient", &gdl, &dl, |i| 2e-7 * scale(i) + 1e-12);
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
        assert_close("iwae weights", &col3(&got), &w, |i| 2e-6 * w[i] as f64 + 1e-30);
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
            assert_close("reparam_backward", &got, &want, |i| 2e-6 * (1.0 + want[i].abs() as f64) * rep as f64);
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
