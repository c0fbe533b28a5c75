//! Launcher for shaders/matmul_tiled.wgsl: 64×64 output tiles staged through workgroup memory, the
//! classic layout for real GPUs. Same shape requirements as the vec4 kernel; oracle `matmul_cpu`.

use super::matmul::{MatmulDims, MatmulVariant};

/// Output rows and columns per workgroup (16×16 threads, 4×4 each).
pub const TILE: u32 = 64;

pub fn supports(v: MatmulVariant, d: MatmulDims) -> bool {
    super::matmul_vec4::supports(v, d)
}
