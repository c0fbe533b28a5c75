//! Launcher and CPU oracle for shaders/vrnn_gather.wgsl: one VRNN step's batch (shuffled images,
//! binarized, time-major), its ε and row weights; and `VrnnStep`, the VRNN trainer's step record.

use bytemuck::{Pod, Zeroable};

use super::step::StepUniform;
#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;
use crate::rng;

/// `struct VrnnStep` of shaders/vrnn_step.wgsl. lr_t and inv_sqrt_bc2 share their offsets with
/// `StepUniform`, so the VAE's adam.wgsl reads a VRNN record unchanged.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct VrnnStep {
    pub step: u32,
    pub slot: u32,
    pub epoch: u32,
    pub offset: u32,
    pub seed: u32,
    pub phase: u32,
    pub scale: f32,
    pub rows: u32,
    pub lr_t: f32,
    pub inv_sqrt_bc2: f32,
    pub _pad: [u32; 2],
}

const _: () = assert!(std::mem::size_of::<VrnnStep>() == std::mem::size_of::<StepUniform>());

impl VrnnStep {
    /// The same bytes as a `StepUniform`, for `StepRing`.
    pub fn as_step(&self) -> StepUniform {
        bytemuck::cast(*self)
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct VrnnGatherParams {
    /// R: rows per time step (the batch padded).
    pub rows: u32,
    /// T: time steps (image rows).
    pub steps: u32,
    pub cols: u32,
    pub latent: u32,
    pub n_images: u32,
    pub _pad: [u32; 3],
}

/// CPU oracle: x [T, R, cols], eps [T, R, L], w [T·R] (row_stats' column 3 holds w as well).
pub fn vrnn_gather_cpu(
    p: &VrnnGatherParams,
    s: &VrnnStep,
    images: &[u8],
    x: &mut [f32],
    eps: &mut [f32],
    w: &mut [f32],
) {
    let (rows, steps, cols, latent) = (p.rows as usize, p.steps as usize, p.cols as usize, p.latent as usize);
    let pixels = steps * cols;
    let k_shuffle = rng::key(s.seed, rng::STREAM_VRNN_SHUFFLE, s.phase);
    let k_bin = rng::key(s.seed, rng::STREAM_BINARIZE, s.phase);
    let k_eps = rng::key(s.seed, rng::STREAM_VRNN_EPS, s.phase);
    for r in 0..rows {
        let live = (r as u32) < s.rows;
        let image = if live { rng::permute(s.offset + r as u32, p.n_images, k_shuffle, s.epoch) as usize } else { 0 };
        for t in 0..steps {
            for c in 0..cols {
                let q = image * pixels + t * cols + c;
                let u = rng::uniform_open01(rng::threefry2x32(k_bin, [s.step, q as u32])[0]);
                x[(t * rows + r) * cols + c] = (live && u < images[q] as f32 * (1.0 / 255.0)) as u8 as f32;
            }
            for k in 0..latent {
                let counter = [s.step, ((image * steps + t) * latent + k) as u32];
                eps[(t * rows + r) * latent + k] = if live { rng::normal_at(k_eps, counter) } else { 0.0 };
            }
            w[t * rows + r] = if live { s.scale } else { 0.0 };
        }
    }
}

#[cfg(feature = "gpu")]
pub struct VrnnGather {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

#[cfg(feature = "gpu")]
impl VrnnGather {
    pub fn new(gpu: &Gpu) -> Self {
        let name = "vrnn_gather";
        let slots = [
            Slot::StepUniform,
            Slot::Uniform,
            Slot::Read,
            Slot::ReadWrite,
            Slot::ReadWrite,
            Slot::ReadWrite,
            Slot::ReadWrite,
        ];
        let layout = bind_group_layout(gpu, name, &slots);
        let pipeline = compute_pipeline(gpu, name, &shader_module(gpu, name), &layout, &[]);
        VrnnGather { layout, pipeline }
    }

    /// `step`: the ring's view (record by dynamic offset); images: the dataset's bytes as u32 words.
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        p: VrnnGatherParams,
        step: View,
        images: View,
        x: View,
        eps: View,
        w: View,
        row_stats: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("vrnn_gather params", bytemuck::bytes_of(&p));
        let bind =
            bind_group(gpu, "vrnn_gather", &self.layout, &[step, View::whole(&uniform), images, x, eps, w, row_stats]);
        Dispatch {
            label: "vrnn_gather",
            pipeline: self.pipeline.clone(),
            bind_group: bind,
            workgroups: [1, p.rows.max(1), 1],
            uses_step: true,
            matmul: None,
        }
    }
}
