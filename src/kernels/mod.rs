//! The WGSL kernels and their launchers. Each `shaders/NAME.wgsl` has a launcher `NAME.rs` here
//! that builds its pipeline once, binds buffers into a `Dispatch`, and carries a CPU oracle.

pub mod adam;
pub mod add_cols;
pub mod bce_logits;
pub mod clip_grad_norm;
pub mod gather_batch;
pub mod gauss_kl;
pub mod gauss_kl_backward;
pub mod gru_backward;
pub mod gru_forward;
pub mod iwae_weights;
pub mod matmul;
pub mod matmul_tiled;
pub mod matmul_vec4;
pub mod matmul_wide;
pub mod ode_clip;
pub mod ode_mask_rows;
pub mod ode_mse;
pub mod ode_reparam;
pub mod permute_batch;
pub mod reparam_backward;
pub mod reparam_forward;
pub mod rk4_combine;
pub mod step;
pub mod step_reduce;
pub mod vrnn_gather;
pub mod vrnn_metrics;
pub mod vrnn_reparam_backward;
pub mod vrnn_reparam_forward;

#[cfg(feature = "gpu")]
use std::num::NonZeroU64;

#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// Shader sources by kernel name, with the shared RNG and step-record definitions prepended
/// where a kernel uses them. Plain `cargo test` validates every entry with naga.
pub const SHADERS: &[(&str, &str)] = &[
    ("matmul", concat!(include_str!("../../shaders/matmul_common.wgsl"), include_str!("../../shaders/matmul.wgsl"))),
    (
        "matmul_vec4",
        concat!(include_str!("../../shaders/matmul_common.wgsl"), include_str!("../../shaders/matmul_vec4.wgsl")),
    ),
    (
        "matmul_wide",
        concat!(include_str!("../../shaders/matmul_common.wgsl"), include_str!("../../shaders/matmul_wide.wgsl")),
    ),
    (
        "matmul_tiled",
        concat!(include_str!("../../shaders/matmul_common.wgsl"), include_str!("../../shaders/matmul_tiled.wgsl")),
    ),
    (
        "permute_batch",
        concat!(
            include_str!("../../shaders/rng.wgsl"),
            include_str!("../../shaders/step.wgsl"),
            include_str!("../../shaders/batch.wgsl"),
            include_str!("../../shaders/feistel.wgsl"),
            include_str!("../../shaders/permute_batch.wgsl")
        ),
    ),
    (
        "gather_batch",
        concat!(
            include_str!("../../shaders/rng.wgsl"),
            include_str!("../../shaders/step.wgsl"),
            include_str!("../../shaders/batch.wgsl"),
            include_str!("../../shaders/gather_batch.wgsl")
        ),
    ),
    (
        "reparam_forward",
        concat!(
            include_str!("../../shaders/rng.wgsl"),
            include_str!("../../shaders/step.wgsl"),
            include_str!("../../shaders/reparam_forward.wgsl")
        ),
    ),
    ("bce_logits", include_str!("../../shaders/bce_logits.wgsl")),
    ("iwae_weights", include_str!("../../shaders/iwae_weights.wgsl")),
    ("step_reduce", concat!(include_str!("../../shaders/step.wgsl"), include_str!("../../shaders/step_reduce.wgsl"))),
    ("reparam_backward", include_str!("../../shaders/reparam_backward.wgsl")),
    ("adam", concat!(include_str!("../../shaders/step.wgsl"), include_str!("../../shaders/adam.wgsl"))),
    ("gru_forward", include_str!("../../shaders/gru_forward.wgsl")),
    ("gru_backward", include_str!("../../shaders/gru_backward.wgsl")),
    ("gauss_kl", include_str!("../../shaders/gauss_kl.wgsl")),
    ("gauss_kl_backward", include_str!("../../shaders/gauss_kl_backward.wgsl")),
    ("rk4_combine", include_str!("../../shaders/rk4_combine.wgsl")),
    ("ode_mse", include_str!("../../shaders/ode_mse.wgsl")),
    ("ode_reparam", include_str!("../../shaders/ode_reparam.wgsl")),
    ("ode_mask_rows", include_str!("../../shaders/ode_mask_rows.wgsl")),
    ("ode_clip", concat!(include_str!("../../shaders/step.wgsl"), include_str!("../../shaders/ode_clip.wgsl"))),
    ("add_cols", include_str!("../../shaders/add_cols.wgsl")),
    ("vrnn_reparam_forward", include_str!("../../shaders/vrnn_reparam_forward.wgsl")),
    ("vrnn_reparam_backward", include_str!("../../shaders/vrnn_reparam_backward.wgsl")),
    (
        "vrnn_gather",
        concat!(
            include_str!("../../shaders/rng.wgsl"),
            include_str!("../../shaders/feistel.wgsl"),
            include_str!("../../shaders/vrnn_step.wgsl"),
            include_str!("../../shaders/vrnn_gather.wgsl")
        ),
    ),
    (
        "vrnn_metrics",
        concat!(include_str!("../../shaders/vrnn_step.wgsl"), include_str!("../../shaders/vrnn_metrics.wgsl")),
    ),
    (
        "clip_grad_norm",
        concat!(include_str!("../../shaders/vrnn_step.wgsl"), include_str!("../../shaders/clip_grad_norm.wgsl")),
    ),
];

pub fn shader_source(name: &str) -> &'static str {
    SHADERS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s).unwrap_or_else(|| panic!("no shader named {name}"))
}

#[cfg(feature = "gpu")]
/// What a binding slot holds, in binding order.
#[derive(Clone, Copy)]
pub enum Slot {
    Uniform,
    /// The per-step record, bound with a dynamic offset.
    StepUniform,
    Read,
    ReadWrite,
}

#[cfg(feature = "gpu")]
pub fn bind_group_layout(gpu: &Gpu, label: &str, slots: &[Slot]) -> wgpu::BindGroupLayout {
    let entries: Vec<wgpu::BindGroupLayoutEntry> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| wgpu::BindGroupLayoutEntry {
            binding: i as u32,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: match slot {
                Slot::Uniform => wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                Slot::StepUniform => wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: NonZeroU64::new(step::STEP_BYTES),
                },
                Slot::Read | Slot::ReadWrite => wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { read_only: matches!(slot, Slot::Read) },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
            },
            count: None,
        })
        .collect();
    gpu.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(label), entries: &entries })
}

#[cfg(feature = "gpu")]
/// A compute pipeline for `shader_source(name)` with override constants.
pub fn compute_pipeline(
    gpu: &Gpu,
    name: &str,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    let pipeline_layout = gpu.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(name),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    gpu.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(name),
        layout: Some(&pipeline_layout),
        module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions { constants, zero_initialize_workgroup_memory: false },
        cache: None,
    })
}

#[cfg(feature = "gpu")]
pub fn shader_module(gpu: &Gpu, name: &str) -> wgpu::ShaderModule {
    gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(shader_source(name).into()),
    })
}

#[cfg(feature = "gpu")]
/// The pipelines of one shader specialised on its override constants, each built on first use.
/// Flags that would be uniform branches become constants: CPU emulations of GPUs run both sides
/// of a branch, so a skipped block still costs its full time there.
pub struct Specialised {
    name: &'static str,
    module: wgpu::ShaderModule,
    layout: wgpu::BindGroupLayout,
    cache: std::sync::Mutex<std::collections::HashMap<Vec<(&'static str, u64)>, wgpu::ComputePipeline>>,
}

#[cfg(feature = "gpu")]
impl Specialised {
    pub fn new(gpu: &Gpu, name: &'static str, slots: &[Slot]) -> Self {
        let layout = bind_group_layout(gpu, name, slots);
        let module = shader_module(gpu, name);
        Specialised { name, module, layout, cache: Default::default() }
    }

    pub fn layout(&self) -> &wgpu::BindGroupLayout {
        &self.layout
    }

    /// The pipeline with these constants (bool constants as 0.0 / 1.0).
    pub fn pipeline(&self, gpu: &Gpu, constants: &[(&'static str, f64)]) -> wgpu::ComputePipeline {
        let key: Vec<(&'static str, u64)> = constants.iter().map(|(k, v)| (*k, v.to_bits())).collect();
        let mut cache = self.cache.lock().expect("pipeline cache poisoned");
        cache
            .entry(key)
            .or_insert_with(|| compute_pipeline(gpu, self.name, &self.module, &self.layout, constants))
            .clone()
    }
}

/// A bool as an override constant.
pub fn flag(value: bool) -> f64 {
    if value { 1.0 } else { 0.0 }
}

#[cfg(feature = "gpu")]
/// A range of a buffer, in bytes.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub buffer: &'a wgpu::Buffer,
    pub offset: u64,
    pub size: u64,
}

#[cfg(feature = "gpu")]
impl<'a> View<'a> {
    pub fn whole(buffer: &'a wgpu::Buffer) -> Self {
        View { buffer, offset: 0, size: buffer.size() }
    }

    /// `len` floats starting at float `start` (the start must be 256-byte aligned for binding).
    pub fn floats(buffer: &'a wgpu::Buffer, start: usize, len: usize) -> Self {
        View { buffer, offset: start as u64 * 4, size: (len as u64 * 4).max(4) }
    }

    /// The same view widened to whole 16-byte vec4s (for shaders that read it as array<vec4<f32>>),
    /// or None when the buffer ends before that.
    pub fn whole_vec4s(&self) -> Option<View<'a>> {
        let size = self.size.next_multiple_of(16);
        (self.offset + size <= self.buffer.size()).then_some(View { size, ..*self })
    }

    fn resource(&self) -> wgpu::BindingResource<'a> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: self.buffer,
            offset: self.offset,
            size: NonZeroU64::new(self.size),
        })
    }
}

#[cfg(feature = "gpu")]
pub fn bind_group(gpu: &Gpu, label: &str, layout: &wgpu::BindGroupLayout, views: &[View]) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = views
        .iter()
        .enumerate()
        .map(|(i, v)| wgpu::BindGroupEntry { binding: i as u32, resource: v.resource() })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some(label), layout, entries: &entries })
}

#[cfg(feature = "gpu")]
/// One bound kernel launch, built once and recorded as often as needed.
#[derive(Clone)]
pub struct Dispatch {
    pub label: &'static str,
    pub pipeline: wgpu::ComputePipeline,
    pub bind_group: wgpu::BindGroup,
    pub workgroups: [u32; 3],
    /// Whether binding 0 is the per-step record (bound with a dynamic offset).
    pub uses_step: bool,
    /// For matmuls: the form and shape, so the autotuner can time alternatives.
    pub matmul: Option<(matmul::MatmulVariant, matmul::MatmulDims)>,
}

#[cfg(feature = "gpu")]
impl Dispatch {
    /// The kernel's name, with form and shape for matmuls: "matmul_wide A·Bᵀ 128×400×784".
    pub fn describe(&self) -> String {
        match &self.matmul {
            Some((variant, d)) => format!("{} {} {}×{}×{}", self.label, variant.form(), d.m, d.n, d.k),
            None => self.label.to_string(),
        }
    }

    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, step_offset: u32) {
        pass.set_pipeline(&self.pipeline);
        if self.uses_step {
            pass.set_bind_group(0, &self.bind_group, &[step_offset]);
        } else {
            pass.set_bind_group(0, &self.bind_group, &[]);
        }
        pass.dispatch_workgroups(self.workgroups[0], self.workgroups[1], self.workgroups[2]);
    }
}

#[cfg(feature = "gpu")]
/// Workgroups needed to cover `n` items with `per_group` items each, split over y when the count
/// exceeds the per-dimension limit.
pub fn groups_1d(n: u32, per_group: u32) -> [u32; 3] {
    [n.div_ceil(per_group).max(1), 1, 1]
}

#[cfg(feature = "gpu")]
/// Every launcher, built once per device.
pub struct Kernels {
    pub matmul: matmul::Matmul,
    pub permute_batch: permute_batch::PermuteBatch,
    pub gather_batch: gather_batch::GatherBatch,
    pub reparam_forward: reparam_forward::ReparamForward,
    pub bce_logits: bce_logits::BceLogits,
    pub iwae_weights: iwae_weights::IwaeWeights,
    pub step_reduce: step_reduce::StepReduce,
    pub reparam_backward: reparam_backward::ReparamBackward,
    pub adam: adam::Adam,
    /// Bound where a kernel's optional input is unused.
    pub dummy: wgpu::Buffer,
}

#[cfg(feature = "gpu")]
impl Kernels {
    pub fn new(gpu: &Gpu) -> Self {
        Kernels {
            matmul: matmul::Matmul::new(gpu),
            permute_batch: permute_batch::PermuteBatch::new(gpu),
            gather_batch: gather_batch::GatherBatch::new(gpu),
            reparam_forward: reparam_forward::ReparamForward::new(gpu),
            bce_logits: bce_logits::BceLogits::new(gpu),
            iwae_weights: iwae_weights::IwaeWeights::new(gpu),
            step_reduce: step_reduce::StepReduce::new(gpu),
            reparam_backward: reparam_backward::ReparamBackward::new(gpu),
            adam: adam::Adam::new(gpu),
            dummy: gpu.storage("unused input", 16),
        }
    }
}
