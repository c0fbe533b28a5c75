//! The CPU backend's training loop: the same steps as the GPU `Trainer` (same records, Threefry
//! streams, initialisation, kernels' contracts), data-parallel over fixed units of the batch.
//!
//! A step: every shard runs forward (and backward, when the KL weight is known in advance) on its
//! units → the batch reduction → backward (capacity objective) → the unit-tree gradient merge and
//! Adam, sliced over the parameters. Natively the shards run on scoped threads; in the browser
//! each shard lives in a Web Worker and the page moves the same pieces (src/web/cpu_engine.rs).

use std::sync::Arc;

use crate::config::{Binarize, ModelConfig, Objective};
use crate::data::Dataset;
use crate::error::{Result, VaeError};
use crate::model::Architecture;
use crate::schedule::{ADAM_EPS, StepMetrics, TEST_CHUNK, eval_record, step_record};

mod eval;
pub mod shard;
pub mod step;

pub use eval::CpuEval;
use shard::{Rows, Shard, ShardShape};
use step::{Optimizer, known_kl_weight, metrics_of, pick_rows, reduce, slices, worker_units};

/// Test-probe records kept apart from training's (the record's slot).
const TEST_SLOTS: u32 = 1024;

pub struct CpuTrainer {
    pub config: ModelConfig,
    pub arch: Architecture,
    train: Arc<Dataset>,
    test: Arc<Dataset>,
    opt: Optimizer,
    shards: Vec<Shard>,
    probes: Vec<Shard>,
    step: u64,
    probes_done: u64,
    metrics: Vec<StepMetrics>,
    test_metrics: Vec<StepMetrics>,
    /// Run a test probe (one chunk of the test set) every this many steps; 0 = never.
    pub test_every: u32,
}

/// Runs `f` on every item, each on its own scoped thread (the first on this one).
pub fn each<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync) {
    if items.len() == 1 {
        return f(0, &mut items[0]);
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

impl CpuTrainer {
    /// Validates `config` against the data, initialises the weights from the seed and builds one
    /// training shard (and one probe shard) per worker.
    pub fn new(config: ModelConfig, train: Arc<Dataset>, test: Arc<Dataset>, workers: usize) -> Result<CpuTrainer> {
        config.validate()?;
        if train.n == 0 || test.n == 0 {
            return Err(VaeError::Config("the training and test sets need at least one image each".into()));
        }
        let workers = workers.clamp(1, crate::cpu::UNITS);
        let arch = Architecture::new(&config);
        let opt = Optimizer::new(arch.init_parameters(config.seed), ADAM_EPS);
        let mut trainer = CpuTrainer {
            config,
            arch,
            train,
            test,
            opt,
            shards: Vec::new(),
            probes: Vec::new(),
            step: 0,
            probes_done: 0,
            metrics: Vec::new(),
            test_metrics: Vec::new(),
            test_every: 0,
        };
        trainer.build_shards(workers);
        Ok(trainer)
    }

    fn build_shards(&mut self, workers: usize) {
        let c = &self.config;
        let binarize = c.binarize == Binarize::Dynamic;
        let train_shape = |w| ShardShape {
            batch_rows: c.batch_size as usize,
            rep: c.samples as usize,
            units: worker_units(workers, w),
            training: true,
            iwae: c.objective == Objective::Iwae,
            binarize,
            shuffle: true,
        };
        self.shards = (0..workers).map(|w| Shard::new(&self.arch, train_shape(w))).collect();
        let probe_rows = (TEST_CHUNK as usize).min(self.test.n);
        self.probes = (0..workers)
            .map(|w| {
                let rows = w * probe_rows / workers..(w + 1) * probe_rows / workers;
                let shape = ShardShape { batch_rows: rows.len(), training: false, iwae: false, shuffle: false, ..train_shape(w) };
                Shard::new(&self.arch, ShardShape { rep: 1, units: 0..crate::cpu::UNITS, ..shape })
            })
            .collect();
    }

    pub fn workers(&self) -> usize {
        self.shards.len()
    }

    /// Optimizer steps completed.
    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn n_train(&self) -> u32 {
        self.train.n as u32
    }

    pub fn n_test(&self) -> u32 {
        self.test.n as u32
    }

    /// Fractional epochs completed.
    pub fn epoch(&self) -> f64 {
        (self.step * self.config.batch_size as u64) as f64 / self.train.n as f64
    }

    pub fn steps_per_epoch(&self) -> u64 {
        (self.train.n as u64).div_ceil(self.config.batch_size as u64)
    }

    /// Runs `n` optimizer steps (and the test probes that fall due) to completion.
    pub fn train_steps(&mut self, n: u32) {
        for _ in 0..n {
            self.train_step();
            if self.test_every > 0 && self.step.is_multiple_of(self.test_every as u64) {
                self.probe();
            }
        }
    }

    fn train_step(&mut self) {
        let record = step_record(&self.config, self.train.n as u32, self.step);
        let iwae = self.config.objective == Objective::Iwae;
        let known = known_kl_weight(&record, iwae);
        let (train, params) = (&self.train, &self.opt.params);
        each(&mut self.shards, |_, shard| {
            let rows = shard.global_rows();
            let picked = pick_rows(train, &shard.gather_params(train.n), &record, rows.clone());
            let input = Rows { record, first_row: rows.start as u32, bytes: &picked.bytes, image_index: &picked.image_index, labels: &picked.labels };
            shard.forward(params, &input, train.n);
            if let Some(w) = known {
                shard.backward(params, w);
            }
        });
        let stats: Vec<&[f32]> = self.shards.iter().map(|s| &s.row_stats[..]).collect();
        let figures = reduce(&record, self.config.samples as usize, iwae, &stats);
        if known.is_none() {
            each(&mut self.shards, |_, shard| shard.backward(params, figures[3]));
        }
        self.merge_and_step(&record);
        self.step += 1;
        self.metrics.push(metrics_of(self.step, figures));
    }

    fn merge_and_step(&mut self, record: &crate::cpu::StepUniform) {
        let opt = &mut self.opt;
        let parts = slices(opt.params.len(), self.shards.len());
        let shards: Vec<&Shard> = self.shards.iter().collect();
        let eps = opt.eps;
        let mut jobs: Vec<_> = parts
            .iter()
            .zip(split(&mut opt.params, &parts))
            .zip(split(&mut opt.grads, &parts))
            .zip(split(&mut opt.m, &parts))
            .zip(split(&mut opt.v, &parts))
            .map(|((((r, p), g), m), v)| (r.clone(), [p, g, m, v]))
            .collect();
        each(&mut jobs, |_, (range, state)| {
            let [p, g, m, v] = state;
            Optimizer::merge_and_step(range.clone(), &shards, record, eps, [&mut **p, &mut **g, &mut **m, &mut **v]);
        });
    }

    /// Evaluates the next chunk of the test set (rotating through it): the test curve.
    fn probe(&mut self) {
        let total: usize = self.probes.iter().map(|s| s.rows).sum();
        let chunks = (self.test.n as u64).div_ceil(total as u64);
        let p = self.probes_done;
        let record = eval_record(self.config.seed, (p % chunks) as u32 * total as u32, p as u32, (p % TEST_SLOTS as u64) as u32);
        let (test, params) = (&self.test, &self.opt.params);
        let starts: Vec<usize> = self.probes.iter().scan(0, |at, s| { let first = *at; *at += s.rows; Some(first) }).collect();
        each(&mut self.probes, |w, shard| {
            let rows = starts[w]..starts[w] + shard.rows;
            let picked = pick_rows(test, &shard.gather_params(test.n), &record, rows.clone());
            let input = Rows { record, first_row: rows.start as u32, bytes: &picked.bytes, image_index: &picked.image_index, labels: &picked.labels };
            shard.forward(params, &input, test.n);
        });
        let stats: Vec<&[f32]> = self.probes.iter().map(|s| &s.row_stats[..]).collect();
        let figures = reduce(&record, 1, false, &stats);
        self.test_metrics.push(metrics_of(self.step, figures));
        self.probes_done += 1;
    }

    /// The training and test figures produced since the last call.
    pub fn take_metrics(&mut self) -> (Vec<StepMetrics>, Vec<StepMetrics>) {
        (std::mem::take(&mut self.metrics), std::mem::take(&mut self.test_metrics))
    }

    /// Applies changes that need no rebuild; structural changes are an error (build a new trainer).
    pub fn update_config(&mut self, config: ModelConfig) -> Result<()> {
        config.validate()?;
        if self.config.needs_rebuild(&config) {
            return Err(VaeError::Config("this change needs a new model (reset)".into()));
        }
        let iwae_changed = (config.objective == Objective::Iwae) != (self.config.objective == Objective::Iwae);
        self.config = config;
        if iwae_changed {
            self.build_shards(self.workers());
        }
        Ok(())
    }

    /// Continue the schedules (Adam's bias correction, warm-up, data order) from step `step`.
    pub fn set_step(&mut self, step: u64) {
        self.step = step;
    }

    pub fn parameters(&self) -> &[f32] {
        &self.opt.params
    }

    /// The gradient of the last completed step.
    pub fn gradients(&self) -> &[f32] {
        &self.opt.grads
    }

    /// Parameters and both Adam moments, concatenated (the GPU trainer's `read_state` layout).
    pub fn state(&self) -> Vec<f32> {
        [&self.opt.params[..], &self.opt.m, &self.opt.v].concat()
    }

    /// Restores `state()` output, or parameters alone (which resets Adam's moments).
    pub fn write_state(&mut self, state: &[f32]) -> Result<()> {
        let len = self.opt.params.len();
        if state.len() != len && state.len() != 3 * len {
            return Err(VaeError::Config(format!(
                "a state for this architecture has {len} or {} values, got {}",
                3 * len,
                state.len()
            )));
        }
        self.opt.params.copy_from_slice(&state[..len]);
        for (i, moment) in [&mut self.opt.m, &mut self.opt.v].into_iter().enumerate() {
            match state.get((i + 1) * len..(i + 2) * len) {
                Some(part) => moment.copy_from_slice(part),
                None => moment.fill(0.0),
            }
        }
        Ok(())
    }

    /// Evaluation of the current model on the test set.
    pub fn eval(&mut self) -> CpuEval<'_> {
        CpuEval { config: &self.config, arch: &self.arch, params: &self.opt.params, test: &self.test, workers: self.shards.len() }
    }
}

/// Disjoint mutable slices of `v` at `ranges` (consecutive, covering v).
fn split<'a>(mut v: &'a mut [f32], ranges: &[std::ops::Range<usize>]) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = v.split_at_mut(r.len());
        out.push(head);
        v = tail;
    }
    out
}
