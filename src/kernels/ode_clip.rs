//! Launcher and CPU oracle for shaders/ode_clip.wgsl: the gradient's norm into the step's metrics slot
//! and the clip g ← g · min(1, max_norm / (‖g‖ + 1e-6)) in place, before adam.wgsl.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct OdeClipParams {
    pub len: u32,
    pub max_norm: f32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
pub struct OdeClip {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl OdeClip {
    pub fn new(gpu: &Gpu) -> Self {
        let slots = [Slot::StepUniform, Slot::Uniform, Slot::ReadWrite, Slot::ReadWrite];
        let layout = bind_group_layout(gpu, "ode_clip", &slots);
        let module = shader_module(gpu, "ode_clip");
        let pipeline = compute_pipeline(gpu, "ode_clip", &module, &layout, &[]);
        OdeClip { layout, pipeline }
    }

    /// step: the StepRing view; grads: [len] clipped in place; norms: [slots].
    pub fn dispatch(&self, gpu: &Gpu, params: OdeClipParams, step: View, grads: View, norms: View) -> Dispatch {
        let uniform = gpu.uniform_init("ode_clip params", bytemuck::bytes_of(&params));
        Dispatch {
            label: "ode_clip",
            pipeline: self.pipeline.clone(),
            bind_group: bind_group(gpu, "ode_clip", &self.layout, &[step, View::whole(&uniform), grads, norms]),
            workgroups: [1, 1, 1],
            uses_step: true,
            matmul: None,
        }
    }
}

/// CPU oracle in f64: clips `grads` and returns the norm before the clip.
pub fn ode_clip_cpu(max_norm: f64, grads: &mut [f64]) -> f64 {
    let norm = grads.iter().map(|g| g * g).sum::<f64>().sqrt();
    let factor = (max_norm / (norm + 1e-6)).min(1.0);
    grads.iter_mut().for_each(|g| *g *= factor);
    norm
}
