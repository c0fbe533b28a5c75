//! Launcher and CPU oracle for shaders/add_cols.wgsl: sums of up to three column blocks into a
//! fourth (overwritten or accumulated, optionally ReLU-masked) — the VRNN's concatenations and splits.

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, Specialised, View, bind_group, flag};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

/// One operand: a matrix with row stride `ld` whose block starts at column `off`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub ld: u32,
    pub off: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct AddColsParams {
    pub rows: u32,
    pub cols: u32,
    pub ld_dst: u32,
    pub off_dst: u32,
    pub ld_s0: u32,
    pub off_s0: u32,
    pub ld_s1: u32,
    pub off_s1: u32,
    pub ld_s2: u32,
    pub off_s2: u32,
    pub ld_mask: u32,
    pub off_mask: u32,
}

/// What one launch does: `rows` × `cols`, the destination block, 1–3 source blocks, whether to
/// add onto the destination, and an optional ReLU mask block.
#[derive(Clone, Debug)]
pub struct AddCols {
    pub rows: u32,
    pub cols: u32,
    pub dst: Block,
    pub sources: Vec<Block>,
    pub accumulate: bool,
    pub mask: Option<Block>,
}

impl AddCols {
    pub fn params(&self) -> AddColsParams {
        assert!((1..=3).contains(&self.sources.len()), "add_cols takes 1 to 3 sources");
        let s = |i: usize| self.sources.get(i).copied().unwrap_or_default();
        let m = self.mask.unwrap_or_default();
        AddColsParams {
            rows: self.rows,
            cols: self.cols,
            ld_dst: self.dst.ld,
            off_dst: self.dst.off,
            ld_s0: s(0).ld,
            off_s0: s(0).off,
            ld_s1: s(1).ld,
            off_s1: s(1).off,
            ld_s2: s(2).ld,
            off_s2: s(2).off,
            ld_mask: m.ld,
            off_mask: m.off,
        }
    }
}

/// CPU oracle, in f32 in the kernel's order: ((s0 + s1) + s2), then dst + that, then the mask.
pub fn add_cols_cpu(op: &AddCols, sources: &[&[f32]], mask: &[f32], dst: &mut [f32]) {
    for r in 0..op.rows as usize {
        for c in 0..op.cols as usize {
            let at = |b: Block| r * b.ld as usize + b.off as usize + c;
            let mut v = 0.0f32;
            for (i, (b, s)) in op.sources.iter().zip(sources).enumerate() {
                v = if i == 0 { s[at(*b)] } else { v + s[at(*b)] };
            }
            let d = at(op.dst);
            if op.accumulate {
                v += dst[d];
            }
            if let Some(m) = op.mask
                && mask[at(m)] <= 0.0
            {
                v = 0.0;
            }
            dst[d] = v;
        }
    }
}

#[cfg(feature = "gpu")]
pub struct AddColsKernel {
    shader: Specialised,
}

#[cfg(feature = "gpu")]
impl AddColsKernel {
    pub fn new(gpu: &Gpu) -> Self {
        let slots = [Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite];
        AddColsKernel { shader: Specialised::new(gpu, "add_cols", &slots) }
    }

    /// `sources` (1–3 views, in `op.sources` order); `mask` is bound only with `op.mask`
    /// (pass any buffer otherwise); `unused` fills the empty source slots.
    pub fn dispatch(&self, gpu: &Gpu, op: &AddCols, sources: &[View], mask: View, unused: View, dst: View) -> Dispatch {
        assert_eq!(sources.len(), op.sources.len(), "one view per source block");
        let uniform = gpu.uniform_init("add_cols params", bytemuck::bytes_of(&op.params()));
        let s = |i: usize| sources.get(i).copied().unwrap_or(unused);
        let bind =
            bind_group(gpu, "add_cols", self.shader.layout(), &[View::whole(&uniform), s(0), s(1), s(2), mask, dst]);
        let constants = [
            ("SOURCES", op.sources.len() as f64),
            ("ACCUMULATE", flag(op.accumulate)),
            ("RELU_MASK", flag(op.mask.is_some())),
        ];
        Dispatch {
            label: "add_cols",
            pipeline: self.shader.pipeline(gpu, &constants),
            bind_group: bind,
            workgroups: [op.cols.div_ceil(8).max(1), op.rows.div_ceil(8).max(1), 1],
            uses_step: false,
            matmul: None,
        }
    }
}
