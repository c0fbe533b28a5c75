//! Sequence models trained on the GPU (wgpu/WGSL) in f32, each the twin of its f64 oracle in src/seq/:
//! the latent ODE (ode_*.rs).

pub mod ode_backward;
pub mod ode_buffers;
pub mod ode_forward;
pub mod ode_layout;
pub mod ode_linear;
pub mod ode_step;
pub mod ode_trainer;
