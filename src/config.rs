//! The model and training configuration: one serde struct shared by the CLI, the page, the URL
//! and the weights file. `validate` names every out-of-range field; `clamp` repairs one for the page.

use serde::{Deserialize, Serialize};

use crate::error::{Result, VaeError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Binarize {
    /// Grey pixels in [0, 1] are the Bernoulli targets (PyTorch examples/vae).
    None,
    /// x ~ Bernoulli(pixel) drawn afresh every time an image is used.
    Dynamic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// recon + β·KL, with the KL weight warmed up linearly over `kl_warmup` steps.
    Elbo,
    /// recon + γ·|KL − C|, C annealed linearly from 0 to `capacity_max` over `capacity_steps`.
    Capacity,
    /// The importance-weighted bound −log (1/K) Σ_k w_k over K = `samples` draws (Burda et al.
    /// 2016); with K = 1 it equals the ELBO.
    Iwae,
}

/// Every knob of a run. Defaults are PyTorch examples/vae: 784-400-20-400-784, ReLU, Adam 1e-3,
/// batch 128, β = 1, grey pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    pub enc_hidden: Vec<u32>,
    pub dec_hidden: Vec<u32>,
    pub latent: u32,
    pub activation: Activation,
    pub objective: Objective,
    pub beta: f32,
    pub gamma: f32,
    pub capacity_max: f32,
    pub capacity_steps: u32,
    pub kl_warmup: u32,
    pub lr: f32,
    pub batch_size: u32,
    pub seed: u32,
    pub binarize: Binarize,
    pub conditional: bool,
    /// Samples of z per data point (K-sample ELBO); 1 is the usual VAE.
    pub samples: u32,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            enc_hidden: vec![400],
            dec_hidden: vec![400],
            latent: 20,
            activation: Activation::Relu,
            objective: Objective::Elbo,
            beta: 1.0,
            gamma: 1000.0,
            capacity_max: 25.0,
            capacity_steps: 10_000,
            kl_warmup: 0,
            lr: 1e-3,
            batch_size: 128,
            seed: 1,
            binarize: Binarize::None,
            conditional: false,
            samples: 1,
        }
    }
}

/// Ranges the UI and the validator agree on.
pub mod limits {
    pub const HIDDEN_LAYERS: (usize, usize) = (1, 3);
    pub const HIDDEN_UNITS: (u32, u32) = (1, 4096);
    pub const LATENT: (u32, u32) = (1, 64);
    pub const BETA: (f32, f32) = (0.0, 100.0);
    pub const GAMMA: (f32, f32) = (0.0, 10_000.0);
    pub const CAPACITY_MAX: (f32, f32) = (0.0, 500.0);
    pub const STEPS: (u32, u32) = (0, 10_000_000);
    pub const LR: (f32, f32) = (1e-6, 1.0);
    pub const BATCH: (u32, u32) = (1, 4096);
    pub const SAMPLES: (u32, u32) = (1, 64);
}

fn check_range<T: PartialOrd + Copy + std::fmt::Display>(
    problems: &mut Vec<String>,
    name: &str,
    value: T,
    (lo, hi): (T, T),
) {
    // `!(a <= b)` also rejects NaN.
    if !(lo <= value && value <= hi) {
        problems.push(format!("{name} = {value} is outside [{lo}, {hi}]"));
    }
}

impl ModelConfig {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<()> {
        use limits::*;
        let mut problems = Vec::new();
        for (name, layers) in [("enc_hidden", &self.enc_hidden), ("dec_hidden", &self.dec_hidden)] {
            if layers.len() < HIDDEN_LAYERS.0 || layers.len() > HIDDEN_LAYERS.1 {
                problems.push(format!(
                    "{name} has {} layers; use {} to {}",
                    layers.len(),
                    HIDDEN_LAYERS.0,
                    HIDDEN_LAYERS.1
                ));
            }
            for &units in layers.iter() {
                check_range(&mut problems, name, units, HIDDEN_UNITS);
            }
        }
        check_range(&mut problems, "latent", self.latent, LATENT);
        check_range(&mut problems, "beta", self.beta, BETA);
        check_range(&mut problems, "gamma", self.gamma, GAMMA);
        check_range(&mut problems, "capacity_max", self.capacity_max, CAPACITY_MAX);
        check_range(&mut problems, "capacity_steps", self.capacity_steps, STEPS);
        check_range(&mut problems, "kl_warmup", self.kl_warmup, STEPS);
        check_range(&mut problems, "lr", self.lr, LR);
        check_range(&mut problems, "batch_size", self.batch_size, BATCH);
        check_range(&mut problems, "samples", self.samples, SAMPLES);
        if problems.is_empty() { Ok(()) } else { Err(VaeError::Config(problems.join("; "))) }
    }

    /// Parses a JSON config (a CLI `--config` file or the page); unknown keys are an error here.
    pub fn from_json(text: &str) -> Result<Self> {
        let config: ModelConfig =
            serde_json::from_str(text).map_err(|e| VaeError::Config(format!("not a valid config: {e}")))?;
        config.validate()?;
        Ok(config)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a config always serializes")
    }

    /// The weight the KL term gets at optimizer step `step` (0-based) under the ELBO objective.
    pub fn kl_weight_at(&self, step: u64) -> f32 {
        if self.kl_warmup == 0 {
            return self.beta;
        }
        let ramp = ((step + 1) as f64 / self.kl_warmup as f64).min(1.0);
        (self.beta as f64 * ramp) as f32
    }

    /// The capacity C(t) of γ·|KL − C| at step `step`, annealed linearly from 0 to `capacity_max`.
    pub fn capacity_at(&self, step: u64) -> f32 {
        if self.capacity_steps == 0 {
            return self.capacity_max;
        }
        let ramp = (step as f64 / self.capacity_steps as f64).min(1.0);
        (self.capacity_max as f64 * ramp) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_round_trips() {
        let config = ModelConfig::default();
        config.validate().unwrap();
        assert_eq!(ModelConfig::from_json(&config.to_json()).unwrap(), config);
    }

    #[test]
    fn validate_lists_every_problem() {
        let config = ModelConfig { latent: 0, lr: f32::NAN, enc_hidden: vec![], ..Default::default() };
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("latent = 0"), "{message}");
        assert!(message.contains("lr = NaN"), "{message}");
        assert!(message.contains("enc_hidden has 0 layers"), "{message}");
    }

    #[test]
    fn unknown_json_keys_are_rejected() {
        let err = ModelConfig::from_json(r#"{"latnet": 2}"#).unwrap_err().to_string();
        assert!(err.contains("latnet"), "{err}");
    }

    #[test]
    fn schedules() {
        let config =
            ModelConfig { kl_warmup: 100, beta: 2.0, capacity_steps: 10, capacity_max: 5.0, ..Default::default() };
        assert!((config.kl_weight_at(0) - 0.02).abs() < 1e-6);
        assert_eq!(config.kl_weight_at(99), 2.0);
        assert_eq!(config.kl_weight_at(1000), 2.0);
        assert_eq!(config.capacity_at(0), 0.0);
        assert_eq!(config.capacity_at(5), 2.5);
        assert_eq!(config.capacity_at(50), 5.0);
    }
}
