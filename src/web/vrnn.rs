//! `VrnnLab`: the VRNN on MNIST rows at the wasm edge (every wasm build; no wgpu), a small model for
//! the browser. The engine is src/seq/vrnn*.rs; here its errors become JsError and results plain JS.

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use super::{check_steps, js_err, to_js};
use crate::data::Dataset;
use crate::seq::vrnn::{Inference, VrnnConfig};
use crate::seq::vrnn_gen::Emit;
use crate::seq::vrnn_train::VrnnTrainer;

/// The browser's model: H 32, F 32, L 4 (the CLI's default is H 64, F 64, L 8).
pub const HIDDEN: usize = 32;
pub const FEATURES: usize = 32;
pub const LATENT: usize = 4;
/// At most this many train images (the first ones) and test images are used.
pub const MAX_TRAIN: usize = 4000;
pub const MAX_TEST: usize = 200;
const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;

/// One VRNN run: the first MAX_TRAIN / MAX_TEST images given, a model from the seed, Adam state.
#[wasm_bindgen]
pub struct VrnnLab {
    trainer: VrnnTrainer,
}

/// What `train(steps)` answers (here and in `VrnnGpu` / `OdeGpu`): steps so far, the epoch (from 0)
/// of the last step, the batch means over these steps (nats per image), and the milliseconds they took.
#[derive(serde::Serialize)]
pub(super) struct TrainReport {
    pub step: f64,
    pub epoch: f64,
    pub loss: f64,
    pub recon: f64,
    pub kl: f64,
    pub ms: f64,
}

pub(super) fn images(bytes: &[u8], max: usize, name: &str) -> Result<Dataset, JsError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(PIXELS) {
        return Err(JsError::new(&format!(
            "the {name} images must be whole 28×28 images ({PIXELS} bytes each); got {} bytes",
            bytes.len()
        )));
    }
    let n = (bytes.len() / PIXELS).min(max);
    Ok(Dataset { images: bytes[..n * PIXELS].to_vec(), labels: vec![0; n], n, rows: SIDE, cols: SIDE })
}

/// The browser's VRNN with `inference` "forward" or "backward".
pub(super) fn config(inference: &str) -> Result<VrnnConfig, JsError> {
    let inference = match inference {
        "forward" => Inference::Forward,
        "backward" => Inference::Backward,
        other => return Err(JsError::new(&format!("inference is \"forward\" or \"backward\"; got \"{other}\""))),
    };
    Ok(VrnnConfig { hidden: HIDDEN, features: FEATURES, latent: LATENT, rows: SIDE, cols: SIDE, inference })
}

#[wasm_bindgen]
impl VrnnLab {
    /// A model from `seed` with `inference` "forward" (q from the current row) or "backward" (q from
    /// a GRU run backwards over the rows to come); `train_images` and `test_images` are raw 28×28
    /// bytes, N·784 each (the first 4000 and 200 are used).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: u32, inference: &str, train_images: &[u8], test_images: &[u8]) -> Result<VrnnLab, JsError> {
        let config = config(inference)?;
        let train = images(train_images, MAX_TRAIN, "train")?;
        let test = images(test_images, MAX_TEST, "test")?;
        Ok(VrnnLab { trainer: VrnnTrainer::new(seed, config, train, &test).map_err(js_err)? })
    }

    /// Takes `steps` Adam steps (batches of 64): `{step, epoch, loss, recon, kl, ms}` — steps so
    /// far, the epoch (from 0) of the last step, the mean batch negative ELBO, reconstruction and KL
    /// over these steps (nats per image), and the milliseconds they took.
    pub fn train(&mut self, steps: u32) -> Result<JsValue, JsError> {
        check_steps(steps)?;
        let started = js_sys::Date::now();
        let (mut loss, mut recon, mut kl, mut epoch) = (0.0, 0.0, 0.0, 0);
        for _ in 0..steps {
            let s = self.trainer.train_step();
            loss += s.loss;
            recon += s.recon;
            kl += s.kl;
            epoch = s.epoch;
        }
        let n = steps as f64;
        to_js(&TrainReport {
            step: self.trainer.step() as f64,
            epoch: epoch as f64,
            loss: loss / n,
            recon: recon / n,
            kl: kl / n,
            ms: js_sys::Date::now() - started,
        })
    }

    /// The test set's `{loss, recon, kl, kl_steps}` (nats per image; `kl_steps[t]` is row t's KL).
    pub fn evaluate(&self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.evaluate())
    }

    pub fn test_count(&self) -> u32 {
        self.trainer.test.len() as u32
    }

    pub fn train_count(&self) -> u32 {
        self.trainer.train.n as u32
    }

    pub fn parameter_count(&self) -> u32 {
        self.trainer.params.len() as u32
    }

    /// Test image `test_index` as the model sees it: 784 values, 0 or 1 (binarized once, seed 0).
    pub fn test_image(&self, test_index: u32) -> Result<Float64Array, JsError> {
        Ok(Float64Array::from(self.test(test_index)?))
    }

    /// `samples` completions of test image `test_index`: its top `top_rows` rows (0..=28) given
    /// (z from the posterior), the rest generated with z from the prior; each row below is the
    /// Bernoulli mean (probabilities). samples·784 values, image i at [i·784, (i+1)·784).
    pub fn complete(&self, test_index: u32, top_rows: u32, samples: u32, seed: u32) -> Result<Float64Array, JsError> {
        if top_rows as usize > SIDE {
            return Err(JsError::new(&format!("top_rows is 0..=28; got {top_rows}")));
        }
        check_count(samples)?;
        let image = self.test(test_index)?;
        let top = &image[..top_rows as usize * SIDE];
        let t = &self.trainer;
        let out: Vec<f64> =
            (0..samples as usize).flat_map(|i| t.model.complete(&t.params, top, seed, i, Emit::Mean)).collect();
        Ok(Float64Array::from(&out[..]))
    }

    /// `count` images from the prior alone, row by row (Bernoulli means): count·784 values.
    pub fn generate(&self, count: u32, seed: u32) -> Result<Float64Array, JsError> {
        check_count(count)?;
        let t = &self.trainer;
        let out: Vec<f64> =
            (0..count as usize).flat_map(|i| t.model.generate(&t.params, seed, i, Emit::Mean)).collect();
        Ok(Float64Array::from(&out[..]))
    }

    /// The flat parameter vector (layout: src/seq/vrnn.rs).
    pub fn parameters(&self) -> Float64Array {
        Float64Array::from(&self.trainer.params[..])
    }

    /// Steps taken.
    pub fn step(&self) -> f64 {
        self.trainer.step() as f64
    }

    /// Takes parameters trained elsewhere (`VrnnGpu.parameters()`) as of `step` steps, to evaluate
    /// and draw them; training here would not go on from them (Adam's state is this lab's own).
    pub fn set_parameters(&mut self, params: &[f64], step: f64) -> Result<(), JsError> {
        self.trainer.adopt(params.to_vec(), step as u64).map_err(js_err)
    }
}

impl VrnnLab {
    fn test(&self, index: u32) -> Result<&[f64], JsError> {
        let n = self.trainer.test.len();
        self.trainer
            .test
            .get(index as usize)
            .map(|x| x.as_slice())
            .ok_or_else(|| JsError::new(&format!("test image {index} does not exist: there are {n} (0..={})", n - 1)))
    }
}

fn check_count(count: u32) -> Result<(), JsError> {
    if !(1..=64).contains(&count) {
        return Err(JsError::new(&format!("the number of images is 1..=64; got {count}")));
    }
    Ok(())
}
