//! Launcher for shaders/matmul_wide.wgsl: 8×8 register blocks with vec4 loads, for adapters where
//! loads dominate (CPU emulations). Same shape requirements as the vec4 kernel; oracle `matmul_cpu`.

use super::matmul::{MatmulDims, MatmulVariant};

/// Threads per workgroup along x and y; each thread computes 8 rows × 8 columns.
pub const WG: (u32, u32) = (8, 8);
pub const ROWS_PER_THREAD: u32 = 8;
pub const COLS_PER_THREAD: u32 = 8;

pub fn supports(v: MatmulVariant, d: MatmulDims) -> bool {
    super::matmul_vec4::supports(v, d)
}
