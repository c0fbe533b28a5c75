//! Launcher for shaders/matmul_vec4.wgsl: the vec4-load form of the matmul, valid when the
//! operands' contiguous dimensions are multiples of 4. Its CPU oracle is `matmul::matmul_cpu`.

use super::matmul::{MatmulDims, MatmulVariant};

/// Whether the vec4 kernel can run `dims` in form `v` (see the requirements atop the shader).
pub fn supports(v: MatmulVariant, d: MatmulDims) -> bool {
    let four = |x: u32| x.is_multiple_of(4) && x > 0;
    // The bias-gradient column exists only in the Aᵀ·B form (weight gradients).
    if v.ones_col && !v.trans_a {
        return false;
    }
    match (v.trans_a, v.trans_b) {
        (false, false) => four(d.k) && four(d.lda) && four(d.ldb) && four(d.n),
        (false, true) => four(d.k) && four(d.lda) && four(d.ldb),
        (true, false) => four(d.m) && four(d.lda) && four(d.ldb) && four(d.n),
        (true, true) => false,
    }
}
