//! Training and evaluation of the VRNN on MNIST rows: dynamic binarization from Threefry, Adam
//! (PyTorch's form) over batches of 64 in a per-epoch seeded shuffle, the test negative ELBO.

use super::adam::Adam;
use super::vrnn::{Vrnn, VrnnConfig, VrnnLoss, eps};
use crate::data::Dataset;
use crate::rng::{
    PHASE_EVAL, PHASE_TRAIN, STREAM_BINARIZE, STREAM_VRNN_SHUFFLE, key, permute, threefry2x32, uniform_open01,
};
use crate::{Result, VaeError};

pub const BATCH: usize = 64;
pub const LR: f64 = 1e-3;
/// clip_grad_norm_'s max norm (as the latent ODE's).
pub const CLIP_NORM: f64 = 100.0;
/// The test set is binarized once with this seed (PHASE_EVAL, step 0), whatever the run's seed,
/// so test ELBOs of different runs compare on the same binary images.
pub const TEST_BINARIZE_SEED: u32 = 0;

/// Image `index`'s pixels as 0/1: pixel = 1 when u < byte/255 (in f32), u from Threefry
/// (seed, STREAM_BINARIZE, phase) at counter [step, index·pixels + q] — the VAE's gather_batch
/// formula, so both models see the same binary image for the same (seed, phase, step, index).
pub fn binarize(image: &[u8], seed: u32, phase: u32, step: u32, index: usize) -> Vec<f64> {
    let k = key(seed, STREAM_BINARIZE, phase);
    let base = (index * image.len()) as u32;
    image
        .iter()
        .enumerate()
        .map(|(q, &b)| {
            let u = uniform_open01(threefry2x32(k, [step, base.wrapping_add(q as u32)])[0]);
            (u < b as f32 * (1.0 / 255.0)) as u8 as f64
        })
        .collect()
}

/// One optimizer step's figures (batch means, nats per image).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StepStats {
    /// Steps taken after this one.
    pub step: u64,
    /// Epoch of this step, from 0.
    pub epoch: u64,
    pub loss: f64,
    pub recon: f64,
    pub kl: f64,
    pub kl_steps: Vec<f64>,
    /// ‖g‖ before the clip.
    pub grad_norm: f64,
}

pub struct VrnnTrainer {
    pub model: Vrnn,
    pub params: Vec<f64>,
    pub seed: u32,
    pub train: Dataset,
    /// The binarized test images (TEST_BINARIZE_SEED).
    pub test: Vec<Vec<f64>>,
    step: u64,
    adam: Adam,
    grad: Vec<f64>,
}

impl VrnnTrainer {
    /// Model and init from `seed`; `test` is evaluated whole (pass `Dataset::subset` for the first N).
    pub fn new(seed: u32, config: VrnnConfig, train: Dataset, test: &Dataset) -> Result<Self> {
        for (name, set) in [("train", &train), ("test", test)] {
            if (set.rows, set.cols) != (config.rows, config.cols) {
                return Err(VaeError::Config(format!(
                    "the VRNN reads {}x{} images row by row; the {name} set's are {}x{}",
                    config.rows, config.cols, set.rows, set.cols
                )));
            }
        }
        if train.n == 0 || test.n == 0 {
            return Err(VaeError::Config(format!(
                "the VRNN needs at least one train and one test image; got {} and {}",
                train.n, test.n
            )));
        }
        let model = Vrnn::new(config);
        let params = model.init(seed);
        let n = params.len();
        let test = (0..test.n).map(|j| binarize(test.image(j), TEST_BINARIZE_SEED, PHASE_EVAL, 0, j)).collect();
        Ok(VrnnTrainer {
            model,
            params,
            seed,
            train,
            test,
            step: 0,
            adam: Adam::new(n, LR, CLIP_NORM),
            grad: vec![0.0; n],
        })
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    /// Takes parameters trained elsewhere (the GPU trainer's, read back) as of `step` steps, for
    /// evaluating and drawing; Adam's state stays as it was (this trainer does not go on from them).
    pub fn adopt(&mut self, params: Vec<f64>, step: u64) -> Result<()> {
        if params.len() != self.params.len() {
            return Err(VaeError::Config(format!(
                "{} parameters given; the model has {}",
                params.len(),
                self.params.len()
            )));
        }
        self.params = params;
        self.step = step;
        Ok(())
    }

    pub fn steps_per_epoch(&self) -> u64 {
        self.train.n.div_ceil(BATCH) as u64
    }

    /// Train-set indices of the current step's batch: positions of this epoch's Feistel shuffle.
    fn batch_indices(&self) -> Vec<usize> {
        let n = self.train.n;
        let (epoch, pos) = (self.step / self.steps_per_epoch(), (self.step % self.steps_per_epoch()) as usize);
        let k = key(self.seed, STREAM_VRNN_SHUFFLE, PHASE_TRAIN);
        (pos * BATCH..((pos + 1) * BATCH).min(n))
            .map(|i| permute(i as u32, n as u32, k, epoch as u32) as usize)
            .collect()
    }

    /// One Adam step on the next batch, binarized afresh at this step.
    pub fn train_step(&mut self) -> StepStats {
        let idx = self.batch_indices();
        let s = self.step as u32;
        let c = self.model.config;
        let images: Vec<Vec<f64>> =
            idx.iter().map(|&j| binarize(self.train.image(j), self.seed, PHASE_TRAIN, s, j)).collect();
        let refs: Vec<&[f64]> = images.iter().map(|x| x.as_slice()).collect();
        let e: Vec<Vec<f64>> = idx.iter().map(|&j| eps(&c, self.seed, PHASE_TRAIN, s, j)).collect();
        let VrnnLoss { loss, recon, kl, kl_steps } =
            self.model.batch_loss(&self.params, &refs, &e, Some(&mut self.grad));
        let epoch = self.step / self.steps_per_epoch();
        self.step += 1;
        let grad_norm = self.adam.step(&mut self.params, &self.grad);
        StepStats { step: self.step, epoch, loss, recon, kl, kl_steps, grad_norm }
    }

    /// Negative ELBO (one sample: ε from this seed's eval phase, step 0) per test image, batch mean.
    pub fn evaluate(&self) -> VrnnLoss {
        let c = self.model.config;
        let refs: Vec<&[f64]> = self.test.iter().map(|x| x.as_slice()).collect();
        let e: Vec<Vec<f64>> = (0..self.test.len()).map(|j| eps(&c, self.seed, PHASE_EVAL, 0, j)).collect();
        self.model.batch_loss(&self.params, &refs, &e, None)
    }
}
