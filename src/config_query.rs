//! The config as URL query pairs (`latent=2&beta=4&…`), for shareable links. Parsing never fails:
//! unknown keys are ignored, malformed or out-of-range values are clamped, and each repair is
//! reported in words so the page can say what it changed.

use crate::config::{Activation, Binarize, ModelConfig, Objective, limits};

/// Every config key in link order.
pub const KEYS: [&str; 16] = [
    "enc_hidden",
    "dec_hidden",
    "latent",
    "activation",
    "objective",
    "beta",
    "gamma",
    "capacity_max",
    "capacity_steps",
    "kl_warmup",
    "lr",
    "batch_size",
    "seed",
    "binarize",
    "conditional",
    "samples",
];

/// Serializes every key (defaults included) so a link pins the whole run.
pub fn to_query(c: &ModelConfig) -> String {
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let values = [
        list(&c.enc_hidden),
        list(&c.dec_hidden),
        c.latent.to_string(),
        enum_name(&c.activation),
        enum_name(&c.objective),
        c.beta.to_string(),
        c.gamma.to_string(),
        c.capacity_max.to_string(),
        c.capacity_steps.to_string(),
        c.kl_warmup.to_string(),
        c.lr.to_string(),
        c.batch_size.to_string(),
        c.seed.to_string(),
        enum_name(&c.binarize),
        c.conditional.to_string(),
        c.samples.to_string(),
    ];
    KEYS.iter().zip(values).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Display text of a user-supplied value: short, and without markup characters.
fn shown(raw: &str) -> String {
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).take(24).collect();
    format!("“{cleaned}”")
}

/// A numeric config value: parsed as f64 first, so "-5" for an unsigned key is clamped, not rejected.
trait Knob: Copy + PartialOrd + std::fmt::Display {
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    const WHOLE: bool;
}

impl Knob for u32 {
    fn from_f64(v: f64) -> Self {
        v.round() as u32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    const WHOLE: bool = true;
}

impl Knob for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    const WHOLE: bool = false;
}

fn clamp_num<T: Knob>(notes: &mut Vec<String>, key: &str, raw: &str, (lo, hi): (T, T), fallback: T) -> T {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_nan() => {
            notes.push(format!("{key}: {} is not a number; using {fallback}", shown(raw)));
            fallback
        }
        Ok(v) if v < lo.to_f64() => {
            notes.push(format!("{key}: {} is below {lo}; using {lo}", shown(raw)));
            lo
        }
        Ok(v) if v > hi.to_f64() => {
            notes.push(format!("{key}: {} is above {hi}; using {hi}", shown(raw)));
            hi
        }
        Ok(v) if T::WHOLE && v.fract() != 0.0 => {
            let rounded = T::from_f64(v);
            notes.push(format!("{key}: {} is not a whole number; using {rounded}", shown(raw)));
            rounded
        }
        Ok(v) => T::from_f64(v),
        Err(_) => {
            notes.push(format!("{key}: {} is not a number; using {fallback}", shown(raw)));
            fallback
        }
    }
}

fn clamp_layers(notes: &mut Vec<String>, key: &str, raw: &str, fallback: &[u32]) -> Vec<u32> {
    let parts: Vec<&str> = raw.split(',').filter(|p| !p.trim().is_empty()).collect();
    if parts.is_empty() {
        notes.push(format!("{key}: {} has no layer sizes; using {fallback:?}", shown(raw)));
        return fallback.to_vec();
    }
    let (_, max_layers) = limits::HIDDEN_LAYERS;
    if parts.len() > max_layers {
        notes.push(format!("{key}: {} layers given; keeping the first {max_layers}", parts.len()));
    }
    parts.iter().take(max_layers).map(|p| clamp_num(notes, key, p, limits::HIDDEN_UNITS, 400)).collect()
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    notes: &mut Vec<String>,
    key: &str,
    raw: &str,
    fallback: T,
    choices: &str,
) -> T {
    match serde_json::from_value(serde_json::Value::String(raw.trim().to_lowercase())) {
        Ok(v) => v,
        Err(_) => {
            notes.push(format!("{key}: {} is not one of {choices}; using the default", shown(raw)));
            fallback
        }
    }
}

/// Applies `pairs` (already percent-decoded) over `base`. Returns the config and the notices.
pub fn from_pairs<'a>(
    base: &ModelConfig,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (ModelConfig, Vec<String>) {
    let mut c = base.clone();
    let d = ModelConfig::default();
    let mut notes = Vec::new();
    for (key, raw) in pairs {
        let n = &mut notes;
        match key {
            "enc_hidden" => c.enc_hidden = clamp_layers(n, key, raw, &d.enc_hidden),
            "dec_hidden" => c.dec_hidden = clamp_layers(n, key, raw, &d.dec_hidden),
            "latent" => c.latent = clamp_num(n, key, raw, limits::LATENT, d.latent),
            "activation" => c.activation = parse_enum(n, key, raw, Activation::Relu, "relu, tanh"),
            "objective" => c.objective = parse_enum(n, key, raw, Objective::Elbo, "elbo, capacity, iwae"),
            "beta" => c.beta = clamp_num(n, key, raw, limits::BETA, d.beta),
            "gamma" => c.gamma = clamp_num(n, key, raw, limits::GAMMA, d.gamma),
            "capacity_max" => c.capacity_max = clamp_num(n, key, raw, limits::CAPACITY_MAX, d.capacity_max),
            "capacity_steps" => c.capacity_steps = clamp_num(n, key, raw, limits::STEPS, d.capacity_steps),
            "kl_warmup" => c.kl_warmup = clamp_num(n, key, raw, limits::STEPS, d.kl_warmup),
            "lr" => c.lr = clamp_num(n, key, raw, limits::LR, d.lr),
            "batch_size" => c.batch_size = clamp_num(n, key, raw, limits::BATCH, d.batch_size),
            "seed" => c.seed = clamp_num(n, key, raw, (0, u32::MAX), d.seed),
            "binarize" => c.binarize = parse_enum(n, key, raw, Binarize::None, "none, dynamic"),
            "conditional" => {
                c.conditional = match raw.trim() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    other => {
                        notes.push(format!("conditional: {} is not true or false; using false", shown(other)));
                        false
                    }
                }
            }
            "samples" => c.samples = clamp_num(n, key, raw, limits::SAMPLES, d.samples),
            _ => {}
        }
    }
    debug_assert!(c.validate().is_ok(), "clamping must produce a valid config");
    (c, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_key() {
        let config = ModelConfig {
            latent: 2,
            beta: 4.0,
            seed: 7,
            enc_hidden: vec![512, 256],
            binarize: Binarize::Dynamic,
            conditional: true,
            ..Default::default()
        };
        let query = to_query(&config);
        let pairs: Vec<(&str, &str)> = query.split('&').filter_map(|kv| kv.split_once('=')).collect();
        assert_eq!(pairs.len(), KEYS.len());
        let (back, notes) = from_pairs(&ModelConfig::default(), pairs);
        assert_eq!(back, config);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn malformed_values_are_clamped_with_notices() {
        let pairs = [
            ("latent", "-5"),
            ("beta", "abc"),
            ("lr", "1e9"),
            ("<script>", ""),
            ("enc_hidden", "9999,0,5,6"),
            ("activation", "<b>x</b>"),
        ];
        let (c, notes) = from_pairs(&ModelConfig::default(), pairs);
        assert_eq!(c.latent, 1);
        assert_eq!(c.beta, 1.0);
        assert_eq!(c.lr, 1.0);
        assert_eq!(c.enc_hidden, vec![4096, 1, 5]);
        assert_eq!(c.activation, Activation::Relu);
        c.validate().unwrap();
        let text = notes.join("\n");
        for expected in [
            "latent: “-5” is below 1",
            "beta: “abc” is not a number",
            "lr: “1e9” is above 1",
            "enc_hidden: 4 layers",
            "activation:",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("script"), "unknown keys are ignored silently");
    }

    #[test]
    fn fractions_of_whole_keys_are_rounded() {
        let (c, notes) = from_pairs(&ModelConfig::default(), [("latent", "2.6"), ("batch_size", "1e2")]);
        assert_eq!((c.latent, c.batch_size), (3, 100));
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn nan_and_infinity_are_repaired() {
        let (c, notes) = from_pairs(&ModelConfig::default(), [("beta", "NaN"), ("gamma", "inf")]);
        assert_eq!(c.beta, 1.0);
        assert_eq!(c.gamma, limits::GAMMA.1);
        assert_eq!(notes.len(), 2);
    }
}
