//! Launcher and CPU oracle for shaders/reparam_forward.wgsl: z = μ + exp(½·logvar)·ε with ε from
//! the counter-based RNG, plus each row's KL and log p(z) − log q(z|x).

use bytemuck::{Pod, Zeroable};

use super::step::StepUniform;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, groups_1d, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;
use crate::rng;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct ReparamParams {
    pub out_rows: u32,
    pub latent: u32,
    pub rep: u32,
    pub ld_z: u32,
    pub label_col: u32,
    pub _pad: [u32; 3],
}

#[cfg(feature = "gpu")]
pub struct ReparamForward {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl ReparamForward {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(
            gpu,
            "reparam_forward",
            &[
                Slot::StepUniform,
                Slot::Uniform,
                Slot::Read,
                Slot::Read,
                Slot::ReadWrite,
                Slot::ReadWrite,
                Slot::ReadWrite,
            ],
        );
        let module = shader_module(gpu, "reparam_forward");
        let pipeline = compute_pipeline(gpu, "reparam_forward", &module, &layout, &[]);
        ReparamForward { layout, pipeline }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: ReparamParams,
        step: View,
        mulv: View,
        batch_labels: View,
        z: View,
        eps: View,
        row_stats: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("reparam params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "reparam_forward",
            &self.layout,
            &[step, View::whole(&uniform), mulv, batch_labels, z, eps, row_stats],
        );
        Dispatch {
            label: "reparam_forward",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: groups_1d(params.out_rows, 64),
            uses_step: true,
            matmul: None,
        }
    }
}

/// CPU oracle with the same outputs (z, eps, row_stats columns 1 and 2).
pub fn reparam_forward_cpu(
    p: &ReparamParams,
    step: &StepUniform,
    mulv: &[f32],
    batch_labels: &[u32],
    z: &mut [f32],
    eps: &mut [f32],
    row_stats: &mut [f32],
) {
    let latent = p.latent as usize;
    let key = rng::key(step.seed, rng::STREAM_EPS, step.phase);
    for row in 0..p.out_rows as usize {
        let src = row / p.rep as usize;
        let (mut kl, mut log_pq) = (0f64, 0f64);
        for l in 0..latent {
            let mu = mulv[src * 2 * latent + l];
            let s = mulv[src * 2 * latent + latent + l];
            let e = rng::normal_at(key, [step.step, (row * latent + l) as u32]);
            let zl = mu + (0.5 * s).exp() * e;
            z[row * p.ld_z as usize + l] = zl;
            eps[row * latent + l] = e;
            kl += 0.5 * (mu as f64 * mu as f64 + (s as f64).exp() - 1.0 - s as f64);
            log_pq += 0.5 * ((e * e) as f64 - (zl * zl) as f64 + s as f64);
        }
        row_stats[row * 4 + 1] = kl as f32;
        row_stats[row * 4 + 2] = log_pq as f32;
        if p.label_col != u32::MAX {
            for d in 0..10u32 {
                z[row * p.ld_z as usize + (p.label_col + d) as usize] = if d == batch_labels[src] { 1.0 } else { 0.0 };
            }
        }
    }
}
