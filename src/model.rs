//! The network's shape: which dense layers exist, how big they are, and where each one's weight
//! and bias live in the single flat parameter buffer that Adam updates in one dispatch.

use crate::config::{Activation, ModelConfig, OutputBias};
use crate::kernels::matmul::{ACT_NONE, ACT_RELU, ACT_TANH};
use crate::rng;

pub const PIXELS: usize = 784;
pub const CLASSES: usize = 10;
/// Tensors start on 64-float (256-byte) boundaries: WebGPU's storage binding offset alignment.
pub const ALIGN_FLOATS: usize = 64;
/// The mean pixel is clipped to [c, 1 − c] before its logit (Burda et al.'s code, pytorch_burda.py).
pub const MEAN_CLIP: f64 = 1e-3;

/// One dense layer y = act(x·Wᵀ + b); W [outputs, inputs] then b [outputs] at `offset`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// `enc.0`, `enc.head` (μ and logvar stacked), `dec.0`, `dec.out`.
    pub name: String,
    pub inputs: usize,
    pub outputs: usize,
    /// matmul ACT_* code applied after the bias.
    pub act: u32,
    pub offset: usize,
}

impl Layer {
    pub fn weight_len(&self) -> usize {
        self.inputs * self.outputs
    }

    pub fn len(&self) -> usize {
        self.weight_len() + self.outputs
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn bias_offset(&self) -> usize {
        self.offset + self.weight_len()
    }
}

/// All layers in forward order: encoder hidden, head, decoder hidden, output.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    pub layers: Vec<Layer>,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub latent: usize,
    /// Encoder input width: 784, plus 10 for the label one-hot of a conditional model.
    pub enc_input: usize,
    /// Decoder input width: latent, plus 10 when conditional.
    pub dec_input: usize,
    pub conditional: bool,
    /// Total floats in the flat parameter buffer (a multiple of ALIGN_FLOATS).
    pub total: usize,
}

pub fn act_code(activation: Activation) -> u32 {
    match activation {
        Activation::Relu => ACT_RELU,
        Activation::Tanh => ACT_TANH,
    }
}

impl Architecture {
    pub fn new(config: &ModelConfig) -> Self {
        let act = act_code(config.activation);
        let latent = config.latent as usize;
        let extra = if config.conditional { CLASSES } else { 0 };
        let mut layers = Vec::new();
        let mut offset = 0;
        let mut push = |name: String, inputs: usize, outputs: usize, act: u32| {
            let layer = Layer { name, inputs, outputs, act, offset };
            offset = (offset + layer.len()).next_multiple_of(ALIGN_FLOATS);
            layers.push(layer);
        };
        let mut width = PIXELS + extra;
        for (i, &units) in config.enc_hidden.iter().enumerate() {
            push(format!("enc.{i}"), width, units as usize, act);
            width = units as usize;
        }
        push("enc.head".into(), width, 2 * latent, ACT_NONE);
        width = latent + extra;
        for (i, &units) in config.dec_hidden.iter().enumerate() {
            push(format!("dec.{i}"), width, units as usize, act);
            width = units as usize;
        }
        push("dec.out".into(), width, PIXELS, ACT_NONE);
        Architecture {
            layers,
            encoder_layers: config.enc_hidden.len(),
            decoder_layers: config.dec_hidden.len(),
            latent,
            enc_input: PIXELS + extra,
            dec_input: latent + extra,
            conditional: config.conditional,
            total: offset,
        }
    }

    pub fn encoder(&self) -> &[Layer] {
        &self.layers[..self.encoder_layers]
    }

    pub fn head(&self) -> &Layer {
        &self.layers[self.encoder_layers]
    }

    pub fn decoder(&self) -> &[Layer] {
        &self.layers[self.encoder_layers + 1..self.encoder_layers + 1 + self.decoder_layers]
    }

    pub fn output(&self) -> &Layer {
        &self.layers[self.layers.len() - 1]
    }

    pub fn parameter_count(&self) -> usize {
        self.layers.iter().map(Layer::len).sum()
    }

    /// Multiply-adds ×2 of one training step per sample: forward, plus the backward's data and
    /// weight gradients (the first layer needs no input gradient).
    pub fn train_flops_per_sample(&self) -> f64 {
        let macs: usize = self.layers.iter().map(Layer::weight_len).sum();
        let first = self.layers[0].weight_len();
        2.0 * (3 * macs - first) as f64
    }

    /// PyTorch-style seeded init, padding left at zero.
    pub fn init_parameters(&self, seed: u32) -> Vec<f32> {
        let mut params = vec![0f32; self.total];
        for (index, layer) in self.layers.iter().enumerate() {
            let values = rng::linear_init(seed, index as u32, layer.inputs, layer.len());
            params[layer.offset..layer.offset + layer.len()].copy_from_slice(&values);
        }
        params
    }

    /// The initial weights of `config`'s model: the seeded init, with the output bias set to
    /// `output_bias_from_mean(pixel_mean)` when `output_bias = mean` (`pixel_mean`: the training
    /// set's `Dataset::pixel_mean`, 784 values; unused otherwise).
    pub fn initial_parameters(&self, config: &ModelConfig, pixel_mean: &[f32]) -> Vec<f32> {
        let mut params = self.init_parameters(config.seed);
        if config.output_bias == OutputBias::Mean {
            let out = self.output();
            let bias = &mut params[out.bias_offset()..out.bias_offset() + out.outputs];
            bias.copy_from_slice(&output_bias_from_mean(pixel_mean));
        }
        params
    }
}

/// logit(clip(mean)) per pixel, in f64 then rounded: σ(bias) is then the data's marginal.
pub fn output_bias_from_mean(pixel_mean: &[f32]) -> Vec<f32> {
    assert_eq!(pixel_mean.len(), PIXELS, "one mean per pixel");
    pixel_mean
        .iter()
        .map(|&m| {
            let m = (m as f64).clamp(MEAN_CLIP, 1.0 - MEAN_CLIP);
            (m.ln() - (-m).ln_1p()) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout() {
        let arch = Architecture::new(&ModelConfig::default());
        let names: Vec<_> = arch.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["enc.0", "enc.head", "dec.0", "dec.out"]);
        assert_eq!(arch.parameter_count(), 784 * 400 + 400 + 400 * 40 + 40 + 20 * 400 + 400 + 400 * 784 + 784);
        assert!(arch.layers.iter().all(|l| l.offset % ALIGN_FLOATS == 0));
        // The speed issue's figure: 3.28 MFLOP per sample for the default model.
        let mflop = arch.train_flops_per_sample() / 1e6;
        assert!((mflop - 3.28).abs() < 0.01, "{mflop}");
    }

    #[test]
    fn conditional_widens_inputs() {
        let arch = Architecture::new(&ModelConfig { conditional: true, latent: 2, ..Default::default() });
        assert_eq!(arch.layers[0].inputs, 794);
        assert_eq!(arch.decoder()[0].inputs, 12);
    }
}
