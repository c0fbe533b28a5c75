//! Launcher for shaders/gru_forward.wgsl: the elementwise half of a GRU cell step (gates, new state,
//! tape) after the two matmuls. Its oracle is the f64 cell in src/seq/gru.rs (tests/seq_kernels.rs).

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// Shapes of both GRU kernels: `rows` = B, `hidden` = H.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct GruParams {
    pub rows: u32,
    pub hidden: u32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
/// Workgroups of both GRU kernels: x over hidden units (64 each), y over rows.
pub fn gru_groups(params: GruParams) -> [u32; 3] {
    [params.hidden.div_ceil(64).max(1), params.rows.max(1), 1]
}

#[cfg(feature = "gpu")]
pub struct GruForward {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl GruForward {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(
            gpu,
            "gru_forward",
            &[Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite, Slot::ReadWrite],
        );
        let module = shader_module(gpu, "gru_forward");
        let pipeline = compute_pipeline(gpu, "gru_forward", &module, &layout, &[]);
        GruForward { layout, pipeline }
    }

    /// gi, gh: [B, 3H]; h: [B, H] → h_next: [B, H], tape: [B, 3H] (r | z | n).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: GruParams,
        gi: View,
        gh: View,
        h: View,
        h_next: View,
        tape: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("gru_forward params", bytemuck::bytes_of(&params));
        let bind = bind_group(gpu, "gru_forward", &self.layout, &[View::whole(&uniform), gi, gh, h, h_next, tape]);
        Dispatch {
            label: "gru_forward",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: gru_groups(params),
            uses_step: false,
            matmul: None,
        }
    }
}
