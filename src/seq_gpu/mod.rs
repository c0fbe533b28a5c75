//! The VRNN (src/seq/vrnn*.rs) trained on the GPU in f32: the same model, flat parameter order and
//! init, its loss and exact gradient as WGSL dispatches recorded once, many steps per submit.

pub mod layout;
pub mod ops;
pub mod vrnn_backward;
pub mod vrnn_buffers;
pub mod vrnn_forward;
pub mod vrnn_step;
pub mod vrnn_trainer;
