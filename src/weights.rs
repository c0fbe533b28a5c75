//! Weights files: safetensors in PyTorch nn.Linear layout (weight [out, in], bias [out]), names
//! enc.{i}, enc.mu, enc.logvar, dec.{i}, dec.out, and the config as JSON in `__metadata__`.
//! Writing is here; reading (ours, and PyTorch files without a config) is in weights/read.rs.

mod problem;
mod read;

pub use problem::{LAYOUT, WeightsProblem};
pub use read::{Imported, f16_to_f32, to_f32};

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};

use crate::config::ModelConfig;
use crate::error::{Result, VaeError};
use crate::model::{Architecture, Layer};

pub const FORMAT: &str = "vaelab-1";

/// A tensor of the file: its name and where its values sit in the flat parameter buffer.
struct Entry {
    name: String,
    shape: Vec<usize>,
    /// Start of the values in the flat buffer; rows are contiguous there.
    start: usize,
}

/// The file's tensors for `arch`, in order. The stacked head layer becomes enc.mu and enc.logvar.
fn entries(arch: &Architecture) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut linear = |name: &str, layer: &Layer, first_row: usize, rows: usize| {
        out.push(Entry {
            name: format!("{name}.weight"),
            shape: vec![rows, layer.inputs],
            start: layer.offset + first_row * layer.inputs,
        });
        out.push(Entry { name: format!("{name}.bias"), shape: vec![rows], start: layer.bias_offset() + first_row });
    };
    for layer in &arch.layers {
        if layer.name == "enc.head" {
            linear("enc.mu", layer, 0, arch.latent);
            linear("enc.logvar", layer, arch.latent, arch.latent);
        } else {
            linear(&layer.name, layer, 0, layer.outputs);
        }
    }
    out
}

fn bad(path: &str, problem: WeightsProblem) -> VaeError {
    VaeError::Weights { path: path.into(), problem }
}

/// Serializes the flat parameters of `config`'s model.
pub fn to_bytes(config: &ModelConfig, params: &[f32]) -> Result<Vec<u8>> {
    let arch = Architecture::new(config);
    if params.len() != arch.total {
        return Err(bad("<memory>", WeightsProblem::ParameterCount { given: params.len(), expected: arch.total }));
    }
    let bytes: &[u8] = bytemuck::cast_slice(params);
    let views: Vec<(String, TensorView)> = entries(&arch)
        .into_iter()
        .map(|e| {
            let len: usize = e.shape.iter().product();
            let data = &bytes[e.start * 4..(e.start + len) * 4];
            let view = TensorView::new(Dtype::F32, e.shape, data).expect("shape matches data");
            (e.name, view)
        })
        .collect();
    let metadata =
        HashMap::from([("config".to_string(), config.to_json()), ("format".to_string(), FORMAT.to_string())]);
    safetensors::tensor::serialize(views, Some(metadata))
        .map_err(|e| bad("<memory>", WeightsProblem::NotSafetensors { detail: e.to_string() }))
}

pub fn save(path: &Path, config: &ModelConfig, params: &[f32]) -> Result<()> {
    let bytes = to_bytes(config, params)?;
    std::fs::write(path, bytes).map_err(|e| VaeError::io(path, e))
}

/// Reads a weights file called `name` (for messages): ours, or a PyTorch state dict in our names
/// without a config; see weights/read.rs.
pub fn read(bytes: &[u8], name: &str) -> Result<Imported> {
    read::read_bytes(bytes).map_err(|problem| bad(name, problem))
}

/// `read`, without the notices.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<(ModelConfig, Vec<f32>)> {
    read(bytes, name).map(|i| (i.config, i.params))
}

pub fn load(path: &Path) -> Result<Imported> {
    let bytes = std::fs::read(path).map_err(|e| VaeError::io(path, e))?;
    read(&bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_shapes_follow_pytorch() {
        let arch = Architecture::new(&ModelConfig::default());
        let names: Vec<String> = entries(&arch).iter().map(|e| format!("{}{:?}", e.name, e.shape)).collect();
        assert_eq!(
            names,
            [
                "enc.0.weight[400, 784]",
                "enc.0.bias[400]",
                "enc.mu.weight[20, 400]",
                "enc.mu.bias[20]",
                "enc.logvar.weight[20, 400]",
                "enc.logvar.bias[20]",
                "dec.0.weight[400, 20]",
                "dec.0.bias[400]",
                "dec.out.weight[784, 400]",
                "dec.out.bias[784]",
            ]
        );
    }
}
