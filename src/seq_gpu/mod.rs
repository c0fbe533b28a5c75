//! Sequence models trained on the GPU (wgpu/WGSL) in f32, each the twin of its f64 oracle in src/seq/:
//! the VRNN (layout.rs, ops.rs, vrnn_*.rs) and the latent ODE (ode_*.rs), recorded once, many steps per submit.

pub mod layout;
pub mod ode_backward;
pub mod ode_buffers;
pub mod ode_forward;
pub mod ode_layout;
pub mod ode_linear;
pub mod ode_step;
pub mod ode_trainer;
pub mod ops;
pub mod vrnn_backward;
pub mod vrnn_buffers;
pub mod vrnn_forward;
pub mod vrnn_step;
pub mod vrnn_trainer;
