//! Launcher for shaders/rk4_combine.wgsl: RK4's stage inputs and step output, and the same two forms
//! for its backward; the field's evaluations run between them. Oracle: src/seq/rk4.rs.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag, groups_1d};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct Rk4CombineParams {
    pub c: [f32; 4],
    pub n: u32,
    pub x_scale: f32,
    pub _pad: [u32; 2],
}

/// Stage s's input offset (s = 0..4): u_s = z + STAGE·h·k_{s−1}; stage 0 takes z itself.
pub fn stage_coefficient(h: f32, s: usize) -> f32 {
    [0.0, 0.5, 0.5, 1.0][s] * h
}

/// The weights of k1..k4 in z' = z + Σ w_s k_s: h/6, h/3, h/3, h/6.
pub fn output_weights(h: f32) -> [f32; 4] {
    [h / 6.0, h / 3.0, h / 3.0, h / 6.0]
}

#[cfg(feature = "gpu")]
pub struct Rk4Combine {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl Rk4Combine {
    pub fn new(gpu: &Gpu) -> Self {
        let slots = [Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite];
        Rk4Combine { shader: Specialised::new(gpu, "rk4_combine", &slots) }
    }

    /// out = x_scale·x + coef·k over n elements. Stages 0-indexed as in src/seq/rk4.rs (k[0] = k1):
    /// forward, stage s ≥ 1's input is (1, z, stage_coefficient(h, s), k[s−1]); backward,
    /// dk[s−1] = (output_weights[s−1], dz', stage_coefficient(h, s), du[s]) and dk[3] = (output_weights[3], dz', 0, dz').
    #[allow(clippy::too_many_arguments)]
    pub fn axpy(&self, gpu: &Gpu, n: u32, x_scale: f32, x: View, coef: f32, k: View, out: View) -> Dispatch {
        let params = Rk4CombineParams { c: [coef, 0.0, 0.0, 0.0], n, x_scale, _pad: [0; 2] };
        self.dispatch(gpu, params, false, x, [k, k, k, k], out)
    }

    /// out = x + Σ c_s k_s over n elements. Forward: (z, output_weights(h), k1..k4) gives z';
    /// backward: (dz', [1; 4], du_1..du_4) gives dz.
    pub fn combine4(&self, gpu: &Gpu, n: u32, x: View, c: [f32; 4], k: [View; 4], out: View) -> Dispatch {
        let params = Rk4CombineParams { c, n, x_scale: 1.0, _pad: [0; 2] };
        self.dispatch(gpu, params, true, x, k, out)
    }

    fn dispatch(
        &self,
        gpu: &Gpu,
        params: Rk4CombineParams,
        final_sum: bool,
        x: View,
        k: [View; 4],
        out: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("rk4_combine params", bytemuck::bytes_of(&params));
        let views = [View::whole(&uniform), x, k[0], k[1], k[2], k[3], out];
        let bind = bind_group(gpu, "rk4_combine", self.shader.layout(), &views);
        Dispatch {
            label: "rk4_combine",
            pipeline: self.shader.pipeline(gpu, &[("FINAL", flag(final_sum))]),
            bind_group: bind,
            workgroups: groups_1d(params.n, 64),
            uses_step: false,
            matmul: None,
        }
    }
}
