//! What every config key says about itself (`KeySpec`), and everything derived from the table of
//! keys: validation, the link form and its clamping, what restarts a run, and the JSON schema the
//! page builds its controls from.

use serde_json::{Value, json};

use super::ModelConfig;
use super::values::{KeyValue, Limits};

/// Whether changing a key restarts the run (a new model from the seed) or applies to the running one.
#[derive(Clone, Copy)]
pub enum Restart {
    /// Applies in place (schedules, optimizer knobs).
    Never,
    /// Changes the model's shape, data or randomness.
    Always,
    /// Restarts only when `when(old, new)` holds; `why` says when, for the page.
    When { when: fn(&ModelConfig, &ModelConfig) -> bool, why: &'static str },
}

/// Reads and writes one key of a config, whatever its type.
pub trait KeyAccess: Sync {
    fn kind(&self) -> &'static str;
    fn choices(&self) -> &'static [&'static str];
    fn text(&self, config: &ModelConfig) -> String;
    fn json(&self, config: &ModelConfig) -> Value;
    fn set_text(&self, config: &mut ModelConfig, raw: &str, limits: &Limits, notes: &mut Vec<String>);
    fn check(&self, config: &ModelConfig, limits: &Limits, problems: &mut Vec<String>);
    fn differs(&self, a: &ModelConfig, b: &ModelConfig) -> bool;
}

/// `KeyAccess` for a field of type `T`, from its getters (built by `config_keys!`).
pub struct Field<T: 'static> {
    pub key: &'static str,
    pub get: fn(&ModelConfig) -> &T,
    pub get_mut: fn(&mut ModelConfig) -> &mut T,
}

impl<T: KeyValue> KeyAccess for Field<T> {
    fn kind(&self) -> &'static str {
        T::KIND
    }

    fn choices(&self) -> &'static [&'static str] {
        T::choices()
    }

    fn text(&self, config: &ModelConfig) -> String {
        (self.get)(config).to_text()
    }

    fn json(&self, config: &ModelConfig) -> Value {
        (self.get)(config).to_json()
    }

    fn set_text(&self, config: &mut ModelConfig, raw: &str, limits: &Limits, notes: &mut Vec<String>) {
        let fallback = (self.get)(&ModelConfig::default()).clone();
        *(self.get_mut)(config) = T::from_text(self.key, raw, limits, &fallback, notes);
    }

    fn check(&self, config: &ModelConfig, limits: &Limits, problems: &mut Vec<String>) {
        (self.get)(config).check(self.key, limits, problems);
    }

    fn differs(&self, a: &ModelConfig, b: &ModelConfig) -> bool {
        (self.get)(a) != (self.get)(b)
    }
}

/// One row of the table of keys.
pub struct KeySpec {
    pub key: &'static str,
    /// A short name for controls ("Latent size").
    pub label: &'static str,
    /// One sentence for help texts and `--help`.
    pub help: &'static str,
    pub limits: Limits,
    pub restart: Restart,
    /// Part of the matmul shapes (the kernel tuning cache is keyed by these).
    pub shape: bool,
    pub access: &'static dyn KeyAccess,
}

impl KeySpec {
    fn restarts(&self, old: &ModelConfig, new: &ModelConfig) -> bool {
        match self.restart {
            Restart::Never => false,
            Restart::Always => self.access.differs(old, new),
            Restart::When { when, .. } => when(old, new),
        }
    }

    /// The row as the page reads it.
    pub fn to_json(&self) -> Value {
        let defaults = ModelConfig::default();
        let l = &self.limits;
        let numeric = matches!(self.access.kind(), "int" | "float" | "layers");
        let (restarts, when) = match self.restart {
            Restart::Never => ("never", None),
            Restart::Always => ("always", None),
            Restart::When { why, .. } => ("sometimes", Some(why)),
        };
        json!({
            "key": self.key,
            "label": self.label,
            "help": self.help.trim(),
            "kind": self.access.kind(),
            "choices": self.access.choices(),
            "default": self.access.json(&defaults),
            "min": numeric.then_some(l.min),
            "max": numeric.then_some(l.max),
            "layers": (self.access.kind() == "layers").then_some([l.layers.0, l.layers.1]),
            "slider": l.slider.map(|s| json!({"min": s.min, "max": s.max, "step": s.step, "log": s.log})),
            "restarts": restarts,
            "restartsWhen": when,
            "shape": self.shape,
        })
    }
}

/// Builds `ModelConfig` (fields, serde, `Default`) and `SCHEMA` (one `KeySpec` per field, in link
/// order) from one table; see `config/mod.rs`.
#[macro_export]
macro_rules! config_keys {
    ($(
        $(#[doc = $doc:literal])*
        $key:ident: $ty:ty = $default:expr;
        label $label:literal, limits $limits:expr, restart $restart:expr, shape $shape:literal;
    )*) => {
        /// Every knob of a run; see the table in `config/mod.rs` for ranges and defaults.
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct ModelConfig {
            $($(#[doc = $doc])* pub $key: $ty,)*
        }

        impl Default for ModelConfig {
            fn default() -> Self {
                ModelConfig { $($key: $default,)* }
            }
        }

        /// The table of keys, in link order.
        pub static SCHEMA: &[$crate::config::schema::KeySpec] = &[$(
            $crate::config::schema::KeySpec {
                key: stringify!($key),
                label: $label,
                help: concat!($($doc),*),
                limits: $limits,
                restart: $restart,
                shape: $shape,
                access: &$crate::config::schema::Field::<$ty> {
                    key: stringify!($key),
                    get: |c| &c.$key,
                    get_mut: |c| &mut c.$key,
                },
            },
        )*];
    };
}

pub fn spec(key: &str) -> Option<&'static KeySpec> {
    super::SCHEMA.iter().find(|s| s.key == key)
}

impl ModelConfig {
    /// Checks every key and reports all problems at once.
    pub fn validate(&self) -> crate::Result<()> {
        let mut problems = Vec::new();
        for spec in super::SCHEMA {
            spec.access.check(self, &spec.limits, &mut problems);
        }
        if problems.is_empty() { Ok(()) } else { Err(crate::VaeError::Config(problems.join("; "))) }
    }

    /// Checks the config against the data it will train on: one batch must come from the training set.
    /// Both engines call it before allocating, so they refuse with the same words.
    pub fn check_data(&self, n_train: usize) -> crate::Result<()> {
        if self.batch_size as usize > n_train {
            return Err(crate::VaeError::Config(format!(
                "batch_size = {} is larger than the {n_train} training images: lower batch_size or add images",
                self.batch_size
            )));
        }
        Ok(())
    }

    /// Every key as `key=value&…` (defaults included, so a link pins the whole run).
    pub fn to_query(&self) -> String {
        let pairs: Vec<String> = super::SCHEMA.iter().map(|s| format!("{}={}", s.key, s.access.text(self))).collect();
        pairs.join("&")
    }

    /// `(key, value)` text pairs of every key, in link order.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        super::SCHEMA.iter().map(|s| (s.key, s.access.text(self))).collect()
    }

    /// Applies link pairs (already percent-decoded) over this config. Parsing never fails: unknown
    /// keys are ignored, malformed or out-of-range values are clamped, and each repair is reported
    /// in words so the page can say what it changed. A `preset=NAME` pair (config/presets.rs)
    /// replaces this config by the preset first, wherever it stands, so the other pairs override it.
    pub fn with_pairs<'a>(&self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (ModelConfig, Vec<String>) {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        let mut notes = Vec::new();
        let mut config = super::presets::base_of(self, &pairs, &mut notes);
        for (key, raw) in pairs {
            if let Some(spec) = spec(key) {
                spec.access.set_text(&mut config, raw, &spec.limits, &mut notes);
            }
        }
        debug_assert!(config.validate().is_ok(), "clamping must produce a valid config");
        (config, notes)
    }

    /// Whether going from `self` to `other` needs a new model (shape, data, randomness, kernels).
    pub fn needs_rebuild(&self, other: &ModelConfig) -> bool {
        super::SCHEMA.iter().any(|s| s.restarts(self, other))
    }

    /// The keys whose change restarts the run between `self` and `other`, for messages.
    pub fn rebuild_keys(&self, other: &ModelConfig) -> Vec<&'static str> {
        super::SCHEMA.iter().filter(|s| s.restarts(self, other)).map(|s| s.key).collect()
    }
}

/// The whole table as JSON (the page's `config_schema()`).
pub fn schema_json() -> Value {
    Value::Array(super::SCHEMA.iter().map(KeySpec::to_json).collect())
}
