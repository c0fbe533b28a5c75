//! Launcher for shaders/gauss_kl_backward.wgsl: the per-row-weighted gradient of gauss_kl in μ1, lv1,
//! μ2, lv2, written or (ACCUMULATE) added. Oracle: kl_backward in src/seq/gauss_kl.rs.

#[cfg(feature = "gpu")]
use super::gauss_kl::GaussKlParams;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[cfg(feature = "gpu")]
pub struct GaussKlBackward {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl GaussKlBackward {
    pub fn new(gpu: &Gpu) -> Self {
        let slots = [Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite, Slot::ReadWrite];
        GaussKlBackward { shader: Specialised::new(gpu, "gauss_kl_backward", &slots) }
    }

    /// q, p: [B, 2L], w: [B] → dq, dp: [B, 2L]; `accumulate` adds instead of overwriting.
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: GaussKlParams,
        accumulate: bool,
        q: View,
        p: View,
        w: View,
        dq: View,
        dp: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("gauss_kl_backward params", bytemuck::bytes_of(&params));
        let bind =
            bind_group(gpu, "gauss_kl_backward", self.shader.layout(), &[View::whole(&uniform), q, p, w, dq, dp]);
        Dispatch {
            label: "gauss_kl_backward",
            pipeline: self.shader.pipeline(gpu, &[("ACCUMULATE", flag(accumulate))]),
            bind_group: bind,
            workgroups: [params.latent.div_ceil(64).max(1), params.rows.max(1), 1],
            uses_step: false,
            matmul: None,
        }
    }
}
