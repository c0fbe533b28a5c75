//! Reading and writing the model's state: weights, Adam's moments, gradients, and the step the
//! schedules continue from (snapshots, restores, weights files).

use super::Trainer;
use crate::error::{Result, VaeError};

impl Trainer {
    /// Copies the weights back to the CPU (flat layout of `arch`).
    pub async fn read_parameters(&self) -> Result<Vec<f32>> {
        self.gpu.read_f32(&self.params.params, 0, self.params.len).await
    }

    /// Parameters and both Adam moments, concatenated: enough to continue a run exactly.
    pub async fn read_state(&self) -> Result<Vec<f32>> {
        let mut state = self.gpu.read_f32(&self.params.params, 0, self.params.len).await?;
        state.extend(self.gpu.read_f32(&self.params.m, 0, self.params.len).await?);
        state.extend(self.gpu.read_f32(&self.params.v, 0, self.params.len).await?);
        Ok(state)
    }

    /// Restores `read_state` output (or parameters alone, which resets Adam's moments).
    pub fn write_state(&mut self, state: &[f32]) -> Result<()> {
        let len = self.params.len;
        if state.len() == len {
            return self.write_parameters(state);
        }
        if state.len() != 3 * len {
            return Err(VaeError::Config(format!(
                "a state for this architecture has {len} or {} values, got {}",
                3 * len,
                state.len()
            )));
        }
        for (buffer, part) in [&self.params.params, &self.params.m, &self.params.v].into_iter().zip(state.chunks(len)) {
            self.gpu.queue.write_buffer(buffer, 0, bytemuck::cast_slice(part));
        }
        Ok(())
    }

    /// The gradients of the last completed step (same layout as the parameters).
    pub async fn read_gradients(&self) -> Result<Vec<f32>> {
        self.gpu.read_f32(&self.params.grads, 0, self.params.len).await
    }

    /// Replaces the weights (e.g. loaded from a file) and resets Adam's moments.
    pub fn write_parameters(&mut self, params: &[f32]) -> Result<()> {
        if params.len() != self.params.len {
            return Err(VaeError::Config(format!(
                "expected {} parameters for this architecture, got {}",
                self.params.len,
                params.len()
            )));
        }
        self.gpu.queue.write_buffer(&self.params.params, 0, bytemuck::cast_slice(params));
        let zeros = vec![0u8; params.len() * 4];
        self.gpu.queue.write_buffer(&self.params.m, 0, &zeros);
        self.gpu.queue.write_buffer(&self.params.v, 0, &zeros);
        Ok(())
    }
}
