//! The wasm-bindgen edge: `Engine` wraps a `Trainer` for the page. Errors become `JsError` here
//! and nowhere else; configs and metrics cross as plain JS objects via serde-wasm-bindgen.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use wasm_bindgen::prelude::*;

mod bench;
mod cpu_bench;
pub use bench::KernelBench;
pub use cpu_bench::CpuKernelBench;

use crate::autotune::Tuner;
use crate::config::ModelConfig;
use crate::config_query;
use crate::data::Dataset;
use crate::data::idx::parse_idx;
use crate::gpu::Gpu;
use crate::kernels::Kernels;
use crate::trainer::Trainer;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(js_err)
}

fn dataset(images: &[u8], labels: &[u8], name: &str) -> Result<Dataset, JsError> {
    let images = parse_idx(images, std::path::Path::new(&format!("{name}-images"))).map_err(js_err)?;
    let labels = parse_idx(labels, std::path::Path::new(&format!("{name}-labels"))).map_err(js_err)?;
    if images.dims.len() != 3 || labels.dims.len() != 1 || images.dims[0] != labels.dims[0] {
        return Err(JsError::new(&format!(
            "{name}: images {:?} and labels {:?} do not match",
            images.dims, labels.dims
        )));
    }
    if images.dims[1] * images.dims[2] != crate::model::PIXELS {
        return Err(JsError::new(&format!("{name}: images are {}×{}, expected 28×28", images.dims[1], images.dims[2])));
    }
    Ok(Dataset {
        n: images.dims[0],
        rows: images.dims[1],
        cols: images.dims[2],
        images: images.data,
        labels: labels.data,
    })
}

/// The training engine as the page sees it.
#[wasm_bindgen]
pub struct Engine {
    /// `None` while an async call holds it (other calls then fail with "busy" instead of racing),
    /// and until `load` has run.
    trainer: Rc<RefCell<Option<Trainer>>>,
    loaded: Cell<bool>,
    gpu: Gpu,
    /// Pipelines (built by `open` before any data arrives) and the autotuner's choices.
    kernels: Arc<Kernels>,
    config: RefCell<ModelConfig>,
    data: RefCell<Option<(Rc<Dataset>, Rc<Dataset>)>>,
    tuner: RefCell<Option<Tuner>>,
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

    /// Parses the four MNIST IDX files (raw bytes) and builds the trainer.
    pub fn load(
        &self,
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
    ) -> Result<(), JsError> {
        let train = Rc::new(dataset(&train_images, &train_labels, "train")?);
        let test = Rc::new(dataset(&test_images, &test_labels, "t10k")?);
        drop((train_images, test_images));
        self.install(train, test)
    }

    fn install(&self, train: Rc<Dataset>, test: Rc<Dataset>) -> Result<(), JsError> {
        let config = self.config.borrow().clone();
        let trainer =
            Trainer::with_kernels(self.gpu.clone(), self.kernels.clone(), config, &train, &test).map_err(js_err)?;
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

    fn with<T>(&self, f: impl FnOnce(&mut Trainer) -> Result<T, JsError>) -> Result<T, JsError> {
        if !self.loaded.get() {
            return Err(JsError::new(NOT_LOADED));
        }
        let mut slot = self.trainer.borrow_mut();
        let trainer = slot.as_mut().ok_or_else(|| JsError::new(BUSY))?;
        f(trainer)
    }

    /// Takes the trainer for an async call and puts it back afterwards, whatever the outcome.
    async fn with_async<T>(&self, f: impl AsyncFnOnce(&mut Trainer) -> crate::Result<T>) -> Result<T, JsError> {
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

    /// `{step, epoch, stepsPerEpoch, adapter, backend, parameters, flopsPerSample, gpuBytes, config}`.
    pub fn status(&self) -> Result<JsValue, JsError> {
        let adapter = self.gpu.info.name.clone();
        let backend = format!("{:?}", self.gpu.info.backend);
        let status = self.with(|t| {
            Ok(serde_json::json!({
                "step": t.step(),
                "epoch": t.epoch(),
                "stepsPerEpoch": t.steps_per_epoch(),
                "adapter": adapter,
                "backend": backend,
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
        config.validate().map_err(js_err)?;
        let rebuild = self.with(|t| Ok(t.config.needs_rebuild(&config)))?;
        if !rebuild {
            self.with(|t| t.update_config(config.clone()).map_err(js_err))?;
            *self.config.borrow_mut() = config;
            return Ok(false);
        }
        self.rebuild(config)?;
        Ok(true)
    }

    /// Restarts from the initial weights of the current config (same seed, same run).
    pub fn reset(&self) -> Result<(), JsError> {
        let config = self.with(|t| Ok(t.config.clone()))?;
        self.rebuild(config)
    }

    fn rebuild(&self, config: ModelConfig) -> Result<(), JsError> {
        let mut slot = self.trainer.borrow_mut();
        let old = slot.as_ref().ok_or_else(|| JsError::new(if self.loaded.get() { BUSY } else { NOT_LOADED }))?;
        // Same device, pipelines and GPU-resident MNIST: only the model is new.
        let fresh = old.reconfigured(config.clone()).map_err(js_err)?;
        *slot = Some(fresh);
        *self.config.borrow_mut() = config;
        // A new model has new shapes: any tuning in progress is for the old ones.
        *self.tuner.borrow_mut() = None;
        Ok(())
    }

    /// Times the matmul kernels on this adapter for the current model's shapes and keeps the
    /// fastest; returns the choices as JSON (cache it per adapter and pass it to `use_tuning`).
    pub async fn autotune(&self) -> Result<String, JsError> {
        while self.tune_step().await? {}
        self.with(|t| Ok(t.export_tuning()))
    }

    /// Tunes one more matmul shape (largest first, a few hundred ms on a CPU-emulated GPU) and
    /// returns whether any remain, so the page can interleave tuning with training. The choices
    /// take effect when the last shape is done; every kernel gives bitwise-identical results, so a
    /// switch mid-run never changes the run.
    pub async fn tune_step(&self) -> Result<bool, JsError> {
        let existing = self.tuner.borrow_mut().take();
        let mut tuner = match existing {
            Some(t) => t,
            None => self.with(|t| {
                t.tuned.clear();
                Ok(t.tuner(2))
            })?,
        };
        self.with_async(async |t| t.tune_next(&mut tuner, now_ms).await).await?;
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
    pub fn tuning_cache(&self) -> Result<String, JsError> {
        self.with(|t| Ok(t.export_tuning()))
    }

    /// Applies cached autotuning choices; false when the cache no longer fits (then call autotune).
    pub fn use_tuning(&self, json: String) -> Result<bool, JsError> {
        self.with(|t| t.import_tuning(&json).map_err(js_err))
    }

    /// The tuned shapes: `[{form, m, n, k, kernel, timings: [[kernel, ms], …]}]` (timings are
    /// empty when the choice came from a cache). Untuned shapes use the default kernel.
    pub fn tuning_report(&self) -> Result<JsValue, JsError> {
        let rows = self.with(|t| Ok(crate::autotune::report(&t.tuned)))?;
        to_js(&rows)
    }

    /// Decodes latent points (`[n, latent]`, row-major) to pixel probabilities `[n, 784]`.
    pub async fn decode(&self, z: Vec<f32>, labels: Option<Vec<u8>>) -> Result<Vec<f32>, JsError> {
        self.with_async(async |t| t.decode(&z, labels.as_deref()).await).await
    }

    /// Posterior (μ, logvar) rows `[n, 2·latent]` of the given test images.
    pub async fn encode_test(&self, indices: Vec<u32>) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        self.with_async(async |t| {
            let (x, labels) = t.test_images(&indices);
            t.encode(&x, Some(&labels)).await
        })
        .await
    }

    /// Reconstructions σ(dec(μ(x))) of the given test images, `[n, 784]`.
    pub async fn reconstruct(&self, indices: Vec<u32>) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        self.with_async(async |t| t.reconstruct(&indices).await).await
    }

    /// Pixels in [0, 1] of the given test images, `[n, 784]`.
    pub fn test_images(&self, indices: Vec<u32>) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        self.with(|t| Ok(t.test_images(&indices).0))
    }

    /// Labels of the first `count` test images.
    pub fn test_labels(&self, count: u32) -> Vec<u8> {
        match self.data.borrow().as_ref() {
            Some((_, test)) => test.labels[..(count as usize).min(test.n)].to_vec(),
            None => Vec::new(),
        }
    }

    /// Weights and Adam's moments as one flat array (kept by the page to survive a lost device).
    pub async fn snapshot(&self) -> Result<Vec<f32>, JsError> {
        self.with_async(async |t| t.read_state().await).await
    }

    /// Continues from a snapshot at optimizer step `step`, exactly as if never interrupted
    /// (a weights-only array also works; Adam's moments then restart from zero).
    pub fn restore(&self, state: Vec<f32>, step: f64) -> Result<(), JsError> {
        self.with(|t| {
            t.write_state(&state).map_err(js_err)?;
            t.set_step(step as u64);
            Ok(())
        })
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

    /// Log importance weights of `k` draws for test image `image` (Float32Array[k]): proposal
    /// "posterior" gives log p(x|z) + log p(z) − log q(z|x) with z ~ q(z|x); "prior" gives log p(x|z)
    /// with z ~ N(0, I). log p̂_k = logsumexp(first k) − log k.
    pub async fn log_weights(&self, image: u32, k: u32, proposal: String, seed: u32) -> Result<Vec<f32>, JsError> {
        let from_prior = match proposal.as_str() {
            "prior" => true,
            "posterior" => false,
            other => return Err(JsError::new(&format!("proposal must be \"prior\" or \"posterior\", not {other:?}"))),
        };
        let k = k.clamp(1, 100_000);
        self.with_async(async |t| t.log_weights(image, k, from_prior, seed).await).await
    }

    /// The spread of the gradient estimate over `repeats` draws of ε on the current batch (no
    /// update is applied): `{repeats, encoder_variance, encoder_mean_sq, decoder_variance, decoder_mean_sq}`.
    pub async fn gradient_stats(&self, repeats: u32) -> Result<JsValue, JsError> {
        let stats = self.with_async(async |t| t.gradient_stats(repeats).await).await?;
        to_js(&stats)
    }

    /// Posterior (μ, logvar) rows `[count, 2·latent]` of test images offset.., from the GPU copy.
    pub async fn encode_test_range(&self, offset: u32, count: u32) -> Result<Vec<f32>, JsError> {
        self.with_async(async |t| t.encode_test_range(offset, count).await).await
    }

    /// The weights as a safetensors file (same format as `vaelab train`).
    pub async fn weights_file(&self) -> Result<Vec<u8>, JsError> {
        self.with_async(async |t| {
            let params = t.read_parameters().await?;
            crate::weights::to_bytes(&t.config, &params)
        })
        .await
    }
}

/// The default config as a JS object.
#[wasm_bindgen]
pub fn default_config() -> Result<JsValue, JsError> {
    to_js(&ModelConfig::default())
}

/// Parses config keys from decoded URL pairs (`[[key, value], …]`), clamping what is malformed:
/// returns `{config, notices}`. Unknown keys are ignored.
#[wasm_bindgen]
pub fn config_from_pairs(pairs: JsValue) -> Result<JsValue, JsError> {
    let pairs: Vec<(String, String)> = serde_wasm_bindgen::from_value(pairs).map_err(js_err)?;
    let (config, notices) =
        config_query::from_pairs(&ModelConfig::default(), pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    to_js(&serde_json::json!({ "config": config, "notices": notices }))
}

/// Every config key as `key=value&…` (values are plain numbers, words and commas).
#[wasm_bindgen]
pub fn config_to_query(config: JsValue) -> Result<String, JsError> {
    let config: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
    Ok(config_query::to_query(&config))
}

/// Checks a config and returns the problems in words (empty when valid).
#[wasm_bindgen]
pub fn validate_config(config: JsValue) -> String {
    match serde_wasm_bindgen::from_value::<ModelConfig>(config) {
        Ok(c) => c.validate().err().map(|e| e.to_string()).unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}
