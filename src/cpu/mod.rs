//! The CPU twins of the WGSL kernels: the same contracts as the oracles in `src/kernels/`, written
//! once over the `simd::Simd` trait and run on the best vector unit (AVX2+FMA, SSE2, NEON, wasm
//! simd128 or relaxed-SIMD). No wgpu here: this module builds for wasm without the GPU engine.

pub mod adam;
pub mod bce_logits;
mod epilogue;
pub mod gather_batch;
pub mod iwae_weights;
pub mod math;
pub mod matmul;
pub mod microbench;
pub mod reparam_backward;
pub mod reparam_forward;
pub mod simd;
pub mod threefry;
pub mod weight_grad;

// The kernels' parameter structs and constants: the one place this module reaches into
// `crate::kernels`, so moving them out of the wgpu launchers is one edit here.
pub use crate::kernels::adam::AdamParams;
pub use crate::kernels::bce_logits::BceParams;
pub use crate::kernels::gather_batch::{GatherParams, NO_LABEL};
pub use crate::kernels::iwae_weights::IwaeWeightsParams;
pub use crate::kernels::matmul::{ACT_NONE, ACT_RELU, ACT_TANH, MatmulDims, MatmulVariant};
pub use crate::kernels::reparam_backward::ReparamBackwardParams;
pub use crate::kernels::reparam_forward::ReparamParams;
pub use crate::kernels::step::StepUniform;

pub use adam::adam;
pub use bce_logits::bce_logits;
pub use gather_batch::gather_batch;
pub use iwae_weights::iwae_weights;
pub use matmul::matmul;
pub use reparam_backward::reparam_backward;
pub use reparam_forward::reparam_forward;
pub use simd::{Isa, with_isa};
pub use weight_grad::{UNITS, dyadic_blocks, merge_blocks, unit_rows, weight_grad_units};

/// The instruction set the kernels run on here ("avx2+fma", "sse2", "simd128", "relaxed-simd", …).
pub fn isa() -> &'static str {
    simd::current().name()
}
