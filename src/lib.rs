//! VAE Lab: a Variational Autoencoder trained on MNIST by hand-written WGSL compute shaders,
//! natively (Vulkan, Metal, DX12) and in the browser (WebGPU), from one engine.

pub mod autotune;
pub mod config;
pub mod config_query;
pub mod cpu;
pub mod data;
pub mod error;
pub mod eval;
pub mod gpu;
pub mod kernels;
pub mod microbench;
pub mod model;
pub mod reference;
pub mod rng;
pub mod trainer;
pub mod weights;
pub mod workspace;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use config::ModelConfig;
pub use error::{Result, VaeError};
