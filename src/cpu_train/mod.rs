//! The CPU backend's training loop: the same steps as the GPU `Trainer` (same records, Threefry
//! streams, initialisation, kernels' contracts), data-parallel over fixed units of the batch.
//!
//! A step: every shard runs forward (and backward, when the KL weight is known in advance) on its
//! units → the batch reduction → backward (capacity objective) → the unit-tree gradient merge and
//! Adam. Natively (`CpuTrainer`) the shards run on scoped threads; in the browser each shard lives
//! in a Web Worker and a coordinator worker moves the same pieces (src/web/cpu_workers.rs).

use std::sync::Arc;

use crate::config::ModelConfig;
use crate::cpu::StepUniform;
use crate::data::Dataset;
use crate::error::Result;
use crate::measures::GradientStats;
use crate::model::Architecture;
use crate::schedule::StepMetrics;

mod coordinator;
mod diagnostics;
mod eval;
pub mod shard;
pub mod step;

pub use coordinator::{Coordinator, ShardInput, run_pass, train_shape};
pub use diagnostics::gradient_stats;
pub use eval::CpuEval;
pub use shard::{Rows, Shard};
use step::{blocks_of, known_kl_weight};

/// Runs `f` on every item, each on its own scoped thread (the first on this one). On wasm there
/// are no threads (parallelism there is one Web Worker per shard): the items run in turn.
pub fn each<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync) {
    if items.len() == 1 || cfg!(target_arch = "wasm32") {
        for (i, item) in items.iter_mut().enumerate() {
            f(i, item);
        }
        return;
    }
    std::thread::scope(|s| {
        let (first, rest) = items.split_first_mut().expect("non-empty");
        for (i, item) in rest.iter_mut().enumerate() {
            let f = &f;
            s.spawn(move || f(i + 1, item));
        }
        f(0, first);
    });
}

/// Worker threads natively: the machine's cores, at most the batch's fixed units.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(crate::cpu::UNITS)
}

/// Every shard's forward and backward pass of the step of `record` (shards on their own threads),
/// leaving their gradient partials; returns the step's figures (see `Coordinator::reduce`).
pub fn shard_step(run: &Coordinator, shards: &mut [Shard], record: &StepUniform) -> [f32; 4] {
    let known = known_kl_weight(record, shards[0].shape.iwae);
    let params = &run.opt.params;
    each(shards, |w, shard| {
        let input = run.shard_input(w, record);
        let p = &input.picked;
        let rows = Rows {
            record: *record,
            first_row: input.first_row,
            bytes: &p.bytes,
            image_index: &p.image_index,
            labels: &p.labels,
        };
        shard.forward(params, &rows, run.train.n);
        if let Some(w) = known {
            shard.backward(params, w);
        }
    });
    let stats: Vec<&[f32]> = shards.iter().map(|s| &s.row_stats[..]).collect();
    let figures = run.reduce(record, &stats);
    if known.is_none() {
        each(shards, |_, shard| shard.backward(params, figures[3]));
    }
    figures
}

/// A CPU training run on this process's threads: a coordinator and one shard per worker.
pub struct CpuTrainer {
    pub run: Coordinator,
    shards: Vec<Shard>,
    pub config: ModelConfig,
    pub arch: Architecture,
}

impl CpuTrainer {
    pub fn new(config: ModelConfig, train: Arc<Dataset>, test: Arc<Dataset>, workers: usize) -> Result<CpuTrainer> {
        let run = Coordinator::new(config.clone(), train, test, workers, workers)?;
        let shards = (0..run.workers).map(|w| Shard::new(&run.arch, run.train_shape(w))).collect();
        let arch = run.arch.clone();
        Ok(CpuTrainer { run, shards, config, arch })
    }

    pub fn workers(&self) -> usize {
        self.shards.len()
    }

    pub fn step(&self) -> u64 {
        self.run.step
    }

    pub fn set_step(&mut self, step: u64) {
        self.run.step = step;
    }

    pub fn n_train(&self) -> u32 {
        self.run.train.n as u32
    }

    pub fn n_test(&self) -> u32 {
        self.run.test.n as u32
    }

    pub fn set_test_every(&mut self, every: u32) {
        self.run.test_every = every;
    }

    /// Runs `n` optimizer steps (and the test probes that fall due) to completion.
    pub fn train_steps(&mut self, n: u32) {
        for _ in 0..n {
            self.train_step();
        }
    }

    fn train_step(&mut self) {
        let record = self.run.record();
        let figures = shard_step(&self.run, &mut self.shards, &record);
        let threads = self.shards.len();
        self.run.finish(&record, figures, &blocks_of(&self.shards), threads);
    }

    /// The gradient's spread over `repeats` draws of ε on the next batch (no update).
    pub fn gradient_stats(&mut self, repeats: u32) -> GradientStats {
        diagnostics::gradient_stats(&self.run, &mut self.shards, repeats)
    }

    pub fn take_metrics(&mut self) -> (Vec<StepMetrics>, Vec<StepMetrics>) {
        self.run.take_metrics()
    }

    /// Applies changes that need no rebuild; structural changes are an error (build a new trainer).
    pub fn update_config(&mut self, config: ModelConfig) -> Result<()> {
        if self.run.update_config(config.clone())? {
            self.shards = (0..self.run.workers).map(|w| Shard::new(&self.run.arch, self.run.train_shape(w))).collect();
        }
        self.config = config;
        Ok(())
    }

    pub fn parameters(&self) -> &[f32] {
        &self.run.opt.params
    }

    /// The gradient of the last completed step.
    pub fn gradients(&self) -> &[f32] {
        &self.run.opt.grads
    }

    pub fn state(&self) -> Vec<f32> {
        self.run.state()
    }

    pub fn write_state(&mut self, state: &[f32]) -> Result<()> {
        self.run.write_state(state)
    }

    pub fn eval(&self) -> CpuEval<'_> {
        self.run.eval(self.shards.len())
    }
}
