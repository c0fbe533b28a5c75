//! What can be wrong with a weights file, as values: each problem's words say what is wrong and
//! what would fix it. `VaeError::Weights` pairs one with the file's name.

/// The layout every reader of our files expects, for messages that have to name it.
pub const LAYOUT: &str = "enc.{i}, enc.mu, enc.logvar, dec.{i}, dec.out, each with .weight [out, in] and .bias [out] \
                          (README: Open a model)";

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WeightsProblem {
    #[error(
        "the file is {len} bytes, too short to be safetensors (it starts with an 8-byte header length): it is empty or \
         cut short — save or download it again"
    )]
    TooShort { len: usize },

    #[error(
        "not a safetensors file ({detail}) — open a .safetensors file saved by the page's Download weights, by \
         `vaelab train`, or by safetensors.torch.save_file"
    )]
    NotSafetensors { detail: String },

    #[error(
        "the header length says {header} bytes but only {file} bytes follow it: the file is damaged, cut short or not \
         safetensors — save or download it again"
    )]
    HeaderPastEnd { header: u64, file: usize },

    #[error(
        "truncated: the header describes {expected} bytes of tensors but the file holds {found} — it was cut short: \
         save or download it again"
    )]
    Truncated { expected: usize, found: usize },

    #[error(
        "the config in __metadata__ is not valid ({detail}) — fix it, or remove the `config` entry so the sizes are \
         inferred from the tensor shapes"
    )]
    BadConfig { detail: String },

    #[error("the model in the file is outside what the lab can run ({detail}) — train a smaller model")]
    OutOfLimits { detail: String },

    #[error("tensor `{name}` is missing — this model needs {expected}; the names are {LAYOUT}")]
    Missing { name: String, expected: String },

    #[error("unknown tensor `{name}` ({why}) — rename or drop it: the names are {LAYOUT}")]
    Unknown { name: String, why: String },

    #[error("tensor `{name}` has shape {found:?}, expected {expected} — {fix}")]
    WrongShape { name: String, found: Vec<usize>, expected: String, fix: String },

    #[error("tensor `{name}` is {dtype}: F32, F16, BF16 and F64 can be read — save it as float32 (tensor.float())")]
    Dtype { name: String, dtype: String },

    #[error(
        "tensor `{name}` holds {value} at index {index} — the model diverged before it was saved: save an earlier \
         checkpoint, or retrain with a lower learning rate"
    )]
    NotFinite { name: String, index: usize, value: f32 },

    #[error("{given} parameters given, the model has {expected}")]
    ParameterCount { given: usize, expected: usize },
}
