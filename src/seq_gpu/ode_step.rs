//! The GPU latent ODE's step, built once for a shape: kernels, buffers and three dispatch lists
//! (forward + loss, backward, clip + Adam), recorded into one encoder per optimizer step.

use super::ode_backward::backward;
use super::ode_buffers::OdeBuffers;
use super::ode_forward::forward;
use super::ode_layout::{InputLayout, OdeShape, PaddedParams};
use super::ode_linear::{Linear, Weights};
use crate::gpu::Gpu;
use crate::kernels::adam::{Adam, AdamParams};
use crate::kernels::gauss_kl::GaussKl;
use crate::kernels::gru_backward::GruBackward;
use crate::kernels::gru_forward::GruForward;
use crate::kernels::matmul::Matmul;
use crate::kernels::ode_clip::{OdeClip, OdeClipParams};
use crate::kernels::ode_mask_rows::OdeMaskRows;
use crate::kernels::ode_mse::OdeMse;
use crate::kernels::ode_reparam::OdeReparam;
use crate::kernels::reparam_backward::ReparamBackward;
use crate::kernels::rk4_combine::Rk4Combine;
use crate::kernels::step::{StepRing, StepUniform};
use crate::kernels::step_reduce::StepReduce;
use crate::kernels::{Dispatch, View};
use crate::seq::adam::{BETA1, BETA2, EPS};
use crate::seq::latent_ode::LatentOde;
use crate::{Result, VaeError};

/// Every launcher the step uses.
pub struct OdeKernels {
    pub matmul: Matmul,
    pub gru_forward: GruForward,
    pub gru_backward: GruBackward,
    pub gauss_kl: GaussKl,
    pub rk4: Rk4Combine,
    pub reparam_backward: ReparamBackward,
    pub step_reduce: StepReduce,
    pub adam: Adam,
    pub ode_mse: OdeMse,
    pub ode_reparam: OdeReparam,
    pub mask_rows: OdeMaskRows,
    pub ode_clip: OdeClip,
    pub dummy: wgpu::Buffer,
}

impl OdeKernels {
    pub fn new(gpu: &Gpu) -> Self {
        OdeKernels {
            matmul: Matmul::new(gpu),
            gru_forward: GruForward::new(gpu),
            gru_backward: GruBackward::new(gpu),
            gauss_kl: GaussKl::new(gpu),
            rk4: Rk4Combine::new(gpu),
            reparam_backward: ReparamBackward::new(gpu),
            step_reduce: StepReduce::new(gpu),
            adam: Adam::new(gpu),
            ode_mse: OdeMse::new(gpu),
            ode_reparam: OdeReparam::new(gpu),
            mask_rows: OdeMaskRows::new(gpu),
            ode_clip: OdeClip::new(gpu),
            dummy: gpu.storage("ode unused input", 16),
        }
    }
}

/// What the dispatch builders share.
pub struct Ctx<'a> {
    pub gpu: &'a Gpu,
    pub kernels: &'a OdeKernels,
    pub buffers: &'a OdeBuffers,
    pub shape: &'a OdeShape,
    pub padded: &'a PaddedParams,
    pub inputs: &'a InputLayout,
    pub ring: &'a StepRing,
}

impl Ctx<'_> {
    pub fn linear(&self) -> Linear<'_> {
        Linear { gpu: self.gpu, matmul: &self.kernels.matmul, dummy: self.dummy() }
    }

    pub fn dummy(&self) -> View<'_> {
        View::whole(&self.kernels.dummy)
    }

    fn weights<'b>(&self, buffer: &'b wgpu::Buffer, w: usize, b: usize) -> Weights<'b> {
        let p = self.padded;
        let (outputs, inputs) = (p.tensors[b].0.len(), p.tensors[w].0.len() / p.tensors[b].0.len());
        Weights {
            wb: View::floats(buffer, p.offset(w), p.span(w, b)),
            bias_offset: (p.offset(b) - p.offset(w)) as u32,
            inputs: inputs as u32,
            outputs: outputs as u32,
        }
    }

    /// Tensor `w` and its bias `b` in the parameter buffer.
    pub fn params(&self, w: usize, b: usize) -> Weights<'_> {
        self.weights(&self.buffers.params, w, b)
    }

    /// The same tensors' gradient.
    pub fn grads(&self, w: usize, b: usize) -> Weights<'_> {
        self.weights(&self.buffers.grads, w, b)
    }
}

/// Step records the ring holds: up to this many optimizer steps per submit.
pub const RING_SLOTS: usize = 64;

pub struct OdeStep {
    pub gpu: Gpu,
    pub shape: OdeShape,
    pub padded: PaddedParams,
    pub inputs: InputLayout,
    pub buffers: OdeBuffers,
    pub ring: StepRing,
    pub forward: Vec<Dispatch>,
    pub backward: Vec<Dispatch>,
    /// ode_clip then adam.
    pub update: Vec<Dispatch>,
}

impl OdeStep {
    /// Builds everything for `shape` with the gradient clip `max_norm` (Adam's step comes per step
    /// in the record).
    pub fn new(gpu: &Gpu, shape: OdeShape, max_norm: f32) -> Result<Self> {
        let model = LatentOde::new(shape.config);
        let padded = PaddedParams::new(&model);
        let inputs = InputLayout::new(&shape);
        let buffers = OdeBuffers::new(gpu, &shape, &padded, &inputs, RING_SLOTS);
        let ring = StepRing::new(gpu, "ode steps", RING_SLOTS as u32);
        let kernels = OdeKernels::new(gpu);
        let cx = Ctx {
            gpu,
            kernels: &kernels,
            buffers: &buffers,
            shape: &shape,
            padded: &padded,
            inputs: &inputs,
            ring: &ring,
        };
        let (fwd, bwd) = (forward(&cx), backward(&cx));
        let clip = OdeClipParams { len: padded.len as u32, max_norm, _pad: [0; 2] };
        let b = &buffers;
        let adam =
            AdamParams { len4: (padded.len / 4) as u32, beta1: BETA1 as f32, beta2: BETA2 as f32, eps: EPS as f32 };
        let update = vec![
            kernels.ode_clip.dispatch(gpu, clip, ring.view(), View::whole(&b.grads), View::whole(&b.norms)),
            kernels.adam.dispatch(
                gpu,
                adam,
                ring.view(),
                View::whole(&b.grads),
                View::whole(&b.params),
                View::whole(&b.adam_m),
                View::whole(&b.adam_v),
            ),
        ];
        Ok(OdeStep { gpu: gpu.clone(), shape, padded, inputs, buffers, ring, forward: fwd, backward: bwd, update })
    }

    /// Dispatches per optimizer step (forward, backward, update).
    pub fn dispatch_count(&self) -> usize {
        self.forward.len() + self.backward.len() + self.update.len()
    }

    /// Uploads parameters in the f64 model's flat layout; resets Adam's moments.
    pub fn set_params(&self, flat: &[f64]) -> Result<()> {
        if flat.len() != self.padded.flat_len {
            return Err(VaeError::Config(format!(
                "{} parameters given; the model has {}",
                flat.len(),
                self.padded.flat_len
            )));
        }
        let q = &self.gpu.queue;
        q.write_buffer(&self.buffers.params, 0, bytemuck::cast_slice(&self.padded.pack(flat)));
        let zeros = vec![0u8; self.padded.len * 4];
        q.write_buffer(&self.buffers.adam_m, 0, &zeros);
        q.write_buffer(&self.buffers.adam_v, 0, &zeros);
        Ok(())
    }

    /// The parameters in the f64 model's flat layout.
    pub async fn params(&self) -> Result<Vec<f64>> {
        Ok(self.padded.unpack(&self.read(&self.buffers.params, 0, self.padded.len).await?))
    }

    /// The last computed gradient (before the clip if no update ran) in the flat layout.
    pub async fn grads(&self) -> Result<Vec<f64>> {
        Ok(self.padded.unpack(&self.read(&self.buffers.grads, 0, self.padded.len).await?))
    }

    pub async fn read(&self, buffer: &wgpu::Buffer, start: usize, len: usize) -> Result<Vec<f32>> {
        self.gpu.read_f32(buffer, start, len).await
    }

    /// Records one optimizer step: forward, backward and (with `update`) clip + Adam, with step
    /// record `slot` of the ring.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, slot: u32, update: bool) {
        let offset = StepRing::offset_of(slot);
        let lists: [&[Dispatch]; 3] = [&self.forward, &self.backward, if update { &self.update } else { &[] }];
        for d in lists.into_iter().flatten() {
            d.record(pass, offset);
        }
    }

    /// Loss and gradient of one batch given its inputs (`InputLayout::build`), no update: returns
    /// (loss, recon, KL) batch means; the gradient stays in `buffers.grads`.
    pub async fn loss_and_grad(&mut self, inputs: &[f32]) -> Result<[f64; 3]> {
        self.gpu.queue.write_buffer(&self.buffers.inputs, 0, bytemuck::cast_slice(inputs));
        self.ring.write(&self.gpu, &[record(0, 0, 0.0, 1.0)]);
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            self.record(&mut pass, 0, false);
        }
        self.gpu.queue.submit([encoder.finish()]);
        let m = self.read(&self.buffers.metrics, 0, 4).await?;
        Ok([m[2] as f64, m[0] as f64, m[1] as f64])
    }
}

/// The step record of optimizer step `step` (0-based) writing metrics slot `slot`: KL weight 1, no
/// capacity objective, Adam's step size lr/(1 − β1^t) and 1/√(1 − β2^t) with t = step + 1.
pub fn record(step: u64, slot: u32, lr_t: f32, inv_sqrt_bc2: f32) -> StepUniform {
    StepUniform { step: step as u32, slot, kl_weight: 1.0, capacity: -1.0, lr_t, inv_sqrt_bc2, ..Default::default() }
}
