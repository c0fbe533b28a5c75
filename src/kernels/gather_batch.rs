//! Launcher and CPU oracle for shaders/gather_batch.wgsl: copies each batch row's image (picked by
//! permute_batch) from the GPU-resident dataset, with optional dynamic binarization.

use bytemuck::{Pod, Zeroable};

use super::step::StepUniform;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;
use crate::rng;

pub const NO_LABEL: u32 = u32::MAX;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct GatherParams {
    pub rows: u32,
    pub pixels: u32,
    pub ld_x: u32,
    pub n_images: u32,
    pub shuffle: u32,
    pub binarize: u32,
    pub label_col: u32,
    pub _pad: u32,
}

#[cfg(feature = "gpu")]
pub struct GatherBatch {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl GatherBatch {
    pub fn new(gpu: &Gpu) -> Self {
        GatherBatch {
            shader: Specialised::new(
                gpu,
                "gather_batch",
                &[Slot::StepUniform, Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite],
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: GatherParams,
        step: View,
        images: View,
        batch_index: View,
        batch_labels: View,
        x: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("gather params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "gather_batch",
            self.shader.layout(),
            &[step, View::whole(&uniform), images, batch_index, batch_labels, x],
        );
        Dispatch {
            label: "gather_batch",
            pipeline: self.shader.pipeline(gpu, &[("BINARIZE", flag(params.binarize == 1))]),
            bind_group: bind,
            workgroups: [1, params.rows, 1],
            uses_step: true,
            matmul: None,
        }
    }
}

/// CPU oracle: fills `x` [rows, ld_x] from unpacked image bytes and permute_batch's outputs.
pub fn gather_batch_cpu(
    p: &GatherParams,
    step: &StepUniform,
    images: &[u8],
    batch_index: &[u32],
    batch_labels: &[u32],
    x: &mut [f32],
) {
    let key = rng::key(step.seed, rng::STREAM_BINARIZE, step.phase);
    let noise_step = if step.phase == rng::PHASE_EVAL { 0 } else { step.step };
    for row in 0..p.rows {
        let image = batch_index[row as usize];
        for q in 0..p.pixels {
            let mut value = images[(image * p.pixels + q) as usize] as f32 * (1.0 / 255.0);
            if p.binarize == 1 {
                let u = rng::uniform_open01(rng::threefry2x32(key, [noise_step, image * p.pixels + q])[0]);
                value = if u < value { 1.0 } else { 0.0 };
            }
            x[(row * p.ld_x + q) as usize] = value;
        }
        if p.label_col != NO_LABEL {
            for d in 0..10 {
                x[(row * p.ld_x + p.label_col + d) as usize] = if d == batch_labels[row as usize] { 1.0 } else { 0.0 };
            }
        }
    }
}
