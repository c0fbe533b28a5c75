//! `GpuVrnn`: the VRNN's loss and exact gradient for one batch on the GPU in f32, recorded once as
//! a list of dispatches over buffers built once; `loss_and_gradient` runs it on given images and ε.

use std::sync::Arc;

use super::layout::GpuModel;
use super::ops::{Ops, VrnnKernels};
use super::vrnn_backward::backward;
use super::vrnn_buffers::{Dims, VrnnBuffers};
use super::vrnn_forward::{forward, loss, record_len};
use crate::error::{Result, VaeError};
use crate::gpu::Gpu;
use crate::kernels::step::StepRing;
use crate::kernels::vrnn_gather::VrnnStep;
use crate::kernels::{Dispatch, View};
use crate::seq::vrnn::{Vrnn, VrnnConfig, VrnnLoss};

/// The step's GPU state for batches of up to `dims.batch` images.
pub struct GpuVrnn {
    pub gpu: Gpu,
    pub kernels: Arc<VrnnKernels>,
    pub model: Vrnn,
    pub gm: GpuModel,
    pub buffers: VrnnBuffers,
    /// Parameters and gradient, padded layout (`GpuLayout`).
    pub params: wgpu::Buffer,
    pub grads: wgpu::Buffer,
    /// Step records, bound by dynamic offset: step i of a submit uses record i.
    pub ring: StepRing,
    /// `ring.slots` records of `record_len(T)` floats.
    pub metrics: wgpu::Buffer,
    /// Forward, loss and backward: the gradient of the batch in `buffers.x` / `eps` / `w`.
    pub gradient_pass: Vec<Dispatch>,
}

impl GpuVrnn {
    pub fn new(gpu: Gpu, kernels: Arc<VrnnKernels>, config: VrnnConfig, batch: usize, slots: u32) -> Result<Self> {
        if batch == 0 || config.rows == 0 || config.cols == 0 || config.hidden == 0 || config.features == 0 {
            return Err(VaeError::Config(format!("the GPU VRNN needs nonzero sizes; got {config:?}, batch {batch}")));
        }
        let model = Vrnn::new(config);
        let gm = GpuModel::new(&model);
        let dims = Dims::new(&config, batch);
        let buffers = VrnnBuffers::new(&gpu, dims, gm.back.is_some());
        let params = gpu.storage("vrnn params", (gm.layout.len * 4) as u64);
        let grads = gpu.storage("vrnn grads", (gm.layout.len * 4) as u64);
        let ring = StepRing::new(&gpu, "vrnn steps", slots);
        let metrics = gpu.storage("vrnn metrics", (slots as usize * record_len(dims.t) * 4) as u64);
        let mut gradient_pass = Vec::new();
        {
            let ops = Ops { gpu: &gpu, k: &kernels, params: &params, grads: &grads };
            forward(&ops, &gm, &buffers, &mut gradient_pass);
            loss(&ops, &buffers, ring.view(), View::whole(&metrics), &mut gradient_pass);
            backward(&ops, &gm, &buffers, &mut gradient_pass);
        }
        Ok(GpuVrnn { gpu, kernels, model, gm, buffers, params, grads, ring, metrics, gradient_pass })
    }

    pub fn write_parameters(&self, flat: &[f64]) -> Result<()> {
        if flat.len() != self.model.len {
            return Err(VaeError::Config(format!("expected {} VRNN parameters, got {}", self.model.len, flat.len())));
        }
        self.gpu.queue.write_buffer(&self.params, 0, bytemuck::cast_slice(&self.gm.layout.pack(flat)));
        Ok(())
    }

    pub async fn read_parameters(&self) -> Result<Vec<f64>> {
        Ok(self.gm.layout.unpack(&self.gpu.read_f32(&self.params, 0, self.gm.layout.len).await?))
    }

    /// Record `slot` of the metrics ring as (VrnnLoss, ‖g‖).
    pub fn parse_record(&self, record: &[f32]) -> (VrnnLoss, f64) {
        let loss = VrnnLoss {
            loss: record[0] as f64,
            recon: record[1] as f64,
            kl: record[2] as f64,
            kl_steps: record[4..].iter().map(|&v| v as f64).collect(),
        };
        (loss, record[3] as f64)
    }

    /// The batch mean negative ELBO of `images` (T·D pixels each) with `eps` (T·L each) and its
    /// gradient in `Vrnn`'s flat layout: `Vrnn::batch_loss` in f32 on the GPU (blocking).
    pub async fn loss_and_gradient(
        &mut self,
        params: &[f64],
        images: &[&[f64]],
        eps: &[Vec<f64>],
    ) -> Result<(VrnnLoss, Vec<f64>)> {
        let d = self.buffers.dims;
        if images.is_empty() || images.len() > d.batch || eps.len() != images.len() {
            return Err(VaeError::Config(format!(
                "1..={} images with one ε each; got {} and {}",
                d.batch,
                images.len(),
                eps.len()
            )));
        }
        self.write_parameters(params)?;
        let rows = images.len();
        let scale = 1.0 / rows as f32;
        let (mut x, mut e) = (vec![0.0f32; d.t * d.r * d.d], vec![0.0f32; d.t * d.r * d.l]);
        let (mut w, mut stats) = (vec![0.0f32; d.t * d.r], vec![0.0f32; d.t * d.r * 4]);
        for (b, (img, eb)) in images.iter().zip(eps).enumerate() {
            for t in 0..d.t {
                let row = t * d.r + b;
                for c in 0..d.d {
                    x[row * d.d + c] = img[t * d.d + c] as f32;
                }
                for k in 0..d.l {
                    e[row * d.l + k] = eb[t * d.l + k] as f32;
                }
                w[row] = scale;
                stats[row * 4 + 3] = scale;
            }
        }
        let q = &self.gpu.queue;
        for (buf, data) in [(&self.buffers.x, &x), (&self.buffers.eps, &e), (&self.buffers.w, &w)] {
            q.write_buffer(&buf.buf, 0, bytemuck::cast_slice(data));
        }
        q.write_buffer(&self.buffers.row_stats.buf, 0, bytemuck::cast_slice(&stats));
        let record = VrnnStep { scale, rows: rows as u32, ..Default::default() };
        self.ring.write(&self.gpu, &[record.as_step()]);
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            for dispatch in &self.gradient_pass {
                dispatch.record(&mut pass, 0);
            }
        }
        self.gpu.queue.submit([encoder.finish()]);
        let record = self.gpu.read_f32(&self.metrics, 0, record_len(d.t)).await?;
        let grad = self.gpu.read_f32(&self.grads, 0, self.gm.layout.len).await?;
        Ok((self.parse_record(&record).0, self.gm.layout.unpack(&grad)))
    }
}
