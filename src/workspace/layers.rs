//! The dense layers of a workspace as matmul dispatches: forward with bias and activation fused,
//! and the backward pass of a stack of layers (weight gradients and input gradients).

use super::ParameterBuffers;
use crate::gpu::Gpu;
use crate::kernels::matmul::{ACT_NONE, MatmulDims, MatmulVariant};
use crate::kernels::{Dispatch, Kernels, View};
use crate::model::Layer;

fn forward_variant(layer: &Layer) -> MatmulVariant {
    MatmulVariant { trans_b: true, bias: true, act: layer.act, ..Default::default() }
}

/// Dense forward y = act(x·Wᵀ + b) for `rows` rows.
#[allow(clippy::too_many_arguments)]
pub(super) fn forward(
    gpu: &Gpu,
    k: &Kernels,
    p: &ParameterBuffers,
    layer: &Layer,
    rows: u32,
    input: View,
    ld_in: usize,
    out: View,
) -> Dispatch {
    let dims = MatmulDims {
        m: rows,
        n: layer.outputs as u32,
        k: layer.inputs as u32,
        lda: ld_in as u32,
        ldb: layer.inputs as u32,
        ldc: layer.outputs as u32,
        bias_offset: layer.weight_len() as u32,
        ld_aux: 0,
    };
    k.matmul.dispatch(
        gpu,
        forward_variant(layer),
        dims,
        input,
        ParameterBuffers::layer(&p.params, layer),
        View::whole(&k.dummy),
        out,
    )
}

/// Weight and bias gradient of `layer`: [dW | db] = dYᵀ·[X | 1] into the layer's gradient range.
#[allow(clippy::too_many_arguments)]
fn weight_grad(
    gpu: &Gpu,
    k: &Kernels,
    p: &ParameterBuffers,
    layer: &Layer,
    rows: u32,
    dy: View,
    input: View,
    ld_in: usize,
) -> Dispatch {
    let dims = MatmulDims {
        m: layer.outputs as u32,
        n: layer.inputs as u32,
        k: rows,
        lda: layer.outputs as u32,
        ldb: ld_in as u32,
        ldc: layer.inputs as u32,
        bias_offset: layer.weight_len() as u32,
        ld_aux: 0,
    };
    let variant = MatmulVariant { trans_a: true, ones_col: true, ..Default::default() };
    k.matmul.dispatch(gpu, variant, dims, dy, input, View::whole(&k.dummy), ParameterBuffers::layer(&p.grads, layer))
}

/// Input gradient dX = dY·W, times act'(X) of the layer below when `below_act` is set.
#[allow(clippy::too_many_arguments)]
fn input_grad(
    gpu: &Gpu,
    k: &Kernels,
    p: &ParameterBuffers,
    layer: &Layer,
    rows: u32,
    dy: View,
    below: Option<(u32, View)>,
    dx: View,
) -> Dispatch {
    let dims = MatmulDims {
        m: rows,
        n: layer.inputs as u32,
        k: layer.outputs as u32,
        lda: layer.outputs as u32,
        ldb: layer.inputs as u32,
        ldc: layer.inputs as u32,
        bias_offset: 0,
        ld_aux: layer.inputs as u32,
    };
    let (act_grad, aux) = below.unwrap_or((ACT_NONE, View::whole(&k.dummy)));
    let variant = MatmulVariant { act_grad, ..Default::default() };
    k.matmul.dispatch(gpu, variant, dims, dy, ParameterBuffers::layer(&p.params, layer), aux, dx)
}

pub(super) fn floats(buffer: &wgpu::Buffer) -> View<'_> {
    View::whole(buffer)
}

/// The encoder or the decoder seen from the backward pass: hidden layers (with their saved
/// activations) between an input and a linear top layer (the μ|logvar head or the logits).
pub(super) struct Stack<'a> {
    pub top: &'a Layer,
    pub hidden: &'a [Layer],
    pub acts: &'a [wgpu::Buffer],
    /// The stack's input and its row stride.
    pub input: (&'a wgpu::Buffer, usize),
    pub rows: u32,
}

impl Stack<'_> {
    /// Pushes the weight gradient of every layer, top down, and the input gradients between them;
    /// `grads[i]` receives dL/d(pre-activation of hidden layer i); `d_input`, when given, dL/d(input).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn backward(
        &self,
        gpu: &Gpu,
        k: &Kernels,
        p: &ParameterBuffers,
        d_top: View,
        grads: &[wgpu::Buffer],
        d_input: Option<View>,
        out: &mut Vec<Dispatch>,
    ) {
        let last = self.hidden.len() - 1;
        let (top, rows) = (self.top, self.rows);
        out.push(weight_grad(gpu, k, p, top, rows, d_top, floats(&self.acts[last]), top.inputs));
        let below = Some((self.hidden[last].act, floats(&self.acts[last])));
        out.push(input_grad(gpu, k, p, top, rows, d_top, below, floats(&grads[last])));
        for i in (0..=last).rev() {
            let layer = &self.hidden[i];
            let (input, ld) = if i == 0 { self.input } else { (&self.acts[i - 1], layer.inputs) };
            out.push(weight_grad(gpu, k, p, layer, rows, floats(&grads[i]), floats(input), ld));
            if i > 0 {
                let below = Some((self.hidden[i - 1].act, floats(&self.acts[i - 1])));
                out.push(input_grad(gpu, k, p, layer, rows, floats(&grads[i]), below, floats(&grads[i - 1])));
            } else if let Some(d_input) = d_input {
                out.push(input_grad(gpu, k, p, layer, rows, floats(&grads[0]), None, d_input));
            }
        }
    }
}
