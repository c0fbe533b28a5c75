//! VAE Lab: a Variational Autoencoder trained on MNIST by hand-written WGSL compute shaders,
//! natively (Vulkan, Metal, DX12) and in the browser (WebGPU), from one engine.

// wgpu's handles are neither Send nor Sync on wasm (one thread there); the Arcs that share kernels
// between trainers natively are plain shared ownership in the browser.
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

#[cfg(feature = "gpu")]
pub mod autotune;
pub mod config;
pub mod cpu;
pub mod cpu_train;
pub mod data;
pub mod error;
#[cfg(feature = "gpu")]
pub mod eval;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod kernels;
pub mod measures;
#[cfg(feature = "gpu")]
pub mod microbench;
pub mod model;
pub mod reference;
pub mod rng;
pub mod schedule;
// Not in the CPU workers' builds: ARCHITECTURE.md, "The worker builds stay as they are".
#[cfg(feature = "gpu")]
pub mod seq;
#[cfg(feature = "gpu")]
pub mod seq_gpu;
#[cfg(feature = "gpu")]
pub mod trainer;
pub mod weights;
#[cfg(feature = "gpu")]
pub mod workspace;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use config::ModelConfig;
pub use error::{Result, VaeError};
