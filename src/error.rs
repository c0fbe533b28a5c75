//! Typed errors of the engine. Every failure a user can cause (a missing file, a bad config, a
//! device too small) is a value here with words that say what went wrong and how to fix it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum VaeError {
    #[error("{path}: {reason}")]
    Data { path: PathBuf, reason: String },

    #[error("{path}: not found. {fix}")]
    DataMissing { path: PathBuf, fix: String },

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("this device cannot hold that model: {0}")]
    DeviceTooSmall(String),

    #[error("no GPU adapter: {0}")]
    NoAdapter(String),

    #[error("GPU error: {0}")]
    Gpu(String),

    #[error("weights file {path}: {problem}")]
    Weights { path: String, problem: crate::weights::WeightsProblem },

    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

pub type Result<T, E = VaeError> = std::result::Result<T, E>;

impl VaeError {
    pub fn data(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        VaeError::Data { path: path.into(), reason: reason.into() }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        VaeError::Io { path: path.into(), source }
    }
}
