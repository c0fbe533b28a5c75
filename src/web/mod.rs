//! The wasm-bindgen edge. Errors become `JsError` here and nowhere else; configs and metrics
//! cross as plain JS objects via serde-wasm-bindgen. `Engine` (engine.rs) is the WebGPU engine,
//! `CpuLeader`/`CpuFollower` (cpu_workers.rs) the CPU engine's workers, `OdeLab` (ode.rs) the
//! latent ODE, `VrnnLab` (vrnn.rs) the VRNN, `VrnnGpu`/`OdeGpu` (seq_gpu.rs) their GPU training; the config functions below need no engine and work as soon as the module is loaded.

use wasm_bindgen::prelude::*;

mod cpu_bench;
mod cpu_workers;
// The sequence labs ship in the main module the lessons load (vaelab.js), not in the CPU engine's
// worker builds: see ARCHITECTURE.md, "The worker builds stay as they are" (lib.rs gates src/seq too).
#[cfg(feature = "gpu")]
mod ode;
#[cfg(feature = "gpu")]
mod seq_gpu;
#[cfg(feature = "gpu")]
mod vrnn;
use crate::config::{ModelConfig, Replay};
use crate::data::Dataset;
use crate::data::idx::parse_idx_owned;
pub use cpu_bench::CpuKernelBench;
pub use cpu_workers::{CpuFollower, CpuLeader};
#[cfg(feature = "gpu")]
pub use ode::OdeLab;
#[cfg(feature = "gpu")]
pub use seq_gpu::{OdeGpu, VrnnGpu};
#[cfg(feature = "gpu")]
pub use vrnn::VrnnLab;

#[cfg(feature = "gpu")]
mod bench;
#[cfg(feature = "gpu")]
mod engine;
#[cfg(feature = "gpu")]
mod engine_views;
#[cfg(feature = "gpu")]
pub use bench::KernelBench;
#[cfg(feature = "gpu")]
pub use engine::Engine;

/// The sequence labs' `train(steps)` (CPU and GPU) take at least one step.
#[cfg(feature = "gpu")]
fn check_steps(steps: u32) -> Result<(), JsError> {
    if steps == 0 {
        return Err(JsError::new("train(steps) takes at least one step"));
    }
    Ok(())
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

pub(crate) fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

pub(crate) fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(js_err)
}
pub(crate) fn dataset(images: Vec<u8>, labels: Vec<u8>, name: &str) -> Result<Dataset, JsError> {
    let images = parse_idx_owned(images, std::path::Path::new(&format!("{name}-images"))).map_err(js_err)?;
    let labels = parse_idx_owned(labels, std::path::Path::new(&format!("{name}-labels"))).map_err(js_err)?;
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

/// The default config as a JS object.
#[wasm_bindgen]
pub fn default_config() -> Result<JsValue, JsError> {
    to_js(&ModelConfig::default())
}

/// The table of config keys (`[{key, label, help, kind, choices, default, min, max, layers,
/// slider, restarts, restartsWhen, shape}]`): the pages build their controls from it.
#[wasm_bindgen]
pub fn config_schema() -> Result<JsValue, JsError> {
    to_js(&crate::config::schema_json())
}

pub(crate) fn decode_pairs(pairs: JsValue) -> Result<Vec<(String, String)>, JsError> {
    serde_wasm_bindgen::from_value(pairs).map_err(js_err)
}

pub(crate) fn pairs_over(base: &ModelConfig, pairs: &[(String, String)]) -> (ModelConfig, Vec<String>) {
    base.with_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Parses config keys from decoded URL pairs (`[[key, value], …]`) over the defaults, clamping
/// what is malformed: returns `{config, notices}`. Unknown keys are ignored.
#[wasm_bindgen]
pub fn config_from_pairs(pairs: JsValue) -> Result<JsValue, JsError> {
    apply_pairs(default_config()?, pairs)
}

/// As `config_from_pairs`, over `config` instead of the defaults.
#[wasm_bindgen]
pub fn apply_pairs(config: JsValue, pairs: JsValue) -> Result<JsValue, JsError> {
    let base: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
    let (config, notices) = pairs_over(&base, &decode_pairs(pairs)?);
    to_js(&serde_json::json!({ "config": config, "notices": notices }))
}

/// Every config key as `key=value&…` (values are plain numbers, words and commas).
#[wasm_bindgen]
pub fn config_to_query(config: JsValue) -> Result<String, JsError> {
    let config: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
    Ok(config.to_query())
}

/// The named presets (`preset=NAME` in links): `[{name, pairs}]`, `pairs` as a link's text.
#[wasm_bindgen]
pub fn config_presets() -> Result<JsValue, JsError> {
    let rows: Vec<_> = crate::config::PRESETS
        .iter()
        .map(|(name, pairs)| serde_json::json!({ "name": name, "pairs": pairs }))
        .collect();
    to_js(&rows)
}

/// Whether going from config `from` to `to` restarts the run (a new model from its seed).
#[wasm_bindgen]
pub fn restarts_run(from: JsValue, to: JsValue) -> Result<bool, JsError> {
    let from: ModelConfig = serde_wasm_bindgen::from_value(from).map_err(js_err)?;
    let to: ModelConfig = serde_wasm_bindgen::from_value(to).map_err(js_err)?;
    Ok(from.needs_rebuild(&to))
}

/// Checks a config and returns the problems in words (empty when valid).
#[wasm_bindgen]
pub fn validate_config(config: JsValue) -> String {
    match serde_wasm_bindgen::from_value::<ModelConfig>(config) {
        Ok(c) => c.validate().err().map(|e| e.to_string()).unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

/// Reads a link's `steps` and `edits` texts (either may be undefined) for a run that starts from
/// `config`: `{steps, edits: [{step, pairs: [[key, value], …]}], notices}`, clamped and explained
/// like every config key (config/replay.rs).
#[wasm_bindgen]
pub fn replay_from_link(config: JsValue, steps: Option<String>, edits: Option<String>) -> Result<JsValue, JsError> {
    let start: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
    let (replay, notices) = Replay::from_link(&start, steps.as_deref(), edits.as_deref());
    to_js(&serde_json::json!({ "steps": replay.steps, "edits": replay.edits, "notices": notices }))
}

/// The link text of a replay `{steps, edits}`: `steps=N` and, with edits, `&edits=STEP:key=value;…`.
#[wasm_bindgen]
pub fn replay_to_link(replay: JsValue) -> Result<String, JsError> {
    let replay: Replay = serde_wasm_bindgen::from_value(replay).map_err(js_err)?;
    Ok(replay.to_link())
}
