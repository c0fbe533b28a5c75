//! Launcher for shaders/gauss_kl.wgsl: per-row KL between two diagonal Gaussians given as stacked
//! (μ | logvar) heads. Oracle: src/seq/gauss_kl.rs (tests/seq_kernels.rs).

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, groups_1d, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// Shapes of both KL kernels: `rows` = B, `latent` = L (q and p are [B, 2L]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct GaussKlParams {
    pub rows: u32,
    pub latent: u32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
pub struct GaussKl {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl GaussKl {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(gpu, "gauss_kl", &[Slot::Uniform, Slot::Read, Slot::Read, Slot::ReadWrite]);
        let module = shader_module(gpu, "gauss_kl");
        let pipeline = compute_pipeline(gpu, "gauss_kl", &module, &layout, &[]);
        GaussKl { layout, pipeline }
    }

    /// q, p: [B, 2L] → kl: [B].
    pub fn dispatch(&self, gpu: &Gpu, params: GaussKlParams, q: View, p: View, kl: View) -> Dispatch {
        let uniform = gpu.uniform_init("gauss_kl params", bytemuck::bytes_of(&params));
        let bind = bind_group(gpu, "gauss_kl", &self.layout, &[View::whole(&uniform), q, p, kl]);
        Dispatch {
            label: "gauss_kl",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: groups_1d(params.rows, 64),
            uses_step: false,
            matmul: None,
        }
    }
}
