//! Weights files: safetensors in PyTorch nn.Linear layout (weight [out, in], bias [out]), names
//! enc.{i}, enc.mu, enc.logvar, dec.{i}, dec.out, and the config as JSON in `__metadata__`.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

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

fn bad(path: &str, reason: impl Into<String>) -> VaeError {
    VaeError::Weights { path: path.into(), reason: reason.into() }
}

/// Serializes the flat parameters of `config`'s model.
pub fn to_bytes(config: &ModelConfig, params: &[f32]) -> Result<Vec<u8>> {
    let arch = Architecture::new(config);
    if params.len() != arch.total {
        return Err(bad("<memory>", format!("{} parameters given, the model has {}", params.len(), arch.total)));
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
    safetensors::tensor::serialize(views, Some(metadata)).map_err(|e| bad("<memory>", e.to_string()))
}

pub fn save(path: &Path, config: &ModelConfig, params: &[f32]) -> Result<()> {
    let bytes = to_bytes(config, params)?;
    std::fs::write(path, bytes).map_err(|e| VaeError::io(path, e))
}

/// Parses a weights file: checks the config, then every tensor's presence, dtype and shape.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<(ModelConfig, Vec<f32>)> {
    let (_, metadata) =
        SafeTensors::read_metadata(bytes).map_err(|e| bad(name, format!("not a safetensors file ({e})")))?;
    let config_json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get("config"))
        .ok_or_else(|| bad(name, "no `config` entry in __metadata__ — was it written by `vaelab train`?"))?;
    let config = ModelConfig::from_json(config_json).map_err(|e| bad(name, e.to_string()))?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| bad(name, e.to_string()))?;
    let arch = Architecture::new(&config);
    let expected = entries(&arch);
    let mut params = vec![0f32; arch.total];
    for e in &expected {
        let view = tensors.tensor(&e.name).map_err(|_| bad(name, format!("tensor `{}` is missing", e.name)))?;
        if view.dtype() != Dtype::F32 {
            return Err(bad(name, format!("tensor `{}` is {:?}, expected F32", e.name, view.dtype())));
        }
        if view.shape() != e.shape.as_slice() {
            return Err(bad(name, format!("tensor `{}` has shape {:?}, expected {:?}", e.name, view.shape(), e.shape)));
        }
        let values: Vec<f32> = bytemuck::pod_collect_to_vec(view.data());
        params[e.start..e.start + values.len()].copy_from_slice(&values);
    }
    if let Some(extra) = tensors.names().into_iter().find(|n| !expected.iter().any(|e| e.name == *n)) {
        return Err(bad(name, format!("unexpected tensor `{extra}` for this config")));
    }
    Ok((config, params))
}

pub fn load(path: &Path) -> Result<(ModelConfig, Vec<f32>)> {
    let bytes = std::fs::read(path).map_err(|e| VaeError::io(path, e))?;
    from_bytes(&bytes, &path.display().to_string())
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
