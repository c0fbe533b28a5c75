//! The coordinator of a CPU training run: data, optimizer state, the step counter and its records,
//! the rows each shard reads, the batch reduction, the gradient merge + Adam, probes and metrics.
//! It owns no training shard: natively `CpuTrainer` runs them on threads, in the browser workers do.

use std::sync::Arc;

use super::each;
use super::eval::CpuEval;
use super::shard::{Rows, Shard, ShardShape};
use super::step::{Block, Optimizer, metrics_of, pick_rows, reduce, slices, worker_units};
use crate::config::{Binarize, ModelConfig, Objective, OutputBias};
use crate::cpu::{GatherParams, StepUniform, UNITS, unit_rows};
use crate::data::Dataset;
use crate::error::{Result, VaeError};
use crate::model::Architecture;
use crate::schedule::{StepMetrics, TEST_CHUNK, eval_record, step_record};

/// Test-probe records kept apart from training's (the record's slot).
const TEST_SLOTS: u32 = 1024;

/// What one shard reads in a step: its rows and where they start in the batch.
pub struct ShardInput {
    pub first_row: u32,
    pub picked: super::step::Picked,
}

pub struct Coordinator {
    pub config: ModelConfig,
    pub arch: Architecture,
    pub train: Arc<Dataset>,
    pub test: Arc<Dataset>,
    pub opt: Optimizer,
    pub step: u64,
    /// Training shards (workers) the batch is split over.
    pub workers: usize,
    /// Evaluation shards for the test probes (run on the coordinator's threads).
    probes: Vec<Shard>,
    probes_done: u64,
    metrics: Vec<StepMetrics>,
    test_metrics: Vec<StepMetrics>,
    /// Run a test probe (one chunk of the test set) every this many steps; 0 = never.
    pub test_every: u32,
}

impl Coordinator {
    /// Validates `config` against the data and initialises the weights from the seed (and the
    /// training set's mean pixel under `output_bias = mean`).
    /// `probe_threads` evaluation shards run the test probes.
    pub fn new(
        config: ModelConfig,
        train: Arc<Dataset>,
        test: Arc<Dataset>,
        workers: usize,
        probe_threads: usize,
    ) -> Result<Self> {
        config.validate()?;
        if train.n == 0 || test.n == 0 {
            return Err(VaeError::Config("the training and test sets need at least one image each".into()));
        }
        config.check_data(train.n)?;
        let arch = Architecture::new(&config);
        // The training set's mean pixel only when the output bias starts from it (a pass over 47 MB).
        let mean = if config.output_bias == OutputBias::Mean { train.pixel_mean() } else { Vec::new() };
        let opt = Optimizer::new(arch.initial_parameters(&config, &mean), config.adam_eps);
        let mut c = Coordinator {
            config,
            arch,
            train,
            test,
            opt,
            step: 0,
            workers: workers.clamp(1, UNITS),
            probes: Vec::new(),
            probes_done: 0,
            metrics: Vec::new(),
            test_metrics: Vec::new(),
            test_every: 0,
        };
        let probe_rows = (TEST_CHUNK as usize).min(c.test.n);
        let threads = probe_threads.clamp(1, probe_rows);
        c.probes = (0..threads)
            .map(|w| Shard::new(&c.arch, c.shape(w * probe_rows / threads..(w + 1) * probe_rows / threads)))
            .collect();
        Ok(c)
    }

    /// The shape of shard `w` (training) or of an evaluation shard over `rows` rows.
    fn shape(&self, rows: std::ops::Range<usize>) -> ShardShape {
        ShardShape {
            batch_rows: rows.len(),
            rep: 1,
            units: 0..UNITS,
            training: false,
            iwae: false,
            binarize: self.config.binarize == Binarize::Dynamic,
            shuffle: false,
        }
    }

    /// The shape of training shard `w`.
    pub fn train_shape(&self, w: usize) -> ShardShape {
        train_shape(&self.config, self.workers, w)
    }

    /// The record of the next step.
    pub fn record(&self) -> StepUniform {
        step_record(&self.config, self.train.n as u32, self.step)
    }

    /// The rows training shard `w` reads in the step of `record`.
    pub fn shard_input(&self, w: usize, record: &StepUniform) -> ShardInput {
        let shape = self.train_shape(w);
        let rows =
            unit_rows(shape.batch_rows, shape.units.start).start..unit_rows(shape.batch_rows, shape.units.end - 1).end;
        let gather = GatherParams { rows: rows.len() as u32, shuffle: 1, ..Default::default() };
        ShardInput { first_row: rows.start as u32, picked: pick_rows(&self.train, &gather, record, rows) }
    }

    /// The step's figures from every shard's row stats, in shard order.
    pub fn reduce(&self, record: &StepUniform, stats: &[&[f32]]) -> [f32; 4] {
        reduce(record, self.config.samples as usize, self.config.objective == Objective::Iwae, stats)
    }

    /// Merges the partials (the fixed unit tree), takes Adam's step over `threads` parameter
    /// slices, and records the step's figures.
    pub fn finish(&mut self, record: &StepUniform, figures: [f32; 4], blocks: &[Block], threads: usize) {
        let opt = &mut self.opt;
        let parts = slices(opt.params.len(), threads.max(1));
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
            Optimizer::merge_and_step(range.clone(), blocks, record, eps, [&mut **p, &mut **g, &mut **m, &mut **v]);
        });
        self.step += 1;
        self.metrics.push(metrics_of(self.step, figures));
        if self.test_every > 0 && self.step.is_multiple_of(self.test_every as u64) {
            self.probe();
        }
    }

    /// Evaluates the next chunk of the test set (rotating through it): the test curve.
    fn probe(&mut self) {
        let total: usize = self.probes.iter().map(|s| s.rows).sum();
        let chunks = (self.test.n as u64).div_ceil(total as u64);
        let p = self.probes_done;
        let record =
            eval_record(self.config.seed, (p % chunks) as u32 * total as u32, p as u32, (p % TEST_SLOTS as u64) as u32);
        run_pass(&mut self.probes, &self.test, &self.opt.params, record);
        let stats: Vec<&[f32]> = self.probes.iter().map(|s| &s.row_stats[..]).collect();
        let figures = reduce(&record, 1, false, &stats);
        self.test_metrics.push(metrics_of(self.step, figures));
        self.probes_done += 1;
    }

    /// The training and test figures produced since the last call.
    pub fn take_metrics(&mut self) -> (Vec<StepMetrics>, Vec<StepMetrics>) {
        (std::mem::take(&mut self.metrics), std::mem::take(&mut self.test_metrics))
    }

    /// Applies changes that need no rebuild; structural changes are an error. Returns whether the
    /// training shards must be rebuilt (the objective switched to or from IWAE).
    pub fn update_config(&mut self, config: ModelConfig) -> Result<bool> {
        config.validate()?;
        config.check_data(self.train.n)?;
        if self.config.needs_rebuild(&config) {
            return Err(VaeError::Config("this change needs a new model (reset)".into()));
        }
        let reshard = (config.objective == Objective::Iwae) != (self.config.objective == Objective::Iwae);
        self.opt.eps = config.adam_eps;
        self.config = config;
        Ok(reshard)
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

    /// Evaluation of the current model on the test set, on `threads` threads.
    pub fn eval(&self, threads: usize) -> CpuEval<'_> {
        CpuEval { config: &self.config, arch: &self.arch, params: &self.opt.params, test: &self.test, workers: threads }
    }
}

/// The shape of training shard `w` of `workers` for `config`.
pub fn train_shape(c: &ModelConfig, workers: usize, w: usize) -> ShardShape {
    ShardShape {
        batch_rows: c.batch_size as usize,
        rep: c.samples as usize,
        units: worker_units(workers, w),
        training: true,
        iwae: c.objective == Objective::Iwae,
        binarize: c.binarize == Binarize::Dynamic,
        shuffle: true,
    }
}

/// One forward pass of evaluation shards over consecutive rows of `data`, keyed by `record`.
pub fn run_pass(shards: &mut [Shard], data: &Dataset, params: &[f32], record: StepUniform) {
    let starts: Vec<usize> = shards.iter().scan(0, |at, s| Some(std::mem::replace(at, *at + s.rows))).collect();
    each(shards, |w, shard| {
        let rows = starts[w]..starts[w] + shard.rows;
        let picked = pick_rows(data, &shard.gather_params(data.n), &record, rows.clone());
        let input = Rows {
            record,
            first_row: rows.start as u32,
            bytes: &picked.bytes,
            image_index: &picked.image_index,
            labels: &picked.labels,
        };
        shard.forward(params, &input, data.n);
    });
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
