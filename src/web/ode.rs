//! `OdeLab`: the latent ODE on seeded spirals at the wasm edge (every wasm build; no wgpu). The
//! engine is src/seq/ode_train.rs; here its errors become JsError and results plain JS objects.

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use super::{check_steps, js_err, to_js};
use crate::seq::ode_train::OdeTrainer;

/// One latent-ODE run: the seed's spirals, a model from the seed, Adam state.
#[wasm_bindgen]
pub struct OdeLab {
    trainer: OdeTrainer,
}

#[derive(serde::Serialize)]
struct TrainReport {
    step: f64,
    epoch: f64,
    loss: f64,
    kl: f64,
    ms: f64,
}

#[wasm_bindgen]
impl OdeLab {
    /// Builds the data (train 1000, test 200) and the model from `seed`; `substeps` RK4 steps per
    /// grid interval of 0.1 (1..=8).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: u32, substeps: u32) -> Result<OdeLab, JsError> {
        Ok(OdeLab { trainer: OdeTrainer::new(seed, substeps as usize).map_err(js_err)? })
    }

    /// Takes `steps` Adam steps: `{step, epoch, loss, kl, ms}` — steps taken so far, the epoch
    /// (from 0) of the last step, the mean batch negative ELBO and KL over these steps (constants
    /// log(2πσ²) dropped), and the milliseconds they took.
    pub fn train(&mut self, steps: u32) -> Result<JsValue, JsError> {
        check_steps(steps)?;
        let started = js_sys::Date::now();
        let (mut loss, mut kl, mut epoch) = (0.0, 0.0, 0);
        for _ in 0..steps {
            let s = self.trainer.train_step();
            loss += s.loss;
            kl += s.kl;
            epoch = s.epoch;
        }
        let n = steps as f64;
        to_js(&TrainReport {
            step: self.trainer.step() as f64,
            epoch: epoch as f64,
            loss: loss / n,
            kl: kl / n,
            ms: js_sys::Date::now() - started,
        })
    }

    /// RK4 steps per grid interval (1..=8); the parameters and Adam state stay.
    pub fn set_substeps(&mut self, substeps: u32) -> Result<(), JsError> {
        self.trainer.set_substeps(substeps as usize).map_err(js_err)
    }

    /// The test set's `{recon_mse, extrap_mse, neg_elbo}` (spec: z0 = μ, against the clean points).
    pub fn evaluate(&self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.evaluate())
    }

    pub fn test_count(&self) -> u32 {
        self.trainer.data.test.n as u32
    }

    /// Test trajectory `test_index` with the encoder given its observed noisy points inside
    /// [window_start, window_end] (times in [0, 10]; the start moves up to the next grid point):
    /// `{grid, clean, noisy, observed, recon, from_index}` — `recon` holds x̂ from z0 = μ for grid
    /// points from_index..=100. A window without an observed point is a JsError.
    pub fn trajectory(&self, test_index: u32, window_start: f64, window_end: f64) -> Result<JsValue, JsError> {
        to_js(&self.trainer.trajectory(test_index as usize, window_start, window_end).map_err(js_err)?)
    }

    /// `count` paths from z0 ~ N(0, I) drawn from `seed`: `[[x, y] per grid point 0..=horizon] per sample`.
    pub fn sample_prior(&self, count: u32, seed: u32, horizon: f64) -> Result<JsValue, JsError> {
        to_js(&self.trainer.sample_prior(count as usize, seed, horizon).map_err(js_err)?)
    }

    /// The flat parameter vector (layout: src/seq/latent_ode.rs `Layout`).
    pub fn parameters(&self) -> Float64Array {
        Float64Array::from(&self.trainer.params[..])
    }

    /// Steps taken.
    pub fn step(&self) -> f64 {
        self.trainer.step() as f64
    }

    /// Takes parameters trained elsewhere (`OdeGpu.parameters()`) as of `step` steps, to evaluate
    /// and draw them; training here would not go on from them (Adam's state is this lab's own).
    pub fn set_parameters(&mut self, params: &[f64], step: f64) -> Result<(), JsError> {
        self.trainer.adopt(params.to_vec(), step as u64).map_err(js_err)
    }
}
