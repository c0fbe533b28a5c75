//! The data-parallel weight gradient [dW | db] = dYᵀ·[X | 1], bitwise the same for any number of
//! workers: the batch is cut into `UNITS` fixed row ranges and the gradient is the pairwise tree
//! over the unit sums, node([a, a + 2^j)) = node(left half) + node(right half).
//!
//! A worker owning units [first, first + count) evaluates the tree below the maximal aligned dyadic
//! blocks of its range (`dyadic_blocks`), one register tile at a time: each unit's leaf is summed
//! into registers and merged with the pending tiles of a small stack, so every output is written
//! once per block. `merge_blocks` evaluates the rest of the tree across workers.

use std::ops::Range;

use super::MatmulDims;
use super::epilogue::Epilogue;
use super::matmul::{bcast_tile, span, store_tile};
use super::simd::{Kernel, Simd, dispatch, tiles};

/// Fixed units of a batch: the leaves of the reduction tree.
pub const UNITS: usize = 8;

/// The rows of unit `u` in a batch of `batch_rows` (possibly empty).
pub fn unit_rows(batch_rows: usize, u: usize) -> Range<usize> {
    u * batch_rows / UNITS..(u + 1) * batch_rows / UNITS
}

/// Whether `left` and `right` are the two halves of one aligned dyadic node.
fn halves(left: (usize, usize), right: (usize, usize)) -> bool {
    left.1 == right.1 && left.0.is_multiple_of(2 * left.1) && left.0 + left.1 == right.0
}

/// Pending tree nodes of a worker: at most two blocks of each size below UNITS.
const DEPTH: usize = 2 * UNITS.trailing_zeros() as usize;

/// The maximal aligned dyadic blocks (start, len) that partition [first, first + count), in order:
/// 0..3 → [0, 2), [2, 3); 3..6 → [3, 4), [4, 6); 0..8 → [0, 8).
pub fn dyadic_blocks(first: usize, count: usize) -> Vec<(usize, usize)> {
    let mut blocks = [(0, 0); DEPTH];
    let len = blocks_of(first, count, &mut blocks);
    blocks[..len].to_vec()
}

/// `dyadic_blocks` into a fixed array (the merge the kernels do per tile); returns the count.
fn blocks_of(first: usize, count: usize, blocks: &mut [(usize, usize); DEPTH]) -> usize {
    assert!(first + count <= UNITS, "units {first}..{} past {UNITS}", first + count);
    let mut depth = 0;
    for u in first..first + count {
        let mut node = (u, 1);
        while depth > 0 && halves(blocks[depth - 1], node) {
            depth -= 1;
            node = (blocks[depth].0, 2 * node.1);
        }
        blocks[depth] = node;
        depth += 1;
    }
    depth
}

struct Units<'a> {
    d: MatmulDims,
    dy: &'a [f32],
    x: &'a [f32],
    units: &'a [Range<usize>],
    first_unit: usize,
    /// Block j's output (the first `blocks` entries), checked by `weight_grad_units`.
    outs: [*mut f32; DEPTH],
}

#[inline(always)]
unsafe fn units_tiles<V: Simd, const MR: usize, const NV: usize>(job: &Units) {
    let d = job.d;
    let (m, n) = (d.m as usize, d.n as usize);
    let (lda, ldb, ldc) = (d.lda as usize, d.ldb as usize, d.ldc as usize);
    let nr = NV * V::LANES;
    let mut stack = [[[V::zero(); NV]; MR]; DEPTH];
    let mut nodes = [(0usize, 0usize); DEPTH];
    let none = Epilogue::<V>::none();
    for j0 in (0..n).step_by(nr) {
        let cols = (n - j0).min(nr);
        for i0 in (0..m).step_by(MR) {
            let rows = (m - i0).min(MR);
            let mut depth = 0;
            for (u, range) in job.units.iter().enumerate() {
                let mut acc = [[V::zero(); NV]; MR];
                if !range.is_empty() {
                    // SAFETY: `weight_grad_units` checked the unit rows against dy and x.
                    acc = unsafe {
                        bcast_tile::<V, MR, NV>(
                            range.len(),
                            job.dy.as_ptr().add(range.start * lda + i0),
                            1,
                            lda,
                            rows,
                            job.x.as_ptr().add(range.start * ldb + j0),
                            ldb,
                            cols,
                        )
                    };
                }
                let mut node = (job.first_unit + u, 1);
                while depth > 0 && halves(nodes[depth - 1], node) {
                    depth -= 1;
                    for r in 0..MR {
                        for v in 0..NV {
                            acc[r][v] = stack[depth][r][v] + acc[r][v];
                        }
                    }
                    node = (nodes[depth].0, 2 * node.1);
                }
                stack[depth] = acc;
                nodes[depth] = node;
                depth += 1;
            }
            for (tile, &out) in stack.iter().zip(&job.outs).take(depth) {
                // SAFETY: each out was checked to hold an m × n matrix at stride ldc.
                unsafe { store_tile(tile, out.add(i0 * ldc + j0), ldc, rows, cols, &none, i0, j0) };
            }
        }
    }
}

impl Kernel for Units<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        // SAFETY (all blocks): bounds checked by `weight_grad_units`.
        unsafe {
            match tiles::<V>().units {
                (6, 2) => units_tiles::<V, 6, 2>(&self),
                (5, 2) => units_tiles::<V, 5, 2>(&self),
                (4, 3) => units_tiles::<V, 4, 3>(&self),
                (4, 4) => units_tiles::<V, 4, 4>(&self),
                (3, 3) => units_tiles::<V, 3, 3>(&self),
                _ => units_tiles::<V, 4, 2>(&self),
            }
        }
        // The bias column: the same tree over each unit's sums of dY rows, LANES outputs at once.
        let (m, lda, bias) = (self.d.m as usize, self.d.lda as usize, self.d.bias_offset as usize);
        let mut stack = [V::zero(); DEPTH];
        let mut nodes = [(0usize, 0usize); DEPTH];
        for i in (0..m).step_by(V::LANES) {
            let len = m - i;
            let mut depth = 0;
            for (u, range) in self.units.iter().enumerate() {
                let mut acc = V::zero();
                for p in range.clone() {
                    acc = acc + unsafe { V::load_upto(self.dy.as_ptr().add(p * lda + i), len) };
                }
                let mut node = (self.first_unit + u, 1);
                while depth > 0 && halves(nodes[depth - 1], node) {
                    depth -= 1;
                    acc = stack[depth] + acc;
                    node = (nodes[depth].0, 2 * node.1);
                }
                stack[depth] = acc;
                nodes[depth] = node;
                depth += 1;
            }
            for (acc, &out) in stack.iter().zip(&self.outs).take(depth) {
                unsafe { acc.store_upto(out.add(bias + i), len) };
            }
        }
    }
}

/// One worker's share of [dW | db] = dYᵀ·[X | 1]. `d` is the workspace's Aᵀ·B + ones_col matmul
/// (m = outputs, n = inputs, lda / ldb the strides of dy / x, ldc and bias_offset for the
/// output); `units` are the worker's unit row ranges in its local rows, the first being global
/// unit `first_unit`; `outs[j]` receives block j of `dyadic_blocks(first_unit, units.len())` in
/// `matmul_cpu`'s layout (dW[i, j] at i·ldc + j, db[i] at bias_offset + i). Panics on bad shapes.
pub fn weight_grad_units(
    d: MatmulDims,
    dy: &[f32],
    x: &[f32],
    units: &[Range<usize>],
    first_unit: usize,
    outs: &mut [&mut [f32]],
) {
    let (m, n) = (d.m as usize, d.n as usize);
    let mut blocks = [(0, 0); DEPTH];
    let count = blocks_of(first_unit, units.len(), &mut blocks);
    assert_eq!(outs.len(), count, "one output per block {:?}", &blocks[..count]);
    let rows = units.iter().map(|r| r.end).max().unwrap_or(0);
    assert!(units.iter().all(|r| r.start <= r.end), "reversed unit range");
    assert!(dy.len() >= span(rows, m, d.lda as usize), "dy shorter than {rows} rows × {m}");
    assert!(x.len() >= span(rows, n, d.ldb as usize), "x shorter than {rows} rows × {n}");
    assert!(m <= 1 || d.ldc as usize >= n, "rows of the gradient overlap (ldc < n)");
    let need = span(m, n, d.ldc as usize).max(if m > 0 { d.bias_offset as usize + m } else { 0 });
    assert!(outs.iter().all(|o| o.len() >= need), "an output is shorter than {need}");
    let mut ptrs = [std::ptr::null_mut(); DEPTH];
    for (p, o) in ptrs.iter_mut().zip(outs.iter_mut()) {
        *p = o.as_mut_ptr();
    }
    dispatch(Units { d, dy, x, units, first_unit, outs: ptrs })
}

/// The postfix program that evaluates node (start, len) from the blocks: `Some(b)` pushes block b,
/// `None` adds the top two (left + right).
fn program(blocks: &[(usize, usize)], node: (usize, usize), out: &mut Vec<Option<usize>>) {
    if let Some(b) = blocks.iter().position(|&blk| blk == node) {
        out.push(Some(b));
    } else {
        assert!(node.1 > 1, "no block covers unit {} in {blocks:?}", node.0);
        let half = node.1 / 2;
        program(blocks, (node.0, half), out);
        program(blocks, (node.0 + half, half), out);
        out.push(None);
    }
}

struct Merge<'a> {
    program: &'a [Option<usize>],
    parts: &'a [&'a [f32]],
    out: &'a mut [f32],
}

impl Kernel for Merge<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let len = self.out.len();
        let mut stack = [V::zero(); UNITS];
        for i in (0..len).step_by(V::LANES) {
            let rest = len - i;
            let mut depth = 0;
            for op in self.program {
                match *op {
                    // SAFETY: every part holds out.len() floats (checked by `merge_blocks`).
                    Some(b) => {
                        stack[depth] = unsafe { V::load_upto(self.parts[b].as_ptr().add(i), rest) };
                        depth += 1;
                    }
                    None => {
                        depth -= 1;
                        stack[depth - 1] = stack[depth - 1] + stack[depth];
                    }
                }
            }
            unsafe { stack[0].store_upto(self.out.as_mut_ptr().add(i), rest) };
        }
    }
}

/// The cross-worker reduction: `blocks` (any order) partition [0, UNITS) into aligned dyadic blocks
/// and `parts[b]` holds block b's values over the same parameter slice as `out`; `out` receives the
/// root of the tree. Panics if the blocks do not partition the units.
pub fn merge_blocks(blocks: &[(usize, usize)], parts: &[&[f32]], out: &mut [f32]) {
    assert_eq!(blocks.len(), parts.len(), "one part per block");
    assert!(parts.iter().all(|p| p.len() == out.len()), "parts and out differ in length");
    let mut prog = Vec::with_capacity(2 * UNITS);
    program(blocks, (0, UNITS), &mut prog);
    let used = prog.iter().filter(|op| op.is_some()).count();
    assert_eq!(used, blocks.len(), "blocks {blocks:?} overlap or are not aligned");
    dispatch(Merge { program: &prog, parts, out })
}
