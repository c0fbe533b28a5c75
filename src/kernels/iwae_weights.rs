//! Launcher and CPU oracle for shaders/iwae_weights.wgsl: each sample's importance weight
//! ω_k = softmax_k(log w_k) for the IWAE objective, written into row_stats column 3.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, groups_1d, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct IwaeWeightsParams {
    pub in_rows: u32,
    pub rep: u32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
pub struct IwaeWeights {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl IwaeWeights {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(gpu, "iwae_weights", &[Slot::Uniform, Slot::ReadWrite]);
        let module = shader_module(gpu, "iwae_weights");
        let pipeline = compute_pipeline(gpu, "iwae_weights", &module, &layout, &[]);
        IwaeWeights { layout, pipeline }
    }

    pub fn dispatch(&self, gpu: &Gpu, params: IwaeWeightsParams, row_stats: View) -> Dispatch {
        let uniform = gpu.uniform_init("iwae_weights params", bytemuck::bytes_of(&params));
        let bind = bind_group(gpu, "iwae_weights", &self.layout, &[View::whole(&uniform), row_stats]);
        Dispatch {
            label: "iwae_weights",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: groups_1d(params.in_rows, 64),
            uses_step: false,
            matmul: None,
        }
    }
}

/// CPU oracle: fills column 3 of `row_stats` ([in_rows·rep, 4]) with the weights.
pub fn iwae_weights_cpu(p: &IwaeWeightsParams, row_stats: &mut [f32]) {
    let rep = p.rep as usize;
    for b in 0..p.in_rows as usize {
        let rows = b * rep..(b + 1) * rep;
        let log_w: Vec<f64> = rows.clone().map(|r| row_stats[r * 4 + 2] as f64 - row_stats[r * 4] as f64).collect();
        let top = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = log_w.iter().map(|l| (l - top).exp()).sum();
        for (r, l) in rows.zip(&log_w) {
            row_stats[r * 4 + 3] = ((l - top).exp() / total) as f32;
        }
    }
}
