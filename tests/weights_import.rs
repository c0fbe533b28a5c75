//! Reading weights files without a GPU: our files round-trip, PyTorch-layout files without a config
//! have their sizes inferred, F16/BF16/F64 become f32, and every bad file is a typed problem.

use std::collections::HashMap;

use safetensors::tensor::{Dtype, TensorView, serialize};
use vaelab::VaeError;
use vaelab::config::ModelConfig;
use vaelab::model::Architecture;
use vaelab::weights::{self, WeightsProblem as P};

/// (name, dtype, shape, little-endian bytes) of one tensor.
type Tensor = (String, Dtype, Vec<usize>, Vec<u8>);

fn small() -> ModelConfig {
    ModelConfig { latent: 3, enc_hidden: vec![8, 5], dec_hidden: vec![6], conditional: true, ..Default::default() }
}

fn good(config: &ModelConfig) -> (Vec<f32>, Vec<u8>) {
    let params = Architecture::new(config).init_parameters(7);
    let bytes = weights::to_bytes(config, &params).expect("writes");
    (params, bytes)
}

/// The tensors of a file, as owned data to edit.
fn tensors_of(bytes: &[u8]) -> Vec<Tensor> {
    let st = safetensors::SafeTensors::deserialize(bytes).expect("valid file");
    let mut out: Vec<Tensor> =
        st.tensors().into_iter().map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec())).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn file_of(tensors: &[Tensor], metadata: Option<HashMap<String, String>>) -> Vec<u8> {
    let views: Vec<(String, TensorView)> =
        tensors.iter().map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).expect("view"))).collect();
    serialize(views, metadata).expect("serializes")
}

/// PyTorch's `save_file(model.state_dict(), path, metadata={"format": "pt"})`: no config.
fn pytorch_file(tensors: &[Tensor]) -> Vec<u8> {
    file_of(tensors, Some(HashMap::from([("format".to_string(), "pt".to_string())])))
}

fn problem(bytes: &[u8]) -> P {
    match weights::read(bytes, "w.safetensors") {
        Err(VaeError::Weights { path, problem }) => {
            assert_eq!(path, "w.safetensors");
            problem
        }
        Err(other) => panic!("not a weights problem: {other}"),
        Ok(_) => panic!("a bad file was read"),
    }
}

fn floats(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn our_files_round_trip_with_their_config() {
    let config = ModelConfig { activation: vaelab::config::Activation::Tanh, beta: 2.5, ..small() };
    let (params, bytes) = good(&config);
    let read = weights::read(&bytes, "ours").expect("reads");
    assert_eq!(read.config, config);
    assert_eq!(read.params, params);
    assert!(read.notices.is_empty(), "{:?}", read.notices);
}

#[test]
fn pytorch_files_without_a_config_have_their_sizes_inferred() {
    let config = small();
    let (params, bytes) = good(&config);
    for file in [pytorch_file(&tensors_of(&bytes)), file_of(&tensors_of(&bytes), None)] {
        let read = weights::read(&file, "torch").expect("reads");
        assert_eq!(read.config, config);
        assert_eq!(read.params, params);
        assert!(read.notices.iter().any(|n| n.contains("enc_hidden=8,5, dec_hidden=6, latent=3, conditional")));
        assert!(read.notices.iter().any(|n| n.contains("activation assumed relu")), "{:?}", read.notices);
    }
    let default = ModelConfig::default();
    let (_, bytes) = good(&default);
    assert_eq!(weights::read(&pytorch_file(&tensors_of(&bytes)), "torch").unwrap().config, default);
}

#[test]
fn half_bfloat_and_double_tensors_become_f32() {
    assert_eq!(weights::f16_to_f32(0x3c00), 1.0);
    assert_eq!(weights::f16_to_f32(0xc000), -2.0);
    assert_eq!(weights::f16_to_f32(0x3800), 0.5);
    assert_eq!(weights::f16_to_f32(0x7bff), 65504.0);
    assert_eq!(weights::f16_to_f32(0x0001), 2f32.powi(-24)); // the smallest subnormal
    assert_eq!(weights::f16_to_f32(0x0000), 0.0);
    assert_eq!(weights::f16_to_f32(0x7c00), f32::INFINITY);
    assert!(weights::f16_to_f32(0x7e00).is_nan());
    let config = small();
    let (params, bytes) = good(&config);
    let to = |dtype: Dtype| -> Vec<Tensor> {
        tensors_of(&bytes)
            .into_iter()
            .map(|(n, _, s, b)| {
                let values = weights::to_f32(Dtype::F32, &b).unwrap();
                let data = match dtype {
                    Dtype::F64 => values.iter().flat_map(|&v| (v as f64).to_le_bytes()).collect(),
                    Dtype::BF16 => values.iter().flat_map(|v| ((v.to_bits() >> 16) as u16).to_le_bytes()).collect(),
                    _ => values.iter().flat_map(|&v| f32_to_f16(v).to_le_bytes()).collect(),
                };
                (n, dtype, s, data)
            })
            .collect()
    };
    for (dtype, tolerance) in [(Dtype::F64, 0.0), (Dtype::BF16, 1.0 / 128.0), (Dtype::F16, 1.0 / 1024.0)] {
        let read = weights::read(&pytorch_file(&to(dtype)), "converted").expect("reads");
        for (i, (a, b)) in params.iter().zip(&read.params).enumerate() {
            assert!((a - b).abs() <= tolerance * a.abs().max(1e-3), "{dtype:?} [{i}]: {a} vs {b}");
        }
        assert!(read.notices.iter().any(|n| n.contains(&format!("{dtype:?} tensors converted to f32"))));
    }
}

/// Round-to-nearest f32 → f16 for values within a half's range (the test's writer of half files).
fn f32_to_f16(v: f32) -> u16 {
    let bits = v.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if v.abs() < 2f32.powi(-14) {
        return sign | (v.abs() / 2f32.powi(-24)).round() as u16; // zero and subnormals: m · 2⁻²⁴
    }
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    assert!((1..31).contains(&exponent), "{v} is not a normal half");
    let mantissa = (bits & 0x7f_ffff) + 0x1000; // round half up at bit 13
    sign + (((exponent as u32) << 10) + (mantissa >> 13)) as u16
}

#[test]
fn files_that_are_not_whole_safetensors_say_so() {
    let (_, bytes) = good(&small());
    assert_eq!(problem(&[]), P::TooShort { len: 0 });
    assert_eq!(problem(&bytes[..5]), P::TooShort { len: 5 });
    let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    assert!(matches!(problem(&png), P::NotSafetensors { .. }));
    let mut past_end = 10_000u64.to_le_bytes().to_vec();
    past_end.extend_from_slice(b"{\"enc.0.weight\": {");
    assert_eq!(problem(&past_end), P::HeaderPastEnd { header: 10_000, file: 18 });
    let cut = &bytes[..bytes.len() - 100];
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let data = bytes.len() - 8 - header;
    assert_eq!(problem(cut), P::Truncated { expected: data, found: data - 100 });
    let message = weights::read(cut, "w.safetensors").unwrap_err().to_string();
    assert!(message.starts_with("weights file w.safetensors: truncated"), "{message}");
    assert!(message.contains("download it again"), "{message}");
    let mut not_json = bytes.clone();
    not_json[9] = b'!';
    assert!(matches!(problem(&not_json), P::NotSafetensors { .. }));
}

#[test]
fn wrong_names_shapes_dtypes_and_values_are_named() {
    let (_, bytes) = good(&small());
    let tensors = tensors_of(&bytes);
    let edit = |f: &dyn Fn(&mut Vec<Tensor>)| {
        let mut t = tensors.clone();
        f(&mut t);
        pytorch_file(&t)
    };
    let renamed = edit(&|t| t[0].0 = "fc1.weight".into());
    assert!(matches!(problem(&renamed), P::Unknown { name, .. } if name == "fc1.weight"));
    let gap = edit(&|t| t.push(("enc.5.weight".into(), Dtype::F32, vec![1, 1], floats(&[0.0]))));
    assert!(
        matches!(problem(&gap), P::Unknown { name, why } if name == "enc.5.weight" && why.contains("without gaps"))
    );
    let missing = edit(&|t| t.retain(|x| x.0 != "enc.logvar.bias"));
    assert!(matches!(problem(&missing), P::Missing { name, .. } if name == "enc.logvar.bias"));
    let no_head = edit(&|t| t.retain(|x| !x.0.starts_with("enc.mu")));
    assert!(matches!(problem(&no_head), P::Missing { name, .. } if name == "enc.mu.weight"));
    let flat = edit(&|t| {
        let x = t.iter_mut().find(|x| x.0 == "dec.out.weight").unwrap();
        x.2 = vec![x.2.iter().product()];
    });
    assert!(matches!(problem(&flat), P::WrongShape { name, found, .. } if name == "dec.out.weight" && found == [4704]));
    let narrow = edit(&|t| {
        let x = t.iter_mut().find(|x| x.0 == "dec.0.bias").unwrap();
        (x.2, x.3) = (vec![2], floats(&[0.0, 0.0]));
    });
    assert!(
        matches!(problem(&narrow), P::WrongShape { name, expected, .. } if name == "dec.0.bias" && expected == "[6]")
    );
    let ints = edit(&|t| t[1].1 = Dtype::I32);
    assert!(matches!(problem(&ints), P::Dtype { dtype, .. } if dtype == "I32"));
    let nan = edit(&|t| {
        let x = t.iter_mut().find(|x| x.0 == "enc.mu.bias").unwrap();
        x.3[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
    });
    assert!(matches!(problem(&nan), P::NotFinite { name, index: 2, .. } if name == "enc.mu.bias"));
    let inf = edit(&|t| t[0].3[..4].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes()));
    assert!(matches!(problem(&inf), P::NotFinite { index: 0, value, .. } if value == f32::NEG_INFINITY));
}

#[test]
fn configs_in_metadata_are_checked_against_the_shapes() {
    let (_, bytes) = good(&small());
    let tensors = tensors_of(&bytes);
    let with = |config: &str| file_of(&tensors, Some(HashMap::from([("config".to_string(), config.to_string())])));
    assert!(matches!(problem(&with("{\"latent\": 0")), P::BadConfig { .. }));
    assert!(matches!(problem(&with("{\"colour\": 1}")), P::BadConfig { .. }));
    let other = ModelConfig { latent: 4, ..small() }.to_json();
    let message = weights::read(&with(&other), "w.safetensors").unwrap_err().to_string();
    assert!(message.contains("tensor `enc.mu.weight` has shape [3, 5], expected [4, 5]"), "{message}");
    assert!(message.contains("the config in __metadata__"), "{message}");
}

#[test]
fn models_beyond_the_labs_limits_are_refused() {
    let five = |name: &str, rows: usize, cols: usize| -> [Tensor; 2] {
        [
            (format!("{name}.weight"), Dtype::F32, vec![rows, cols], floats(&vec![0.0; rows * cols])),
            (format!("{name}.bias"), Dtype::F32, vec![rows], floats(&vec![0.0; rows])),
        ]
    };
    let mut tensors: Vec<Tensor> = Vec::new();
    let mut width = 784;
    for i in 0..4 {
        tensors.extend(five(&format!("enc.{i}"), 4, width));
        width = 4;
    }
    tensors.extend(five("enc.mu", 2, 4));
    tensors.extend(five("enc.logvar", 2, 4));
    tensors.extend(five("dec.0", 4, 2));
    tensors.extend(five("dec.out", 784, 4));
    assert!(matches!(problem(&pytorch_file(&tensors)), P::OutOfLimits { detail } if detail.contains("enc_hidden")));
}
