//! Launcher and CPU oracle for shaders/vrnn_metrics.wgsl: a VRNN step's weighted batch means
//! (loss, recon, KL and KL per time step) into its record of the metrics ring.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct VrnnMetricsParams {
    /// R: rows per time step.
    pub rows: u32,
    /// T: time steps.
    pub steps: u32,
    /// Floats per ring record: 4 + T.
    pub record: u32,
    pub _pad: u32,
}

/// CPU oracle: one record [loss, recon, kl, (‖g‖ untouched), kl_0 .. kl_{T−1}], summed in the
/// kernel's order in f32.
pub fn vrnn_metrics_cpu(p: &VrnnMetricsParams, row_stats: &[f32], kl: &[f32], w: &[f32], record: &mut [f32]) {
    let (rows, steps) = (p.rows as usize, p.steps as usize);
    let (mut recon, mut kl_all) = (0.0f32, 0.0f32);
    for t in 0..steps {
        let mut kl_t = 0.0f32;
        for r in 0..rows {
            let i = t * rows + r;
            recon += w[i] * row_stats[i * 4];
            kl_t += w[i] * kl[i];
        }
        record[4 + t] = kl_t;
        kl_all += kl_t;
    }
    record[0] = recon + kl_all;
    record[1] = recon;
    record[2] = kl_all;
}

#[cfg(feature = "gpu")]
pub struct VrnnMetrics {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl VrnnMetrics {
    pub fn new(gpu: &Gpu) -> Self {
        let name = "vrnn_metrics";
        let slots = [Slot::StepUniform, Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite];
        let layout = bind_group_layout(gpu, name, &slots);
        let pipeline = compute_pipeline(gpu, name, &shader_module(gpu, name), &layout, &[]);
        VrnnMetrics { layout, pipeline }
    }

    /// row_stats: [T·R, 4], kl, w: [T·R] → metrics record `step.slot`.
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        p: VrnnMetricsParams,
        step: View,
        row_stats: View,
        kl: View,
        w: View,
        metrics: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("vrnn_metrics params", bytemuck::bytes_of(&p));
        let views = [step, View::whole(&uniform), row_stats, kl, w, metrics];
        Dispatch {
            label: "vrnn_metrics",
            pipeline: self.pipeline.clone(),
            bind_group: bind_group(gpu, "vrnn_metrics", &self.layout, &views),
            workgroups: [1, 1, 1],
            uses_step: true,
            matmul: None,
        }
    }
}
