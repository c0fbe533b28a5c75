//! Diagnostics of the training step: the spread of the gradient over draws of ε (lesson 5) and
//! the time of each dispatch of one step (profiles for BENCHMARKS.md).

use super::Trainer;
use crate::error::Result;
use crate::kernels::step::StepUniform;
pub use crate::measures::GradientStats;
use crate::workspace::Workspace;

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
        Ok(GradientStats::of(&self.arch, &draws, repeats))
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
