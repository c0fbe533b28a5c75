//! Launcher and CPU oracle for shaders/vrnn_reparam_backward.wgsl: dz of one VRNN step back onto
//! the posterior head's gradient (added to the KL term already there).

use super::vrnn_reparam_forward::ReparamParams;
#[cfg(feature = "gpu")]
use super::vrnn_reparam_forward::reparam_groups;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// CPU oracle: dpost[r, k] += dz; dpost[r, L + k] += dz · ε · ½ e^{lv/2}, in f32.
pub fn vrnn_reparam_backward_cpu(p: ReparamParams, post: &[f32], eps: &[f32], dz: &[f32], dpost: &mut [f32]) {
    let l = p.latent as usize;
    for r in 0..p.rows as usize {
        for k in 0..l {
            let g = dz[r * l + k];
            dpost[r * 2 * l + k] += g;
            let lv = r * 2 * l + l + k;
            dpost[lv] += g * eps[r * l + k] * 0.5 * (0.5 * post[lv]).exp();
        }
    }
}

#[cfg(feature = "gpu")]
pub struct VrnnReparamBackward {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl VrnnReparamBackward {
    pub fn new(gpu: &Gpu) -> Self {
        let name = "vrnn_reparam_backward";
        let layout =
            bind_group_layout(gpu, name, &[Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite]);
        let pipeline = compute_pipeline(gpu, name, &shader_module(gpu, name), &layout, &[]);
        VrnnReparamBackward { layout, pipeline }
    }

    /// post: [rows, 2L], eps, dz: [rows, L] → dpost: [rows, 2L] (added).
    pub fn dispatch(&self, gpu: &Gpu, p: ReparamParams, post: View, eps: View, dz: View, dpost: View) -> Dispatch {
        let uniform = gpu.uniform_init("vrnn_reparam_backward params", bytemuck::bytes_of(&p));
        let bind =
            bind_group(gpu, "vrnn_reparam_backward", &self.layout, &[View::whole(&uniform), post, eps, dz, dpost]);
        Dispatch {
            label: "vrnn_reparam_backward",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: reparam_groups(p),
            uses_step: false,
            matmul: None,
        }
    }
}
