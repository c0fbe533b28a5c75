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
