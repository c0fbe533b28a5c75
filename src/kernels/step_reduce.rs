//! Launcher and CPU oracle for shaders/step_reduce.wgsl: the batch means of the per-row losses
//! into the metrics ring, and the KL weight of this step's backward pass.

use bytemuck::{Pod, Zeroable};

use super::step::StepUniform;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct StepReduceParams {
    pub rows: u32,
    /// Samples per input row (rows = input rows · rep).
    pub rep: u32,
    /// 1: the objective is the IWAE loss over each input row's rep samples.
    pub iwae: u32,
    pub _pad: u32,
}

#[cfg(feature = "gpu")]
pub struct StepReduce {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl StepReduce {
    pub fn new(gpu: &Gpu) -> Self {
        StepReduce {
            shader: Specialised::new(
                gpu,
                "step_reduce",
                &[Slot::StepUniform, Slot::Uniform, Slot::Read, Slot::ReadWrite, Slot::ReadWrite],
            ),
        }
    }

    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: StepReduceParams,
        step: View,
        row_stats: View,
        metrics: View,
        kl_grad_weight: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("step_reduce params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "step_reduce",
            self.shader.layout(),
            &[step, View::whole(&uniform), row_stats, metrics, kl_grad_weight],
        );
        Dispatch {
            label: "step_reduce",
            pipeline: self.shader.pipeline(gpu, &[("IWAE", flag(params.iwae == 1))]),
            bind_group: bind,
            workgroups: [1, 1, 1],
            uses_step: true,
            matmul: None,
        }
    }
}

/// The IWAE loss −log (1/K) Σ_k w_k averaged over input rows (log w = −recon + column 2), in f64.
pub fn iwae_loss_cpu(rows: usize, rep: usize, row_stats: &[f32]) -> f64 {
    let log_w = |r: usize| row_stats[r * 4 + 2] as f64 - row_stats[r * 4] as f64;
    let total: f64 = (0..rows)
        .step_by(rep)
        .map(|first| {
            let top = (first..first + rep).map(log_w).fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = (first..first + rep).map(|r| (log_w(r) - top).exp()).sum();
            -(top + (sum / rep as f64).ln())
        })
        .sum();
    total / (rows / rep) as f64
}

/// CPU oracle: returns the metrics record (recon, KL, objective, KL gradient weight).
pub fn step_reduce_cpu(p: &StepReduceParams, step: &StepUniform, row_stats: &[f32]) -> [f32; 4] {
    let rows = p.rows as usize;
    let recon = (0..rows).map(|r| row_stats[r * 4] as f64).sum::<f64>() / rows as f64;
    let kl = (0..rows).map(|r| row_stats[r * 4 + 1] as f64).sum::<f64>() / rows as f64;
    let w = step.kl_weight as f64;
    let (objective, weight) = if p.iwae == 1 {
        (iwae_loss_cpu(rows, p.rep as usize, row_stats), 0.0)
    } else if step.capacity >= 0.0 {
        let gap = kl - step.capacity as f64;
        (recon + w * gap.abs(), w * gap.signum())
    } else {
        (recon + w * kl, w)
    };
    [recon as f32, kl as f32, objective as f32, weight as f32]
}
