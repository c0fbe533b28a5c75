//! The training loop: GPU state built once (parameters, datasets, workspaces, metric rings),
//! many steps recorded per submit, metrics read back asynchronously every few steps.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use crate::config::{Binarize, ModelConfig, Objective};
use crate::data::Dataset;
use crate::error::{Result, VaeError};
use crate::gpu::{Gpu, PendingRead};
use crate::kernels::Kernels;
use crate::kernels::adam::{AdamParams, bias_corrections};
use crate::kernels::step::StepUniform;
use crate::model::{Architecture, PIXELS};
use crate::rng::{PHASE_EVAL, PHASE_TRAIN};
use crate::workspace::{GpuDataset, ParameterBuffers, Shape, Source, Workspace};

/// Training steps whose metrics the GPU ring holds before it wraps.
pub const METRIC_SLOTS: u32 = 4096;
/// Test images per evaluation pass (the periodic test probe and full evaluations).
pub const TEST_CHUNK: u32 = 500;
/// Test-probe records the ring holds; one more slot is scratch for full evaluations.
const TEST_SLOTS: u32 = 1024;
pub(crate) const TEST_SLOTS_SCRATCH: u32 = TEST_SLOTS;

pub const ADAM_BETA1: f32 = 0.9;
pub const ADAM_BETA2: f32 = 0.999;
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

#[derive(Clone, Copy, PartialEq)]
enum RingKind {
    Train,
    Test,
}

struct MetricsRead {
    kind: RingKind,
    /// `step` value of each record, in order.
    steps: Vec<u64>,
    read: PendingRead,
}

pub struct Trainer {
    pub gpu: Gpu,
    pub kernels: Arc<Kernels>,
    pub config: ModelConfig,
    pub arch: Architecture,
    pub(crate) params: ParameterBuffers,
    pub(crate) test_data: GpuDataset,
    pub(crate) train_data: GpuDataset,
    pub(crate) test_cpu: Arc<Dataset>,
    pub(crate) n_train: u32,
    train_ws: Workspace,
    pub(crate) probe_ws: Workspace,
    metrics: wgpu::Buffer,
    pub(crate) test_metrics: wgpu::Buffer,
    step: u64,
    /// First step whose metrics have not been requested yet.
    unrequested: u64,
    probes_done: u64,
    /// (probe index, step) of probes whose figures have not been requested yet.
    probes_unrequested: Vec<(u64, u64)>,
    pending: VecDeque<MetricsRead>,
    in_flight: VecDeque<wgpu::SubmissionIndex>,
    pub(crate) host_ws: HashMap<u32, Workspace>,
    pub(crate) iwae_ws: HashMap<(u32, u32), Workspace>,
    /// What the autotuner measured (or the cache said) for this model's shapes.
    pub tuned: Vec<crate::autotune::TuneResult>,
    /// Request metrics once this many steps are unread.
    pub read_every: u32,
    /// Run a test probe (one chunk of the test set) every this many steps; 0 = never.
    pub test_every: u32,
}

/// Bytes of the biggest single buffer a config needs, checked against the device before allocating.
fn largest_buffer(config: &ModelConfig, arch: &Architecture, n_train: usize, n_test: usize) -> (u64, &'static str) {
    let rows = (config.batch_size * config.samples) as u64;
    let widest = arch.layers.iter().map(|l| l.outputs.max(l.inputs)).max().unwrap_or(PIXELS) as u64;
    let candidates = [
        (n_train as u64 * PIXELS as u64, "the training images"),
        (n_test as u64 * PIXELS as u64, "the test images"),
        (arch.total as u64 * 4, "the parameters"),
        (rows * widest * 4, "one batch's activations"),
        (rows * PIXELS as u64 * 4, "one batch's logits"),
    ];
    candidates.into_iter().max_by_key(|c| c.0).expect("non-empty")
}

/// Rejects, before anything is allocated, a config the data or the device cannot hold.
fn check_fits(gpu: &Gpu, config: &ModelConfig, n_train: usize, n_test: usize) -> Result<()> {
    config.validate()?;
    let arch = Architecture::new(config);
    if config.batch_size as usize > n_train {
        return Err(VaeError::Config(format!(
            "batch_size = {} is larger than the {n_train} training images",
            config.batch_size
        )));
    }
    let decoder_rows = config.batch_size * config.samples;
    let max_groups = gpu.limits.max_compute_workgroups_per_dimension;
    if decoder_rows > max_groups {
        return Err(VaeError::DeviceTooSmall(format!(
            "batch_size × samples = {decoder_rows} rows exceeds this device's {max_groups} workgroups per dispatch"
        )));
    }
    let (bytes, what) = largest_buffer(config, &arch, n_train, n_test);
    let limit = gpu.limits.max_storage_buffer_binding_size.min(gpu.limits.max_buffer_size);
    if bytes > limit {
        return Err(VaeError::DeviceTooSmall(format!(
            "{what} need a {:.1} MiB buffer; this device allows {:.1} MiB per buffer — use fewer or smaller layers, a smaller batch, or fewer samples",
            bytes as f64 / 1048576.0,
            limit as f64 / 1048576.0
        )));
    }
    Ok(())
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
        Self::from_parts(gpu, kernels, config, data, Arc::new(test.clone()))
    }

    /// A fresh model for `config` (same seed → same initial weights) that reuses this trainer's
    /// device, pipelines and GPU-resident datasets: a reset without re-uploading MNIST.
    pub fn reconfigured(&self, config: ModelConfig) -> Result<Trainer> {
        check_fits(&self.gpu, &config, self.train_data.n as usize, self.test_data.n as usize)?;
        let data = (self.train_data.clone(), self.test_data.clone());
        let mut fresh = Self::from_parts(self.gpu.clone(), self.kernels.clone(), config, data, self.test_cpu.clone())?;
        fresh.read_every = self.read_every;
        fresh.test_every = self.test_every;
        Ok(fresh)
    }

    fn from_parts(
        gpu: Gpu,
        kernels: Arc<Kernels>,
        config: ModelConfig,
        (train_data, test_data): (GpuDataset, GpuDataset),
        test_cpu: Arc<Dataset>,
    ) -> Result<Trainer> {
        let arch = Architecture::new(&config);
        let params = ParameterBuffers::new(&gpu, &arch.init_parameters(config.seed));
        let metrics = gpu.storage("train metrics", METRIC_SLOTS as u64 * 16);
        let test_metrics = gpu.storage("test metrics", (TEST_SLOTS + 1) as u64 * 16);
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
            host_ws: HashMap::new(),
            iwae_ws: HashMap::new(),
            tuned: Vec::new(),
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

    pub fn steps_per_epoch(&self) -> u64 {
        (self.n_train as u64).div_ceil(self.config.batch_size as u64)
    }

    /// The record of 0-based step `s`: data position, schedules and Adam's bias corrections.
    pub fn step_record(&self, s: u64) -> StepUniform {
        let c = &self.config;
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
            epoch: (position / self.n_train as u64) as u32,
            offset: (position % self.n_train as u64) as u32,
            seed: c.seed,
            phase: PHASE_TRAIN,
            kl_weight,
            capacity,
            lr_t,
            inv_sqrt_bc2,
            _pad: [0; 2],
        }
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
        let record = self.eval_record(
            (probe % chunks) as u32 * self.probe_ws.rows,
            probe as u32,
            (probe % TEST_SLOTS as u64) as u32,
        );
        self.probe_ws.steps.write(&self.gpu, &[record]);
        Workspace::record(encoder, 1, self.probe_ws.all());
        self.probes_unrequested.push((probe, self.step));
        self.probes_done += 1;
    }

    /// A record for an evaluation pass over images offset.. with noise counter `counter`.
    pub(crate) fn eval_record(&self, offset: u32, counter: u32, slot: u32) -> StepUniform {
        StepUniform {
            step: counter,
            slot,
            epoch: 0,
            offset,
            seed: self.config.seed,
            phase: PHASE_EVAL,
            kl_weight: 1.0,
            capacity: -1.0,
            lr_t: 0.0,
            inv_sqrt_bc2: 1.0,
            _pad: [0; 2],
        }
    }

    /// Starts an asynchronous copy of every metric record produced since the last request.
    pub fn request_metrics(&mut self) {
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        let mut reads = Vec::new();
        // Train ring, split where it wraps.
        let mut first = self.unrequested.max(self.step.saturating_sub(METRIC_SLOTS as u64));
        while first < self.step {
            let slot = first % METRIC_SLOTS as u64;
            let count = (self.step - first).min(METRIC_SLOTS as u64 - slot);
            let read = PendingRead::record(&self.gpu, &mut encoder, &self.metrics, slot * 16, count * 16);
            reads.push(MetricsRead { kind: RingKind::Train, steps: (first + 1..=first + count).collect(), read });
            first += count;
        }
        self.unrequested = self.step;
        // Test probes, one small copy each (they are rare).
        for (probe, step) in self.probes_unrequested.drain(..) {
            let slot = probe % TEST_SLOTS as u64;
            let read = PendingRead::record(&self.gpu, &mut encoder, &self.test_metrics, slot * 16, 16);
            reads.push(MetricsRead { kind: RingKind::Test, steps: vec![step], read });
        }
        if reads.is_empty() {
            return;
        }
        self.gpu.queue.submit([encoder.finish()]);
        for r in reads {
            r.read.start();
            self.pending.push_back(r);
        }
    }

    /// Metrics whose readback has completed, in order: (training steps, test probes).
    pub fn take_metrics(&mut self) -> Result<(Vec<StepMetrics>, Vec<StepMetrics>)> {
        self.gpu.poll();
        let (mut train, mut test) = (Vec::new(), Vec::new());
        while self.pending.front().is_some_and(|r| r.read.is_ready()) {
            let r = self.pending.pop_front().expect("checked");
            let bytes = r.read.take().expect("checked ready")?;
            let values: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
            let out = if r.kind == RingKind::Train { &mut train } else { &mut test };
            for (record, &step) in values.chunks_exact(4).zip(&r.steps) {
                out.push(StepMetrics {
                    step,
                    recon: record[0],
                    kl: record[1],
                    objective: record[2],
                    kl_weight: record[3],
                });
            }
        }
        Ok((train, test))
    }

    /// Requests what is unread and waits (natively: blocks; in the browser: yields) until every
    /// pending metric has arrived.
    pub async fn flush_metrics(&mut self) -> Result<(Vec<StepMetrics>, Vec<StepMetrics>)> {
        self.request_metrics();
        let (mut train, mut test) = (Vec::new(), Vec::new());
        while !self.pending.is_empty() {
            self.gpu.poll_wait();
            let (a, b) = self.take_metrics()?;
            train.extend(a);
            test.extend(b);
            if !self.pending.is_empty() {
                crate::gpu::yield_now().await;
            }
        }
        Ok((train, test))
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
        let workspaces =
            [&self.train_ws, &self.probe_ws].into_iter().chain(self.host_ws.values()).chain(self.iwae_ws.values());
        buffers.iter().map(|b| b.size()).sum::<u64>() + workspaces.map(|w| w.bytes).sum::<u64>()
    }

    /// Metric reads still in flight.
    pub fn pending_reads(&self) -> usize {
        self.pending.len()
    }

    /// Applies changes that need no rebuild (β, γ, C, warm-up, learning rate, objective).
    /// Structural changes (layers, latent size, batch, seed, data) return an error: build a new
    /// Trainer for those.
    pub fn update_config(&mut self, config: ModelConfig) -> Result<()> {
        config.validate()?;
        if self.config.needs_rebuild(&config) {
            return Err(VaeError::Config("this change needs a new model (reset)".into()));
        }
        self.config = config;
        Ok(())
    }

    /// Copies the weights back to the CPU (flat layout of `arch`).
    pub async fn read_parameters(&self) -> Result<Vec<f32>> {
        self.gpu.read_f32(&self.params.params, 0, self.params.len).await
    }

    /// Parameters and both Adam moments, concatenated: enough to continue a run exactly.
    pub async fn read_state(&self) -> Result<Vec<f32>> {
        let mut state = self.gpu.read_f32(&self.params.params, 0, self.params.len).await?;
        state.extend(self.gpu.read_f32(&self.params.m, 0, self.params.len).await?);
        state.extend(self.gpu.read_f32(&self.params.v, 0, self.params.len).await?);
        Ok(state)
    }

    /// Restores `read_state` output (or parameters alone, which resets Adam's moments).
    pub fn write_state(&mut self, state: &[f32]) -> Result<()> {
        let len = self.params.len;
        if state.len() == len {
            return self.write_parameters(state);
        }
        if state.len() != 3 * len {
            return Err(VaeError::Config(format!(
                "a state for this architecture has {len} or {} values, got {}",
                3 * len,
                state.len()
            )));
        }
        for (buffer, part) in [&self.params.params, &self.params.m, &self.params.v].into_iter().zip(state.chunks(len)) {
            self.gpu.queue.write_buffer(buffer, 0, bytemuck::cast_slice(part));
        }
        Ok(())
    }

    /// The gradients of the last completed step (same layout as the parameters).
    pub async fn read_gradients(&self) -> Result<Vec<f32>> {
        self.gpu.read_f32(&self.params.grads, 0, self.params.len).await
    }

    /// Replaces the weights (e.g. loaded from a file) and resets Adam's moments.
    pub fn write_parameters(&mut self, params: &[f32]) -> Result<()> {
        if params.len() != self.params.len {
            return Err(VaeError::Config(format!(
                "expected {} parameters for this architecture, got {}",
                self.params.len,
                params.len()
            )));
        }
        self.gpu.queue.write_buffer(&self.params.params, 0, bytemuck::cast_slice(params));
        let zeros = vec![0u8; params.len() * 4];
        self.gpu.queue.write_buffer(&self.params.m, 0, &zeros);
        self.gpu.queue.write_buffer(&self.params.v, 0, &zeros);
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
    let adam = AdamParams { len4: 0, beta1: ADAM_BETA1, beta2: ADAM_BETA2, eps: ADAM_EPS };
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
        self.host_ws.clear();
        self.iwae_ws.clear();
    }

    /// Every matmul form and shape of one training step.
    pub fn matmul_shapes(&self) -> Vec<(crate::kernels::matmul::MatmulVariant, crate::kernels::matmul::MatmulDims)> {
        let mut shapes: Vec<_> = self.train_ws.all().filter_map(|d| d.matmul).collect();
        shapes.sort_by_key(|(v, d)| format!("{v:?}{d:?}"));
        shapes.dedup();
        shapes
    }
}

impl ModelConfig {
    /// Whether going from `self` to `other` changes the model's shape, data or randomness.
    pub fn needs_rebuild(&self, other: &ModelConfig) -> bool {
        self.enc_hidden != other.enc_hidden
            || self.dec_hidden != other.dec_hidden
            || self.latent != other.latent
            || self.activation != other.activation
            || self.batch_size != other.batch_size
            || self.seed != other.seed
            || self.binarize != other.binarize
            || self.conditional != other.conditional
            || self.samples != other.samples
            || (self.objective == Objective::Iwae) != (other.objective == Objective::Iwae)
    }
}

/// How much the gradient estimate varies with the noise ε (lesson 5: why one sample is enough),
/// per parameter over repeated draws on one fixed batch, averaged over the encoder's and the
/// decoder's parameters.
#[derive(Clone, Debug, Serialize)]
pub struct GradientStats {
    pub repeats: u32,
    /// Mean over encoder parameters of Var_ε[g].
    pub encoder_variance: f64,
    /// Mean over encoder parameters of (E_ε[g])².
    pub encoder_mean_sq: f64,
    pub decoder_variance: f64,
    pub decoder_mean_sq: f64,
}

impl Trainer {
    /// Draws the gradient of the current batch `repeats` times with fresh ε (no update is
    /// applied) and summarises its spread; see `GradientStats`.
    pub async fn gradient_stats(&mut self, repeats: u32) -> Result<GradientStats> {
        let repeats = repeats.clamp(2, self.train_ws.steps.slots);
        let base = self.step_record(self.step);
        let records: Vec<StepUniform> =
            (0..repeats).map(|r| StepUniform { step: base.step ^ (0x2000_0000 + r), ..base }).collect();
        self.train_ws.steps.write(&self.gpu, &records);
        let gradient_pass: Vec<_> = self.train_ws.all().filter(|d| d.label != "adam").cloned().collect();
        let len = self.params.len as u64;
        let results = self.gpu.storage("gradient draws", repeats as u64 * len * 4);
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        for r in 0..repeats {
            Workspace::record_at(&mut encoder, r, gradient_pass.iter());
            encoder.copy_buffer_to_buffer(&self.params.grads, 0, &results, r as u64 * len * 4, len * 4);
        }
        self.gpu.queue.submit([encoder.finish()]);
        let draws = self.gpu.read_f32(&results, 0, (repeats as u64 * len) as usize).await?;
        let spread = |layers: &mut dyn Iterator<Item = &crate::model::Layer>| {
            let (mut var, mut mean_sq, mut count) = (0f64, 0f64, 0usize);
            for layer in layers {
                for i in layer.offset..layer.offset + layer.len() {
                    let values = (0..repeats as usize).map(|r| draws[r * len as usize + i] as f64);
                    let mean = values.clone().sum::<f64>() / repeats as f64;
                    var += values.map(|v| (v - mean).powi(2)).sum::<f64>() / (repeats - 1) as f64;
                    mean_sq += mean * mean;
                    count += 1;
                }
            }
            (var / count as f64, mean_sq / count as f64)
        };
        let (encoder_variance, encoder_mean_sq) =
            spread(&mut self.arch.layers.iter().filter(|l| l.name.starts_with("enc")));
        let (decoder_variance, decoder_mean_sq) =
            spread(&mut self.arch.layers.iter().filter(|l| l.name.starts_with("dec")));
        Ok(GradientStats { repeats, encoder_variance, encoder_mean_sq, decoder_variance, decoder_mean_sq })
    }

    /// Time of each dispatch of one training step, measured by repeating it `reps` times alone
    /// and reading back (for profiling, never during training). Returns (dispatch, milliseconds),
    /// a dispatch named by its kernel and, for matmuls, form and shape. `now` is the platform
    /// clock in milliseconds.
    pub async fn profile_step(&mut self, reps: u32, now: impl Fn() -> f64) -> Result<Vec<(String, f64)>> {
        let record = self.step_record(self.step);
        self.train_ws.steps.write(&self.gpu, &[record]);
        let dispatches: Vec<_> = self.train_ws.all().cloned().collect();
        let mut out = Vec::new();
        for d in &dispatches {
            let run = async |count: u32| -> Result<()> {
                let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
                Workspace::record(&mut encoder, 1, std::iter::repeat_n(d, count as usize));
                self.gpu.queue.submit([encoder.finish()]);
                self.gpu.read_bytes(&self.metrics, 0, 4).await.map(|_| ())
            };
            run(1).await?;
            let start = now();
            run(reps).await?;
            out.push((d.describe(), (now() - start) / reps as f64));
        }
        Ok(out)
    }
}
