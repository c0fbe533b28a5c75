//! `Engine`: the WebGPU engine as the page sees it — opening the device, loading data, training,
//! metrics, config changes, kernel tuning and recovery. Views and model I/O: engine_views.rs.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use wasm_bindgen::prelude::*;

use super::{dataset, decode_pairs, js_err, pairs_over, to_js};
use crate::autotune::Tuner;
use crate::config::ModelConfig;
use crate::data::Dataset;
use crate::gpu::Gpu;
use crate::kernels::Kernels;
use crate::trainer::Trainer;

/// The training engine as the page sees it.
#[wasm_bindgen]
pub struct Engine {
    /// `None` while an async call holds it (other calls then fail with "busy" instead of racing),
    /// and until `load` has run.
    pub(super) trainer: Rc<RefCell<Option<Trainer>>>,
    pub(super) loaded: Cell<bool>,
    pub(super) gpu: Gpu,
    /// Pipelines (built by `open` before any data arrives) and the autotuner's choices.
    kernels: Arc<Kernels>,
    config: RefCell<ModelConfig>,
    pub(super) data: RefCell<Option<(Rc<Dataset>, Rc<Dataset>)>>,
    tuner: RefCell<Option<Tuner>>,
    /// What the autotuner measured (or a cache said) for the current model's shapes.
    tuned: RefCell<Vec<crate::autotune::TuneResult>>,
    errors: Arc<Mutex<Vec<String>>>,
}

const BUSY: &str = "the engine is busy with another request";
const NOT_LOADED: &str = "the engine has no data yet: call load() first";

/// Images of zeros in the shape of a real split, to build every pipeline before the data arrives.
fn placeholder(n: usize) -> Dataset {
    Dataset { images: vec![0; n * crate::model::PIXELS], labels: vec![0; n], n, rows: 28, cols: 28 }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[wasm_bindgen]
impl Engine {
    /// Opens WebGPU and builds every pipeline `config` needs, before any data: the GPU compiles
    /// them while the page is still downloading MNIST. Then call `load`.
    pub async fn open(config: JsValue) -> Result<Engine, JsError> {
        let config: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
        config.validate().map_err(js_err)?;
        let gpu = Gpu::new().await.map_err(js_err)?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        gpu.device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut list) = sink.lock() {
                list.push(format!("GPU error: {e}"));
            }
        }));
        let sink = errors.clone();
        gpu.device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut list) = sink.lock() {
                list.push(format!("GPU device lost ({reason:?}): {message}"));
            }
        });
        let kernels = Arc::new(Kernels::new(&gpu));
        let engine = Engine {
            trainer: Rc::new(RefCell::new(None)),
            loaded: Cell::new(false),
            gpu,
            kernels,
            config: RefCell::new(config),
            data: RefCell::new(None),
            tuner: RefCell::new(None),
            tuned: RefCell::new(Vec::new()),
            errors,
        };
        engine.warm()?;
        Ok(engine)
    }

    /// Builds a trainer on placeholder data and runs one step of it, so every pipeline of the
    /// current config exists and has run once: drivers that compile on first use (SwiftShader
    /// does) compile while the page is still loading data. Pipelines are cached by kernel and
    /// form, so the real trainer reuses them.
    fn warm(&self) -> Result<(), JsError> {
        // A batch of 4 picks the same kernels and forms as the real one, at a fraction of the work.
        let config = ModelConfig { batch_size: 4, ..self.config.borrow().clone() };
        let (train, test) = (placeholder(4), placeholder(4));
        let mut trainer =
            Trainer::with_kernels(self.gpu.clone(), self.kernels.clone(), config, &train, &test).map_err(js_err)?;
        trainer.train_steps(1);
        Ok(())
    }

    /// Parses the four IDX files (raw bytes; MNIST's layout) and builds the trainer. Called again
    /// with other files (another data set), it starts a new model of the current config on them.
    pub fn load(
        &self,
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
    ) -> Result<(), JsError> {
        let train = Rc::new(dataset(train_images, train_labels, "train")?);
        let test = Rc::new(dataset(test_images, test_labels, "t10k")?);
        self.install(train, test)
    }

    fn install(&self, train: Rc<Dataset>, test: Rc<Dataset>) -> Result<(), JsError> {
        let config = self.config.borrow().clone();
        let mut trainer =
            Trainer::with_kernels(self.gpu.clone(), self.kernels.clone(), config, &train, &test).map_err(js_err)?;
        // Other data for a running engine: the new trainer reads metrics back as often as the old one.
        if let Some(old) = self.trainer.borrow().as_ref() {
            (trainer.read_every, trainer.test_every) = (old.read_every, old.test_every);
        }
        *self.trainer.borrow_mut() = Some(trainer);
        *self.data.borrow_mut() = Some((train, test));
        self.loaded.set(true);
        Ok(())
    }

    /// `open` and `load` in one call.
    pub async fn create(
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
        config: JsValue,
    ) -> Result<Engine, JsError> {
        let engine = Engine::open(config).await?;
        engine.load(train_images, train_labels, test_images, test_labels)?;
        Ok(engine)
    }

    pub(super) fn with<T>(&self, f: impl FnOnce(&mut Trainer) -> Result<T, JsError>) -> Result<T, JsError> {
        if !self.loaded.get() {
            return Err(JsError::new(NOT_LOADED));
        }
        let mut slot = self.trainer.borrow_mut();
        let trainer = slot.as_mut().ok_or_else(|| JsError::new(BUSY))?;
        f(trainer)
    }

    /// Takes the trainer for an async call and puts it back afterwards, whatever the outcome.
    pub(super) async fn with_async<T>(
        &self,
        f: impl AsyncFnOnce(&mut Trainer) -> crate::Result<T>,
    ) -> Result<T, JsError> {
        if !self.loaded.get() {
            return Err(JsError::new(NOT_LOADED));
        }
        let mut trainer = self.trainer.borrow_mut().take().ok_or_else(|| JsError::new(BUSY))?;
        let result = f(&mut trainer).await;
        *self.trainer.borrow_mut() = Some(trainer);
        result.map_err(js_err)
    }

    /// Records and submits `steps` optimizer steps; returns at once.
    pub fn train(&self, steps: u32) -> Result<(), JsError> {
        self.with(|t| {
            t.train_steps(steps);
            Ok(())
        })
    }

    /// Metrics whose readback finished: `{train: [{step, recon, kl, objective, kl_weight}], test: [...]}`.
    pub fn metrics(&self) -> Result<JsValue, JsError> {
        let (train, test) = self.with(|t| t.take_metrics().map_err(js_err))?;
        to_js(&serde_json::json!({ "train": train, "test": test }))
    }

    /// Requests metrics for every step not yet requested (e.g. when pausing).
    pub fn request_metrics(&self) -> Result<(), JsError> {
        self.with(|t| {
            t.request_metrics();
            Ok(())
        })
    }

    /// Metric readbacks still in flight: the page's back-pressure signal.
    pub fn pending(&self) -> Result<u32, JsError> {
        self.with(|t| Ok(t.pending_reads() as u32))
    }

    /// How often (in steps) metrics are read back and a test chunk is evaluated (0 = never).
    pub fn set_cadence(&self, read_every: u32, test_every: u32) -> Result<(), JsError> {
        self.with(|t| {
            t.read_every = read_every.max(1);
            t.test_every = test_every;
            Ok(())
        })
    }

    /// GPU errors and device loss reported since the last call.
    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default()
    }

    /// `{step, epoch, stepsPerEpoch, nTrain, nTest, backend: "webgpu", adapter, deviceType, parameters,
    /// flopsPerSample, gpuBytes, config}`: what the pages show, so they never recompute it.
    pub fn status(&self) -> Result<JsValue, JsError> {
        let info = &self.gpu.info;
        let (adapter, device_type) = (info.name.clone(), format!("{:?}", info.device_type));
        let status = self.with(|t| {
            Ok(serde_json::json!({
                "step": t.step(),
                "epoch": t.epoch(),
                "stepsPerEpoch": t.steps_per_epoch(),
                "nTrain": t.n_train(),
                "nTest": t.n_test(),
                "backend": "webgpu",
                "adapter": adapter,
                "deviceType": device_type,
                "parameters": t.arch.parameter_count(),
                "flopsPerSample": t.arch.train_flops_per_sample(),
                "gpuBytes": t.gpu_bytes(),
                "config": t.config,
            }))
        })?;
        to_js(&status)
    }

    /// Applies a new config: in place when only schedules/optimizer knobs change (returns false),
    /// otherwise rebuilds the model from its seed (returns true).
    pub fn set_config(&self, config: JsValue) -> Result<bool, JsError> {
        let config: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
        self.apply(config)
    }

    fn apply(&self, config: ModelConfig) -> Result<bool, JsError> {
        config.validate().map_err(js_err)?;
        if !self.loaded.get() {
            // Before the data arrives the config only decides what `load` builds.
            *self.config.borrow_mut() = config;
            return Ok(false);
        }
        let rebuild = self.with(|t| Ok(t.config.needs_rebuild(&config)))?;
        if !rebuild {
            self.with(|t| t.update_config(config.clone()).map_err(js_err))?;
            *self.config.borrow_mut() = config;
            return Ok(false);
        }
        self.rebuild(config)?;
        Ok(true)
    }

    /// Applies link or control pairs (`[[key, value], …]`) to the running config in one call:
    /// clamps them, applies live keys in place or rebuilds the model when a key needs it, and
    /// returns `{config, rebuilt, notices}`. When the new model cannot be built (e.g. it does not
    /// fit this device) the error says why and the running model is untouched.
    pub fn set_pairs(&self, pairs: JsValue) -> Result<JsValue, JsError> {
        let pairs = decode_pairs(pairs)?;
        let current = self.config.borrow().clone();
        let (config, notices) = pairs_over(&current, &pairs);
        let rebuilt = self.apply(config)?;
        let config = self.config.borrow().clone();
        to_js(&serde_json::json!({ "config": config, "rebuilt": rebuilt, "notices": notices }))
    }

    /// Restarts from the initial weights of the current config (same seed, same run).
    pub fn reset(&self) -> Result<(), JsError> {
        let config = self.with(|t| Ok(t.config.clone()))?;
        self.rebuild(config)
    }

    fn rebuild(&self, config: ModelConfig) -> Result<(), JsError> {
        self.replace_model(config, None).map_err(|e| JsError::new(&e))
    }

    /// A new model of `config` (with `params` when given, and fresh Adam state); the running one is
    /// kept when the new one cannot be built. Errors are words, for callers to add their context.
    pub(super) fn replace_model(&self, config: ModelConfig, params: Option<&[f32]>) -> Result<(), String> {
        let mut slot = self.trainer.borrow_mut();
        let old = slot.as_ref().ok_or(if self.loaded.get() { BUSY } else { NOT_LOADED })?;
        // Same device, pipelines and GPU-resident MNIST: only the model is new.
        let mut fresh = old.reconfigured(config.clone()).map_err(|e| e.to_string())?;
        if let Some(params) = params {
            fresh.write_parameters(params).map_err(|e| e.to_string())?;
        }
        *slot = Some(fresh);
        *self.config.borrow_mut() = config;
        // A new model has new shapes: any tuning in progress or done is for the old ones.
        *self.tuner.borrow_mut() = None;
        self.tuned.borrow_mut().clear();
        Ok(())
    }

    /// Times the matmul kernels on this adapter for the current model's shapes and keeps the
    /// fastest; returns the choices as JSON (cache it per adapter and pass it to `use_tuning`).
    pub async fn autotune(&self) -> Result<String, JsError> {
        while self.tune_step().await? {}
        Ok(crate::autotune::export(&self.tuned.borrow()))
    }

    /// Tunes one more matmul shape (largest first, a few hundred ms on a CPU-emulated GPU) and
    /// returns whether any remain, so the page can interleave tuning with training. The choices
    /// take effect when the last shape is done; every kernel gives bitwise-identical results, so a
    /// switch mid-run never changes the run.
    pub async fn tune_step(&self) -> Result<bool, JsError> {
        let existing = self.tuner.borrow_mut().take();
        let mut tuner = match existing {
            Some(t) => t,
            None => {
                self.tuned.borrow_mut().clear();
                self.with(|t| Ok(Tuner::new(t.matmul_shapes(), 2)))?
            }
        };
        let (gpu, kernels) = (self.gpu.clone(), self.kernels.clone());
        self.with_async(async |t| {
            tuner.next(&gpu, &kernels, now_ms).await?;
            if tuner.remaining() == 0 {
                t.rebuild_workspaces();
            }
            Ok(())
        })
        .await?;
        self.tuned.borrow_mut().extend(tuner.results.drain(..));
        let more = tuner.remaining() > 0;
        if more {
            *self.tuner.borrow_mut() = Some(tuner);
        }
        Ok(more)
    }

    /// Milliseconds of each kernel of one training step, each timed alone: `[[name, ms], …]`.
    pub async fn profile(&self, reps: u32) -> Result<JsValue, JsError> {
        let profile = self.with_async(async |t| t.profile_step(reps, now_ms).await).await?;
        to_js(&profile)
    }

    /// The current model's kernel choices (with their timings) as JSON for a cache.
    pub fn tuning_cache(&self) -> String {
        crate::autotune::export(&self.tuned.borrow())
    }

    /// Applies cached autotuning choices; false when the cache no longer fits (then call autotune).
    pub fn use_tuning(&self, json: String) -> Result<bool, JsError> {
        let Some(results) = crate::autotune::import(&json, &self.kernels).map_err(js_err)? else {
            return Ok(false);
        };
        self.with(|t| {
            t.rebuild_workspaces();
            Ok(())
        })?;
        *self.tuned.borrow_mut() = results;
        Ok(true)
    }

    /// The tuned shapes: `[{form, m, n, k, kernel, timings: [[kernel, ms], …]}]` (timings are
    /// empty when the choice came from a cache). Untuned shapes use the default kernel.
    pub fn tuning_report(&self) -> Result<JsValue, JsError> {
        to_js(&crate::autotune::report(&self.tuned.borrow()))
    }

    /// A fresh engine on a new device with the same data and `config` (after a device loss);
    /// this engine is no longer usable.
    pub async fn recreate(&self, config: JsValue) -> Result<Engine, JsError> {
        let (train, test) = self.data.borrow().clone().ok_or_else(|| JsError::new(NOT_LOADED))?;
        let engine = Engine::open(config).await?;
        engine.install(train, test)?;
        Ok(engine)
    }

    /// Destroys the device, as a driver crash would (for testing the recovery path).
    pub fn lose_device(&self) {
        self.gpu.device.destroy();
    }
}
