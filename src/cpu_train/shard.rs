//! One worker's part of a CPU training step: the forward and backward pass of the VAE over a
//! contiguous run of the batch's fixed units, leaving its weight gradient as dyadic-block partials.

use std::ops::Range;

use crate::cpu::{
    self, ACT_NONE, BceParams, GatherParams, IwaeWeightsParams, MatmulDims, MatmulVariant, NO_LABEL,
    ReparamBackwardParams, ReparamParams, StepUniform, UNITS, dyadic_blocks, unit_rows,
};
use crate::model::{Architecture, Layer, PIXELS};

/// The rows a pass reads: picked image bytes, their dataset indices (the binarization noise
/// counter) and labels, with the step record that keys the noise.
pub struct Rows<'a> {
    pub record: StepUniform,
    /// Global batch row of local row 0 (keys ε).
    pub first_row: u32,
    pub bytes: &'a [u8],
    pub image_index: &'a [u32],
    pub labels: &'a [u32],
}

/// How a shard runs: training (with backward over units `units`) or evaluation only.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardShape {
    /// Input rows of the whole batch (training) or of this pass (evaluation).
    pub batch_rows: usize,
    /// Samples of z per input row.
    pub rep: usize,
    /// The fixed units this shard owns (training); evaluation passes own all rows.
    pub units: Range<usize>,
    pub training: bool,
    pub iwae: bool,
    pub binarize: bool,
    pub shuffle: bool,
}

pub struct Shard {
    pub shape: ShardShape,
    arch: Architecture,
    /// Local input rows.
    pub rows: usize,
    /// The unit row ranges in local input rows.
    local_units: Vec<Range<usize>>,
    pub x: Vec<f32>,
    enc_acts: Vec<Vec<f32>>,
    pub mulv: Vec<f32>,
    z: Vec<f32>,
    eps: Vec<f32>,
    dec_acts: Vec<Vec<f32>>,
    pub logits: Vec<f32>,
    /// [rows·rep, 4]: recon, KL, log p(z) − log q(z|x), IWAE weight.
    pub row_stats: Vec<f32>,
    dlogits: Vec<f32>,
    dec_grads: Vec<Vec<f32>>,
    dz: Vec<f32>,
    dmulv: Vec<f32>,
    enc_grads: Vec<Vec<f32>>,
    /// (first unit, units) of each partial in `blocks`.
    pub block_units: Vec<(usize, usize)>,
    /// The shard's weight-gradient partials, each over the whole parameter vector.
    pub blocks: Vec<Vec<f32>>,
    /// Sample z from the prior N(0, I) instead of q(z|x) (evaluation: the naive estimator).
    pub from_prior: bool,
}

fn forward_variant(layer: &Layer) -> MatmulVariant {
    MatmulVariant { trans_b: true, bias: true, act: layer.act, ..Default::default() }
}

fn params_of<'a>(params: &'a [f32], layer: &Layer) -> &'a [f32] {
    &params[layer.offset..layer.offset + layer.len()]
}

/// y = act(x·Wᵀ + b) over `rows` rows.
pub(super) fn forward(params: &[f32], layer: &Layer, rows: usize, input: &[f32], ld_in: usize, out: &mut [f32]) {
    let dims = MatmulDims {
        m: rows as u32,
        n: layer.outputs as u32,
        k: layer.inputs as u32,
        lda: ld_in as u32,
        ldb: layer.inputs as u32,
        ldc: layer.outputs as u32,
        bias_offset: layer.weight_len() as u32,
        ld_aux: 0,
    };
    cpu::matmul(forward_variant(layer), dims, input, params_of(params, layer), &[], out);
}

/// dX = dY·W, times act'(below) when given.
fn input_grad(params: &[f32], layer: &Layer, rows: usize, dy: &[f32], below: Option<(u32, &[f32])>, dx: &mut [f32]) {
    let dims = MatmulDims {
        m: rows as u32,
        n: layer.inputs as u32,
        k: layer.outputs as u32,
        lda: layer.outputs as u32,
        ldb: layer.inputs as u32,
        ldc: layer.inputs as u32,
        bias_offset: 0,
        ld_aux: layer.inputs as u32,
    };
    let (act_grad, aux) = below.unwrap_or((ACT_NONE, &[]));
    cpu::matmul(MatmulVariant { act_grad, ..Default::default() }, dims, dy, params_of(params, layer), aux, dx);
}

impl Shard {
    pub fn new(arch: &Architecture, shape: ShardShape) -> Shard {
        let (units, rep) = (shape.units.clone(), shape.rep);
        assert!(units.end <= UNITS && units.start < units.end, "bad unit range {units:?}");
        let first = unit_rows(shape.batch_rows, units.start).start;
        let local_units: Vec<_> = units
            .clone()
            .map(|u| {
                let r = unit_rows(shape.batch_rows, u);
                r.start - first..r.end - first
            })
            .collect();
        let rows = if shape.training { local_units.last().map_or(0, |r| r.end) } else { shape.batch_rows };
        let out = rows * rep;
        let zeros = |n: usize| vec![0f32; n];
        let training = shape.training;
        let grads = |n: usize| if training { zeros(n) } else { Vec::new() };
        let block_units = if training { dyadic_blocks(units.start, units.len()) } else { Vec::new() };
        Shard {
            rows,
            local_units,
            x: zeros(rows * arch.enc_input),
            enc_acts: arch.encoder().iter().map(|l| zeros(rows * l.outputs)).collect(),
            mulv: zeros(rows * 2 * arch.latent),
            z: zeros(out * arch.dec_input),
            eps: zeros(out * arch.latent),
            dec_acts: arch.decoder().iter().map(|l| zeros(out * l.outputs)).collect(),
            logits: zeros(out * PIXELS),
            row_stats: zeros(out * 4),
            dlogits: grads(out * PIXELS),
            dec_grads: arch.decoder().iter().map(|l| grads(out * l.outputs)).collect(),
            dz: grads(out * arch.dec_input),
            dmulv: grads(rows * 2 * arch.latent),
            enc_grads: arch.encoder().iter().map(|l| grads(rows * l.outputs)).collect(),
            blocks: block_units.iter().map(|_| zeros(arch.total)).collect(),
            block_units,
            from_prior: false,
            arch: arch.clone(),
            shape,
        }
    }

    pub fn gather_params(&self, n_images: usize) -> GatherParams {
        GatherParams {
            rows: self.rows as u32,
            pixels: PIXELS as u32,
            ld_x: self.arch.enc_input as u32,
            n_images: n_images as u32,
            shuffle: self.shape.shuffle as u32,
            binarize: self.shape.binarize as u32,
            label_col: if self.arch.conditional { PIXELS as u32 } else { NO_LABEL },
            _pad: 0,
        }
    }

    fn bce_params(&self, weighted: bool) -> BceParams {
        let rep = self.shape.rep as u32;
        BceParams {
            rows: self.rows as u32 * rep,
            pixels: PIXELS as u32,
            ld_x: self.arch.enc_input as u32,
            rep,
            grad_scale: 1.0 / rep as f32,
            write_grad: (self.shape.training && (weighted || !self.shape.iwae)) as u32,
            scale_from_stats: weighted as u32,
            _pad: 0,
        }
    }

    /// Forward pass and per-row losses (and IWAE weights when training the IWAE objective).
    pub fn forward(&mut self, params: &[f32], input: &Rows, n_images: usize) {
        let arch = &self.arch;
        let (rows, rep, latent) = (self.rows, self.shape.rep, arch.latent);
        let gather = self.gather_params(n_images);
        cpu::gather_batch(&gather, &input.record, input.bytes, input.image_index, input.labels, &mut self.x);
        if self.from_prior {
            // q with μ = 0 and logvar = 0 is the prior: z = ε, and log p(z) − log q(z) is 0.
            self.mulv.fill(0.0);
        } else {
            for (i, layer) in arch.encoder().iter().enumerate() {
                let (before, rest) = self.enc_acts.split_at_mut(i);
                let (input, ld) =
                    if i == 0 { (&self.x[..], arch.enc_input) } else { (&before[i - 1][..], layer.inputs) };
                forward(params, layer, rows, input, ld, &mut rest[0]);
            }
            let head = arch.head();
            forward(params, head, rows, self.enc_acts.last().expect("an encoder layer"), head.inputs, &mut self.mulv);
        }
        let reparam = ReparamParams {
            out_rows: (rows * rep) as u32,
            latent: latent as u32,
            rep: rep as u32,
            ld_z: arch.dec_input as u32,
            label_col: if arch.conditional { latent as u32 } else { NO_LABEL },
            _pad: [0; 3],
        };
        let first = input.first_row * rep as u32;
        cpu::reparam_forward(
            &reparam,
            &input.record,
            first,
            &self.mulv,
            input.labels,
            &mut self.z,
            &mut self.eps,
            &mut self.row_stats,
        );
        for (j, layer) in arch.decoder().iter().enumerate() {
            let (before, rest) = self.dec_acts.split_at_mut(j);
            let (input, ld) = if j == 0 { (&self.z[..], arch.dec_input) } else { (&before[j - 1][..], layer.inputs) };
            forward(params, layer, rows * rep, input, ld, &mut rest[0]);
        }
        let out = arch.output();
        forward(params, out, rows * rep, self.dec_acts.last().expect("a decoder layer"), out.inputs, &mut self.logits);
        cpu::bce_logits(&self.bce_params(false), &self.logits, &self.x, &mut self.dlogits, &mut self.row_stats);
        if self.shape.training && self.shape.iwae {
            cpu::iwae_weights(
                &IwaeWeightsParams { in_rows: rows as u32, rep: rep as u32, _pad: [0; 2] },
                &mut self.row_stats,
            );
            cpu::bce_logits(&self.bce_params(true), &self.logits, &self.x, &mut self.dlogits, &mut self.row_stats);
        }
    }

    /// Backward pass after `forward`: the weight gradient's partials into `blocks`, with the KL
    /// term weighted by `kl_grad_weight` (the step reduction's weight).
    pub fn backward(&mut self, params: &[f32], kl_grad_weight: f32) {
        assert!(self.shape.training, "backward on an evaluation shard");
        let arch = self.arch.clone();
        let (rows, rep) = (self.rows, self.shape.rep);
        let dec_units: Vec<_> = self.local_units.iter().map(|r| r.start * rep..r.end * rep).collect();
        let stack = Stack { top: arch.output(), hidden: arch.decoder(), acts: &self.dec_acts, rows: rows * rep };
        let input = (&self.z[..], arch.dec_input);
        let first_unit = self.shape.units.start;
        let mut blocks: Vec<&mut [f32]> = self.blocks.iter_mut().map(|b| &mut b[..]).collect();
        stack.backward(
            params,
            &self.dlogits,
            input,
            &mut self.dec_grads,
            Some(&mut self.dz),
            (&dec_units, first_unit),
            &mut blocks,
        );
        let back = ReparamBackwardParams {
            in_rows: rows as u32,
            latent: arch.latent as u32,
            rep: rep as u32,
            ld_dz: arch.dec_input as u32,
            kl_scale: 1.0,
            iwae: self.shape.iwae as u32,
            _pad: [0; 2],
        };
        cpu::reparam_backward(&back, &self.dz, &self.eps, &self.mulv, kl_grad_weight, &self.row_stats, &mut self.dmulv);
        let stack = Stack { top: arch.head(), hidden: arch.encoder(), acts: &self.enc_acts, rows };
        let input = (&self.x[..], arch.enc_input);
        stack.backward(
            params,
            &self.dmulv,
            input,
            &mut self.enc_grads,
            None,
            (&self.local_units, first_unit),
            &mut blocks,
        );
    }
}

/// The encoder or decoder seen from the backward pass (as in src/workspace/layers.rs).
struct Stack<'a> {
    top: &'a Layer,
    hidden: &'a [Layer],
    acts: &'a [Vec<f32>],
    rows: usize,
}

impl Stack<'_> {
    fn weight_grad(
        &self,
        layer: &Layer,
        dy: &[f32],
        x: (&[f32], usize),
        units: (&[Range<usize>], usize),
        blocks: &mut [&mut [f32]],
    ) {
        let dims = MatmulDims {
            m: layer.outputs as u32,
            n: layer.inputs as u32,
            k: self.rows as u32,
            lda: layer.outputs as u32,
            ldb: x.1 as u32,
            ldc: layer.inputs as u32,
            bias_offset: layer.weight_len() as u32,
            ld_aux: 0,
        };
        let mut outs: Vec<&mut [f32]> =
            blocks.iter_mut().map(|b| &mut b[layer.offset..layer.offset + layer.len()]).collect();
        cpu::weight_grad_units(dims, dy, x.0, units.0, units.1, &mut outs);
    }

    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        params: &[f32],
        d_top: &[f32],
        input: (&[f32], usize),
        grads: &mut [Vec<f32>],
        d_input: Option<&mut Vec<f32>>,
        units: (&[Range<usize>], usize),
        blocks: &mut [&mut [f32]],
    ) {
        let last = self.hidden.len() - 1;
        let (top, rows) = (self.top, self.rows);
        self.weight_grad(top, d_top, (&self.acts[last], top.inputs), units, blocks);
        input_grad(params, top, rows, d_top, Some((self.hidden[last].act, &self.acts[last])), &mut grads[last]);
        let mut d_input = d_input;
        for i in (0..=last).rev() {
            let layer = &self.hidden[i];
            let x = if i == 0 { input } else { (&self.acts[i - 1][..], layer.inputs) };
            let (below, rest) = grads.split_at_mut(i);
            self.weight_grad(layer, &rest[0], x, units, blocks);
            if i > 0 {
                let act = Some((self.hidden[i - 1].act, &self.acts[i - 1][..]));
                input_grad(params, layer, rows, &rest[0], act, &mut below[i - 1]);
            } else if let Some(d) = d_input.take() {
                input_grad(params, layer, rows, &rest[0], None, d);
            }
        }
    }
}
