//! The training loop: GPU state built once (parameters, datasets, workspaces, metric rings),
//! many steps recorded per submit, metrics read back asynchronously every few steps.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::config::{Binarize, ModelConfig, Objective};
use crate::data::Dataset;
use crate::error::{Result, VaeError};
use crate::eval::{Eval, Evaluator, ModelView, TEST_CHUNK, eval_record};
use crate::gpu::Gpu;
use crate::kernels::Kernels;
use crate::kernels::adam::AdamParams;
use crate::kernels::step::StepUniform;
use crate::model::Architecture;
pub use crate::schedule::{ADAM_BETA1, ADAM_BETA2, METRIC_SLOTS, StepMetrics};
use crate::workspace::{GpuDataset, ParameterBuffers, Shape, Source, Workspace};

mod diagnostics;
mod fits;
mod metrics;
mod state;

pub use diagnostics::GradientStats;
use fits::check_fits;
use metrics::MetricsRead;

/// Test-probe records the ring holds.
const TEST_SLOTS: u32 = 1024;

pub struct Trainer {
    pub gpu: Gpu,
    pub kernels: Arc<Kernels>,
    pub config: ModelConfig,
    pub arch: Architecture,
    params: ParameterBuffers,
    test_data: GpuDataset,
    train_data: GpuDataset,
    test_cpu: Arc<Dataset>,
    /// The training set's mean pixel (`Dataset::pixel_mean`), for the `output_bias = mean` init.
    train_mean: Arc<Vec<f32>>,
    n_train: u32,
    train_ws: Workspace,
    /// Evaluates one chunk of the test set every `test_every` steps (the test curve).
    probe_ws: Workspace,
    metrics: wgpu::Buffer,
    test_metrics: wgpu::Buffer,
    step: u64,
    /// First step whose metrics have not been requested yet.
    unrequested: u64,
    probes_done: u64,
    /// (probe index, step) of probes whose figures have not been requested yet.
    probes_unrequested: Vec<(u64, u64)>,
    pending: VecDeque<MetricsRead>,
    in_flight: VecDeque<wgpu::SubmissionIndex>,
    evaluator: Evaluator,
    /// Request metrics once this many steps are unread.
    pub read_every: u32,
    /// Run a test probe (one chunk of the test set) every this many steps; 0 = never.
    pub test_every: u32,
}

impl Trainer {
    /// Validates `config` against the device and data, uploads both datasets once, initialises
    /// the weights from the seed and builds every pipeline and bind group the loop needs.
    pub fn new(gpu: Gpu, config: ModelConfig, train: &Dataset, test: &Dataset) -> Result<Trainer> {
        let kernels = Arc::new(Kernels::new(&gpu));
        Self::with_kernels(gpu, kernels, config, train, test)
    }

    /// As `new`, reusing already-built kernels (pipelines and autotuned choices survive a reset).
    pub fn with_kernels(
        gpu: Gpu,
        kernels: Arc<Kernels>,
        config: ModelConfig,
        train: &Dataset,
        test: &Dataset,
    ) -> Result<Trainer> {
        check_fits(&gpu, &config, train.n, test.n)?;
        let upload = |label: &str, d: &Dataset| GpuDataset {
            // The kernels read four bytes per little-endian u32 (Dataset::packed_u32): exactly the
            // bytes as they are, so they go up without a repacking copy.
            images: gpu.storage_init(label, &d.images),
            labels: gpu.storage_init(label, &d.labels),
            n: d.n as u32,
        };
        let data = (upload("training set", train), upload("test set", test));
        Self::from_parts(gpu, kernels, config, data, (Arc::new(test.clone()), Arc::new(train.pixel_mean())))
    }

    /// A fresh model for `config` (same seed → same initial weights) that reuses this trainer's
    /// device, pipelines and GPU-resident datasets: a reset without re-uploading MNIST.
    pub fn reconfigured(&self, config: ModelConfig) -> Result<Trainer> {
        check_fits(&self.gpu, &config, self.train_data.n as usize, self.test_data.n as usize)?;
        let data = (self.train_data.clone(), self.test_data.clone());
        let host = (self.test_cpu.clone(), self.train_mean.clone());
        let mut fresh = Self::from_parts(self.gpu.clone(), self.kernels.clone(), config, data, host)?;
        fresh.read_every = self.read_every;
        fresh.test_every = self.test_every;
        Ok(fresh)
    }

    fn from_parts(
        gpu: Gpu,
        kernels: Arc<Kernels>,
        config: ModelConfig,
        (train_data, test_data): (GpuDataset, GpuDataset),
        (test_cpu, train_mean): (Arc<Dataset>, Arc<Vec<f32>>),
    ) -> Result<Trainer> {
        let arch = Architecture::new(&config);
        let params = ParameterBuffers::new(&gpu, &arch.initial_parameters(&config, &train_mean));
        let metrics = gpu.storage("train metrics", METRIC_SLOTS as u64 * 16);
        let test_metrics = gpu.storage("test metrics", TEST_SLOTS as u64 * 16);
        let (train_ws, probe_ws) = build_workspaces(
            &gpu,
            &kernels,
            &config,
            &arch,
            &params,
            [&train_data, &test_data],
            [&metrics, &test_metrics],
        );
        Ok(Trainer {
            gpu,
            kernels,
            config,
            arch,
            params,
            n_train: train_data.n,
            test_data,
            train_data,
            test_cpu,
            train_mean,
            train_ws,
            probe_ws,
            metrics,
            test_metrics,
            step: 0,
            unrequested: 0,
            probes_done: 0,
            probes_unrequested: Vec::new(),
            pending: VecDeque::new(),
            in_flight: VecDeque::new(),
            evaluator: Evaluator::default(),
            read_every: 64,
            test_every: 0,
        })
    }

    /// Optimizer steps completed.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Fractional epochs completed (samples seen / training set size).
    pub fn epoch(&self) -> f64 {
        (self.step * self.config.batch_size as u64) as f64 / self.n_train as f64
    }

    /// Images in the training set.
    pub fn n_train(&self) -> u32 {
        self.n_train
    }

    /// Images in the test set.
    pub fn n_test(&self) -> u32 {
        self.test_data.n
    }

    pub fn steps_per_epoch(&self) -> u64 {
        (self.n_train as u64).div_ceil(self.config.batch_size as u64)
    }

    /// The record of 0-based step `s` (see `schedule::step_record`).
    pub fn step_record(&self, s: u64) -> StepUniform {
        crate::schedule::step_record(&self.config, self.n_train, s)
    }

    /// Evaluation of the current model on the test set (`eval::Eval`).
    pub fn eval(&mut self) -> Eval<'_> {
        let m = ModelView {
            gpu: &self.gpu,
            kernels: &self.kernels,
            config: &self.config,
            arch: &self.arch,
            params: &self.params,
            test: &self.test_data,
            test_cpu: &self.test_cpu,
        };
        Eval { m, ws: &mut self.evaluator }
    }

    /// Records and submits `n` optimizer steps, up to 64 per submit, with test probes and
    /// asynchronous metric reads interleaved as configured. Never waits for the GPU.
    pub fn train_steps(&mut self, n: u32) {
        let mut left = n as u64;
        while left > 0 {
            let mut chunk = left.min(self.train_ws.steps.slots as u64);
            if self.test_every > 0 {
                let every = self.test_every as u64;
                let next_probe = (self.step / every + 1) * every;
                chunk = chunk.min(next_probe - self.step);
            }
            let records: Vec<StepUniform> = (self.step..self.step + chunk).map(|s| self.step_record(s)).collect();
            self.train_ws.steps.write(&self.gpu, &records);
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            Workspace::record(&mut encoder, chunk as u32, self.train_ws.all());
            self.step += chunk;
            left -= chunk;
            if self.test_every > 0 && self.step.is_multiple_of(self.test_every as u64) {
                self.record_probe(&mut encoder);
            }
            let index = self.gpu.queue.submit([encoder.finish()]);
            self.in_flight.push_back(index);
            if self.step - self.unrequested >= self.read_every as u64 {
                self.request_metrics();
            }
        }
        self.gpu.poll();
    }

    /// Evaluates the next chunk of the test set (rotating through it) in this encoder.
    fn record_probe(&mut self, encoder: &mut wgpu::CommandEncoder) {
        let chunks = self.test_data.n.div_ceil(self.probe_ws.rows) as u64;
        let probe = self.probes_done;
        let record = eval_record(
            self.config.seed,
            (probe % chunks) as u32 * self.probe_ws.rows,
            probe as u32,
            (probe % TEST_SLOTS as u64) as u32,
        );
        self.probe_ws.steps.write(&self.gpu, &[record]);
        Workspace::record(encoder, 1, self.probe_ws.all());
        self.probes_unrequested.push((probe, self.step));
        self.probes_done += 1;
    }

    /// Natively, blocks until at most `max` training submits are still executing, so recording
    /// never runs unboundedly ahead of the GPU. In the browser the page paces itself instead.
    pub fn throttle(&mut self, max: usize) {
        while self.in_flight.len() > max {
            let index = self.in_flight.pop_front().expect("non-empty");
            #[cfg(not(target_arch = "wasm32"))]
            {
                let _ = self.gpu.device.poll(wgpu::PollType::Wait { submission_index: Some(index), timeout: None });
            }
            #[cfg(target_arch = "wasm32")]
            let _ = index;
        }
    }

    /// GPU memory held by this trainer: parameters, gradients and Adam moments, both datasets,
    /// metric rings and every workspace built so far.
    pub fn gpu_bytes(&self) -> u64 {
        let buffers = [
            &self.params.params,
            &self.params.grads,
            &self.params.m,
            &self.params.v,
            &self.train_data.images,
            &self.train_data.labels,
            &self.test_data.images,
            &self.test_data.labels,
            &self.metrics,
            &self.test_metrics,
        ];
        let workspaces = self.train_ws.bytes + self.probe_ws.bytes + self.evaluator.bytes();
        buffers.iter().map(|b| b.size()).sum::<u64>() + workspaces
    }

    /// Applies changes that need no rebuild (β, γ, C, warm-up, learning rate, Adam ε, objective).
    /// Structural changes (layers, latent size, batch, seed, data) return an error: build a new
    /// Trainer for those.
    pub fn update_config(&mut self, config: ModelConfig) -> Result<()> {
        config.validate()?;
        if self.config.needs_rebuild(&config) {
            return Err(VaeError::Config("this change needs a new model (reset)".into()));
        }
        let new_eps = config.adam_eps != self.config.adam_eps;
        self.config = config;
        if new_eps {
            // ε sits in the Adam dispatch's uniform, written when the workspaces are built.
            self.rebuild_workspaces();
        }
        Ok(())
    }

    /// Continue the schedules (Adam's bias correction, warm-up, data order) from step `step`.
    pub fn set_step(&mut self, step: u64) {
        self.step = step;
        self.unrequested = step;
    }
}

/// The training workspace and the test-probe workspace, with the kernels' current choices.
fn build_workspaces(
    gpu: &Gpu,
    kernels: &Kernels,
    config: &ModelConfig,
    arch: &Architecture,
    params: &ParameterBuffers,
    [train_data, test_data]: [&GpuDataset; 2],
    [metrics, test_metrics]: [&wgpu::Buffer; 2],
) -> (Workspace, Workspace) {
    let adam = AdamParams { len4: 0, beta1: ADAM_BETA1, beta2: ADAM_BETA2, eps: config.adam_eps };
    let binarize = config.binarize == Binarize::Dynamic;
    let train_ws = Workspace::new(
        gpu,
        kernels,
        arch,
        params,
        Source::Dataset { data: train_data, shuffle: true, binarize },
        Shape {
            rows: config.batch_size,
            rep: config.samples,
            training: true,
            metrics: Some(metrics),
            iwae: config.objective == Objective::Iwae,
        },
        adam,
    );
    let probe_rows = TEST_CHUNK.min(test_data.n).max(1);
    let probe_ws = Workspace::new(
        gpu,
        kernels,
        arch,
        params,
        Source::Dataset { data: test_data, shuffle: false, binarize },
        Shape { rows: probe_rows, rep: 1, training: false, metrics: Some(test_metrics), iwae: false },
        adam,
    );
    (train_ws, probe_ws)
}

impl Trainer {
    /// Rebuilds every workspace so new kernel choices (from the autotuner) take effect.
    pub fn rebuild_workspaces(&mut self) {
        let (train_ws, probe_ws) = build_workspaces(
            &self.gpu,
            &self.kernels,
            &self.config,
            &self.arch,
            &self.params,
            [&self.train_data, &self.test_data],
            [&self.metrics, &self.test_metrics],
        );
        self.train_ws = train_ws;
        self.probe_ws = probe_ws;
        self.evaluator = Evaluator::default();
    }

    /// Every matmul form and shape of one training step.
    pub fn matmul_shapes(&self) -> Vec<(crate::kernels::matmul::MatmulVariant, crate::kernels::matmul::MatmulDims)> {
        let mut shapes: Vec<_> = self.train_ws.all().filter_map(|d| d.matmul).collect();
        shapes.sort_by_key(|(v, d)| format!("{v:?}{d:?}"));
        shapes.dedup();
        shapes
    }
}
