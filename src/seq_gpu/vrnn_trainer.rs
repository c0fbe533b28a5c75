//! `GpuVrnnTrainer`: VrnnTrainer's run (same shuffle, binarization, ε counters, Adam + clip) on
//! the GPU: batch built by vrnn_gather, up to `slots` steps per submit, metrics read every submit.

use std::sync::Arc;

use super::ops::VrnnKernels;
use super::vrnn_forward::record_len;
use super::vrnn_step::GpuVrnn;
use crate::data::Dataset;
use crate::error::{Result, VaeError};
use crate::gpu::Gpu;
use crate::kernels::adam::{AdamParams, bias_corrections};
use crate::kernels::clip_grad_norm::ClipParams;
use crate::kernels::step::StepRing;
use crate::kernels::vrnn_gather::{VrnnGatherParams, VrnnStep};
use crate::kernels::{Dispatch, View};
use crate::seq::adam::{BETA1, BETA2, EPS};
use crate::seq::vrnn::VrnnConfig;
use crate::seq::vrnn_train::{BATCH, CLIP_NORM, LR, StepStats};

pub struct GpuVrnnTrainer {
    pub graph: GpuVrnn,
    pub seed: u32,
    n_train: usize,
    step: u64,
    /// Gather, gradient pass, clip, Adam: one optimizer step.
    step_pass: Vec<Dispatch>,
    _images: wgpu::Buffer,
    _moments: [wgpu::Buffer; 2],
}

impl GpuVrnnTrainer {
    /// Init from `seed` (`Vrnn::init`), the training images uploaded once; `slots` steps per submit.
    pub fn new(
        gpu: Gpu,
        kernels: Arc<VrnnKernels>,
        seed: u32,
        config: VrnnConfig,
        train: &Dataset,
        slots: u32,
    ) -> Result<Self> {
        if (train.rows, train.cols) != (config.rows, config.cols) || train.n == 0 {
            return Err(VaeError::Config(format!(
                "the VRNN reads {}x{} images; got {} of {}x{}",
                config.rows, config.cols, train.n, train.rows, train.cols
            )));
        }
        let graph = GpuVrnn::new(gpu.clone(), kernels, config, BATCH, slots.max(1))?;
        graph.write_parameters(&graph.model.init(seed))?;
        let images = gpu.storage_init("vrnn train images", &train.images);
        let len = graph.gm.layout.len;
        let moments = [gpu.storage("vrnn adam m", (len * 4) as u64), gpu.storage("vrnn adam v", (len * 4) as u64)];
        let k = &graph.kernels;
        let d = graph.buffers.dims;
        let b = &graph.buffers;
        let gp = VrnnGatherParams {
            rows: d.r as u32,
            steps: d.t as u32,
            cols: d.d as u32,
            latent: d.l as u32,
            n_images: train.n as u32,
            _pad: [0; 3],
        };
        let mut step_pass = vec![k.gather.dispatch(
            &gpu,
            gp,
            graph.ring.view(),
            View::whole(&images),
            View::whole(&b.x.buf),
            View::whole(&b.eps.buf),
            View::whole(&b.w.buf),
            View::whole(&b.row_stats.buf),
        )];
        step_pass.extend(graph.gradient_pass.iter().cloned());
        let len4 = (len / 4) as u32;
        let cp = ClipParams { len4, record: record_len(d.t) as u32, max_norm: CLIP_NORM as f32, _pad: 0 };
        step_pass.push(k.clip.dispatch(
            &gpu,
            cp,
            graph.ring.view(),
            View::whole(&graph.grads),
            View::whole(&graph.metrics),
        ));
        let ap = AdamParams { len4, beta1: BETA1 as f32, beta2: BETA2 as f32, eps: EPS as f32 };
        step_pass.push(k.base.adam.dispatch(
            &gpu,
            ap,
            graph.ring.view(),
            View::whole(&graph.grads),
            View::whole(&graph.params),
            View::whole(&moments[0]),
            View::whole(&moments[1]),
        ));
        Ok(GpuVrnnTrainer { graph, seed, n_train: train.n, step: 0, step_pass, _images: images, _moments: moments })
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn steps_per_epoch(&self) -> u64 {
        self.n_train.div_ceil(BATCH) as u64
    }

    /// Dispatches per optimizer step (for reports).
    pub fn dispatches_per_step(&self) -> usize {
        self.step_pass.len()
    }

    /// Record of 0-based step `s`: VrnnTrainer's batch (epoch, position, size) and Adam's corrections.
    fn record(&self, s: u64, slot: u32) -> VrnnStep {
        let spe = self.steps_per_epoch();
        let offset = (s % spe) as usize * BATCH;
        let rows = BATCH.min(self.n_train - offset);
        let (lr_t, inv_sqrt_bc2) = bias_corrections(LR as f32, BETA1 as f32, BETA2 as f32, s + 1);
        VrnnStep {
            step: s as u32,
            slot,
            epoch: (s / spe) as u32,
            offset: offset as u32,
            seed: self.seed,
            phase: 0,
            scale: 1.0 / rows as f32,
            rows: rows as u32,
            lr_t,
            inv_sqrt_bc2,
            _pad: [0; 2],
        }
    }

    /// `n` optimizer steps, `ring.slots` per submit; each submit's metrics are read back (blocking)
    /// after it, so the CPU never touches the GPU inside a submit.
    pub async fn train(&mut self, n: u64) -> Result<Vec<StepStats>> {
        let mut stats = Vec::with_capacity(n as usize);
        let slots = self.graph.ring.slots as u64;
        let rec = record_len(self.graph.buffers.dims.t);
        let mut left = n;
        while left > 0 {
            let chunk = left.min(slots);
            let records: Vec<_> = (0..chunk).map(|i| self.record(self.step + i, i as u32).as_step()).collect();
            self.graph.ring.write(&self.graph.gpu, &records);
            let mut encoder = self.graph.gpu.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                for i in 0..chunk as u32 {
                    for d in &self.step_pass {
                        d.record(&mut pass, StepRing::offset_of(i));
                    }
                }
            }
            self.graph.gpu.queue.submit([encoder.finish()]);
            let values = self.graph.gpu.read_f32(&self.graph.metrics, 0, chunk as usize * rec).await?;
            let spe = self.steps_per_epoch();
            for (i, r) in values.chunks_exact(rec).enumerate() {
                let s = self.step + i as u64;
                let (l, grad_norm) = self.graph.parse_record(r);
                stats.push(StepStats {
                    step: s + 1,
                    epoch: s / spe,
                    loss: l.loss,
                    recon: l.recon,
                    kl: l.kl,
                    kl_steps: l.kl_steps,
                    grad_norm,
                });
            }
            self.step += chunk;
            left -= chunk;
        }
        Ok(stats)
    }

    /// The parameters in `Vrnn`'s flat f64 layout (for evaluation and generation on the CPU).
    pub async fn read_parameters(&self) -> Result<Vec<f64>> {
        self.graph.read_parameters().await
    }
}
