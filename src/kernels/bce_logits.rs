//! Launcher and CPU oracle for shaders/bce_logits.wgsl: the Bernoulli reconstruction loss from
//! logits per row and its gradient σ(ℓ) − x, fused.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag, groups_1d};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct BceParams {
    pub rows: u32,
    pub pixels: u32,
    pub ld_x: u32,
    pub rep: u32,
    pub grad_scale: f32,
    pub write_grad: u32,
    /// 1: scale each row's gradient by row_stats[row, 3] (IWAE weights) instead of grad_scale.
    pub scale_from_stats: u32,
    pub _pad: u32,
}

#[cfg(feature = "gpu")]
pub struct BceLogits {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl BceLogits {
    pub fn new(gpu: &Gpu) -> Self {
        BceLogits {
            shader: Specialised::new(
                gpu,
                "bce_logits",
                &[Slot::Uniform, Slot::Read, Slot::Read, Slot::ReadWrite, Slot::ReadWrite],
            ),
        }
    }

    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: BceParams,
        logits: View,
        x: View,
        dlogits: View,
        row_stats: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("bce params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "bce_logits",
            self.shader.layout(),
            &[View::whole(&uniform), logits, x, dlogits, row_stats],
        );
        Dispatch {
            label: "bce_logits",
            pipeline: self.shader.pipeline(
                gpu,
                &[
                    ("WRITE_GRAD", flag(params.write_grad == 1)),
                    ("SCALE_FROM_STATS", flag(params.scale_from_stats == 1)),
                ],
            ),
            bind_group: bind,
            workgroups: groups_1d(params.rows, 64),
            uses_step: false,
            matmul: None,
        }
    }
}

/// Stable BCE-with-logits of one pixel.
pub fn bce_with_logits(l: f64, x: f64) -> f64 {
    l.max(0.0) - x * l + (-l.abs()).exp().ln_1p()
}

pub fn sigmoid(l: f64) -> f64 {
    1.0 / (1.0 + (-l).exp())
}

/// CPU oracle.
pub fn bce_logits_cpu(p: &BceParams, logits: &[f32], x: &[f32], dlogits: &mut [f32], row_stats: &mut [f32]) {
    let pixels = p.pixels as usize;
    for row in 0..p.rows as usize {
        let x_row = (row / p.rep as usize) * p.ld_x as usize;
        let scale = if p.scale_from_stats == 1 { row_stats[row * 4 + 3] as f64 } else { p.grad_scale as f64 };
        let mut sum = 0f64;
        for q in 0..pixels {
            let l = logits[row * pixels + q] as f64;
            let t = x[x_row + q] as f64;
            sum += bce_with_logits(l, t);
            if p.write_grad == 1 {
                dlogits[row * pixels + q] = ((sigmoid(l) - t) * scale) as f32;
            }
        }
        row_stats[row * 4] = sum as f32;
    }
}
