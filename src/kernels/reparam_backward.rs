//! Launcher and CPU oracle for shaders/reparam_backward.wgsl: dL/dz through z = μ + e^{s/2}·ε and
//! the closed-form KL to dL/dμ and dL/dlogvar.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct ReparamBackwardParams {
    pub in_rows: u32,
    pub latent: u32,
    pub rep: u32,
    pub ld_dz: u32,
    pub kl_scale: f32,
    /// 1: the IWAE objective (importance weights in row_stats column 3, no closed-form KL).
    pub iwae: u32,
    pub _pad: [u32; 2],
}

#[cfg(feature = "gpu")]
pub struct ReparamBackward {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl ReparamBackward {
    pub fn new(gpu: &Gpu) -> Self {
        ReparamBackward {
            shader: Specialised::new(
                gpu,
                "reparam_backward",
                &[Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite],
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        params: ReparamBackwardParams,
        dz: View,
        eps: View,
        mulv: View,
        kl_grad_weight: View,
        row_stats: View,
        dmulv: View,
    ) -> Dispatch {
        let uniform = gpu.uniform_init("reparam_backward params", bytemuck::bytes_of(&params));
        let bind = bind_group(
            gpu,
            "reparam_backward",
            self.shader.layout(),
            &[View::whole(&uniform), dz, eps, mulv, kl_grad_weight, row_stats, dmulv],
        );
        Dispatch {
            label: "reparam_backward",
            pipeline: self.shader.pipeline(gpu, &[("IWAE", flag(params.iwae == 1))]),
            bind_group: bind,
            workgroups: [params.latent.div_ceil(64), params.in_rows, 1],
            uses_step: false,
            matmul: None,
        }
    }
}

/// CPU oracle.
pub fn reparam_backward_cpu(
    p: &ReparamBackwardParams,
    dz: &[f32],
    eps: &[f32],
    mulv: &[f32],
    kl_grad_weight: f32,
    row_stats: &[f32],
    dmulv: &mut [f32],
) {
    let latent = p.latent as usize;
    let iwae = p.iwae == 1;
    let w = if iwae { 0.0 } else { kl_grad_weight as f64 * p.kl_scale as f64 };
    for b in 0..p.in_rows as usize {
        for l in 0..latent {
            let mu = mulv[b * 2 * latent + l] as f64;
            let s = mulv[b * 2 * latent + latent + l] as f64;
            let sigma = (0.5 * s).exp();
            let (mut dmu, mut ds) = (0f64, 0f64);
            for k in 0..p.rep as usize {
                let row = b * p.rep as usize + k;
                let e = eps[row * latent + l] as f64;
                let mut g = dz[row * p.ld_dz as usize + l] as f64;
                if iwae {
                    let omega = row_stats[row * 4 + 3] as f64;
                    g += omega * (mu + sigma * e);
                    ds -= 0.5 * omega;
                }
                dmu += g;
                ds += g * 0.5 * e * sigma;
            }
            dmulv[b * 2 * latent + l] = (dmu + w * mu) as f32;
            dmulv[b * 2 * latent + latent + l] = (ds + w * 0.5 * (s.exp() - 1.0)) as f32;
        }
    }
}
