//! The GPU latent ODE's shapes and host-side data: the padded parameter layout (the f64 model's flat
//! order with every tensor moved to a 64-float boundary, so each can be bound) and one step's inputs.

use std::ops::Range;

use crate::seq::latent_ode::{LatentOde, OdeConfig, Window};
use crate::seq::spirals::{DT, OBS_LAST, grid_time};
use crate::{Result, VaeError};

/// Floats per 256 bytes: storage bindings must start at a multiple of the device's offset alignment.
pub const ALIGN: usize = 64;

pub fn align(n: usize) -> usize {
    n.next_multiple_of(ALIGN)
}

/// Sizes of one batched step. Every per-time block holds `stride` rows (the batch padded to 64), so
/// each block starts aligned; rows ≥ `batch` are never written and stay zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OdeShape {
    pub config: OdeConfig,
    pub batch: usize,
    pub stride: usize,
    /// GRU steps: the most observed points a window may have.
    pub enc_steps: usize,
    /// Grid intervals the solver covers: the longest window (last point − g0).
    pub intervals: usize,
}

impl OdeShape {
    /// The training windows' bounds: up to OBS_LAST + 1 points over OBS_LAST intervals.
    pub fn new(config: OdeConfig, batch: usize) -> Result<Self> {
        Self::with_horizon(config, batch, OBS_LAST + 1, OBS_LAST)
    }

    pub fn with_horizon(config: OdeConfig, batch: usize, enc_steps: usize, intervals: usize) -> Result<Self> {
        if batch == 0 || enc_steps == 0 || config.substeps == 0 {
            return Err(VaeError::Config(format!(
                "a GPU latent ODE step needs a batch, encoder steps and substeps ≥ 1; got {batch}, {enc_steps}, {}",
                config.substeps
            )));
        }
        Ok(OdeShape { config, batch, stride: align(batch), enc_steps, intervals })
    }

    /// Grid points of a path: g0..=g0 + intervals.
    pub fn points(&self) -> usize {
        self.intervals + 1
    }

    /// Field-evaluation slots, laid out [stage 4][substep S][grid point]: the stage-0 inputs of
    /// substep 0 are then the states at the grid points, one contiguous block (the decoder's input).
    pub fn eval_slots(&self) -> usize {
        4 * self.config.substeps * self.points()
    }

    pub fn eval_slot(&self, stage: usize, substep: usize, point: usize) -> usize {
        (stage * self.config.substeps + substep) * self.points() + point
    }

    /// The RK4 step h = 0.1 / substeps.
    pub fn h(&self) -> f32 {
        (DT / self.config.substeps as f64) as f32
    }
}

pub const GRU_W_IH: usize = 0;
pub const GRU_W_HH: usize = 1;
pub const GRU_B_IH: usize = 2;
pub const GRU_B_HH: usize = 3;
pub const HEAD_W: usize = 4;
pub const HEAD_B: usize = 5;
pub const FIELD1_W: usize = 6;
pub const FIELD1_B: usize = 7;
pub const FIELD2_W: usize = 8;
pub const FIELD2_B: usize = 9;
pub const DEC1_W: usize = 10;
pub const DEC1_B: usize = 11;
pub const DEC2_W: usize = 12;
pub const DEC2_B: usize = 13;

/// The f64 model's 14 tensors (LatentOde::tensors, in order) each at a 64-float boundary; the gaps
/// are zero in parameters, gradients and Adam moments alike, so they neither move nor count.
#[derive(Clone, Debug, PartialEq)]
pub struct PaddedParams {
    /// Per tensor: its range in the flat f64 vector and its offset here.
    pub tensors: Vec<(Range<usize>, usize)>,
    pub len: usize,
    pub flat_len: usize,
}

impl PaddedParams {
    pub fn new(model: &LatentOde) -> Self {
        let mut at = 0;
        let tensors = (model.tensors().into_iter())
            .map(|(_, range, _, _)| {
                let offset = at;
                at = align(at + range.len());
                (range, offset)
            })
            .collect();
        PaddedParams { tensors, len: at, flat_len: model.layout.len }
    }

    pub fn offset(&self, tensor: usize) -> usize {
        self.tensors[tensor].1
    }

    /// Floats from tensor `w`'s start to the end of tensor `b` (a weight and its bias, bound together).
    pub fn span(&self, w: usize, b: usize) -> usize {
        self.offset(b) + self.tensors[b].0.len() - self.offset(w)
    }

    pub fn pack(&self, flat: &[f64]) -> Vec<f32> {
        let mut out = vec![0.0f32; self.len];
        for (range, offset) in &self.tensors {
            for (o, v) in out[*offset..offset + range.len()].iter_mut().zip(&flat[range.clone()]) {
                *o = *v as f32;
            }
        }
        out
    }

    pub fn unpack(&self, padded: &[f32]) -> Vec<f64> {
        let mut out = vec![0.0; self.flat_len];
        for (range, offset) in &self.tensors {
            for (o, v) in out[range.clone()].iter_mut().zip(&padded[*offset..offset + range.len()]) {
                *o = *v as f64;
            }
        }
        out
    }
}

/// Float offsets of the sections of one step's input buffer (each 64-float aligned):
/// enc_x [T, stride, 3] and enc_mask [T, stride]: GRU step s reads point T−1−s of each window when
/// it exists (mask 1): the last point first and the first at the last step, as the f64 encoder runs;
/// x_obs [points, stride, 2] and obs_mask [points, stride]: the targets at grid g0 + r; eps [stride, L].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputLayout {
    pub enc_x: usize,
    pub enc_mask: usize,
    pub x_obs: usize,
    pub obs_mask: usize,
    pub eps: usize,
    pub len: usize,
}

impl InputLayout {
    pub fn new(s: &OdeShape) -> Self {
        let (t, p) = (s.enc_steps, s.points());
        let enc_x = 0;
        let enc_mask = align(enc_x + t * s.stride * 3);
        let x_obs = align(enc_mask + t * s.stride);
        let obs_mask = align(x_obs + p * s.stride * 2);
        let eps = align(obs_mask + p * s.stride);
        let len = align(eps + s.stride * s.config.latent);
        InputLayout { enc_x, enc_mask, x_obs, obs_mask, eps, len }
    }

    /// The inputs of one batch: `windows[b]` with ε `eps[b]` in row b.
    pub fn build(&self, s: &OdeShape, windows: &[Window], eps: &[Vec<f64>]) -> Result<Vec<f32>> {
        if windows.len() != s.batch || eps.len() != s.batch {
            return Err(VaeError::Config(format!(
                "the GPU step was built for a batch of {}; got {} windows and {} ε",
                s.batch,
                windows.len(),
                eps.len()
            )));
        }
        let mut out = vec![0.0f32; self.len];
        let (t, l) = (s.enc_steps, s.config.latent);
        for (b, (w, e)) in windows.iter().zip(eps).enumerate() {
            let n = w.points.len();
            let last = w.points.last().map_or(w.g0, |p| p.0);
            if n == 0 || n > t || last - w.g0 > s.intervals || e.len() != l {
                return Err(VaeError::Config(format!(
                    "window {b} ({n} points over {} intervals, ε of {}) does not fit the GPU step ({t} points, {} intervals, L {l})",
                    last - w.g0,
                    e.len(),
                    s.intervals
                )));
            }
            let t0 = grid_time(w.g0);
            for (i, &(g, [x, y])) in w.points.iter().enumerate() {
                let step = t - 1 - i;
                let at = self.enc_x + (step * s.stride + b) * 3;
                out[at..at + 3].copy_from_slice(&[x as f32, y as f32, (grid_time(g) - t0) as f32]);
                out[self.enc_mask + step * s.stride + b] = 1.0;
                let r = g - w.g0;
                let at = self.x_obs + (r * s.stride + b) * 2;
                out[at..at + 2].copy_from_slice(&[x as f32, y as f32]);
                out[self.obs_mask + r * s.stride + b] = 1.0;
            }
            for (k, v) in e.iter().enumerate() {
                out[self.eps + b * l + k] = *v as f32;
            }
        }
        Ok(out)
    }
}
