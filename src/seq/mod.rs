//! Sequence models in plain f64 Rust (no wgpu used; compiled with the gpu feature only, see lib.rs): the latent ODE on
//! seeded 2-D spirals (issue 15) and its parts — GRU cell, Gaussian KL, RK4 with backward — and
//! the VRNN on MNIST rows (vrnn*.rs).

pub mod adam;
pub mod dense;
pub mod field;
pub mod gauss_kl;
pub mod gru;
pub mod latent_ode;
pub mod math;
pub mod ode_train;
pub mod rk4;
pub mod spirals;
pub mod vrnn;
pub mod vrnn_backward;
pub mod vrnn_gen;
pub mod vrnn_train;
