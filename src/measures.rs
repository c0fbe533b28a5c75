//! Figures of an evaluation: the test-set averages, the streaming log-sum-exp of the importance-
//! weighted bound, and active units. Backend-free: the GPU and CPU evaluations both report these.

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
pub const IWAE_ROWS: u32 = 2048;

/// How far an IWAE evaluation has got, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IwaeProgress {
    pub passes_done: usize,
    pub passes: usize,
    /// Images whose k samples are all in (they come in image-chunk order).
    pub images_done: u32,
    /// −(1/n)Σ log p̂(x) over those images, in nats (NaN before the first chunk is complete).
    pub nll_so_far: f64,
}

/// The passes of an IWAE evaluation, as both backends run them: image chunks outer, sample
/// chunks inner, each pass `img_chunk` images × `k_chunk` samples with its own noise counter
/// (the record of `record`), and the f64 log-sum-exp per image of log w = −recon + row[2].
pub struct IwaePlan {
    pub k: u32,
    pub images: u32,
    pub k_chunk: u32,
    pub img_chunk: u32,
    pub sample_chunks: u32,
    /// (image chunk, sample chunk) of every pass, in order.
    pub passes: Vec<(u32, u32)>,
    bounds: Vec<LogSumExp>,
    done: usize,
    images_done: u32,
    sum_done: f64,
}

impl IwaePlan {
    /// k samples for each of the first `images` of `n_test` test images.
    pub fn new(k: u32, images: u32, n_test: u32) -> Self {
        let images = images.clamp(1, n_test.max(1));
        let k = k.max(1);
        let k_chunk = k.min(IWAE_ROWS);
        let img_chunk = (IWAE_ROWS / k_chunk).clamp(1, images);
        let sample_chunks = k.div_ceil(k_chunk);
        let passes =
            (0..images.div_ceil(img_chunk)).flat_map(|ic| (0..sample_chunks).map(move |sc| (ic, sc))).collect();
        let bounds = vec![LogSumExp::default(); images as usize];
        IwaePlan {
            k,
            images,
            k_chunk,
            img_chunk,
            sample_chunks,
            passes,
            bounds,
            done: 0,
            images_done: 0,
            sum_done: 0.0,
        }
    }

    /// The record of pass (ic, sc). The test images' dynamic binarization is keyed by the seed
    /// and the image alone (not the counter), so every sample and pass sees the same binary image.
    pub fn record(&self, seed: u32, (ic, sc): (u32, u32)) -> crate::kernels::step::StepUniform {
        crate::schedule::eval_record(seed, ic * self.img_chunk, 1_000_000 + ic * self.sample_chunks + sc, 0)
    }

    /// Takes the row stats (4 floats per row, image-major) of the next pass.
    pub fn add_pass(&mut self, stats: &[f32]) -> IwaeProgress {
        let (ic, sc) = self.passes[self.done];
        for (r, row) in stats.chunks_exact(4).take((self.img_chunk * self.k_chunk) as usize).enumerate() {
            let (image, sample) =
                (ic * self.img_chunk + r as u32 / self.k_chunk, sc * self.k_chunk + r as u32 % self.k_chunk);
            if image < self.images && sample < self.k {
                self.bounds[image as usize].add(-(row[0] as f64) + row[2] as f64);
            }
        }
        self.done += 1;
        if sc + 1 == self.sample_chunks {
            let end = ((ic + 1) * self.img_chunk).min(self.images);
            self.sum_done +=
                self.bounds[self.images_done as usize..end as usize].iter().map(LogSumExp::log_mean).sum::<f64>();
            self.images_done = end;
        }
        IwaeProgress {
            passes_done: self.done,
            passes: self.passes.len(),
            images_done: self.images_done,
            nll_so_far: -self.sum_done / self.images_done as f64,
        }
    }

    /// −(1/N)Σ log p̂(x) over all the images (every pass taken).
    pub fn nll(&self) -> f64 {
        debug_assert_eq!(self.done, self.passes.len(), "passes missing");
        -self.bounds.iter().map(LogSumExp::log_mean).sum::<f64>() / self.images as f64
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

/// How much the gradient estimate varies with the noise ε (lesson 5: why one sample is enough),
/// per parameter over repeated draws on one fixed batch, averaged over the encoder's and the
/// decoder's parameters.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GradientStats {
    pub repeats: u32,
    /// Mean over encoder parameters of Var_ε[g].
    pub encoder_variance: f64,
    /// Mean over encoder parameters of (E_ε[g])².
    pub encoder_mean_sq: f64,
    pub decoder_variance: f64,
    pub decoder_mean_sq: f64,
}

impl GradientStats {
    /// Summarises `draws`: `repeats` gradients of all of `arch`'s parameters, one after another.
    pub fn of(arch: &crate::model::Architecture, draws: &[f32], repeats: u32) -> Self {
        let len = draws.len() / repeats as usize;
        let spread = |prefix: &str| {
            let (mut var, mut mean_sq, mut count) = (0f64, 0f64, 0usize);
            for layer in arch.layers.iter().filter(|l| l.name.starts_with(prefix)) {
                for i in layer.offset..layer.offset + layer.len() {
                    let values = (0..repeats as usize).map(|r| draws[r * len + i] as f64);
                    let mean = values.clone().sum::<f64>() / repeats as f64;
                    var += values.map(|v| (v - mean).powi(2)).sum::<f64>() / (repeats - 1) as f64;
                    mean_sq += mean * mean;
                    count += 1;
                }
            }
            (var / count as f64, mean_sq / count as f64)
        };
        let (encoder_variance, encoder_mean_sq) = spread("enc");
        let (decoder_variance, decoder_mean_sq) = spread("dec");
        GradientStats { repeats, encoder_variance, encoder_mean_sq, decoder_variance, decoder_mean_sq }
    }
}
