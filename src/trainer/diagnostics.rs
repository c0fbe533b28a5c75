//! Diagnostics of the training step: the spread of the gradient over draws of ε (lesson 5) and
//! the time of each dispatch of one step (profiles for BENCHMARKS.md).

use serde::Serialize;

use super::Trainer;
use crate::error::Result;
use crate::kernels::step::StepUniform;
use crate::workspace::Workspace;

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
