//! Evaluation on the GPU: the test-set ELBO (as PyTorch examples/vae reports it), the importance-
//! weighted bound log p̂(x) for k up to thousands of samples, active units, and encode/decode.

use crate::error::Result;
use crate::kernels::Dispatch;
use crate::kernels::adam::AdamParams;
use crate::model::PIXELS;
use crate::trainer::Trainer;
use crate::workspace::{Shape, Source, Workspace};

/// Figures of a full pass over the test set, averaged per image.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Evaluation {
    /// recon + KL (the negative 1-sample ELBO).
    pub loss: f64,
    pub recon: f64,
    pub kl: f64,
    /// Latent units with Cov_x(E_q[z_u]) > 0.01 (Burda et al. 2016).
    pub active_units: usize,
    pub images: usize,
}

/// Streaming log-sum-exp in f64 (one per image for the IWAE bound).
#[derive(Clone, Copy, Debug)]
pub struct LogSumExp {
    max: f64,
    sum: f64,
    pub count: u64,
}

impl Default for LogSumExp {
    fn default() -> Self {
        LogSumExp { max: f64::NEG_INFINITY, sum: 0.0, count: 0 }
    }
}

impl LogSumExp {
    pub fn add(&mut self, x: f64) {
        if x > self.max {
            self.sum = self.sum * (self.max - x).exp() + 1.0;
            self.max = x;
        } else {
            self.sum += (x - self.max).exp();
        }
        self.count += 1;
    }

    /// log( (1/count) Σ e^x ).
    pub fn log_mean(&self) -> f64 {
        self.max + self.sum.ln() - (self.count as f64).ln()
    }
}

/// Decoder rows per IWAE pass: images × samples per chunk.
const IWAE_ROWS: u32 = 2048;

fn record_chunks(encoder: &mut wgpu::CommandEncoder, ws: &Workspace, index: u32, dispatches: &[&Dispatch]) {
    let mut pass =
        encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("eval"), timestamp_writes: None });
    for d in dispatches {
        d.record(&mut pass, crate::kernels::step::StepRing::offset_of(index));
    }
    drop(pass);
    let _ = ws;
}

impl Trainer {
    /// The 1-sample test loss over the whole test set, its recon and KL parts, and active units.
    pub async fn evaluate(&mut self) -> Result<Evaluation> {
        let n = self.test_data.n;
        let rows = self.probe_ws.rows;
        let chunks = n.div_ceil(rows);
        let latent = self.arch.latent;
        let stats = self.gpu.storage("eval stats", (chunks * rows) as u64 * 16);
        let mulv = self.gpu.storage("eval mu|logvar", (chunks * rows) as u64 * 8 * latent as u64);
        let scratch_slot = crate::trainer::TEST_SLOTS_SCRATCH;
        let slots = self.probe_ws.steps.slots;
        for group_start in (0..chunks).step_by(slots as usize) {
            let group = (chunks - group_start).min(slots);
            let records: Vec<_> =
                (group_start..group_start + group).map(|c| self.eval_record(c * rows, c, scratch_slot)).collect();
            self.probe_ws.steps.write(&self.gpu, &records);
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            let all: Vec<&Dispatch> = self.probe_ws.all().collect();
            for (i, c) in (group_start..group_start + group).enumerate() {
                record_chunks(&mut encoder, &self.probe_ws, i as u32, &all);
                encoder.copy_buffer_to_buffer(
                    &self.probe_ws.row_stats,
                    0,
                    &stats,
                    (c * rows) as u64 * 16,
                    rows as u64 * 16,
                );
                let mulv_bytes = rows as u64 * 8 * latent as u64;
                encoder.copy_buffer_to_buffer(&self.probe_ws.mulv, 0, &mulv, c as u64 * mulv_bytes, mulv_bytes);
            }
            self.gpu.queue.submit([encoder.finish()]);
        }
        let stats: Vec<f32> = self.gpu.read_f32(&stats, 0, n as usize * 4).await?;
        let mulv: Vec<f32> = self.gpu.read_f32(&mulv, 0, n as usize * 2 * latent).await?;
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
        let images = images.clamp(1, self.test_data.n);
        let k_chunk = k.clamp(1, IWAE_ROWS);
        let img_chunk = (IWAE_ROWS / k_chunk).clamp(1, images);
        let key = self.iwae_workspace(img_chunk, k_chunk);
        let ws = &self.iwae_ws[&key];
        let out_rows = (img_chunk * k_chunk) as u64;
        let sample_chunks = k.div_ceil(k_chunk);
        let mut bounds = vec![LogSumExp::default(); images as usize];
        let all: Vec<&Dispatch> = ws.all().collect();
        let slots = ws.steps.slots;
        // Every (image chunk, sample chunk) pass gets its own noise counter.
        let passes: Vec<(u32, u32)> =
            (0..images.div_ceil(img_chunk)).flat_map(|ic| (0..sample_chunks).map(move |sc| (ic, sc))).collect();
        for group in passes.chunks(slots as usize) {
            let records: Vec<_> = group
                .iter()
                .map(|&(ic, sc)| self.eval_record(ic * img_chunk, 1_000_000 + ic * sample_chunks + sc, 0))
                .collect();
            ws.steps.write_shared(&self.gpu, &records);
            let results = self.gpu.storage("iwae log w", group.len() as u64 * out_rows * 16);
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            for (i, _) in group.iter().enumerate() {
                record_chunks(&mut encoder, ws, i as u32, &all);
                encoder.copy_buffer_to_buffer(&ws.row_stats, 0, &results, i as u64 * out_rows * 16, out_rows * 16);
            }
            self.gpu.queue.submit([encoder.finish()]);
            let stats = self.gpu.read_f32(&results, 0, group.len() * out_rows as usize * 4).await?;
            for (i, &(ic, sc)) in group.iter().enumerate() {
                for r in 0..out_rows as u32 {
                    let image = ic * img_chunk + r / k_chunk;
                    let sample = sc * k_chunk + r % k_chunk;
                    if image >= images || sample >= k {
                        continue;
                    }
                    let at = (i * out_rows as usize + r as usize) * 4;
                    let log_w = -(stats[at] as f64) + stats[at + 2] as f64;
                    bounds[image as usize].add(log_w);
                }
            }
        }
        Ok(-bounds.iter().map(LogSumExp::log_mean).sum::<f64>() / images as f64)
    }

    /// The (cached) workspace that decodes `k_chunk` samples for each of `images` test images.
    fn iwae_workspace(&mut self, images: u32, k_chunk: u32) -> (u32, u32) {
        let key = (images, k_chunk);
        if !self.iwae_ws.contains_key(&key) {
            let binarize = self.config.binarize == crate::config::Binarize::Dynamic;
            let ws = Workspace::new(
                &self.gpu,
                &self.kernels,
                &self.arch,
                &self.params,
                Source::Dataset { data: &self.test_data, shuffle: false, binarize },
                Shape { rows: images, rep: k_chunk, training: false, metrics: None, iwae: false },
                AdamParams::default(),
            );
            self.iwae_ws.insert(key, ws);
        }
        key
    }

    /// Log importance weights of `k` samples for test image `image`. With the posterior as proposal,
    /// log w = log p(x|z) + log p(z) − log q(z|x), z ~ q(z|x) (their log-mean-exp is the IWAE bound,
    /// their mean the ELBO); with the prior, z ~ N(0, I) and log w = log p(x|z) (the naive
    /// Monte Carlo estimate of p(x) = E_p(z)[p(x|z)]). `seed` picks the draws.
    pub async fn log_weights(&mut self, image: u32, k: u32, from_prior: bool, seed: u32) -> Result<Vec<f32>> {
        let image = image.min(self.test_data.n - 1);
        let k_chunk = k.clamp(1, IWAE_ROWS);
        let key = self.iwae_workspace(1, k_chunk);
        let ws = &self.iwae_ws[&key];
        let chunks = k.div_ceil(k_chunk);
        let rows = k_chunk as u64;
        let mut out = Vec::with_capacity(k as usize);
        // The prior is q with μ = 0 and logvar = 0: the sampling kernel then draws z = ε and its
        // log p(z) − log q(z) column is exactly 0, so log w = −recon either way.
        let mut dispatches: Vec<&Dispatch> = ws.gather.iter().collect();
        if !from_prior {
            dispatches.extend(ws.encoder.iter());
        }
        let tail: Vec<&Dispatch> =
            std::iter::once(&ws.sample).chain(ws.decoder.iter()).chain(std::iter::once(&ws.loss)).collect();
        for group in (0..chunks).collect::<Vec<_>>().chunks(ws.steps.slots as usize) {
            let records: Vec<_> = group
                .iter()
                .map(|&c| self.eval_record(image, seed.wrapping_mul(0x9E37_79B9) ^ (0x4000_0000 | c), 0))
                .collect();
            ws.steps.write_shared(&self.gpu, &records);
            let results = self.gpu.storage("log weights", group.len() as u64 * rows * 16);
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            for i in 0..group.len() {
                record_chunks(&mut encoder, ws, i as u32, &dispatches);
                if from_prior {
                    encoder.clear_buffer(&ws.mulv, 0, None);
                }
                record_chunks(&mut encoder, ws, i as u32, &tail);
                encoder.copy_buffer_to_buffer(&ws.row_stats, 0, &results, i as u64 * rows * 16, rows * 16);
            }
            self.gpu.queue.submit([encoder.finish()]);
            let stats = self.gpu.read_f32(&results, 0, group.len() * rows as usize * 4).await?;
            out.extend(stats.chunks_exact(4).map(|r| r[2] - r[0]));
        }
        out.truncate(k as usize);
        Ok(out)
    }

    fn host_workspace(&mut self, rows: usize) -> u32 {
        let capacity = (rows as u32).next_power_of_two().clamp(16, 1024);
        if !self.host_ws.contains_key(&capacity) {
            let ws = Workspace::new(
                &self.gpu,
                &self.kernels,
                &self.arch,
                &self.params,
                Source::Host,
                Shape { rows: capacity, rep: 1, training: false, metrics: None, iwae: false },
                AdamParams::default(),
            );
            self.host_ws.insert(capacity, ws);
        }
        capacity
    }

    /// Decodes latent points `z` ([n, latent]) to pixel probabilities σ(logits) ([n, 784]).
    /// `labels` (one per point) are required by a conditional model and ignored otherwise.
    pub async fn decode(&mut self, z: &[f32], labels: Option<&[u8]>) -> Result<Vec<f32>> {
        let latent = self.arch.latent;
        let n = z.len() / latent;
        let mut out = Vec::with_capacity(n * PIXELS);
        for start in (0..n).step_by(1024) {
            let count = (n - start).min(1024);
            let cap = self.host_workspace(count);
            let ws = &self.host_ws[&cap];
            let width = self.arch.dec_input;
            let mut rows = vec![0f32; cap as usize * width];
            for r in 0..count {
                rows[r * width..r * width + latent].copy_from_slice(&z[(start + r) * latent..(start + r + 1) * latent]);
                if self.arch.conditional {
                    let label = labels.and_then(|l| l.get(start + r)).copied().unwrap_or(0) as usize;
                    rows[r * width + latent + label.min(9)] = 1.0;
                }
            }
            self.gpu.queue.write_buffer(&ws.z, 0, bytemuck::cast_slice(&rows));
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            let dispatches: Vec<&Dispatch> = ws.decoder.iter().collect();
            record_chunks(&mut encoder, ws, 0, &dispatches);
            self.gpu.queue.submit([encoder.finish()]);
            let logits = self.gpu.read_f32(&ws.logits, 0, count * PIXELS).await?;
            out.extend(logits.iter().map(|&l| 1.0 / (1.0 + (-l).exp())));
        }
        Ok(out)
    }

    /// Encodes images given as pixels in [0, 1] ([n, 784]) to (μ, logvar) rows ([n, 2·latent]).
    pub async fn encode(&mut self, x: &[f32], labels: Option<&[u8]>) -> Result<Vec<f32>> {
        let n = x.len() / PIXELS;
        let width = self.arch.enc_input;
        let two_l = 2 * self.arch.latent;
        let mut out = Vec::with_capacity(n * two_l);
        for start in (0..n).step_by(1024) {
            let count = (n - start).min(1024);
            let cap = self.host_workspace(count);
            let ws = &self.host_ws[&cap];
            let mut rows = vec![0f32; cap as usize * width];
            for r in 0..count {
                rows[r * width..r * width + PIXELS].copy_from_slice(&x[(start + r) * PIXELS..(start + r + 1) * PIXELS]);
                if self.arch.conditional {
                    let label = labels.and_then(|l| l.get(start + r)).copied().unwrap_or(0) as usize;
                    rows[r * width + PIXELS + label.min(9)] = 1.0;
                }
            }
            self.gpu.queue.write_buffer(&ws.x, 0, bytemuck::cast_slice(&rows));
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            let dispatches: Vec<&Dispatch> = ws.encoder.iter().collect();
            record_chunks(&mut encoder, ws, 0, &dispatches);
            self.gpu.queue.submit([encoder.finish()]);
            out.extend(self.gpu.read_f32(&ws.mulv, 0, count * two_l).await?);
        }
        Ok(out)
    }

    /// Posterior (μ, logvar) rows of test images offset..offset+count, read from the GPU-resident
    /// test set (nothing is uploaded).
    pub async fn encode_test_range(&mut self, offset: u32, count: u32) -> Result<Vec<f32>> {
        let n = self.test_data.n;
        let count = count.min(n.saturating_sub(offset));
        let rows = self.probe_ws.rows;
        let two_l = (2 * self.arch.latent) as u64;
        let chunks = count.div_ceil(rows);
        if chunks == 0 {
            return Ok(Vec::new());
        }
        let out = self.gpu.storage("encoded", chunks as u64 * rows as u64 * two_l * 4);
        let slots = self.probe_ws.steps.slots;
        let scratch = crate::trainer::TEST_SLOTS_SCRATCH;
        for group_start in (0..chunks).step_by(slots as usize) {
            let group = (chunks - group_start).min(slots);
            let records: Vec<_> =
                (group_start..group_start + group).map(|c| self.eval_record(offset + c * rows, c, scratch)).collect();
            self.probe_ws.steps.write(&self.gpu, &records);
            let dispatches: Vec<&Dispatch> = self.probe_ws.gather.iter().chain(self.probe_ws.encoder.iter()).collect();
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            for (i, c) in (group_start..group_start + group).enumerate() {
                record_chunks(&mut encoder, &self.probe_ws, i as u32, &dispatches);
                let bytes = rows as u64 * two_l * 4;
                encoder.copy_buffer_to_buffer(&self.probe_ws.mulv, 0, &out, c as u64 * bytes, bytes);
            }
            self.gpu.queue.submit([encoder.finish()]);
        }
        self.gpu.read_f32(&out, 0, count as usize * two_l as usize).await
    }

    /// Test images `indices` as pixels in [0, 1] with their labels (for reconstructions).
    pub fn test_images(&self, indices: &[usize]) -> (Vec<f32>, Vec<u8>) {
        let d = &self.test_cpu;
        let mut x = Vec::with_capacity(indices.len() * PIXELS);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            let i = i.min(d.n - 1);
            x.extend(d.images[i * PIXELS..(i + 1) * PIXELS].iter().map(|&p| p as f32 / 255.0));
            labels.push(d.labels[i]);
        }
        (x, labels)
    }

    /// Reconstructions σ(dec(μ(x))) of test images `indices`, using the posterior mean.
    pub async fn reconstruct(&mut self, indices: &[usize]) -> Result<Vec<f32>> {
        let (x, labels) = self.test_images(indices);
        let mulv = self.encode(&x, Some(&labels)).await?;
        let latent = self.arch.latent;
        let mu: Vec<f32> = mulv.chunks_exact(2 * latent).flat_map(|r| r[..latent].to_vec()).collect();
        self.decode(&mu, Some(&labels)).await
    }
}

/// Units whose posterior mean varies across inputs: Cov_x(E_q[z_u]) > threshold.
pub fn active_units(mulv: &[f32], latent: usize, threshold: f64) -> usize {
    let n = mulv.len() / (2 * latent);
    if n < 2 {
        return 0;
    }
    (0..latent)
        .filter(|&u| {
            let values = (0..n).map(|i| mulv[i * 2 * latent + u] as f64);
            let mean = values.clone().sum::<f64>() / n as f64;
            let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            var > threshold
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_sum_exp_matches_direct() {
        let xs = [-1000.0, -1001.5, -999.25, -1003.0];
        let mut acc = LogSumExp::default();
        xs.iter().for_each(|&x| acc.add(x));
        let m = -999.25f64;
        let direct = m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln() - (xs.len() as f64).ln();
        assert!((acc.log_mean() - direct).abs() < 1e-12);
    }

    #[test]
    fn active_units_counts_varying_means() {
        // latent 2: unit 0 varies (±1), unit 1 is constant.
        let mulv = [1.0, 0.5, 0.0, 0.0, -1.0, 0.5, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0];
        assert_eq!(active_units(&mulv, 2, 0.01), 1);
    }
}
