//! The page's views and model I/O on the WebGPU engine: decoding and encoding points and test
//! images, reconstructions, importance weights, gradient statistics, snapshots, evaluation and
//! weights files out (`weights_file`) and in (`import_weights`).

use wasm_bindgen::prelude::*;

use super::engine::Engine;
use super::{js_err, to_js};

#[wasm_bindgen]
impl Engine {
    /// Decodes latent points (`[n, latent]`, row-major) to pixel probabilities `[n, 784]`.
    pub async fn decode(&self, z: Vec<f32>, labels: Option<Vec<u8>>) -> Result<Vec<f32>, JsError> {
        self.with_async(async |t| t.eval().decode(&z, labels.as_deref()).await).await
    }

    /// Posterior (μ, logvar) rows `[n, 2·latent]` of the given test images.
    pub async fn encode_test(&self, indices: Vec<u32>) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        self.with_async(async |t| {
            let (x, labels) = t.eval().test_images(&indices);
            t.eval().encode(&x, Some(&labels)).await
        })
        .await
    }

    /// Reconstructions σ(dec(μ(x))) of the given test images, `[n, 784]`.
    pub async fn reconstruct(&self, indices: Vec<u32>) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        self.with_async(async |t| t.eval().reconstruct(&indices).await).await
    }

    /// Pixels in [0, 1] of the given test images, `[n, 784]`.
    pub fn test_images(&self, indices: Vec<u32>) -> Result<Vec<f32>, JsError> {
        let indices: Vec<usize> = indices.into_iter().map(|i| i as usize).collect();
        self.with(|t| Ok(t.eval().test_images(&indices).0))
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
        self.with_async(async |t| t.eval().log_weights(image, k, from_prior, seed).await).await
    }

    /// The spread of the gradient estimate over `repeats` draws of ε on the current batch (no
    /// update is applied): `{repeats, encoder_variance, encoder_mean_sq, decoder_variance, decoder_mean_sq}`.
    pub async fn gradient_stats(&self, repeats: u32) -> Result<JsValue, JsError> {
        let stats = self.with_async(async |t| t.gradient_stats(repeats).await).await?;
        to_js(&stats)
    }

    /// Posterior (μ, logvar) rows `[count, 2·latent]` of test images offset.., from the GPU copy.
    pub async fn encode_test_range(&self, offset: u32, count: u32) -> Result<Vec<f32>, JsError> {
        self.with_async(async |t| t.eval().encode_test_range(offset, count).await).await
    }

    /// The weights as a safetensors file (same format as `vaelab train`).
    pub async fn weights_file(&self) -> Result<Vec<u8>, JsError> {
        self.with_async(async |t| {
            let params = t.read_parameters().await?;
            crate::weights::to_bytes(&t.config, &params)
        })
        .await
    }

    /// Opens a weights file (`name` for messages): a new model of the file's config with its weights,
    /// fresh Adam state, at step 0. Returns `{config, notices}`; on any problem (the file, or a model
    /// this device cannot hold) the error says what and the running model is untouched.
    pub fn import_weights(&self, bytes: Vec<u8>, name: String) -> Result<JsValue, JsError> {
        let imported = crate::weights::read(&bytes, &name).map_err(js_err)?;
        self.replace_model(imported.config.clone(), Some(&imported.params))
            .map_err(|e| JsError::new(&format!("weights file {name}: {e}")))?;
        to_js(&serde_json::json!({ "config": imported.config, "notices": imported.notices }))
    }

    /// The test-set ELBO of the current weights: `{loss, recon, kl, active_units, images}`.
    pub async fn evaluate(&self) -> Result<JsValue, JsError> {
        let evaluation = self.with_async(async |t| t.eval().evaluate().await).await?;
        to_js(&evaluation)
    }
}
