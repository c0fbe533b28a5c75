//! CPU twin of shaders/matmul.wgsl: C = op(A)·op(B) with the fused epilogue, the contract of
//! `kernels::matmul::matmul_cpu`, with register-blocked SIMD microkernels for backprop's forms.
//!
//! Two microkernels cover every form without packing a panel:
//! - `bcast_tile` (A·B and Aᵀ·B): rows of B are contiguous in the output's columns, so an MR × NV
//!   block of vector accumulators takes one A scalar broadcast per row and NV vectors of B per k.
//! - `dot_tile` (A·Bᵀ, the forward pass with PyTorch's [out, in] weights): rows of A and of B are
//!   both contiguous in k, so MR × NR accumulators each hold a vector of partial dot products,
//!   summed across lanes at the end.
//!   Aᵀ·Bᵀ (unused by training) and A·Bᵀ with k < 32 pack Bᵀ into a thread-local scratch and
//!   take the first path.
//!
//! Determinism: each output is one chain of multiply-adds in increasing k (in `dot_tile`, one chain
//! per lane, then `reduce_sum`), whatever tile computes it; edge tiles read clamped rows and
//! zero-padded columns instead of taking another path. So results are bitwise the same whether
//! rows come in one call or several, and independent of the register-block shape.

use std::cell::Cell;

use super::epilogue::Epilogue;
use super::simd::{Kernel, Simd, dispatch, tiles};
use super::{ACT_NONE, MatmulDims, MatmulVariant};

/// Σ_p A(i0 + r, p)·B[p, j0 + v·LANES + lane] for r < MR, v < NV, with A(i, p) = a[i·ars + p·acs]
/// (a points at A(i0, 0)) and B[p, j] = b[p·ldb + j] (b points at B[0, j0]). Rows r ≥ `rows`
/// repeat row `rows` − 1 and columns ≥ `cols` read zero: callers drop them.
/// # Safety
/// A(i0 + r, p) for r < rows, p < k and B[p, j0 + q] for p < k, q < min(cols, NV·LANES) are readable.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn bcast_tile<V: Simd, const MR: usize, const NV: usize>(
    k: usize,
    a: *const f32,
    ars: usize,
    acs: usize,
    rows: usize,
    b: *const f32,
    ldb: usize,
    cols: usize,
) -> [[V; NV]; MR] {
    let mut row = [0usize; MR];
    for (r, at) in row.iter_mut().enumerate() {
        *at = r.min(rows - 1) * ars;
    }
    let mut acc = [[V::zero(); NV]; MR];
    unsafe {
        if cols >= NV * V::LANES {
            for p in 0..k {
                let bp = b.add(p * ldb);
                let bv: [V; NV] = std::array::from_fn(|v| V::load(bp.add(v * V::LANES)));
                for r in 0..MR {
                    let av = V::splat(*a.add(row[r] + p * acs));
                    for v in 0..NV {
                        acc[r][v] = av.mul_add(bv[v], acc[r][v]);
                    }
                }
            }
        } else {
            for p in 0..k {
                let bp = b.add(p * ldb);
                let bv: [V; NV] = std::array::from_fn(|v| {
                    if cols > v * V::LANES {
                        V::load_upto(bp.add(v * V::LANES), cols - v * V::LANES)
                    } else {
                        V::zero()
                    }
                });
                for r in 0..MR {
                    let av = V::splat(*a.add(row[r] + p * acs));
                    for v in 0..NV {
                        acc[r][v] = av.mul_add(bv[v], acc[r][v]);
                    }
                }
            }
        }
    }
    acc
}

/// Stores an MR × NV tile at C(i0, j0) (c points there) through the epilogue: `rows` rows, `cols`
/// columns. # Safety: those outputs and their epilogue inputs are valid.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn store_tile<V: Simd, const MR: usize, const NV: usize>(
    acc: &[[V; NV]; MR],
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    epi: &Epilogue<V>,
    i0: usize,
    j0: usize,
) {
    for (r, acc_r) in acc.iter().enumerate().take(rows) {
        for (v, &x) in acc_r.iter().enumerate() {
            let j = v * V::LANES;
            if j < cols {
                unsafe {
                    let x = epi.apply(x, i0 + r, j0 + j, cols - j);
                    x.store_upto(c.add(r * ldc + j), cols - j);
                }
            }
        }
    }
}

/// Σ_p A[i0 + r, p]·B[j0 + s, p] for r < MR, s < NR (a and b point at rows i0 and j0; rows are
/// contiguous in p). Rows past `rows` / `cols` repeat the last one.
/// # Safety
/// Rows i0..i0 + rows of A and j0..j0 + cols of B are readable for k floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn dot_tile<V: Simd, const MR: usize, const NR: usize>(
    k: usize,
    a: *const f32,
    lda: usize,
    rows: usize,
    b: *const f32,
    ldb: usize,
    cols: usize,
) -> [[f32; NR]; MR] {
    let ar: [*const f32; MR] = std::array::from_fn(|r| unsafe { a.add(r.min(rows - 1) * lda) });
    let br: [*const f32; NR] = std::array::from_fn(|s| unsafe { b.add(s.min(cols - 1) * ldb) });
    let mut acc = [[V::zero(); NR]; MR];
    let full = k / V::LANES * V::LANES;
    let mut p = 0;
    unsafe {
        while p < full {
            let bv: [V; NR] = std::array::from_fn(|s| V::load(br[s].add(p)));
            for r in 0..MR {
                let av = V::load(ar[r].add(p));
                for s in 0..NR {
                    acc[r][s] = av.mul_add(bv[s], acc[r][s]);
                }
            }
            p += V::LANES;
        }
        if p < k {
            let bv: [V; NR] = std::array::from_fn(|s| V::load_partial(br[s].add(p), k - p));
            for r in 0..MR {
                let av = V::load_partial(ar[r].add(p), k - p);
                for s in 0..NR {
                    acc[r][s] = av.mul_add(bv[s], acc[r][s]);
                }
            }
        }
    }
    std::array::from_fn(|r| std::array::from_fn(|s| acc[r][s].reduce_sum()))
}

/// The operands as raw parts, bounds already checked by `matmul`.
#[derive(Clone, Copy)]
struct Operands {
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    /// A(i, p) = a[i·ars + p·acs].
    ars: usize,
    acs: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
}

/// C = op(A)·B with B [k, n] row-major: column panels of NV vectors, MR rows at a time.
#[inline(always)]
unsafe fn bcast_driver<V: Simd, const MR: usize, const NV: usize>(o: Operands, epi: &Epilogue<V>) {
    let nr = NV * V::LANES;
    for j0 in (0..o.n).step_by(nr) {
        let cols = (o.n - j0).min(nr);
        for i0 in (0..o.m).step_by(MR) {
            let rows = (o.m - i0).min(MR);
            unsafe {
                let acc =
                    bcast_tile::<V, MR, NV>(o.k, o.a.add(i0 * o.ars), o.ars, o.acs, rows, o.b.add(j0), o.ldb, cols);
                store_tile(&acc, o.c.add(i0 * o.ldc + j0), o.ldc, rows, cols, epi, i0, j0);
            }
        }
    }
}

/// C = A·Bᵀ with rows of A and B contiguous: B in chunks of rows that stay in L2 while every row
/// block of A passes; raw sums first, then the epilogue over each finished row segment.
#[inline(always)]
unsafe fn dot_driver<V: Simd, const MR: usize, const NR: usize>(o: Operands, epi: &Epilogue<V>) {
    let chunk = ((32 * 1024 / o.k.max(1)) / NR).max(1) * NR;
    for jc in (0..o.n).step_by(chunk) {
        let jn = (o.n - jc).min(chunk);
        for i0 in (0..o.m).step_by(MR) {
            let rows = (o.m - i0).min(MR);
            for j0 in (jc..jc + jn).step_by(NR) {
                let cols = (jc + jn - j0).min(NR);
                unsafe {
                    let sums =
                        dot_tile::<V, MR, NR>(o.k, o.a.add(i0 * o.ars), o.ars, rows, o.b.add(j0 * o.ldb), o.ldb, cols);
                    for (r, sums_r) in sums.iter().enumerate().take(rows) {
                        for (s, &x) in sums_r.iter().enumerate().take(cols) {
                            *o.c.add((i0 + r) * o.ldc + j0 + s) = x;
                        }
                    }
                }
            }
            if !epi.is_identity() {
                for i in i0..i0 + rows {
                    for j in (jc..jc + jn).step_by(V::LANES) {
                        let len = jc + jn - j;
                        unsafe {
                            let at = o.c.add(i * o.ldc + j);
                            epi.apply(V::load_upto(at, len), i, j, len).store_upto(at, len);
                        }
                    }
                }
            }
        }
    }
}

/// c[out + i] = Σ_p A(i, p) in increasing p, for every row i of op(A).
#[inline(always)]
unsafe fn row_sums<V: Simd>(o: Operands, out: *mut f32) {
    unsafe {
        if o.ars == 1 {
            // Aᵀ: the sums run down columns of the stored matrix, LANES of them at once.
            for i in (0..o.m).step_by(V::LANES) {
                let len = o.m - i;
                let mut acc = V::zero();
                for p in 0..o.k {
                    acc = acc + V::load_upto(o.a.add(p * o.acs + i), len);
                }
                acc.store_upto(out.add(i), len);
            }
        } else {
            for i in 0..o.m {
                let row = o.a.add(i * o.ars);
                let mut acc = V::zero();
                for p in (0..o.k).step_by(V::LANES) {
                    acc = acc + V::load_upto(row.add(p), o.k - p);
                }
                *out.add(i) = acc.reduce_sum();
            }
        }
    }
}

/// Below this k, A·Bᵀ packs Bᵀ and takes the broadcast kernel: dot products that short spend
/// more on their lane sums than on multiply-adds (the decoder's first layer has k = latent).
/// The choice depends on k only, so rows still give the same bits however they are split.
const SHORT_DOT: usize = 32;

thread_local! {
    /// Bᵀ for Aᵀ·Bᵀ and short A·Bᵀ, grown once and reused.
    static SCRATCH: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

struct Job<'a> {
    v: MatmulVariant,
    d: MatmulDims,
    a: &'a [f32],
    b: &'a [f32],
    aux: &'a [f32],
    c: &'a mut [f32],
}

/// Runs the bcast driver with the register block chosen for V (a handful are instantiated).
#[inline(always)]
unsafe fn bcast_any<V: Simd>(o: Operands, epi: &Epilogue<V>) {
    unsafe {
        match tiles::<V>().bcast {
            (6, 2) => bcast_driver::<V, 6, 2>(o, epi),
            (5, 2) => bcast_driver::<V, 5, 2>(o, epi),
            (4, 3) => bcast_driver::<V, 4, 3>(o, epi),
            (4, 4) => bcast_driver::<V, 4, 4>(o, epi),
            (3, 3) => bcast_driver::<V, 3, 3>(o, epi),
            _ => bcast_driver::<V, 4, 2>(o, epi),
        }
    }
}

#[inline(always)]
unsafe fn dot_any<V: Simd>(o: Operands, epi: &Epilogue<V>) {
    unsafe {
        match tiles::<V>().dot {
            (4, 3) => dot_driver::<V, 4, 3>(o, epi),
            (4, 2) => dot_driver::<V, 4, 2>(o, epi),
            (4, 4) => dot_driver::<V, 4, 4>(o, epi),
            (2, 4) => dot_driver::<V, 2, 4>(o, epi),
            _ => dot_driver::<V, 3, 3>(o, epi),
        }
    }
}

impl Kernel for Job<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let Job { v, d, a, b, aux, c } = self;
        let (m, n, k) = (d.m as usize, d.n as usize, d.k as usize);
        let lda = d.lda as usize;
        let (ars, acs) = if v.trans_a { (1, lda) } else { (lda, 1) };
        let bias = if v.bias && n > 0 { b[d.bias_offset as usize..].as_ptr() } else { std::ptr::null() };
        let epi = Epilogue::<V>::new(bias, v.act, v.act_grad, aux.as_ptr(), d.ld_aux as usize);
        let o = Operands {
            m,
            n,
            k,
            a: a.as_ptr(),
            ars,
            acs,
            b: b.as_ptr(),
            ldb: d.ldb as usize,
            c: c.as_mut_ptr(),
            ldc: d.ldc as usize,
        };
        // SAFETY: `matmul` checked every index the drivers touch against the slice lengths.
        unsafe {
            if m > 0 && n > 0 {
                match (v.trans_a, v.trans_b) {
                    (false, true) if k >= SHORT_DOT => dot_any::<V>(o, &epi),
                    (_, false) => bcast_any::<V>(o, &epi),
                    (_, true) => {
                        // Taken out of the thread-local, not used inside `with`'s closure: that
                        // closure would compile outside the ISA's target features.
                        let mut bt = SCRATCH.with(|s| s.take());
                        bt.clear();
                        bt.resize(k * n, 0.0);
                        for j in 0..n {
                            for p in 0..k {
                                bt[p * n + j] = b[j * o.ldb + p];
                            }
                        }
                        bcast_any::<V>(Operands { b: bt.as_ptr(), ldb: n, ..o }, &epi);
                        SCRATCH.with(|s| s.replace(bt));
                    }
                }
            }
            if v.ones_col && m > 0 {
                row_sums::<V>(o, o.c.add(d.bias_offset as usize));
            }
        }
    }
}

/// The number of floats a strided matrix needs: rows × cols at stride ld (0 when empty).
pub(crate) fn span(rows: usize, cols: usize, ld: usize) -> usize {
    if rows == 0 || cols == 0 { 0 } else { (rows - 1) * ld + cols }
}

/// C = op(A)·op(B) with `matmul_cpu`'s contract (strides, bias at b[bias_offset + col], ACT,
/// ACT_GRAD with aux[row·ld_aux + col], ONES_COL sums at c[bias_offset + row]).
/// Panics if a slice is too short for the dimensions.
pub fn matmul(v: MatmulVariant, d: MatmulDims, a: &[f32], b: &[f32], aux: &[f32], c: &mut [f32]) {
    let (m, n, k) = (d.m as usize, d.n as usize, d.k as usize);
    let (lda, ldb, ldc) = (d.lda as usize, d.ldb as usize, d.ldc as usize);
    let need_a = if v.trans_a { span(k, m, lda) } else { span(m, k, lda) };
    let mut need_b = if v.trans_b { span(n, k, ldb) } else { span(k, n, ldb) };
    if v.bias && n > 0 {
        need_b = need_b.max(d.bias_offset as usize + n);
    }
    let need_aux = if v.act_grad != ACT_NONE { span(m, n, d.ld_aux as usize) } else { 0 };
    let mut need_c = span(m, n, ldc);
    if v.ones_col && m > 0 {
        need_c = need_c.max(d.bias_offset as usize + m);
    }
    assert!(
        a.len() >= need_a && b.len() >= need_b && aux.len() >= need_aux && c.len() >= need_c,
        "matmul {v:?} {d:?}: slices a {} b {} aux {} c {} shorter than needed {need_a} {need_b} {need_aux} {need_c}",
        a.len(),
        b.len(),
        aux.len(),
        c.len()
    );
    assert!(m <= 1 || ldc >= n, "matmul {d:?}: rows of C overlap (ldc < n)");
    dispatch(Job { v, d, a, b, aux, c })
}
