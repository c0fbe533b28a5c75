//! Launcher and CPU oracle for shaders/ode_reparam.wgsl: z0 = μ + e^{½ lv} ⊙ ε with ε given, the latent
//! ODE's sample of q(z0) (its backward is reparam_backward).

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// Shapes of ode_reparam and ode_mask_rows: `rows` × `cols` (ode_reparam: cols = L).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct RowsParams {
    pub rows: u32,
    pub cols: u32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
/// Workgroups of a (cols over x in 64s, rows over y) kernel.
pub fn rows_groups(p: RowsParams) -> [u32; 3] {
    [p.cols.div_ceil(64).max(1), p.rows.max(1), 1]
}

#[cfg(feature = "gpu")]
pub struct OdeReparam {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl OdeReparam {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(gpu, "ode_reparam", &[Slot::Uniform, Slot::Read, Slot::Read, Slot::ReadWrite]);
        let module = shader_module(gpu, "ode_reparam");
        let pipeline = compute_pipeline(gpu, "ode_reparam", &module, &layout, &[]);
        OdeReparam { layout, pipeline }
    }

    /// mulv: [rows, 2L], eps: [rows, L] → z: [rows, L].
    pub fn dispatch(&self, gpu: &Gpu, params: RowsParams, mulv: View, eps: View, z: View) -> Dispatch {
        let uniform = gpu.uniform_init("ode_reparam params", bytemuck::bytes_of(&params));
        Dispatch {
            label: "ode_reparam",
            pipeline: self.pipeline.clone(),
            bind_group: bind_group(gpu, "ode_reparam", &self.layout, &[View::whole(&uniform), mulv, eps, z]),
            workgroups: rows_groups(params),
            uses_step: false,
            matmul: None,
        }
    }
}

/// CPU oracle in f64.
pub fn ode_reparam_cpu(p: &RowsParams, mulv: &[f32], eps: &[f32]) -> Vec<f64> {
    let l = p.cols as usize;
    (0..p.rows as usize * l)
        .map(|i| {
            let (b, k) = (i / l, i % l);
            mulv[b * 2 * l + k] as f64 + (0.5 * mulv[b * 2 * l + l + k] as f64).exp() * eps[i] as f64
        })
        .collect()
}
