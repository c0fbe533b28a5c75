//! `GpuOdeTrainer`: the latent ODE trained on the GPU in f32 with the f64 trainer's batches, ε, Adam
//! and clip. Up to RING_SLOTS steps go into one submit; their metrics come back once per submit.
//!
//! Per-step inputs (the batch's encoder points, targets, masks and ε, ~90 KB) are built on the host
//! by the f64 trainer's own functions and uploaded into a ring; each step's first command copies its
//! slot into the input buffer. Building them on the GPU would need the spirals' masks compacted per
//! trajectory in a kernel, and ε in f32 Box–Muller would differ from the f64 trainer's in the last bits.

use super::ode_layout::OdeShape;
use super::ode_step::{OdeStep, RING_SLOTS, record};
use crate::gpu::Gpu;
use crate::seq::adam::{BETA1, BETA2};
use crate::seq::latent_ode::Window;
use crate::seq::ode_train::{BATCH, CLIP_NORM, LR, OdeEval, OdeTrainer, StepStats};
use crate::{Result, VaeError};

pub struct GpuOdeTrainer {
    /// Data, windows, batch order, model shapes and evaluation; its `params` are the GPU's after `sync`.
    pub cpu: OdeTrainer,
    pub gpu_step: OdeStep,
    step: u64,
    input_ring: wgpu::Buffer,
    staged: Vec<f32>,
    /// ‖g‖ before the clip of each step of the last `train` call.
    pub grad_norms: Vec<f64>,
}

impl GpuOdeTrainer {
    /// Data, model and init from `seed` as `OdeTrainer::new`; the init is cast to f32 and uploaded.
    pub fn new(gpu: &Gpu, seed: u32, substeps: usize) -> Result<Self> {
        Self::from_cpu(gpu, OdeTrainer::new(seed, substeps)?)
    }

    /// Continues from the f64 trainer's parameters (Adam's moments start at zero: use a fresh one).
    pub fn from_cpu(gpu: &Gpu, cpu: OdeTrainer) -> Result<Self> {
        if cpu.step() != 0 {
            return Err(VaeError::Config(
                "the GPU trainer starts from a fresh f64 trainer (Adam's state is not carried over)".into(),
            ));
        }
        let shape = OdeShape::new(cpu.model.config, BATCH)?;
        let gpu_step = OdeStep::new(gpu, shape, CLIP_NORM as f32)?;
        gpu_step.set_params(&cpu.params)?;
        let len = gpu_step.inputs.len;
        let input_ring = gpu.storage("ode input ring", (RING_SLOTS * len * 4) as u64);
        Ok(GpuOdeTrainer {
            cpu,
            gpu_step,
            step: 0,
            input_ring,
            staged: vec![0.0; RING_SLOTS * len],
            grad_norms: Vec::new(),
        })
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    /// Step `step`'s inputs, exactly the f64 trainer's batch and ε.
    fn inputs(&self, step: u64) -> Result<Vec<f32>> {
        let idx = self.cpu.batch_indices_at(step);
        let windows: Vec<Window> = idx.iter().map(|&j| self.cpu.train_window(j).clone()).collect();
        self.gpu_step.inputs.build(&self.gpu_step.shape, &windows, &self.cpu.train_eps_at(step))
    }

    /// `steps` optimizer steps, RING_SLOTS per submit; returns each step's figures (read back once
    /// per submit, without blocking).
    pub async fn train(&mut self, steps: usize) -> Result<Vec<StepStats>> {
        let mut stats = Vec::with_capacity(steps);
        self.grad_norms.clear();
        let mut left = steps;
        while left > 0 {
            let n = left.min(RING_SLOTS);
            stats.extend(self.train_chunk(n).await?);
            left -= n;
        }
        Ok(stats)
    }

    async fn train_chunk(&mut self, n: usize) -> Result<Vec<StepStats>> {
        let len = self.gpu_step.inputs.len;
        let mut records = Vec::with_capacity(n);
        for i in 0..n {
            let step = self.step + i as u64;
            let inputs = self.inputs(step)?;
            self.staged[i * len..(i + 1) * len].copy_from_slice(&inputs);
            let t = (step + 1) as f64;
            let lr_t = LR / (1.0 - libm::pow(BETA1, t));
            let inv_sqrt_bc2 = 1.0 / libm::sqrt(1.0 - libm::pow(BETA2, t));
            records.push(record(step, i as u32, lr_t as f32, inv_sqrt_bc2 as f32));
        }
        let gpu = self.gpu_step.gpu.clone();
        gpu.queue.write_buffer(&self.input_ring, 0, bytemuck::cast_slice(&self.staged[..n * len]));
        self.gpu_step.ring.write(&gpu, &records);
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        for i in 0..n {
            let bytes = (len * 4) as u64;
            encoder.copy_buffer_to_buffer(&self.input_ring, i as u64 * bytes, &self.gpu_step.buffers.inputs, 0, bytes);
            let mut pass = encoder.begin_compute_pass(&Default::default());
            self.gpu_step.record(&mut pass, i as u32, true);
        }
        gpu.queue.submit([encoder.finish()]);
        let metrics = self.gpu_step.read(&self.gpu_step.buffers.metrics, 0, 4 * n).await?;
        let norms = self.gpu_step.read(&self.gpu_step.buffers.norms, 0, n).await?;
        self.grad_norms.extend(norms.iter().map(|&v| v as f64));
        let per_epoch = self.cpu.steps_per_epoch();
        let out = (0..n)
            .map(|i| {
                let step = self.step + i as u64;
                let m = &metrics[4 * i..4 * i + 4];
                StepStats {
                    step: step + 1,
                    epoch: step / per_epoch,
                    loss: m[2] as f64,
                    recon: m[0] as f64,
                    kl: m[1] as f64,
                }
            })
            .collect();
        self.step += n as u64;
        Ok(out)
    }

    /// Reads the GPU's parameters into `cpu.params` (the f64 model's flat layout).
    pub async fn sync(&mut self) -> Result<()> {
        self.cpu.params = self.gpu_step.params().await?;
        Ok(())
    }

    /// The f64 trainer's test-set figures for the GPU's parameters.
    pub async fn evaluate(&mut self) -> Result<OdeEval> {
        self.sync().await?;
        Ok(self.cpu.evaluate())
    }
}
