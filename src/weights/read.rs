//! Reads a weights file into a model: ours (config in `__metadata__`) or a PyTorch state dict with the
//! same names and no config (sizes inferred from the shapes). F16/BF16/F64 become f32; every value is checked.

use std::collections::{BTreeSet, HashMap};

use safetensors::tensor::{Dtype, SafeTensors, TensorInfo};

use super::entries;
use super::problem::WeightsProblem as P;
use crate::config::ModelConfig;
use crate::model::{Architecture, CLASSES, PIXELS};

/// A model read from a file: its config, the flat parameters (the engine's layout) and what the
/// reader wants said (inferred sizes, converted dtypes).
#[derive(Clone, Debug)]
pub struct Imported {
    pub config: ModelConfig,
    pub params: Vec<f32>,
    pub notices: Vec<String>,
}

type Infos<'a> = HashMap<String, &'a TensorInfo>;

/// Parses a whole file; the problem, if any, says what is wrong and what would fix it.
pub fn read_bytes(bytes: &[u8]) -> Result<Imported, P> {
    let header = framing(bytes)?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| P::NotSafetensors { detail: e.to_string() })?;
    let infos = meta.tensors();
    if let Some(name) = sorted(&infos).into_iter().find(|n| !layer_name(n)) {
        return Err(P::Unknown { name, why: "not one of the lab's layer names".into() });
    }
    let (config, mut notices, from_file) = match meta.metadata().as_ref().and_then(|m| m.get("config")) {
        Some(text) => {
            let config = ModelConfig::from_json(text).map_err(|e| P::BadConfig { detail: e.to_string() })?;
            (config, Vec::new(), true)
        }
        None => {
            let (config, notices) = infer(&infos)?;
            (config, notices, false)
        }
    };
    let arch = Architecture::new(&config);
    let expected = entries(&arch);
    let sizes = sizes(&config);
    if let Some(name) = sorted(&infos).into_iter().find(|n| !expected.iter().any(|e| e.name == *n)) {
        let why = format!("not part of a model with {sizes}; layers are numbered from 0 without gaps");
        return Err(P::Unknown { name, why });
    }
    let data = &bytes[8 + header..];
    let mut params = vec![0f32; arch.total];
    let mut converted = BTreeSet::new();
    for e in &expected {
        let info = infos.get(&e.name).ok_or_else(|| P::Missing { name: e.name.clone(), expected: names(&expected) })?;
        if info.shape != e.shape {
            let fix = if from_file {
                format!("the config in __metadata__ ({sizes}) needs that shape: fix the config or the tensor")
            } else {
                format!("the sizes inferred from the other shapes ({sizes}) need it; nn.Linear weights are [out, in]")
            };
            let (found, expected) = (info.shape.clone(), format!("{:?}", e.shape));
            return Err(P::WrongShape { name: e.name.clone(), found, expected, fix });
        }
        let (start, end) = info.data_offsets;
        let values = to_f32(info.dtype, &data[start..end])
            .ok_or_else(|| P::Dtype { name: e.name.clone(), dtype: format!("{:?}", info.dtype) })?;
        if info.dtype != Dtype::F32 {
            converted.insert(format!("{:?}", info.dtype));
        }
        if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(P::NotFinite { name: e.name.clone(), index, value });
        }
        params[e.start..e.start + values.len()].copy_from_slice(&values);
    }
    if !converted.is_empty() {
        let list: Vec<_> = converted.into_iter().collect();
        notices.push(format!("{} tensors converted to f32", list.join(" and ")));
    }
    Ok(Imported { config, params, notices })
}

/// Checks the 8-byte header length and that the tensors' bytes are all there; returns the header length.
fn framing(bytes: &[u8]) -> Result<usize, P> {
    let Some(length) = bytes.get(..8) else { return Err(P::TooShort { len: bytes.len() }) };
    let header = u64::from_le_bytes(length.try_into().map_err(|_| P::TooShort { len: bytes.len() })?);
    let rest = bytes.len() - 8;
    if rest > 0 && bytes[8] != b'{' {
        return Err(P::NotSafetensors { detail: "no JSON header after the 8-byte length".into() });
    }
    if header > rest as u64 {
        return Err(P::HeaderPastEnd { header, file: rest });
    }
    let header = header as usize;
    let json: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header])
        .map_err(|e| P::NotSafetensors { detail: format!("its header is not JSON: {e}") })?;
    let end = |v: &serde_json::Value| v.get("data_offsets").and_then(|o| o.get(1)).and_then(|e| e.as_u64());
    let data_end = json.as_object().map(|o| o.values().filter_map(end).max().unwrap_or(0)).unwrap_or(0);
    let found = rest - header;
    if data_end > found as u64 {
        return Err(P::Truncated { expected: data_end as usize, found });
    }
    Ok(header)
}

/// `enc.{i}`, `enc.mu`, `enc.logvar`, `dec.{i}`, `dec.out`, each `.weight` or `.bias`.
fn layer_name(name: &str) -> bool {
    let Some(layer) = name.strip_suffix(".weight").or_else(|| name.strip_suffix(".bias")) else { return false };
    let numbered = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    match layer.split_once('.') {
        Some(("enc", rest)) => rest == "mu" || rest == "logvar" || numbered(rest),
        Some(("dec", rest)) => rest == "out" || numbered(rest),
        _ => false,
    }
}

/// The config a file without one describes: hidden widths, latent size and conditioning from the
/// shapes; the rest (activation included, which shapes cannot tell) are the defaults.
fn infer(infos: &Infos) -> Result<(ModelConfig, Vec<String>), P> {
    let rows_cols = |name: &str| -> Result<(usize, usize), P> {
        let info = infos.get(name).ok_or_else(|| P::Missing {
            name: name.into(),
            expected: "at least enc.0, enc.mu, enc.logvar, dec.0 and dec.out".into(),
        })?;
        match info.shape[..] {
            [rows, cols] => Ok((rows, cols)),
            _ => Err(P::WrongShape {
                name: name.into(),
                found: info.shape.clone(),
                expected: "2 dimensions [out, in]".into(),
                fix: "a weight is an nn.Linear weight, [out features, in features]".into(),
            }),
        }
    };
    let hidden = |side: &str| -> Result<Vec<u32>, P> {
        let mut widths = Vec::new();
        while infos.contains_key(&format!("{side}.{}.weight", widths.len())) {
            widths.push(rows_cols(&format!("{side}.{}.weight", widths.len()))?.0 as u32);
        }
        if widths.is_empty() {
            rows_cols(&format!("{side}.0.weight"))?; // says it is missing
        }
        Ok(widths)
    };
    let (enc_hidden, dec_hidden) = (hidden("enc")?, hidden("dec")?);
    let latent = rows_cols("enc.mu.weight")?.0 as u32;
    let conditional = rows_cols("enc.0.weight")?.1 == PIXELS + CLASSES;
    let config = ModelConfig { enc_hidden, dec_hidden, latent, conditional, ..ModelConfig::default() };
    config.validate().map_err(|e| P::OutOfLimits { detail: e.to_string() })?;
    let notices = vec![
        format!(
            "no config in the file: sizes inferred from the shapes ({}); other settings are the defaults",
            sizes(&config)
        ),
        "activation assumed relu: the shapes cannot tell (a file with a `config` in __metadata__ says it)".into(),
    ];
    Ok((config, notices))
}

fn sizes(c: &ModelConfig) -> String {
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let conditional = if c.conditional { ", conditional" } else { "" };
    format!("enc_hidden={}, dec_hidden={}, latent={}{conditional}", list(&c.enc_hidden), list(&c.dec_hidden), c.latent)
}

fn names(expected: &[super::Entry]) -> String {
    expected.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn sorted(infos: &Infos) -> Vec<String> {
    let mut names: Vec<String> = infos.keys().cloned().collect();
    names.sort();
    names
}

/// Little-endian values of `dtype` as f32; `None` for dtypes that are not floating point.
pub fn to_f32(dtype: Dtype, raw: &[u8]) -> Option<Vec<f32>> {
    let halves = || raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    Some(match dtype {
        Dtype::F32 => raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F64 => raw
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
            .collect(),
        Dtype::BF16 => halves().map(|h| f32::from_bits((h as u32) << 16)).collect(),
        Dtype::F16 => halves().map(f16_to_f32).collect(),
        _ => return None,
    })
}

/// IEEE 754 binary16 → binary32, exactly (every half is a float).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = ((h >> 10) & 0x1f) as u32;
    let mantissa = (h & 0x3ff) as u32;
    match exponent {
        0 => sign * mantissa as f32 * (2f32).powi(-24), // zero and subnormals: m · 2⁻²⁴
        31 => f32::from_bits(((h as u32 & 0x8000) << 16) | 0x7f80_0000 | (mantissa << 13)),
        _ => f32::from_bits(((h as u32 & 0x8000) << 16) | ((exponent + 112) << 23) | (mantissa << 13)),
    }
}
