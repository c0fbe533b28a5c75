//! What each step and evaluation pass is told (the step record: data position, schedules, Adam's
//! bias corrections, noise keys) and the figures a step reports — the same for both backends.

use serde::Serialize;

use crate::config::{ModelConfig, Objective};
use crate::kernels::adam::bias_corrections;
use crate::kernels::step::StepUniform;
use crate::rng::{PHASE_EVAL, PHASE_TRAIN};

/// Training steps whose metrics the GPU ring holds before it wraps (the record's `slot`).
pub const METRIC_SLOTS: u32 = 4096;

/// Test images per evaluation pass.
pub const TEST_CHUNK: u32 = 500;

pub const ADAM_BETA1: f32 = 0.9;
pub const ADAM_BETA2: f32 = 0.999;
/// The default of the `adam_eps` config key (PyTorch's).
pub const ADAM_EPS: f32 = 1e-8;

/// One step's (or one test probe's) figures, as the GPU reduced them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepMetrics {
    /// Optimizer steps completed when these figures were produced (1 = after the first step).
    pub step: u64,
    pub recon: f32,
    pub kl: f32,
    /// The minimized objective (recon + β·KL, or recon + γ|KL − C|).
    pub objective: f32,
    /// The KL term's gradient weight used (β·warm-up, or ±γ).
    pub kl_weight: f32,
}

impl StepMetrics {
    /// The negative ELBO, recon + KL, whatever the objective.
    pub fn loss(&self) -> f32 {
        self.recon + self.kl
    }
}

/// The record of 0-based step `s`: data position, schedules and Adam's bias corrections.
pub fn step_record(c: &ModelConfig, n_train: u32, s: u64) -> StepUniform {
    let position = s * c.batch_size as u64;
    let (lr_t, inv_sqrt_bc2) = bias_corrections(c.lr, ADAM_BETA1, ADAM_BETA2, s + 1);
    let (kl_weight, capacity) = match c.objective {
        Objective::Elbo => (c.kl_weight_at(s), -1.0),
        Objective::Capacity => (c.gamma, c.capacity_at(s)),
        Objective::Iwae => (1.0, -1.0),
    };
    StepUniform {
        step: s as u32,
        slot: (s % METRIC_SLOTS as u64) as u32,
        epoch: (position / n_train as u64) as u32,
        offset: (position % n_train as u64) as u32,
        seed: c.seed,
        phase: PHASE_TRAIN,
        kl_weight,
        capacity,
        lr_t,
        inv_sqrt_bc2,
        _pad: [0; 2],
    }
}

/// The record of an evaluation pass over images `offset..` with noise counter `counter`: the
/// evaluation phase keeps its random streams apart from training's.
pub fn eval_record(seed: u32, offset: u32, counter: u32, slot: u32) -> StepUniform {
    StepUniform {
        step: counter,
        slot,
        epoch: 0,
        offset,
        seed,
        phase: PHASE_EVAL,
        kl_weight: 1.0,
        capacity: -1.0,
        lr_t: 0.0,
        inv_sqrt_bc2: 1.0,
        _pad: [0; 2],
    }
}
