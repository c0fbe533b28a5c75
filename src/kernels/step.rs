//! The per-step uniform record (`struct Step` in shaders/step.wgsl) and the ring of records that
//! lets many optimizer steps be recorded into one encoder: step i binds record i by dynamic offset.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

pub const STEP_BYTES: u64 = 48;
/// Records are spaced by the WebGPU minimum uniform offset alignment.
pub const STEP_STRIDE: u64 = 256;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct StepUniform {
    pub step: u32,
    pub slot: u32,
    pub epoch: u32,
    pub offset: u32,
    pub seed: u32,
    pub phase: u32,
    pub kl_weight: f32,
    pub capacity: f32,
    pub lr_t: f32,
    pub inv_sqrt_bc2: f32,
    pub _pad: [u32; 2],
}

const _: () = assert!(std::mem::size_of::<StepUniform>() as u64 == STEP_BYTES);

#[cfg(feature = "gpu")]
/// `slots` step records in one uniform buffer.
pub struct StepRing {
    pub buffer: wgpu::Buffer,
    pub slots: u32,
    staged: Vec<u8>,
}

#[cfg(feature = "gpu")]
impl StepRing {
    pub fn new(gpu: &Gpu, label: &str, slots: u32) -> Self {
        let bytes = slots as u64 * STEP_STRIDE;
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        StepRing { buffer, slots, staged: vec![0; bytes as usize] }
    }

    /// The view kernels bind at binding 0 (the dynamic offset picks the record).
    pub fn view(&self) -> super::View<'_> {
        super::View { buffer: &self.buffer, offset: 0, size: STEP_BYTES }
    }

    pub fn offset_of(index: u32) -> u32 {
        (index as u64 * STEP_STRIDE) as u32
    }

    /// Uploads `records` into slots 0.. with one queue write (ordered before the next submit).
    pub fn write(&mut self, gpu: &Gpu, records: &[StepUniform]) {
        assert!(records.len() as u32 <= self.slots, "more steps than ring slots");
        for (i, record) in records.iter().enumerate() {
            let at = i * STEP_STRIDE as usize;
            self.staged[at..at + STEP_BYTES as usize].copy_from_slice(bytemuck::bytes_of(record));
        }
        let used = records.len().saturating_sub(1) * STEP_STRIDE as usize + STEP_BYTES as usize;
        gpu.queue.write_buffer(&self.buffer, 0, &self.staged[..used]);
    }

    /// Like `write`, for callers holding only a shared reference (allocates its staging bytes).
    pub fn write_shared(&self, gpu: &Gpu, records: &[StepUniform]) {
        assert!(records.len() as u32 <= self.slots, "more steps than ring slots");
        let mut bytes = vec![0u8; records.len() * STEP_STRIDE as usize];
        for (i, record) in records.iter().enumerate() {
            let at = i * STEP_STRIDE as usize;
            bytes[at..at + STEP_BYTES as usize].copy_from_slice(bytemuck::bytes_of(record));
        }
        gpu.queue.write_buffer(&self.buffer, 0, &bytes);
    }
}
