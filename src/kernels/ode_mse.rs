//! Launcher and CPU oracle for shaders/ode_mse.wgsl: the latent ODE's masked Gaussian likelihood over
//! a batch of decoded paths, its gradient dL/dx̂, and the (recon, KL) rows step_reduce averages.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, groups_1d, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct OdeMseParams {
    /// Batch rows (threads).
    pub rows: u32,
    /// Row stride of one grid point's block (≥ rows).
    pub stride: u32,
    /// Grid points per path.
    pub points: u32,
    pub _pad0: u32,
    pub inv_var: f32,
    pub scale: f32,
    pub _pad1: [u32; 2],
}

#[cfg(feature = "gpu")]
pub struct OdeMse {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl OdeMse {
    pub fn new(gpu: &Gpu) -> Self {
        let slots = [Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite, Slot::ReadWrite];
        let layout = bind_group_layout(gpu, "ode_mse", &slots);
        let module = shader_module(gpu, "ode_mse");
        let pipeline = compute_pipeline(gpu, "ode_mse", &module, &layout, &[]);
        OdeMse { layout, pipeline }
    }

    /// xhat, x_obs, dxhat: [points, stride, 2]; mask: [points, stride]; kl: [rows]; row_stats: [rows, 4].
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: OdeMseParams,
        xhat: View,
        x_obs: View,
        mask: View,
        kl: View,
        dxhat: View,
        row_stats: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("ode_mse params", bytemuck::bytes_of(&params));
        let views = [View::whole(&uniform), xhat, x_obs, mask, kl, dxhat, row_stats];
        Dispatch {
            label: "ode_mse",
            pipeline: self.pipeline.clone(),
            bind_group: bind_group(gpu, "ode_mse", &self.layout, &views),
            workgroups: groups_1d(params.rows, 64),
            uses_step: false,
            matmul: None,
        }
    }
}

/// CPU oracle in f64: (dxhat, row_stats) for the kernel's inputs.
pub fn ode_mse_cpu(p: &OdeMseParams, xhat: &[f32], x_obs: &[f32], mask: &[f32], kl: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let (rows, stride, points) = (p.rows as usize, p.stride as usize, p.points as usize);
    let mut dxhat = vec![0.0; points * stride * 2];
    let mut stats = vec![0.0; rows * 4];
    for b in 0..rows {
        for g in 0..points {
            let i = g * stride + b;
            let m = mask[i] as f64;
            let d = [xhat[2 * i] as f64 - x_obs[2 * i] as f64, xhat[2 * i + 1] as f64 - x_obs[2 * i + 1] as f64];
            stats[4 * b] += m * 0.5 * p.inv_var as f64 * (d[0] * d[0] + d[1] * d[1]);
            for c in 0..2 {
                dxhat[2 * i + c] = p.scale as f64 * p.inv_var as f64 * m * d[c];
            }
        }
        stats[4 * b + 1] = kl[b] as f64;
    }
    (dxhat, stats)
}
