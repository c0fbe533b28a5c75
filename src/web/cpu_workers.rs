//! The CPU engine's wasm edge, one instance per Web Worker: `CpuLeader` owns the data, the step
//! records, the batch reduction, merge + Adam and evaluation; each `CpuFollower` runs one shard.
//!
//! A step (www/cpu/leader.js moves the pieces): `begin_step` → every follower's `forward` (its
//! `input`, the `params`) → `reduce` → followers' `backward` when the KL weight was not known in
//! advance → `finish` with every follower's `blocks`, in follower order. Same bits as `CpuTrainer`.

use std::sync::Arc;

use js_sys::{Object, Reflect, Uint8Array, Uint32Array};
use wasm_bindgen::prelude::*;

use super::{dataset, js_err, to_js};
use crate::config::ModelConfig;
use crate::cpu::StepUniform;
use crate::cpu_train::step::{Block, known_kl_weight};
use crate::cpu_train::{Coordinator, Rows, Shard, train_shape};
use crate::data::Dataset;
use crate::model::Architecture;

fn config_of(config: JsValue) -> Result<ModelConfig, JsError> {
    let config: ModelConfig = serde_wasm_bindgen::from_value(config).map_err(js_err)?;
    config.validate().map_err(js_err)?;
    Ok(config)
}

fn record_of(words: &[u32]) -> Result<StepUniform, JsError> {
    let words: [u32; 12] = words.try_into().map_err(|_| JsError::new("a step record has 12 words"))?;
    Ok(bytemuck::cast(words))
}

/// One training shard in a worker: forward and backward over its units of the batch.
#[wasm_bindgen]
pub struct CpuFollower {
    shard: Shard,
    config: ModelConfig,
    workers: usize,
    index: usize,
    params: Vec<f32>,
}

#[wasm_bindgen]
impl CpuFollower {
    /// Shard `index` of `workers` for `config`.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, workers: u32, index: u32) -> Result<CpuFollower, JsError> {
        let config = config_of(config)?;
        let (workers, index) = (workers as usize, index as usize);
        if !(1..=crate::cpu::UNITS).contains(&workers) || index >= workers {
            return Err(JsError::new(&format!("shard {index} of {workers} workers")));
        }
        let shard = Shard::new(&Architecture::new(&config), train_shape(&config, workers, index));
        Ok(CpuFollower { shard, config, workers, index, params: Vec::new() })
    }

    /// Rebuilds the shard when `config` changes its shape (model, batch, samples, objective).
    pub fn set_config(&mut self, config: JsValue) -> Result<(), JsError> {
        let config = config_of(config)?;
        let shape = train_shape(&config, self.workers, self.index);
        if shape != self.shard.shape || Architecture::new(&config) != Architecture::new(&self.config) {
            self.shard = Shard::new(&Architecture::new(&config), shape);
        }
        self.config = config;
        Ok(())
    }

    /// The forward pass over this shard's picked rows (and backward when `known_kl` is given);
    /// returns the row stats `[rows·samples, 4]`.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &mut self,
        params: Vec<f32>,
        record: Vec<u32>,
        first_row: u32,
        bytes: Vec<u8>,
        image_index: Vec<u32>,
        labels: Vec<u32>,
        n_images: u32,
        known_kl: Option<f32>,
    ) -> Result<Vec<f32>, JsError> {
        let record = record_of(&record)?;
        if params.len() != Architecture::new(&self.config).total {
            return Err(JsError::new("parameters of another model"));
        }
        self.params = params;
        let rows = Rows { record, first_row, bytes: &bytes, image_index: &image_index, labels: &labels };
        self.shard.forward(&self.params, &rows, n_images as usize);
        if let Some(w) = known_kl {
            self.shard.backward(&self.params, w);
        }
        Ok(self.shard.row_stats.clone())
    }

    /// The backward pass with the step's KL gradient weight (capacity objective).
    pub fn backward(&mut self, kl_weight: f32) {
        self.shard.backward(&self.params, kl_weight);
    }

    /// The weight-gradient partials, concatenated (each over every parameter), copied once,
    /// straight into a JS array.
    pub fn blocks(&self) -> js_sys::Float32Array {
        let len: usize = self.shard.blocks.iter().map(Vec::len).sum();
        let out = js_sys::Float32Array::new_with_length(len as u32);
        let mut at = 0;
        for block in &self.shard.blocks {
            out.subarray(at, at + block.len() as u32).copy_from(block);
            at += block.len() as u32;
        }
        out
    }

    /// (first unit, units) of each partial, flattened.
    pub fn block_units(&self) -> Vec<u32> {
        self.shard.block_units.iter().flat_map(|&(a, b)| [a as u32, b as u32]).collect()
    }
}

/// The coordinator of a CPU run in its own worker.
#[wasm_bindgen]
pub struct CpuLeader {
    run: Coordinator,
    record: StepUniform,
    figures: [f32; 4],
    /// The followers' partials of the current step: (units, blocks).
    partials: Vec<(Vec<u32>, Vec<f32>)>,
    /// Shards for gradient draws (lesson 5), built when first asked for.
    local: Vec<Shard>,
}

#[wasm_bindgen]
impl CpuLeader {
    /// Parses the four MNIST IDX files and initialises the model of `config` from its seed, for
    /// `workers` follower shards.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: JsValue,
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
        workers: u32,
    ) -> Result<CpuLeader, JsError> {
        let config = config_of(config)?;
        let train = Arc::new(dataset(train_images, train_labels, "train")?);
        let test = Arc::new(dataset(test_images, test_labels, "t10k")?);
        let run = Coordinator::new(config, train, test, workers as usize, 1).map_err(js_err)?;
        Ok(CpuLeader {
            run,
            record: StepUniform::default(),
            figures: [0.0; 4],
            partials: Vec::new(),
            local: Vec::new(),
        })
    }

    /// Replaces the data with four other IDX files (another data set, or the reader's own) and
    /// starts a new model of the current config on them; on a bad file the run is untouched.
    pub fn load_data(
        &mut self,
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
    ) -> Result<(), JsError> {
        let train = Arc::new(dataset(train_images, train_labels, "train")?);
        let test = Arc::new(dataset(test_images, test_labels, "t10k")?);
        let mut run = Coordinator::new(self.run.config.clone(), train, test, self.run.workers, 1).map_err(js_err)?;
        run.test_every = self.run.test_every;
        self.run = run;
        self.local.clear();
        Ok(())
    }

    fn rebuilt(&self, config: ModelConfig) -> Result<Coordinator, JsError> {
        let (train, test): (Arc<Dataset>, Arc<Dataset>) = (self.run.train.clone(), self.run.test.clone());
        let mut run = Coordinator::new(config, train, test, self.run.workers, 1).map_err(js_err)?;
        run.test_every = self.run.test_every;
        Ok(run)
    }

    pub fn workers(&self) -> u32 {
        self.run.workers as u32
    }

    /// Starts the next step; returns its KL gradient weight when known before the reduction.
    pub fn begin_step(&mut self) -> Option<f32> {
        self.partials.clear();
        self.record = self.run.record();
        known_kl_weight(&self.record, self.run.config.objective == crate::config::Objective::Iwae)
    }

    /// The step record as 12 words (followers key their noise by it).
    pub fn record_words(&self) -> Vec<u32> {
        bytemuck::cast::<StepUniform, [u32; 12]>(self.record).to_vec()
    }

    /// The current parameters as a view into this instance's memory: valid only until the next
    /// call into the engine, so copy it at once (`view.slice()`, one copy per follower).
    pub fn params_view(&self) -> js_sys::Float32Array {
        // SAFETY: the view is copied by the caller before any other call can grow or move memory.
        unsafe { js_sys::Float32Array::view(&self.run.opt.params) }
    }

    /// `{firstRow, bytes, imageIndex, labels, nImages}`: the rows follower `w` reads this step.
    pub fn input(&self, w: u32) -> Result<JsValue, JsError> {
        if w as usize >= self.run.workers {
            return Err(JsError::new(&format!("no follower {w}")));
        }
        let input = self.run.shard_input(w as usize, &self.record);
        let out = Object::new();
        let set = |k: &str, v: &JsValue| Reflect::set(&out, &k.into(), v).map(|_| ());
        set("firstRow", &input.first_row.into()).map_err(|_| JsError::new("input"))?;
        set("bytes", &Uint8Array::from(&input.picked.bytes[..]).into()).map_err(|_| JsError::new("input"))?;
        set("imageIndex", &Uint32Array::from(&input.picked.image_index[..]).into())
            .map_err(|_| JsError::new("input"))?;
        set("labels", &Uint32Array::from(&input.picked.labels[..]).into()).map_err(|_| JsError::new("input"))?;
        set("nImages", &(self.run.train.n as u32).into()).map_err(|_| JsError::new("input"))?;
        Ok(out.into())
    }

    /// The step's figures from every follower's row stats, concatenated in follower order;
    /// returns the KL gradient weight for `backward`.
    pub fn reduce(&mut self, stats: Vec<f32>) -> f32 {
        self.figures = self.run.reduce(&self.record, &[&stats]);
        self.figures[3]
    }

    /// Keeps one follower's partials (`blocks` concatenated, `units` their (first, count) pairs)
    /// for `finish`; add every follower's, in follower order.
    pub fn add_partials(&mut self, blocks: Vec<f32>, units: Vec<u32>) -> Result<(), JsError> {
        let len = self.run.opt.params.len();
        if !units.len().is_multiple_of(2) || blocks.len() != units.len() / 2 * len {
            return Err(JsError::new("partials do not match their units"));
        }
        self.partials.push((units, blocks));
        Ok(())
    }

    /// Merges the partials, takes Adam's step, records the metrics and runs a test probe when due.
    pub fn finish(&mut self) {
        let len = self.run.opt.params.len();
        let partials = std::mem::take(&mut self.partials);
        let blocks: Vec<Block> = partials
            .iter()
            .flat_map(|(units, blocks)| units.chunks_exact(2).zip(blocks.chunks_exact(len)))
            .map(|(u, b)| ((u[0] as usize, u[1] as usize), b))
            .collect();
        let record = self.record;
        self.run.finish(&record, self.figures, &blocks, 1);
    }

    /// `{train: [...], test: [...]}` metrics since the last call.
    pub fn take_metrics(&mut self) -> Result<JsValue, JsError> {
        let (train, test) = self.run.take_metrics();
        to_js(&serde_json::json!({ "train": train, "test": test }))
    }

    pub fn set_test_every(&mut self, every: u32) {
        self.run.test_every = every;
    }

    /// Applies `config`: in place when no key restarts the run, else a new model from its seed.
    /// Returns whether the model was rebuilt.
    pub fn set_config(&mut self, config: JsValue) -> Result<bool, JsError> {
        let config = config_of(config)?;
        self.local.clear();
        if self.run.config.needs_rebuild(&config) {
            self.run = self.rebuilt(config)?;
            return Ok(true);
        }
        self.run.update_config(config).map_err(js_err)?;
        Ok(false)
    }

    /// Opens a weights file (`name` for messages): a new model of the file's config with its weights,
    /// fresh Adam state, at step 0. Returns `{config, notices}`; on any problem the run is untouched.
    /// The followers then need the new config (leader.js sends it).
    pub fn import_weights(&mut self, bytes: Vec<u8>, name: String) -> Result<JsValue, JsError> {
        let imported = crate::weights::read(&bytes, &name).map_err(js_err)?;
        let mut run = self.rebuilt(imported.config.clone())?;
        run.write_state(&imported.params).map_err(js_err)?;
        self.run = run;
        self.local.clear();
        to_js(&serde_json::json!({ "config": imported.config, "notices": imported.notices }))
    }

    /// Restarts from the initial weights of the current config.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.run = self.rebuilt(self.run.config.clone())?;
        Ok(())
    }

    /// Weights and both Adam moments, concatenated.
    pub fn snapshot(&self) -> Vec<f32> {
        self.run.state()
    }

    /// Continues from a snapshot (or weights alone) at optimizer step `step`.
    pub fn restore(&mut self, state: Vec<f32>, step: f64) -> Result<(), JsError> {
        self.run.write_state(&state).map_err(js_err)?;
        self.run.step = step as u64;
        Ok(())
    }

    /// `{step, epoch, stepsPerEpoch, nTrain, nTest, parameters, flopsPerSample, isa, config}`.
    pub fn status(&self) -> Result<JsValue, JsError> {
        let (c, n) = (&self.run.config, self.run.train.n as u64);
        to_js(&serde_json::json!({
            "step": self.run.step,
            "epoch": (self.run.step * c.batch_size as u64) as f64 / n as f64,
            "stepsPerEpoch": n.div_ceil(c.batch_size as u64),
            "nTrain": n,
            "nTest": self.run.test.n,
            "parameters": self.run.arch.parameter_count(),
            "flopsPerSample": self.run.arch.train_flops_per_sample(),
            "isa": crate::cpu::isa(),
            "config": c,
        }))
    }

    pub fn decode(&self, z: Vec<f32>, labels: Option<Vec<u8>>) -> Vec<f32> {
        self.run.eval(1).decode(&z, labels.as_deref())
    }

    pub fn encode_test(&self, indices: Vec<u32>) -> Vec<f32> {
        let eval = self.run.eval(1);
        let (x, labels) = eval.test_images(&indices.iter().map(|&i| i as usize).collect::<Vec<_>>());
        eval.encode(&x, Some(&labels))
    }

    pub fn reconstruct(&self, indices: Vec<u32>) -> Vec<f32> {
        self.run.eval(1).reconstruct(&indices.iter().map(|&i| i as usize).collect::<Vec<_>>())
    }

    pub fn test_images(&self, indices: Vec<u32>) -> Vec<f32> {
        self.run.eval(1).test_images(&indices.iter().map(|&i| i as usize).collect::<Vec<_>>()).0
    }

    pub fn test_labels(&self, count: u32) -> Vec<u8> {
        self.run.test.labels[..(count as usize).min(self.run.test.n)].to_vec()
    }

    pub fn encode_test_range(&self, offset: u32, count: u32) -> Vec<f32> {
        self.run.eval(1).encode_test_range(offset, count)
    }

    /// Log importance weights of `k` draws for test image `image` ("posterior" or "prior").
    pub fn log_weights(&self, image: u32, k: u32, proposal: String, seed: u32) -> Result<Vec<f32>, JsError> {
        let from_prior = match proposal.as_str() {
            "prior" => true,
            "posterior" => false,
            other => return Err(JsError::new(&format!("proposal must be \"prior\" or \"posterior\", not {other:?}"))),
        };
        Ok(self.run.eval(1).log_weights(image, k.clamp(1, 100_000), from_prior, seed))
    }

    /// The gradient's spread over `repeats` draws of ε on the next batch (no update).
    pub fn gradient_stats(&mut self, repeats: u32) -> Result<JsValue, JsError> {
        if self.local.is_empty() {
            self.local = (0..self.run.workers).map(|w| Shard::new(&self.run.arch, self.run.train_shape(w))).collect();
        }
        to_js(&crate::cpu_train::gradient_stats(&self.run, &mut self.local, repeats))
    }

    /// The test-set ELBO of the current weights: `{loss, recon, kl, active_units, images}`.
    pub fn evaluate(&self) -> Result<JsValue, JsError> {
        to_js(&self.run.eval(1).evaluate())
    }

    /// The weights as a safetensors file (same format as `vaelab train`).
    pub fn weights_file(&self) -> Result<Vec<u8>, JsError> {
        crate::weights::to_bytes(&self.run.config, &self.run.opt.params).map_err(js_err)
    }
}
