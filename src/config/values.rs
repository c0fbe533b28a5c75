//! The kinds of value a config key can hold (whole numbers, reals, layer lists, choices, flags):
//! how each is written in a link, read back with clamping and a note per repair, and validated.

use serde_json::{Value, json};

/// Ranges of a key. Numbers use `min..=max`; layer lists use `layers` for their length and
/// `min..=max` per width. `slider` is the range a control offers (a link may go beyond it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub min: f64,
    pub max: f64,
    pub layers: (usize, usize),
    pub slider: Option<Slider>,
}

/// A slider's range and step; `log` sliders move in log10 units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slider {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub log: bool,
}

impl Limits {
    /// No numeric limits (choices and flags).
    pub const NONE: Limits = Limits { min: 0.0, max: 0.0, layers: (0, 0), slider: None };

    pub const fn range(min: f64, max: f64) -> Limits {
        Limits { min, max, layers: (0, 0), slider: None }
    }

    pub const fn layers(min_layers: usize, max_layers: usize, min_units: f64, max_units: f64) -> Limits {
        Limits { min: min_units, max: max_units, layers: (min_layers, max_layers), slider: None }
    }

    pub const fn slider(self, min: f64, max: f64, step: f64) -> Limits {
        Limits { slider: Some(Slider { min, max, step, log: false }), ..self }
    }

    pub const fn log_slider(self, min: f64, max: f64, step: f64) -> Limits {
        Limits { slider: Some(Slider { min, max, step, log: true }), ..self }
    }
}

/// Display text of a user-supplied value: short, and without control characters.
pub fn shown(raw: &str) -> String {
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).take(24).collect();
    format!("“{cleaned}”")
}

/// A type a config key can have.
pub trait KeyValue: Clone + PartialEq + 'static {
    /// "int", "float", "layers", "choice" or "bool" (what the page builds a control for).
    const KIND: &'static str;

    fn choices() -> &'static [&'static str] {
        &[]
    }

    /// The value as written in a link: plain numbers, words and commas.
    fn to_text(&self) -> String;

    /// Reads a link value, repairing what is malformed or out of range (each repair adds a note).
    fn from_text(key: &str, raw: &str, limits: &Limits, fallback: &Self, notes: &mut Vec<String>) -> Self;

    /// Adds a problem for every way the value breaks `limits`.
    fn check(&self, key: &str, limits: &Limits, problems: &mut Vec<String>);

    fn to_json(&self) -> Value;
}

/// A number read as f64 first, so "-5" for an unsigned key is clamped rather than rejected.
fn clamp_number(key: &str, raw: &str, limits: &Limits, whole: bool, fallback: f64, notes: &mut Vec<String>) -> f64 {
    let show = |v: f64| if whole { format!("{}", v as u64) } else { format!("{}", v as f32) };
    let (lo, hi) = (limits.min, limits.max);
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_nan() => {
            notes.push(format!("{key}: {} is not a number; using {}", shown(raw), show(fallback)));
            fallback
        }
        Ok(v) if v < lo => {
            notes.push(format!("{key}: {} is below {}; using {}", shown(raw), show(lo), show(lo)));
            lo
        }
        Ok(v) if v > hi => {
            notes.push(format!("{key}: {} is above {}; using {}", shown(raw), show(hi), show(hi)));
            hi
        }
        Ok(v) if whole && v.fract() != 0.0 => {
            let rounded = v.round();
            notes.push(format!("{key}: {} is not a whole number; using {}", shown(raw), show(rounded)));
            rounded
        }
        Ok(v) => v,
        Err(_) => {
            notes.push(format!("{key}: {} is not a number; using {}", shown(raw), show(fallback)));
            fallback
        }
    }
}

fn check_range(key: &str, value: f64, limits: &Limits, whole: bool, problems: &mut Vec<String>) {
    // `!(a <= b)` also rejects NaN.
    if !(limits.min <= value && value <= limits.max) {
        let show = |v: f64| if whole { format!("{}", v as u64) } else { format!("{}", v as f32) };
        let value = if whole { show(value) } else { format!("{}", value as f32) };
        problems.push(format!("{key} = {value} is outside [{}, {}]", show(limits.min), show(limits.max)));
    }
}

impl KeyValue for u32 {
    const KIND: &'static str = "int";

    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(key: &str, raw: &str, limits: &Limits, fallback: &Self, notes: &mut Vec<String>) -> Self {
        clamp_number(key, raw, limits, true, *fallback as f64, notes) as u32
    }

    fn check(&self, key: &str, limits: &Limits, problems: &mut Vec<String>) {
        check_range(key, *self as f64, limits, true, problems);
    }

    fn to_json(&self) -> Value {
        json!(self)
    }
}

impl KeyValue for f32 {
    const KIND: &'static str = "float";

    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(key: &str, raw: &str, limits: &Limits, fallback: &Self, notes: &mut Vec<String>) -> Self {
        let value = clamp_number(key, raw, limits, false, *fallback as f64, notes) as f32;
        // Rounding to f32 can put a bound just outside the range (1e-6 becomes 9.99999997e-7): step
        // back inside, so what a link is clamped to always validates.
        if (value as f64) < limits.min {
            value.next_up()
        } else if (value as f64) > limits.max {
            value.next_down()
        } else {
            value
        }
    }

    fn check(&self, key: &str, limits: &Limits, problems: &mut Vec<String>) {
        check_range(key, *self as f64, limits, false, problems);
    }

    fn to_json(&self) -> Value {
        json!(self)
    }
}

impl KeyValue for bool {
    const KIND: &'static str = "bool";

    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(key: &str, raw: &str, _: &Limits, fallback: &Self, notes: &mut Vec<String>) -> Self {
        match raw.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                notes.push(format!("{key}: {} is not true or false; using {fallback}", shown(raw)));
                *fallback
            }
        }
    }

    fn check(&self, _: &str, _: &Limits, _: &mut Vec<String>) {}

    fn to_json(&self) -> Value {
        json!(self)
    }
}

/// Hidden layer widths, input side first: "400" or "512,256".
impl KeyValue for Vec<u32> {
    const KIND: &'static str = "layers";

    fn to_text(&self) -> String {
        self.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    }

    fn from_text(key: &str, raw: &str, limits: &Limits, fallback: &Self, notes: &mut Vec<String>) -> Self {
        let parts: Vec<&str> = raw.split(',').filter(|p| !p.trim().is_empty()).collect();
        if parts.is_empty() {
            notes.push(format!("{key}: {} has no layer sizes; using {fallback:?}", shown(raw)));
            return fallback.clone();
        }
        let max_layers = limits.layers.1;
        if parts.len() > max_layers {
            notes.push(format!("{key}: {} layers given; keeping the first {max_layers}", parts.len()));
        }
        let unit_fallback = fallback.first().copied().unwrap_or(limits.min as u32);
        parts.iter().take(max_layers).map(|p| u32::from_text(key, p, limits, &unit_fallback, notes)).collect()
    }

    fn check(&self, key: &str, limits: &Limits, problems: &mut Vec<String>) {
        let (lo, hi) = limits.layers;
        if self.len() < lo || self.len() > hi {
            problems.push(format!("{key} has {} layers; use {lo} to {hi}", self.len()));
        }
        for units in self {
            units.check(key, limits, problems);
        }
    }

    fn to_json(&self) -> Value {
        json!(self)
    }
}

/// Declares an enum whose values are lowercase words in links, JSON and the CLI, with its
/// choices listed once for the schema.
#[macro_export]
macro_rules! choice_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[doc = $doc:literal])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[doc = $doc])* #[serde(rename = $word)] $variant),+
        }

        impl $crate::config::values::KeyValue for $name {
            const KIND: &'static str = "choice";

            fn choices() -> &'static [&'static str] {
                &[$($word),+]
            }

            fn to_text(&self) -> String {
                match self { $($name::$variant => $word.to_string()),+ }
            }

            fn from_text(
                key: &str,
                raw: &str,
                _: &$crate::config::values::Limits,
                fallback: &Self,
                notes: &mut Vec<String>,
            ) -> Self {
                match raw.trim().to_lowercase().as_str() {
                    $($word => $name::$variant,)+
                    _ => {
                        notes.push(format!(
                            "{key}: {} is not one of {}; using the default",
                            $crate::config::values::shown(raw),
                            Self::choices().join(", ")
                        ));
                        *fallback
                    }
                }
            }

            fn check(&self, _: &str, _: &$crate::config::values::Limits, _: &mut Vec<String>) {}

            fn to_json(&self) -> serde_json::Value {
                serde_json::Value::String(self.to_text())
            }
        }
    };
}
