//! Launcher and CPU oracle for shaders/ode_mask_rows.wgsl: out[b, ·] = m[b] · x[b, ·], which
//! holds a batched GRU's state at zero before each trajectory's first step (and its gradient).

#[cfg(feature = "gpu")]
use super::ode_reparam::{RowsParams, rows_groups};
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[cfg(feature = "gpu")]
pub struct OdeMaskRows {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl OdeMaskRows {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(gpu, "ode_mask_rows", &[Slot::Uniform, Slot::Read, Slot::Read, Slot::ReadWrite]);
        let module = shader_module(gpu, "ode_mask_rows");
        let pipeline = compute_pipeline(gpu, "ode_mask_rows", &module, &layout, &[]);
        OdeMaskRows { layout, pipeline }
    }

    /// mask: [rows]; x: [rows, cols] → out: [rows, cols] (another buffer than x's).
    pub fn dispatch(&self, gpu: &Gpu, params: RowsParams, mask: View, x: View, out: View) -> Dispatch {
        let uniform = gpu.uniform_init("ode_mask_rows params", bytemuck::bytes_of(&params));
        Dispatch {
            label: "ode_mask_rows",
            pipeline: self.pipeline.clone(),
            bind_group: bind_group(gpu, "ode_mask_rows", &self.layout, &[View::whole(&uniform), mask, x, out]),
            workgroups: rows_groups(params),
            uses_step: false,
            matmul: None,
        }
    }
}

/// CPU oracle.
pub fn ode_mask_rows_cpu(cols: usize, mask: &[f32], x: &[f32]) -> Vec<f32> {
    x.chunks(cols).zip(mask).flat_map(|(row, m)| row.iter().map(move |v| v * m)).collect()
}
