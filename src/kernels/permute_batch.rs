//! Launcher and CPU oracle for shaders/permute_batch.wgsl: the image and label of each batch row,
//! through the seeded per-epoch permutation (training) or in order (evaluation).

use super::gather_batch::GatherParams;
use super::step::StepUniform;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, groups_1d, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;
use crate::rng;

#[cfg(feature = "gpu")]
pub struct PermuteBatch {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl PermuteBatch {
    pub fn new(gpu: &Gpu) -> Self {
        let layout = bind_group_layout(
            gpu,
            "permute_batch",
            &[Slot::StepUniform, Slot::Uniform, Slot::Read, Slot::ReadWrite, Slot::ReadWrite],
        );
        let module = shader_module(gpu, "permute_batch");
        let pipeline = compute_pipeline(gpu, "permute_batch", &module, &layout, &[]);
        PermuteBatch { layout, pipeline }
    }

    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: GatherParams,
        step: View,
        labels: View,
        batch_index: View,
        batch_labels: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("permute params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "permute_batch",
            &self.layout,
            &[step, View::whole(&uniform), labels, batch_index, batch_labels],
        );
        Dispatch {
            label: "permute_batch",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: groups_1d(params.rows, 64),
            uses_step: true,
            matmul: None,
        }
    }
}

/// The image index that row `row` of the batch described by `step` reads.
pub fn image_index_cpu(p: &GatherParams, step: &StepUniform, row: u32) -> u32 {
    let (mut pos, mut epoch) = (step.offset + row, step.epoch);
    if p.shuffle == 0 {
        return pos.min(p.n_images - 1);
    }
    while pos >= p.n_images {
        pos -= p.n_images;
        epoch += 1;
    }
    rng::permute(pos, p.n_images, rng::key(step.seed, rng::STREAM_PERMUTE, step.phase), epoch)
}

/// CPU oracle: (batch_index, batch_labels) of every row.
pub fn permute_batch_cpu(p: &GatherParams, step: &StepUniform, labels: &[u8]) -> (Vec<u32>, Vec<u32>) {
    (0..p.rows)
        .map(|row| {
            let image = image_index_cpu(p, step, row);
            (image, labels[image as usize] as u32)
        })
        .unzip()
}
