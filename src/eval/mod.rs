//! Evaluation on the GPU: the test-set ELBO (as PyTorch examples/vae reports it), the importance-
//! weighted bound log p̂(x) for k up to thousands of samples, active units, and (latent.rs)
//! encode/decode. It sees a trainer only through `ModelView`: the model on its device and the test
//! set; its own workspaces live in `Evaluator`.

use std::collections::HashMap;

use crate::config::{Binarize, ModelConfig};
use crate::data::Dataset;
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::adam::AdamParams;
use crate::kernels::{Dispatch, Kernels};
use crate::model::Architecture;
use crate::workspace::{GpuDataset, ParameterBuffers, Shape, Source, Workspace};

mod latent;

pub use crate::measures::{Evaluation, IWAE_ROWS, IwaePlan, IwaeProgress, LogSumExp, active_units};
pub use crate::schedule::{TEST_CHUNK, eval_record};

/// What evaluation needs of a trainer: the model on its device and the test set.
#[derive(Clone, Copy)]
pub struct ModelView<'a> {
    pub gpu: &'a Gpu,
    pub kernels: &'a Kernels,
    pub config: &'a ModelConfig,
    pub arch: &'a Architecture,
    pub params: &'a ParameterBuffers,
    pub test: &'a GpuDataset,
    pub test_cpu: &'a Dataset,
}

/// Evaluation's own workspaces, built on first use and kept until the model is rebuilt.
#[derive(Default)]
pub struct Evaluator {
    chunk_ws: Option<Workspace>,
    host_ws: HashMap<u32, Workspace>,
    iwae_ws: HashMap<(u32, u32), Workspace>,
}

impl Evaluator {
    /// GPU memory of the workspaces built so far.
    pub fn bytes(&self) -> u64 {
        self.chunk_ws.iter().chain(self.host_ws.values()).chain(self.iwae_ws.values()).map(|w| w.bytes).sum()
    }
}

/// An evaluation of one model: `Trainer::eval()` hands one out.
pub struct Eval<'a> {
    pub m: ModelView<'a>,
    pub ws: &'a mut Evaluator,
}

pub(crate) fn record_chunks(encoder: &mut wgpu::CommandEncoder, ws: &Workspace, index: u32, dispatches: &[&Dispatch]) {
    let mut pass =
        encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("eval"), timestamp_writes: None });
    for d in dispatches {
        d.record(&mut pass, crate::kernels::step::StepRing::offset_of(index));
    }
    drop(pass);
    let _ = ws;
}

impl Eval<'_> {
    /// The 1-sample test loss over the whole test set, its recon and KL parts, and active units.
    pub async fn evaluate(&mut self) -> Result<Evaluation> {
        let n = self.m.test.n;
        self.ensure_chunk_ws();
        let ws = self.ws.chunk_ws.as_ref().expect("just built");
        let rows = ws.rows;
        let chunks = n.div_ceil(rows);
        let latent = self.m.arch.latent;
        let stats = self.m.gpu.storage("eval stats", (chunks * rows) as u64 * 16);
        let mulv = self.m.gpu.storage("eval mu|logvar", (chunks * rows) as u64 * 8 * latent as u64);
        let slots = ws.steps.slots;
        for group_start in (0..chunks).step_by(slots as usize) {
            let group = (chunks - group_start).min(slots);
            let records: Vec<_> =
                (group_start..group_start + group).map(|c| eval_record(self.m.config.seed, c * rows, c, 0)).collect();
            ws.steps.write_shared(self.m.gpu, &records);
            let mut encoder = self.m.gpu.device.create_command_encoder(&Default::default());
            let all: Vec<&Dispatch> = ws.all().collect();
            for (i, c) in (group_start..group_start + group).enumerate() {
                record_chunks(&mut encoder, ws, i as u32, &all);
                encoder.copy_buffer_to_buffer(&ws.row_stats, 0, &stats, (c * rows) as u64 * 16, rows as u64 * 16);
                let mulv_bytes = rows as u64 * 8 * latent as u64;
                encoder.copy_buffer_to_buffer(&ws.mulv, 0, &mulv, c as u64 * mulv_bytes, mulv_bytes);
            }
            self.m.gpu.queue.submit([encoder.finish()]);
        }
        let stats: Vec<f32> = self.m.gpu.read_f32(&stats, 0, n as usize * 4).await?;
        let mulv: Vec<f32> = self.m.gpu.read_f32(&mulv, 0, n as usize * 2 * latent).await?;
        let (mut recon, mut kl) = (0f64, 0f64);
        for row in stats.chunks_exact(4) {
            recon += row[0] as f64;
            kl += row[1] as f64;
        }
        let count = n as f64;
        Ok(Evaluation {
            loss: (recon + kl) / count,
            recon: recon / count,
            kl: kl / count,
            active_units: active_units(&mulv, latent, 0.01),
            images: n as usize,
        })
    }

    /// The importance-weighted estimate of the test log-likelihood, −(1/N)Σ log p̂(x) in nats, with
    /// log p̂(x) = logsumexp_i(log w_i) − log k over k samples of q(z|x) for the first `images`
    /// test images (Burda et al. 2016). log w = log p(x|z) + log p(z) − log q(z|x); the GPU computes
    /// each log w, the reduction over samples is in f64 on the host.
    pub async fn iwae_nll(&mut self, k: u32, images: u32) -> Result<f64> {
        self.iwae_nll_with_progress(k, images, &mut |_| {}).await
    }

    /// As `iwae_nll`, calling `progress` after each group of passes (about 50 in all).
    pub async fn iwae_nll_with_progress(
        &mut self,
        k: u32,
        images: u32,
        progress: &mut dyn FnMut(IwaeProgress),
    ) -> Result<f64> {
        let mut plan = IwaePlan::new(k, images, self.m.test.n);
        let key = self.iwae_workspace(plan.img_chunk, plan.k_chunk);
        let ws = &self.ws.iwae_ws[&key];
        let out_rows = (plan.img_chunk * plan.k_chunk) as usize;
        let all: Vec<&Dispatch> = ws.all().collect();
        let passes = plan.passes.clone();
        // About 50 readbacks in all (one per group), so progress arrives every 2% of the work.
        let group_len = (passes.len() / 50).clamp(1, ws.steps.slots as usize);
        for group in passes.chunks(group_len) {
            let records: Vec<_> = group.iter().map(|&pass| plan.record(self.m.config.seed, pass)).collect();
            ws.steps.write_shared(self.m.gpu, &records);
            let bytes = out_rows as u64 * 16;
            let results = self.m.gpu.storage("iwae log w", group.len() as u64 * bytes);
            let mut encoder = self.m.gpu.device.create_command_encoder(&Default::default());
            for i in 0..group.len() {
                record_chunks(&mut encoder, ws, i as u32, &all);
                encoder.copy_buffer_to_buffer(&ws.row_stats, 0, &results, i as u64 * bytes, bytes);
            }
            self.m.gpu.queue.submit([encoder.finish()]);
            let stats = self.m.gpu.read_f32(&results, 0, group.len() * out_rows * 4).await?;
            let mut last = None;
            for pass_stats in stats.chunks_exact(out_rows * 4) {
                last = Some(plan.add_pass(pass_stats));
            }
            progress(last.expect("a group has passes"));
        }
        Ok(plan.nll())
    }

    /// The workspace that evaluates `TEST_CHUNK` test images per pass (built on first use).
    pub(crate) fn ensure_chunk_ws(&mut self) {
        if self.ws.chunk_ws.is_none() {
            let rows = TEST_CHUNK.min(self.m.test.n).max(1);
            self.ws.chunk_ws = Some(self.workspace(
                Source::Dataset { data: self.m.test, shuffle: false, binarize: self.binarize() },
                rows,
                1,
            ));
        }
    }

    fn binarize(&self) -> bool {
        self.m.config.binarize == Binarize::Dynamic
    }

    /// An evaluation workspace (no backward pass, no metrics ring) over the shared parameters.
    pub(crate) fn workspace(&self, source: Source, rows: u32, rep: u32) -> Workspace {
        let m = self.m;
        let shape = Shape { rows, rep, training: false, metrics: None, iwae: false };
        Workspace::new(m.gpu, m.kernels, m.arch, m.params, source, shape, AdamParams::default())
    }

    /// The (cached) workspace that decodes `k_chunk` samples for each of `images` test images.
    fn iwae_workspace(&mut self, images: u32, k_chunk: u32) -> (u32, u32) {
        let key = (images, k_chunk);
        if !self.ws.iwae_ws.contains_key(&key) {
            let source = Source::Dataset { data: self.m.test, shuffle: false, binarize: self.binarize() };
            let ws = self.workspace(source, images, k_chunk);
            self.ws.iwae_ws.insert(key, ws);
        }
        key
    }
}
