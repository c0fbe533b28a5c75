//! The VRNN's parameters on the GPU: `Vrnn::tensors()` in the same order and shapes, each tensor
//! moved to the next 64-float (256-byte) boundary so every weight matrix can be bound as a view.

use std::ops::Range;

use crate::seq::vrnn::{Cell, Lin, Vrnn};

/// Floats per binding alignment step (WebGPU's min_storage_buffer_offset_alignment is ≤ 256 bytes).
pub const ALIGN: usize = 64;

/// Where each tensor of the flat f64 vector sits in the padded f32 GPU vector. Padding stays 0
/// (its gradient is 0, so Adam never moves it).
#[derive(Clone, Debug)]
pub struct GpuLayout {
    /// GPU floats, a multiple of ALIGN.
    pub len: usize,
    /// Flat range of each tensor and its GPU offset, in `Vrnn::tensors()` order.
    pub tensors: Vec<(Range<usize>, usize)>,
}

impl GpuLayout {
    pub fn new(model: &Vrnn) -> Self {
        let mut at = 0;
        let tensors = model
            .tensors()
            .into_iter()
            .map(|(_, range, _, _)| {
                let start = at;
                at = (at + range.len()).next_multiple_of(ALIGN);
                (range, start)
            })
            .collect();
        GpuLayout { len: at.max(ALIGN), tensors }
    }

    /// The f64 parameters (or gradient) of `Vrnn` as the padded f32 GPU vector.
    pub fn pack(&self, flat: &[f64]) -> Vec<f32> {
        let mut out = vec![0.0f32; self.len];
        for (range, at) in &self.tensors {
            for (o, &v) in out[*at..*at + range.len()].iter_mut().zip(&flat[range.clone()]) {
                *o = v as f32;
            }
        }
        out
    }

    /// The padded GPU vector back in `Vrnn`'s flat layout.
    pub fn unpack(&self, gpu: &[f32]) -> Vec<f64> {
        let flat_len = self.tensors.last().map_or(0, |(r, _)| r.end);
        let mut out = vec![0.0; flat_len];
        for (range, at) in &self.tensors {
            for (o, &v) in out[range.clone()].iter_mut().zip(&gpu[*at..*at + range.len()]) {
                *o = v as f64;
            }
        }
        out
    }

    /// GPU offset of the tensor that starts at flat offset `flat`.
    fn at(&self, flat: usize) -> usize {
        self.tensors.iter().find(|(r, _)| r.start == flat).map(|(_, at)| *at).expect("a tensor starts there")
    }
}

/// A Linear layer (or one half of a GRU cell) on the GPU: W [output, input] at float `w`
/// (aligned), its bias `bias_rel` floats further on.
#[derive(Clone, Copy, Debug)]
pub struct GLin {
    pub w: usize,
    pub bias_rel: usize,
    pub input: usize,
    pub output: usize,
}

impl GLin {
    /// Floats from W's start to the bias's end.
    pub fn span(&self) -> usize {
        self.bias_rel + self.output
    }
}

/// A GRU cell: x·W_ihᵀ + b_ih and h·W_hhᵀ + b_hh as two GLins.
#[derive(Clone, Copy, Debug)]
pub struct GCell {
    pub ih: GLin,
    pub hh: GLin,
}

/// Every layer of the VRNN at its GPU offset.
#[derive(Clone, Debug)]
pub struct GpuModel {
    pub layout: GpuLayout,
    pub phi_x: GLin,
    pub phi_z: GLin,
    pub prior: [GLin; 2],
    pub encoder: [GLin; 2],
    pub decoder: [GLin; 2],
    pub rnn: GCell,
    pub back: Option<GCell>,
}

impl GpuModel {
    pub fn new(model: &Vrnn) -> Self {
        let layout = GpuLayout::new(model);
        let lin = |l: Lin| {
            let (w, b) = (layout.at(l.at), layout.at(l.at + l.d.output * l.d.input));
            GLin { w, bias_rel: b - w, input: l.d.input, output: l.d.output }
        };
        let cell = |c: Cell| {
            let (h3, i, h) = (3 * c.g.hidden, c.g.input, c.g.hidden);
            let (w_ih, w_hh) = (layout.at(c.at), layout.at(c.at + h3 * i));
            let b_ih = layout.at(c.at + h3 * (i + h));
            let b_hh = layout.at(c.at + h3 * (i + h + 1));
            GCell {
                ih: GLin { w: w_ih, bias_rel: b_ih - w_ih, input: i, output: h3 },
                hh: GLin { w: w_hh, bias_rel: b_hh - w_hh, input: h, output: h3 },
            }
        };
        GpuModel {
            phi_x: lin(model.phi_x),
            phi_z: lin(model.phi_z),
            prior: model.prior.map(lin),
            encoder: model.encoder.map(lin),
            decoder: model.decoder.map(lin),
            rnn: cell(model.rnn),
            back: model.back.map(cell),
            layout,
        }
    }
}
