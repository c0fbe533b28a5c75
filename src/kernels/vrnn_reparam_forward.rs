//! Launcher and CPU oracle for shaders/vrnn_reparam_forward.wgsl: one VRNN step's z = μ + e^{lv/2} ε
//! from the posterior head and the ε that vrnn_gather drew.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// Shapes of both VRNN reparameterisation kernels: `rows` × `latent` (the head is [rows, 2L]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct ReparamParams {
    pub rows: u32,
    pub latent: u32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
/// Workgroups of both kernels: 8 × 8 threads over (latent unit, row).
pub fn reparam_groups(p: ReparamParams) -> [u32; 3] {
    [p.latent.div_ceil(8).max(1), p.rows.div_ceil(8).max(1), 1]
}

/// CPU oracle: z[r, k] = post[r, k] + e^{post[r, L + k] / 2} · eps[r, k], in f32.
pub fn vrnn_reparam_forward_cpu(p: ReparamParams, post: &[f32], eps: &[f32], z: &mut [f32]) {
    let l = p.latent as usize;
    for r in 0..p.rows as usize {
        for k in 0..l {
            z[r * l + k] = post[r * 2 * l + k] + (0.5 * post[r * 2 * l + l + k]).exp() * eps[r * l + k];
        }
    }
}

#[cfg(feature = "gpu")]
pub struct VrnnReparamForward {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl VrnnReparamForward {
    pub fn new(gpu: &Gpu) -> Self {
        let name = "vrnn_reparam_forward";
        let layout = bind_group_layout(gpu, name, &[Slot::Uniform, Slot::Read, Slot::Read, Slot::ReadWrite]);
        let pipeline = compute_pipeline(gpu, name, &shader_module(gpu, name), &layout, &[]);
        VrnnReparamForward { layout, pipeline }
    }

    /// post: [rows, 2L], eps: [rows, L] → z: [rows, L].
    pub fn dispatch(&self, gpu: &Gpu, p: ReparamParams, post: View, eps: View, z: View) -> Dispatch {
        let uniform = gpu.uniform_init("vrnn_reparam_forward params", bytemuck::bytes_of(&p));
        let bind = bind_group(gpu, "vrnn_reparam_forward", &self.layout, &[View::whole(&uniform), post, eps, z]);
        Dispatch {
            label: "vrnn_reparam_forward",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: reparam_groups(p),
            uses_step: false,
            matmul: None,
        }
    }
}
