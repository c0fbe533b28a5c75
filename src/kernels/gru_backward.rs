//! Launcher for shaders/gru_backward.wgsl: dL/dh' → d_gi, d_gh and the direct part of dh; the weight
//! gradients, dx and dh's W_hh part are matmuls. Oracle: Gru::backward in src/seq/gru.rs.

#[cfg(feature = "gpu")]
use super::gru_forward::{GruParams, gru_groups};
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[cfg(feature = "gpu")]
pub struct GruBackward {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl GruBackward {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(
            gpu,
            "gru_backward",
            &[
                Slot::Uniform,
                Slot::Read,
                Slot::Read,
                Slot::Read,
                Slot::Read,
                Slot::ReadWrite,
                Slot::ReadWrite,
                Slot::ReadWrite,
            ],
        );
        let module = shader_module(gpu, "gru_backward");
        let pipeline = compute_pipeline(gpu, "gru_backward", &module, &layout, &[]);
        GruBackward { layout, pipeline }
    }

    /// dh_next, h: [B, H]; tape, gh: [B, 3H] → d_gi, d_gh: [B, 3H]; dh: [B, H] (z ⊙ dh' only).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: GruParams,
        dh_next: View,
        tape: View,
        gh: View,
        h: View,
        d_gi: View,
        d_gh: View,
        dh: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("gru_backward params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "gru_backward",
            &self.layout,
            &[View::whole(&uniform), dh_next, tape, gh, h, d_gi, d_gh, dh],
        );
        Dispatch {
            label: "gru_backward",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: gru_groups(params),
            uses_step: false,
            matmul: None,
        }
    }
}
