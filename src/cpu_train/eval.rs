//! Evaluation on the CPU backend, with the GPU evaluation's records and figures: the test-set ELBO,
//! the importance-weighted bound, and encode/decode/reconstruct for the latent views.

use super::coordinator::run_pass;
use super::shard::{Shard, ShardShape, forward};
use crate::config::{Binarize, ModelConfig};
use crate::cpu::UNITS;
use crate::data::Dataset;
use crate::measures::{Evaluation, IWAE_ROWS, IwaePlan, IwaeProgress, active_units};
use crate::model::{Architecture, PIXELS};
use crate::schedule::{TEST_CHUNK, eval_record};

/// An evaluation of one model (`CpuTrainer::eval()` hands one out).
pub struct CpuEval<'a> {
    pub config: &'a ModelConfig,
    pub arch: &'a Architecture,
    pub params: &'a [f32],
    pub test: &'a Dataset,
    pub workers: usize,
}

impl CpuEval<'_> {
    /// `workers` evaluation shards splitting `rows` input rows, each with `rep` samples per row.
    fn shards(&self, rows: usize, rep: usize) -> Vec<Shard> {
        let w = self.workers.min(rows).max(1);
        (0..w)
            .map(|i| {
                let shape = ShardShape {
                    batch_rows: (i + 1) * rows / w - i * rows / w,
                    rep,
                    units: 0..UNITS,
                    training: false,
                    iwae: false,
                    binarize: self.config.binarize == Binarize::Dynamic,
                    shuffle: false,
                };
                Shard::new(self.arch, shape)
            })
            .collect()
    }

    /// The 1-sample test loss over the whole test set, its parts, and active units.
    pub fn evaluate(&self) -> Evaluation {
        let n = self.test.n;
        let rows = (TEST_CHUNK as usize).min(n);
        let mut shards = self.shards(rows, 1);
        let (mut recon, mut kl) = (0f64, 0f64);
        let mut mulv = Vec::with_capacity(n * 2 * self.arch.latent);
        for c in 0..n.div_ceil(rows) {
            run_pass(
                &mut shards,
                self.test,
                self.params,
                eval_record(self.config.seed, (c * rows) as u32, c as u32, 0),
            );
            let valid = rows.min(n - c * rows);
            let mut seen = 0;
            for s in &shards {
                let take = s.rows.min(valid - seen.min(valid));
                for row in s.row_stats.chunks_exact(4).take(take) {
                    recon += row[0] as f64;
                    kl += row[1] as f64;
                }
                mulv.extend_from_slice(&s.mulv[..take * 2 * self.arch.latent]);
                seen += take;
            }
        }
        let count = n as f64;
        Evaluation {
            loss: (recon + kl) / count,
            recon: recon / count,
            kl: kl / count,
            active_units: active_units(&mulv, self.arch.latent, 0.01),
            images: n,
        }
    }

    /// −(1/N)Σ log p̂(x) over k importance samples for the first `images` test images, with the
    /// GPU evaluation's passes and noise counters (`IwaePlan`); `progress` after each pass.
    pub fn iwae_nll(&self, k: u32, images: u32, progress: &mut dyn FnMut(IwaeProgress)) -> f64 {
        let mut plan = IwaePlan::new(k, images, self.test.n as u32);
        let mut shards = self.shards(plan.img_chunk as usize, plan.k_chunk as usize);
        for pass in plan.passes.clone() {
            run_pass(&mut shards, self.test, self.params, plan.record(self.config.seed, pass));
            let stats: Vec<f32> = shards.iter().flat_map(|s| s.row_stats.iter().copied()).collect();
            progress(plan.add_pass(&stats));
        }
        plan.nll()
    }

    /// Log importance weights of `k` samples for test image `image`, as the GPU evaluation draws
    /// them: z ~ q(z|x) with log w = log p(x|z) + log p(z) − log q(z|x), or with `from_prior`
    /// z ~ N(0, I) and log w = log p(x|z). `seed` picks the draws.
    pub fn log_weights(&self, image: u32, k: u32, from_prior: bool, seed: u32) -> Vec<f32> {
        let image = image.min(self.test.n as u32 - 1);
        let k_chunk = k.clamp(1, IWAE_ROWS);
        let mut shards = self.shards(1, k_chunk as usize);
        shards[0].from_prior = from_prior;
        let mut out = Vec::with_capacity(k as usize);
        for c in 0..k.div_ceil(k_chunk) {
            let counter = seed.wrapping_mul(0x9E37_79B9) ^ (0x4000_0000 | c);
            run_pass(&mut shards, self.test, self.params, eval_record(self.config.seed, image, counter, 0));
            out.extend(shards[0].row_stats.chunks_exact(4).map(|r| r[2] - r[0]));
        }
        out.truncate(k as usize);
        out
    }

    /// Rows of `width` floats from `n` values of `values` each, with a label one-hot at `at`.
    fn rows(&self, values: &[f32], width: usize, n: usize, labels: Option<&[u8]>) -> Vec<f32> {
        let count = values.len() / n;
        let mut rows = vec![0f32; count * width];
        for r in 0..count {
            rows[r * width..r * width + n].copy_from_slice(&values[r * n..(r + 1) * n]);
            if self.arch.conditional {
                let label = labels.and_then(|l| l.get(r)).copied().unwrap_or(0) as usize;
                rows[r * width + n + label.min(9)] = 1.0;
            }
        }
        rows
    }

    /// Latent points `z` ([n, latent]) to pixel probabilities σ(logits) ([n, 784]).
    pub fn decode(&self, z: &[f32], labels: Option<&[u8]>) -> Vec<f32> {
        let arch = self.arch;
        let mut act = self.rows(z, arch.dec_input, arch.latent, labels);
        let n = act.len() / arch.dec_input;
        for layer in arch.decoder().iter().chain(std::iter::once(arch.output())) {
            let mut out = vec![0f32; n * layer.outputs];
            forward(self.params, layer, n, &act, layer.inputs, &mut out);
            act = out;
        }
        act.iter().map(|&l| 1.0 / (1.0 + (-l).exp())).collect()
    }

    /// Images as pixels in [0, 1] ([n, 784]) to (μ, logvar) rows ([n, 2·latent]).
    pub fn encode(&self, x: &[f32], labels: Option<&[u8]>) -> Vec<f32> {
        let arch = self.arch;
        let mut act = self.rows(x, arch.enc_input, PIXELS, labels);
        let n = act.len() / arch.enc_input;
        for layer in arch.encoder().iter().chain(std::iter::once(arch.head())) {
            let mut out = vec![0f32; n * layer.outputs];
            forward(self.params, layer, n, &act, layer.inputs, &mut out);
            act = out;
        }
        act
    }

    /// Test images `indices` as pixels in [0, 1] with their labels.
    pub fn test_images(&self, indices: &[usize]) -> (Vec<f32>, Vec<u8>) {
        let d = self.test;
        let mut x = Vec::with_capacity(indices.len() * PIXELS);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            let i = i.min(d.n - 1);
            x.extend(d.image(i).iter().map(|&p| p as f32 / 255.0));
            labels.push(d.labels[i]);
        }
        (x, labels)
    }

    /// Posterior (μ, logvar) rows of test images offset..offset+count.
    pub fn encode_test_range(&self, offset: u32, count: u32) -> Vec<f32> {
        let end = (offset + count).min(self.test.n as u32);
        let indices: Vec<usize> = (offset as usize..end as usize).collect();
        let (x, labels) = self.test_images(&indices);
        self.encode(&x, Some(&labels))
    }

    /// Reconstructions σ(dec(μ(x))) of test images `indices`.
    pub fn reconstruct(&self, indices: &[usize]) -> Vec<f32> {
        let (x, labels) = self.test_images(indices);
        let mulv = self.encode(&x, Some(&labels));
        let latent = self.arch.latent;
        let mu: Vec<f32> = mulv.chunks_exact(2 * latent).flat_map(|r| r[..latent].to_vec()).collect();
        self.decode(&mu, Some(&labels))
    }
}
