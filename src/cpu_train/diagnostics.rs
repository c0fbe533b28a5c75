//! Diagnostics on the CPU backend: the spread of the gradient over draws of ε (lesson 5), with
//! the GPU trainer's records, so both backends draw the same ε for the same seed and step.

use super::shard::Shard;
use super::step::blocks_of;
use super::{Coordinator, shard_step};
use crate::cpu::{self, StepUniform};
use crate::measures::GradientStats;

/// Draws the gradient of the next batch `repeats` times with fresh ε on `shards` (training shards
/// covering every unit; no update is applied) and summarises its spread.
pub fn gradient_stats(run: &Coordinator, shards: &mut [Shard], repeats: u32) -> GradientStats {
    let repeats = repeats.clamp(2, 256);
    let base = run.record();
    let len = run.opt.params.len();
    let mut draws = vec![0f32; repeats as usize * len];
    for (r, draw) in draws.chunks_exact_mut(len).enumerate() {
        let record = StepUniform { step: base.step ^ (0x2000_0000 + r as u32), ..base };
        shard_step(run, shards, &record);
        let blocks = blocks_of(shards);
        let units: Vec<(usize, usize)> = blocks.iter().map(|b| b.0).collect();
        let parts: Vec<&[f32]> = blocks.iter().map(|b| b.1).collect();
        cpu::merge_blocks(&units, &parts, draw);
    }
    GradientStats::of(&run.arch, &draws, repeats)
}
