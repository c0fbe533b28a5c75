//! `VrnnGpu` and `OdeGpu`: the sequence models' GPU training steps (src/seq_gpu/) at the wasm edge, for
//! lessons 10 and 11 on WebGPU. They only train; the CPU labs take their parameters to evaluate and draw.

// A call's borrow of its run is held across the GPU's awaits on purpose: a second call meanwhile
// gets `busy()` (try_borrow), never a second run of the same state.
#![allow(clippy::await_holding_refcell_ref)]

use std::cell::RefCell;
use std::sync::Arc;

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use super::vrnn::{MAX_TRAIN, TrainReport, config, images};
use super::{check_steps, js_err, to_js};
use crate::gpu::Gpu;
use crate::kernels::Kernels;
use crate::seq_gpu::ode_trainer::GpuOdeTrainer;
use crate::seq_gpu::ops::VrnnKernels;
use crate::seq_gpu::vrnn_trainer::GpuVrnnTrainer;

/// Steps recorded into one submit (metrics are read back once per submit).
const STEPS_PER_SUBMIT: u32 = 25;

impl TrainReport {
    fn of(step: u64, stats: impl ExactSizeIterator<Item = (u64, f64, f64, f64)>, started: f64) -> TrainReport {
        let n = stats.len().max(1) as f64;
        let (mut epoch, mut loss, mut recon, mut kl) = (0, 0.0, 0.0, 0.0);
        for (e, l, r, k) in stats {
            (epoch, loss, recon, kl) = (e, loss + l, recon + r, kl + k);
        }
        TrainReport {
            step: step as f64,
            epoch: epoch as f64,
            loss: loss / n,
            recon: recon / n,
            kl: kl / n,
            ms: js_sys::Date::now() - started,
        }
    }
}

/// A call while another of the same run is still pending (the page awaits each one).
fn busy() -> JsError {
    JsError::new("the GPU run is busy with an earlier call; await it first")
}

/// VrnnLab's model and run (same seed, same init, same batches, binarization and ε) trained by the
/// GPU in f32: the training images are uploaded once, batches are gathered and binarized on the GPU.
#[wasm_bindgen]
pub struct VrnnGpu {
    trainer: RefCell<GpuVrnnTrainer>,
    adapter: String,
}

#[wasm_bindgen]
impl VrnnGpu {
    /// Opens the WebGPU adapter and builds the run from `seed`, `inference` ("forward" or
    /// "backward") and the raw 28×28 training images (the first 4000 are used, as VrnnLab does).
    pub async fn create(seed: u32, inference: String, train_images: Vec<u8>) -> Result<VrnnGpu, JsError> {
        let config = config(&inference)?;
        let train = images(&train_images, MAX_TRAIN, "train")?;
        let gpu = Gpu::new().await.map_err(js_err)?;
        let adapter = gpu.describe();
        let kernels = Arc::new(VrnnKernels::new(&gpu, Arc::new(Kernels::new(&gpu))));
        let trainer = GpuVrnnTrainer::new(gpu, kernels, seed, config, &train, STEPS_PER_SUBMIT).map_err(js_err)?;
        Ok(VrnnGpu { trainer: RefCell::new(trainer), adapter })
    }

    /// Takes `steps` Adam steps: `{step, epoch, loss, recon, kl, ms}` as VrnnLab's `train`.
    pub async fn train(&self, steps: u32) -> Result<JsValue, JsError> {
        check_steps(steps)?;
        let started = js_sys::Date::now();
        let mut trainer = self.trainer.try_borrow_mut().map_err(|_| busy())?;
        let stats = trainer.train(steps as u64).await.map_err(js_err)?;
        to_js(&TrainReport::of(trainer.step(), stats.iter().map(|s| (s.epoch, s.loss, s.recon, s.kl)), started))
    }

    /// The parameters in the f64 model's layout (for `VrnnLab.set_parameters`).
    pub async fn parameters(&self) -> Result<Float64Array, JsError> {
        let trainer = self.trainer.try_borrow().map_err(|_| busy())?;
        Ok(Float64Array::from(&trainer.read_parameters().await.map_err(js_err)?[..]))
    }

    /// Steps taken.
    pub fn step(&self) -> f64 {
        self.trainer.try_borrow().map(|t| t.step() as f64).unwrap_or(f64::NAN)
    }

    /// The adapter's name and kind, in words.
    pub fn adapter(&self) -> String {
        self.adapter.clone()
    }
}

/// OdeLab's run (same seed, spirals, batches and ε) trained by the GPU in f32; each step's inputs
/// are built on the host and uploaded through a ring.
#[wasm_bindgen]
pub struct OdeGpu {
    trainer: RefCell<GpuOdeTrainer>,
    adapter: String,
}

#[wasm_bindgen]
impl OdeGpu {
    /// Opens the WebGPU adapter and builds the run from `seed` with `substeps` RK4 steps per grid interval.
    pub async fn create(seed: u32, substeps: u32) -> Result<OdeGpu, JsError> {
        let gpu = Gpu::new().await.map_err(js_err)?;
        let adapter = gpu.describe();
        let trainer = GpuOdeTrainer::new(&gpu, seed, substeps as usize).map_err(js_err)?;
        Ok(OdeGpu { trainer: RefCell::new(trainer), adapter })
    }

    /// Takes `steps` Adam steps: `{step, epoch, loss, recon, kl, ms}` as OdeLab's `train`.
    pub async fn train(&self, steps: u32) -> Result<JsValue, JsError> {
        check_steps(steps)?;
        let started = js_sys::Date::now();
        let mut trainer = self.trainer.try_borrow_mut().map_err(|_| busy())?;
        let stats = trainer.train(steps as usize).await.map_err(js_err)?;
        to_js(&TrainReport::of(trainer.step(), stats.iter().map(|s| (s.epoch, s.loss, s.recon, s.kl)), started))
    }

    /// The parameters in the f64 model's layout (for `OdeLab.set_parameters`).
    pub async fn parameters(&self) -> Result<Float64Array, JsError> {
        let trainer = self.trainer.try_borrow().map_err(|_| busy())?;
        Ok(Float64Array::from(&trainer.gpu_step.params().await.map_err(js_err)?[..]))
    }

    pub fn step(&self) -> f64 {
        self.trainer.try_borrow().map(|t| t.step() as f64).unwrap_or(f64::NAN)
    }

    pub fn adapter(&self) -> String {
        self.adapter.clone()
    }
}
