//! Latent-space evaluation: importance weights of one image, decoding points, encoding images
//! and test ranges, reconstructions — what the page's latent views and lessons draw.

use super::{Eval, IWAE_ROWS, eval_record, record_chunks};
use crate::error::Result;
use crate::kernels::Dispatch;
use crate::model::PIXELS;
use crate::workspace::Source;

impl Eval<'_> {
    /// Log importance weights of `k` samples for test image `image`. With the posterior as proposal,
    /// log w = log p(x|z) + log p(z) − log q(z|x), z ~ q(z|x) (their log-mean-exp is the IWAE bound,
    /// their mean the ELBO); with the prior, z ~ N(0, I) and log w = log p(x|z) (the naive
    /// Monte Carlo estimate of p(x) = E_p(z)[p(x|z)]). `seed` picks the draws.
    pub async fn log_weights(&mut self, image: u32, k: u32, from_prior: bool, seed: u32) -> Result<Vec<f32>> {
        let image = image.min(self.m.test.n - 1);
        let k_chunk = k.clamp(1, IWAE_ROWS);
        let key = self.iwae_workspace(1, k_chunk);
        let ws = &self.ws.iwae_ws[&key];
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
                .map(|&c| eval_record(self.m.config.seed, image, seed.wrapping_mul(0x9E37_79B9) ^ (0x4000_0000 | c), 0))
                .collect();
            ws.steps.write_shared(self.m.gpu, &records);
            let results = self.m.gpu.storage("log weights", group.len() as u64 * rows * 16);
            let mut encoder = self.m.gpu.device.create_command_encoder(&Default::default());
            for i in 0..group.len() {
                record_chunks(&mut encoder, ws, i as u32, &dispatches);
                if from_prior {
                    encoder.clear_buffer(&ws.mulv, 0, None);
                }
                record_chunks(&mut encoder, ws, i as u32, &tail);
                encoder.copy_buffer_to_buffer(&ws.row_stats, 0, &results, i as u64 * rows * 16, rows * 16);
            }
            self.m.gpu.queue.submit([encoder.finish()]);
            let stats = self.m.gpu.read_f32(&results, 0, group.len() * rows as usize * 4).await?;
            out.extend(stats.chunks_exact(4).map(|r| r[2] - r[0]));
        }
        out.truncate(k as usize);
        Ok(out)
    }

    fn host_workspace(&mut self, rows: usize) -> u32 {
        let capacity = (rows as u32).next_power_of_two().clamp(16, 1024);
        if !self.ws.host_ws.contains_key(&capacity) {
            let ws = self.workspace(Source::Host, capacity, 1);
            self.ws.host_ws.insert(capacity, ws);
        }
        capacity
    }

    /// Decodes latent points `z` ([n, latent]) to pixel probabilities σ(logits) ([n, 784]).
    /// `labels` (one per point) are required by a conditional model and ignored otherwise.
    pub async fn decode(&mut self, z: &[f32], labels: Option<&[u8]>) -> Result<Vec<f32>> {
        let latent = self.m.arch.latent;
        let n = z.len() / latent;
        let mut out = Vec::with_capacity(n * PIXELS);
        for start in (0..n).step_by(1024) {
            let count = (n - start).min(1024);
            let cap = self.host_workspace(count);
            let ws = &self.ws.host_ws[&cap];
            let width = self.m.arch.dec_input;
            let mut rows = vec![0f32; cap as usize * width];
            for r in 0..count {
                rows[r * width..r * width + latent].copy_from_slice(&z[(start + r) * latent..(start + r + 1) * latent]);
                if self.m.arch.conditional {
                    let label = labels.and_then(|l| l.get(start + r)).copied().unwrap_or(0) as usize;
                    rows[r * width + latent + label.min(9)] = 1.0;
                }
            }
            self.m.gpu.queue.write_buffer(&ws.z, 0, bytemuck::cast_slice(&rows));
            let mut encoder = self.m.gpu.device.create_command_encoder(&Default::default());
            let dispatches: Vec<&Dispatch> = ws.decoder.iter().collect();
            record_chunks(&mut encoder, ws, 0, &dispatches);
            self.m.gpu.queue.submit([encoder.finish()]);
            let logits = self.m.gpu.read_f32(&ws.logits, 0, count * PIXELS).await?;
            out.extend(logits.iter().map(|&l| 1.0 / (1.0 + (-l).exp())));
        }
        Ok(out)
    }

    /// Encodes images given as pixels in [0, 1] ([n, 784]) to (μ, logvar) rows ([n, 2·latent]).
    pub async fn encode(&mut self, x: &[f32], labels: Option<&[u8]>) -> Result<Vec<f32>> {
        let n = x.len() / PIXELS;
        let width = self.m.arch.enc_input;
        let two_l = 2 * self.m.arch.latent;
        let mut out = Vec::with_capacity(n * two_l);
        for start in (0..n).step_by(1024) {
            let count = (n - start).min(1024);
            let cap = self.host_workspace(count);
            let ws = &self.ws.host_ws[&cap];
            let mut rows = vec![0f32; cap as usize * width];
            for r in 0..count {
                rows[r * width..r * width + PIXELS].copy_from_slice(&x[(start + r) * PIXELS..(start + r + 1) * PIXELS]);
                if self.m.arch.conditional {
                    let label = labels.and_then(|l| l.get(start + r)).copied().unwrap_or(0) as usize;
                    rows[r * width + PIXELS + label.min(9)] = 1.0;
                }
            }
            self.m.gpu.queue.write_buffer(&ws.x, 0, bytemuck::cast_slice(&rows));
            let mut encoder = self.m.gpu.device.create_command_encoder(&Default::default());
            let dispatches: Vec<&Dispatch> = ws.encoder.iter().collect();
            record_chunks(&mut encoder, ws, 0, &dispatches);
            self.m.gpu.queue.submit([encoder.finish()]);
            out.extend(self.m.gpu.read_f32(&ws.mulv, 0, count * two_l).await?);
        }
        Ok(out)
    }

    /// Posterior (μ, logvar) rows of test images offset..offset+count, read from the GPU-resident
    /// test set (nothing is uploaded).
    pub async fn encode_test_range(&mut self, offset: u32, count: u32) -> Result<Vec<f32>> {
        let n = self.m.test.n;
        let count = count.min(n.saturating_sub(offset));
        self.ensure_chunk_ws();
        let ws = self.ws.chunk_ws.as_ref().expect("just built");
        let rows = ws.rows;
        let two_l = (2 * self.m.arch.latent) as u64;
        let chunks = count.div_ceil(rows);
        if chunks == 0 {
            return Ok(Vec::new());
        }
        let out = self.m.gpu.storage("encoded", chunks as u64 * rows as u64 * two_l * 4);
        let slots = ws.steps.slots;
        for group_start in (0..chunks).step_by(slots as usize) {
            let group = (chunks - group_start).min(slots);
            let records: Vec<_> = (group_start..group_start + group)
                .map(|c| eval_record(self.m.config.seed, offset + c * rows, c, 0))
                .collect();
            ws.steps.write_shared(self.m.gpu, &records);
            let dispatches: Vec<&Dispatch> = ws.gather.iter().chain(ws.encoder.iter()).collect();
            let mut encoder = self.m.gpu.device.create_command_encoder(&Default::default());
            for (i, c) in (group_start..group_start + group).enumerate() {
                record_chunks(&mut encoder, ws, i as u32, &dispatches);
                let bytes = rows as u64 * two_l * 4;
                encoder.copy_buffer_to_buffer(&ws.mulv, 0, &out, c as u64 * bytes, bytes);
            }
            self.m.gpu.queue.submit([encoder.finish()]);
        }
        self.m.gpu.read_f32(&out, 0, count as usize * two_l as usize).await
    }

    /// Test images `indices` as pixels in [0, 1] with their labels (for reconstructions).
    pub fn test_images(&self, indices: &[usize]) -> (Vec<f32>, Vec<u8>) {
        let d = &self.m.test_cpu;
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
        let latent = self.m.arch.latent;
        let mu: Vec<f32> = mulv.chunks_exact(2 * latent).flat_map(|r| r[..latent].to_vec()).collect();
        self.decode(&mu, Some(&labels)).await
    }
}
