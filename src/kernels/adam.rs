//! Launcher and CPU oracle for shaders/adam.wgsl: one Adam update over every parameter at once.

use bytemuck::{Pod, Zeroable};

use super::step::StepUniform;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct AdamParams {
    pub len4: u32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
}

#[cfg(feature = "gpu")]
pub struct Adam {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

/// Enough workgroups to keep a GPU busy; the kernel strides over the rest. A CPU-emulated GPU
/// runs a workgroup per core at a time and pays per workgroup, so there a few long ones win
/// (SwiftShader, 2 cores: 9.4 ms with 637 workgroups, 5.0 ms with 4).
#[cfg(feature = "gpu")]
const MAX_GROUPS: u32 = 1024;
#[cfg(feature = "gpu")]
const MAX_GROUPS_CPU: u32 = 8;

#[cfg(feature = "gpu")]
impl Adam {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(
            gpu,
            "adam",
            &[Slot::StepUniform, Slot::Uniform, Slot::Read, Slot::ReadWrite, Slot::ReadWrite, Slot::ReadWrite],
        );
        let module = shader_module(gpu, "adam");
        let pipeline = compute_pipeline(gpu, "adam", &module, &layout, &[]);
        Adam { layout, pipeline }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: AdamParams,
        step: View,
        grads: View,
        weights: View,
        m: View,
        v: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("adam params", bytemuck::bytes_of(&params));
        let bind = bind_group(gpu, "adam", &self.layout, &[step, View::whole(&uniform), grads, weights, m, v]);
        Dispatch {
            label: "adam",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: [
                params.len4.div_ceil(256).clamp(1, if gpu.is_cpu() { MAX_GROUPS_CPU } else { MAX_GROUPS }),
                1,
                1,
            ],
            uses_step: true,
            matmul: None,
        }
    }
}

/// Host-side scalars of Adam step t (1-based), computed in f64.
pub fn bias_corrections(lr: f32, beta1: f32, beta2: f32, t: u64) -> (f32, f32) {
    let bc1 = 1.0 - (beta1 as f64).powf(t as f64);
    let bc2 = 1.0 - (beta2 as f64).powf(t as f64);
    ((lr as f64 / bc1) as f32, (1.0 / bc2.sqrt()) as f32)
}

/// CPU oracle (f32 like the kernel, so results match closely).
pub fn adam_cpu(p: &AdamParams, step: &StepUniform, grads: &[f32], weights: &mut [f32], m: &mut [f32], v: &mut [f32]) {
    for i in 0..(p.len4 as usize * 4) {
        let g = grads[i];
        m[i] = p.beta1 * m[i] + (1.0 - p.beta1) * g;
        v[i] = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
        weights[i] -= step.lr_t * m[i] / (v[i].sqrt() * step.inv_sqrt_bc2 + p.eps);
    }
}
