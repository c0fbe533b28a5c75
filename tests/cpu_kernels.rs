//! The CPU matmul and unit-wise weight-gradient kernels (src/cpu) against the CPU oracles of their
//! WGSL twins (src/kernels), on shapes that do not divide the register blocks, on every instruction
//! set this machine has. Elementwise kernels: tests/cpu_elementwise.rs.
//! Run: `cargo test --release --test cpu_kernels`.

mod common;

use std::ops::Range;

use common::cpu_check::{Rng, assert_bitwise, assert_within, each_isa};
use vaelab::cpu::simd::{Tiles, with_tiles};
use vaelab::cpu::{self, ACT_NONE, ACT_RELU, ACT_TANH, MatmulDims, MatmulVariant, UNITS};
use vaelab::kernels::matmul::matmul_cpu;

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
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1));
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
        assert_within(&what, &clean(got), &clean(&want), |i| 2e-5 * bound[i].abs() as f64 + 1e-7);
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
