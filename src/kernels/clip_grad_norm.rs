//! Launcher and CPU oracle for shaders/clip_grad_norm.wgsl: clip_grad_norm_ over the flat gradient
//! in one workgroup (‖g‖ to the VRNN's metrics ring), run just before adam.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct ClipParams {
    /// vec4 groups in the gradient.
    pub len4: u32,
    /// Floats per metrics record (‖g‖ goes to float 3 of record step.slot).
    pub record: u32,
    pub max_norm: f32,
    pub _pad: u32,
}

/// CPU oracle: scales `grads` in place as the kernel does; returns ‖g‖ (accumulated in f64, so
/// it differs from the kernel's f32 tree by rounding only).
pub fn clip_grad_norm_cpu(max_norm: f32, grads: &mut [f32]) -> f32 {
    let norm = grads.iter().map(|&g| g as f64 * g as f64).sum::<f64>().sqrt() as f32;
    let factor = (max_norm / (norm + 1e-6)).min(1.0);
    if factor < 1.0 {
        grads.iter_mut().for_each(|g| *g *= factor);
    }
    norm
}

#[cfg(feature = "gpu")]
pub struct ClipGradNorm {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl ClipGradNorm {
    pub fn new(gpu: &Gpu) -> Self {
        let name = "clip_grad_norm";
        let slots = [Slot::StepUniform, Slot::Uniform, Slot::ReadWrite, Slot::ReadWrite];
        let layout = bind_group_layout(gpu, name, &slots);
        let pipeline = compute_pipeline(gpu, name, &shader_module(gpu, name), &layout, &[]);
        ClipGradNorm { layout, pipeline }
    }

    /// grads: [4·len4] (clipped in place); metrics: the ring ‖g‖ is written into.
    pub fn dispatch(&self, gpu: &Gpu, p: ClipParams, step: View, grads: View, metrics: View) -> Dispatch {
        let uniform = gpu.uniform_init("clip_grad_norm params", bytemuck::bytes_of(&p));
        let views = [step, View::whole(&uniform), grads, metrics];
        Dispatch {
            label: "clip_grad_norm",
            pipeline: self.pipeline.clone(),
            bind_group: bind_group(gpu, "clip_grad_norm", &self.layout, &views),
            workgroups: [1, 1, 1],
            uses_step: true,
            matmul: None,
        }
    }
}
