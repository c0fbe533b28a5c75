//! A workspace: the activation buffers and pre-bound dispatches of the VAE for a fixed number of
//! rows. Training, evaluation, IWAE and decoding each own one; all share the parameter buffers.

use crate::gpu::Gpu;
use crate::kernels::adam::AdamParams;
use crate::kernels::bce_logits::BceParams;
use crate::kernels::gather_batch::{GatherParams, NO_LABEL};
use crate::kernels::iwae_weights::IwaeWeightsParams;
use crate::kernels::reparam_backward::ReparamBackwardParams;
use crate::kernels::reparam_forward::ReparamParams;
use crate::kernels::step::StepRing;
use crate::kernels::step_reduce::StepReduceParams;
use crate::kernels::{Dispatch, Kernels, View};
use crate::model::{Architecture, Layer, PIXELS};

mod layers;
use layers::{Stack, floats, forward};

/// The model's four flat buffers: parameters, gradients and Adam's two moments.
pub struct ParameterBuffers {
    pub params: wgpu::Buffer,
    pub grads: wgpu::Buffer,
    pub m: wgpu::Buffer,
    pub v: wgpu::Buffer,
    pub len: usize,
}

impl ParameterBuffers {
    pub fn new(gpu: &Gpu, initial: &[f32]) -> Self {
        let zeros = vec![0u8; initial.len() * 4];
        ParameterBuffers {
            params: gpu.storage_init("parameters", bytemuck::cast_slice(initial)),
            grads: gpu.storage_init("gradients", &zeros),
            m: gpu.storage_init("adam m", &zeros),
            v: gpu.storage_init("adam v", &zeros),
            len: initial.len(),
        }
    }

    fn layer<'a>(buffer: &'a wgpu::Buffer, layer: &Layer) -> View<'a> {
        View::floats(buffer, layer.offset, layer.len())
    }
}

/// A dataset resident on the GPU: images as packed bytes, labels as packed bytes. Cloning shares
/// the buffers (a reset reuses them).
#[derive(Clone)]
pub struct GpuDataset {
    pub images: wgpu::Buffer,
    pub labels: wgpu::Buffer,
    pub n: u32,
}

/// Where a workspace's input rows come from.
pub enum Source<'a> {
    /// Gathered from a resident dataset, shuffled (training) or in order (evaluation).
    Dataset { data: &'a GpuDataset, shuffle: bool, binarize: bool },
    /// Written by the host (decoding chosen points, encoding chosen images).
    Host,
}

pub struct Shape<'a> {
    /// Input rows (images) per pass.
    pub rows: u32,
    /// Samples of z per input row: the decoder sees rows·rep rows.
    pub rep: u32,
    /// Build the backward pass and Adam.
    pub training: bool,
    /// Reduce each pass's losses into this metrics ring (required when training).
    pub metrics: Option<&'a wgpu::Buffer>,
    /// Train (and report) the importance-weighted bound over the rep samples instead of the
    /// rep-sample ELBO.
    pub iwae: bool,
}

pub struct Workspace {
    /// GPU memory this workspace allocated (its buffers, not the shared parameters or data).
    pub bytes: u64,
    pub rows: u32,
    pub rep: u32,
    pub steps: StepRing,
    pub x: wgpu::Buffer,
    pub batch_labels: wgpu::Buffer,
    pub enc_acts: Vec<wgpu::Buffer>,
    pub mulv: wgpu::Buffer,
    pub z: wgpu::Buffer,
    pub eps: wgpu::Buffer,
    pub dec_acts: Vec<wgpu::Buffer>,
    pub logits: wgpu::Buffer,
    /// [rows·rep, 4]: recon, KL, log p(z) − log q(z|x), unused.
    pub row_stats: wgpu::Buffer,
    /// permute_batch then gather_batch (empty when the host writes x).
    pub gather: Vec<Dispatch>,
    pub encoder: Vec<Dispatch>,
    pub sample: Dispatch,
    pub decoder: Vec<Dispatch>,
    pub loss: Dispatch,
    /// Step reduction (when given a metrics ring), then backward pass and Adam when training.
    pub train_tail: Vec<Dispatch>,
}

impl Workspace {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        gpu: &Gpu,
        k: &Kernels,
        arch: &Architecture,
        p: &ParameterBuffers,
        source: Source,
        shape: Shape,
        adam: AdamParams,
    ) -> Self {
        let Shape { rows, rep, training, metrics, iwae } = shape;
        assert!(!training || metrics.is_some(), "a training workspace writes metrics");
        let out_rows = rows * rep;
        let latent = arch.latent;
        let allocated = std::cell::Cell::new(0u64);
        let buf = |label: &str, floats: usize| {
            let buffer = gpu.storage(label, floats as u64 * 4);
            allocated.set(allocated.get() + buffer.size());
            buffer
        };
        let steps = StepRing::new(gpu, "step records", 64);
        allocated.set(allocated.get() + steps.buffer.size());
        let x = buf("x", rows as usize * arch.enc_input);
        let batch_labels = buf("batch labels", rows as usize);
        let enc_acts: Vec<_> =
            arch.encoder().iter().map(|l| buf("encoder activation", rows as usize * l.outputs)).collect();
        let mulv = buf("mu|logvar", rows as usize * 2 * latent);
        let z = buf("z", out_rows as usize * arch.dec_input);
        let eps = buf("eps", out_rows as usize * latent);
        let dec_acts: Vec<_> =
            arch.decoder().iter().map(|l| buf("decoder activation", out_rows as usize * l.outputs)).collect();
        let logits = buf("logits", out_rows as usize * PIXELS);
        let row_stats = buf("row stats", out_rows as usize * 4);
        let label_col = if arch.conditional { PIXELS as u32 } else { NO_LABEL };

        let gather = match source {
            Source::Dataset { data, shuffle, binarize } => {
                let params = GatherParams {
                    rows,
                    pixels: PIXELS as u32,
                    ld_x: arch.enc_input as u32,
                    n_images: data.n,
                    shuffle: shuffle as u32,
                    binarize: binarize as u32,
                    label_col,
                    _pad: 0,
                };
                let batch_index = buf("batch index", rows as usize);
                vec![
                    k.permute_batch.dispatch(
                        gpu,
                        params,
                        steps.view(),
                        floats(&data.labels),
                        floats(&batch_index),
                        floats(&batch_labels),
                    ),
                    k.gather_batch.dispatch(
                        gpu,
                        params,
                        steps.view(),
                        floats(&data.images),
                        floats(&batch_index),
                        floats(&batch_labels),
                        floats(&x),
                    ),
                ]
            }
            Source::Host => Vec::new(),
        };

        let mut encoder = Vec::new();
        for (i, layer) in arch.encoder().iter().enumerate() {
            let (input, ld) = if i == 0 { (&x, arch.enc_input) } else { (&enc_acts[i - 1], layer.inputs) };
            encoder.push(forward(gpu, k, p, layer, rows, floats(input), ld, floats(&enc_acts[i])));
        }
        let head = arch.head();
        let last_enc = enc_acts.last().expect("at least one encoder layer");
        encoder.push(forward(gpu, k, p, head, rows, floats(last_enc), head.inputs, floats(&mulv)));

        let sample = k.reparam_forward.dispatch(
            gpu,
            ReparamParams {
                out_rows,
                latent: latent as u32,
                rep,
                ld_z: arch.dec_input as u32,
                label_col: if arch.conditional { latent as u32 } else { NO_LABEL },
                _pad: [0; 3],
            },
            steps.view(),
            floats(&mulv),
            floats(&batch_labels),
            floats(&z),
            floats(&eps),
            floats(&row_stats),
        );

        let mut decoder = Vec::new();
        for (j, layer) in arch.decoder().iter().enumerate() {
            let (input, ld) = if j == 0 { (&z, arch.dec_input) } else { (&dec_acts[j - 1], layer.inputs) };
            decoder.push(forward(gpu, k, p, layer, out_rows, floats(input), ld, floats(&dec_acts[j])));
        }
        let out = arch.output();
        let last_dec = dec_acts.last().expect("at least one decoder layer");
        decoder.push(forward(gpu, k, p, out, out_rows, floats(last_dec), out.inputs, floats(&logits)));

        let dlogits =
            if training { buf("dlogits", out_rows as usize * PIXELS) } else { gpu.storage("unused dlogits", 16) };
        let bce = BceParams {
            rows: out_rows,
            pixels: PIXELS as u32,
            ld_x: arch.enc_input as u32,
            rep,
            grad_scale: 1.0 / rep as f32,
            write_grad: (training && !iwae) as u32,
            scale_from_stats: 0,
            _pad: 0,
        };
        let loss = k.bce_logits.dispatch(gpu, bce, floats(&logits), floats(&x), floats(&dlogits), floats(&row_stats));

        let mut train_tail = Vec::new();
        if training && iwae {
            // The weights need every sample's loss first; then the gradient pass scales by them.
            train_tail.push(k.iwae_weights.dispatch(
                gpu,
                IwaeWeightsParams { in_rows: rows, rep, _pad: [0; 2] },
                floats(&row_stats),
            ));
            let weighted = BceParams { write_grad: 1, scale_from_stats: 1, ..bce };
            train_tail.push(k.bce_logits.dispatch(
                gpu,
                weighted,
                floats(&logits),
                floats(&x),
                floats(&dlogits),
                floats(&row_stats),
            ));
        }
        let kl_grad_weight = buf("kl gradient weight", 4);
        if let Some(metrics) = metrics {
            train_tail.push(k.step_reduce.dispatch(
                gpu,
                StepReduceParams { rows: out_rows, rep, iwae: iwae as u32, _pad: 0 },
                steps.view(),
                floats(&row_stats),
                floats(metrics),
                floats(&kl_grad_weight),
            ));
        }
        if training {
            // Decoder, from the output layer down to dL/dz.
            let dec_grads: Vec<_> =
                arch.decoder().iter().map(|l| buf("decoder gradient", out_rows as usize * l.outputs)).collect();
            let dz = buf("dz", out_rows as usize * arch.dec_input);
            let stack = Stack {
                top: out,
                hidden: arch.decoder(),
                acts: &dec_acts,
                input: (&z, arch.dec_input),
                rows: out_rows,
            };
            stack.backward(gpu, k, p, floats(&dlogits), &dec_grads, Some(floats(&dz)), &mut train_tail);
            let dmulv = buf("d mu|logvar", rows as usize * 2 * latent);
            train_tail.push(k.reparam_backward.dispatch(
                gpu,
                ReparamBackwardParams {
                    in_rows: rows,
                    latent: latent as u32,
                    rep,
                    ld_dz: arch.dec_input as u32,
                    kl_scale: 1.0,
                    iwae: iwae as u32,
                    _pad: [0; 2],
                },
                floats(&dz),
                floats(&eps),
                floats(&mulv),
                floats(&kl_grad_weight),
                floats(&row_stats),
                floats(&dmulv),
            ));
            // Encoder, from the head down (no gradient for the images themselves).
            let enc_grads: Vec<_> =
                arch.encoder().iter().map(|l| buf("encoder gradient", rows as usize * l.outputs)).collect();
            let stack = Stack { top: head, hidden: arch.encoder(), acts: &enc_acts, input: (&x, arch.enc_input), rows };
            stack.backward(gpu, k, p, floats(&dmulv), &enc_grads, None, &mut train_tail);
            train_tail.push(k.adam.dispatch(
                gpu,
                AdamParams { len4: (p.len / 4) as u32, ..adam },
                steps.view(),
                floats(&p.grads),
                floats(&p.params),
                floats(&p.m),
                floats(&p.v),
            ));
        }

        Workspace {
            bytes: allocated.get(),
            rows,
            rep,
            steps,
            x,
            batch_labels,
            enc_acts,
            mulv,
            z,
            eps,
            dec_acts,
            logits,
            row_stats,
            gather,
            encoder,
            sample,
            decoder,
            loss,
            train_tail,
        }
    }

    /// Every dispatch of one full step (or one evaluation pass), in order.
    pub fn all(&self) -> impl Iterator<Item = &Dispatch> + Clone {
        self.gather
            .iter()
            .chain(self.encoder.iter())
            .chain(std::iter::once(&self.sample))
            .chain(self.decoder.iter())
            .chain(std::iter::once(&self.loss))
            .chain(self.train_tail.iter())
    }

    /// Records `dispatches` once, with step record slot `slot`, in a compute pass of its own.
    pub fn record_at<'d>(
        encoder: &mut wgpu::CommandEncoder,
        slot: u32,
        dispatches: impl Iterator<Item = &'d Dispatch>,
    ) {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("vae"), timestamp_writes: None });
        for d in dispatches {
            d.record(&mut pass, StepRing::offset_of(slot));
        }
    }

    /// Records `dispatches` once per step record slot 0..count into one compute pass.
    pub fn record<'d>(
        encoder: &mut wgpu::CommandEncoder,
        count: u32,
        dispatches: impl Iterator<Item = &'d Dispatch> + Clone,
    ) {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("vae"), timestamp_writes: None });
        for i in 0..count {
            for d in dispatches.clone() {
                d.record(&mut pass, StepRing::offset_of(i));
            }
        }
    }
}
