//! The parts of a CPU training step that are not a shard's: which rows each shard reads, the
//! batch reduction (metrics and the KL gradient weight) and the fixed-order gradient merge + Adam.

use std::ops::Range;

use super::shard::Shard;
use crate::cpu::{self, AdamParams, GatherParams, StepUniform, UNITS};
use crate::data::Dataset;
use crate::kernels::permute_batch::image_index_cpu;
use crate::kernels::step_reduce::{StepReduceParams, step_reduce_cpu};
use crate::schedule::{ADAM_BETA1, ADAM_BETA2, StepMetrics};

/// The fixed units worker `w` of `workers` owns: contiguous, as even as UNITS allows.
pub fn worker_units(workers: usize, w: usize) -> Range<usize> {
    assert!((1..=UNITS).contains(&workers) && w < workers, "worker {w} of {workers}");
    w * UNITS / workers..(w + 1) * UNITS / workers
}

/// The picked rows of a shard: image bytes, dataset indices and labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picked {
    pub bytes: Vec<u8>,
    pub image_index: Vec<u32>,
    pub labels: Vec<u32>,
}

/// Picks global batch rows `rows` of the pass described by `record` (shuffled or in order).
pub fn pick_rows(data: &Dataset, gather: &GatherParams, record: &StepUniform, rows: Range<usize>) -> Picked {
    let pixels = data.pixels();
    let mut picked = Picked {
        bytes: Vec::with_capacity(rows.len() * pixels),
        image_index: Vec::with_capacity(rows.len()),
        labels: Vec::with_capacity(rows.len()),
    };
    let p = GatherParams { n_images: data.n as u32, ..*gather };
    for row in rows {
        let image = image_index_cpu(&p, record, row as u32);
        picked.bytes.extend_from_slice(data.image(image as usize));
        picked.image_index.push(image);
        picked.labels.push(data.labels[image as usize] as u32);
    }
    picked
}

/// The step's figures from every shard's row stats in batch order (f64, one fixed order), as the
/// GPU's step_reduce computes them; the last figure is the KL term's gradient weight.
pub fn reduce(record: &StepUniform, rep: usize, iwae: bool, stats: &[&[f32]]) -> [f32; 4] {
    let all: Vec<f32> = stats.iter().flat_map(|s| s.iter().copied()).collect();
    let p = StepReduceParams { rows: (all.len() / 4) as u32, rep: rep as u32, iwae: iwae as u32, _pad: 0 };
    step_reduce_cpu(&p, record, &all)
}

/// The KL gradient weight when it does not depend on the batch (every objective but capacity):
/// shards can then run forward and backward without waiting for the others.
pub fn known_kl_weight(record: &StepUniform, iwae: bool) -> Option<f32> {
    if iwae {
        Some(0.0)
    } else if record.capacity >= 0.0 {
        None
    } else {
        Some(record.kl_weight)
    }
}

pub fn metrics_of(step: u64, figures: [f32; 4]) -> StepMetrics {
    let [recon, kl, objective, kl_weight] = figures;
    StepMetrics { step, recon, kl, objective, kl_weight }
}

/// One weight-gradient partial: (first unit, units) and its values over all parameters.
pub type Block<'a> = ((usize, usize), &'a [f32]);

/// Every partial of `shards`, in shard order.
pub fn blocks_of(shards: &[Shard]) -> Vec<Block<'_>> {
    shards.iter().flat_map(|s| s.block_units.iter().copied().zip(s.blocks.iter().map(|b| &b[..]))).collect()
}

/// Model state Adam updates: parameters and both moments (and the merged gradient).
#[derive(Clone, Debug, Default)]
pub struct Optimizer {
    pub params: Vec<f32>,
    pub grads: Vec<f32>,
    pub m: Vec<f32>,
    pub v: Vec<f32>,
    pub eps: f32,
}

impl Optimizer {
    pub fn new(params: Vec<f32>, eps: f32) -> Self {
        let n = params.len();
        Optimizer { params, grads: vec![0.0; n], m: vec![0.0; n], v: vec![0.0; n], eps }
    }

    /// Merges the shards' partials over `slice` of the parameters (the fixed unit tree) and takes
    /// Adam's step there. Elementwise, so any partition of the slices gives the same bits.
    pub fn merge_and_step(
        slice: Range<usize>,
        blocks: &[Block],
        record: &StepUniform,
        eps: f32,
        state: [&mut [f32]; 4],
    ) {
        let [params, grads, m, v] = state;
        let units: Vec<(usize, usize)> = blocks.iter().map(|b| b.0).collect();
        let parts: Vec<&[f32]> = blocks.iter().map(|b| &b.1[slice.clone()]).collect();
        cpu::merge_blocks(&units, &parts, grads);
        let adam = AdamParams { len4: 0, beta1: ADAM_BETA1, beta2: ADAM_BETA2, eps };
        cpu::adam(&adam, record, grads, params, m, v);
    }
}

/// `len` split into `parts` ranges aligned to 64 floats (the last takes the rest).
pub fn slices(len: usize, parts: usize) -> Vec<Range<usize>> {
    let step = len.div_ceil(parts).next_multiple_of(64);
    (0..parts).map(|i| (i * step).min(len)..((i + 1) * step).min(len)).collect()
}
