//! Launcher and CPU oracle for shaders/matmul.wgsl: C = op(A)·op(B) with the fused epilogue
//! (bias, activation, activation gradient, bias-gradient column). One pipeline per variant, cached.

#[cfg(feature = "gpu")]
use std::collections::HashMap;
#[cfg(feature = "gpu")]
use std::sync::Mutex;

use bytemuck::{Pod, Zeroable};

#[cfg(feature = "gpu")]
use super::{Dispatch, Slot, View, bind_group, bind_group_layout, compute_pipeline, shader_module};
#[cfg(feature = "gpu")]
use crate::gpu::Gpu;

pub const ACT_NONE: u32 = 0;
pub const ACT_RELU: u32 = 1;
pub const ACT_TANH: u32 = 2;

/// Threads per workgroup along x (columns) and y (rows); each thread computes a 4×4 block.
#[cfg(feature = "gpu")]
const WG: (u32, u32) = (8, 8);

/// Which form of the kernel: folded into the pipeline as override constants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MatmulVariant {
    pub trans_a: bool,
    pub trans_b: bool,
    pub bias: bool,
    pub act: u32,
    pub act_grad: u32,
    pub ones_col: bool,
}

impl MatmulVariant {
    /// The form as written in the docs: "A·B", "A·Bᵀ", "Aᵀ·B".
    pub fn form(&self) -> &'static str {
        match (self.trans_a, self.trans_b) {
            (false, false) => "A·B",
            (false, true) => "A·Bᵀ",
            (true, false) => "Aᵀ·B",
            (true, true) => "Aᵀ·Bᵀ",
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MatmulDims {
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub lda: u32,
    pub ldb: u32,
    pub ldc: u32,
    /// HAS_BIAS: float offset of the bias inside B's binding; ONES_COL: offset inside C.
    pub bias_offset: u32,
    pub ld_aux: u32,
}

/// Which shader runs a matmul.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MatmulKernel {
    /// shaders/matmul.wgsl: any shape.
    Scalar,
    /// shaders/matmul_vec4.wgsl: contiguous dimensions in multiples of 4.
    Vec4,
    /// shaders/matmul_wide.wgsl: as Vec4, with 8×8 blocks per thread.
    Wide,
    /// shaders/matmul_tiled.wgsl: as Vec4, staged through workgroup memory.
    Tiled,
}

impl MatmulKernel {
    pub const ALL: [MatmulKernel; 4] =
        [MatmulKernel::Scalar, MatmulKernel::Vec4, MatmulKernel::Wide, MatmulKernel::Tiled];

    pub fn name(self) -> &'static str {
        match self {
            MatmulKernel::Scalar => "matmul",
            MatmulKernel::Vec4 => "matmul_vec4",
            MatmulKernel::Wide => "matmul_wide",
            MatmulKernel::Tiled => "matmul_tiled",
        }
    }

    pub fn supports(self, v: MatmulVariant, d: MatmulDims) -> bool {
        match self {
            MatmulKernel::Scalar => true,
            MatmulKernel::Vec4 => super::matmul_vec4::supports(v, d),
            MatmulKernel::Wide => super::matmul_wide::supports(v, d),
            MatmulKernel::Tiled => super::matmul_tiled::supports(v, d),
        }
    }

    /// Workgroups covering an m × n output (n + 1 with the bias column).
    #[cfg(feature = "gpu")]
    fn workgroups(self, m: u32, n_out: u32) -> [u32; 3] {
        let (cols, rows) = match self {
            MatmulKernel::Scalar | MatmulKernel::Vec4 => (4 * WG.0, 4 * WG.1),
            MatmulKernel::Wide => {
                use super::matmul_wide as w;
                (w::COLS_PER_THREAD * w::WG.0, w::ROWS_PER_THREAD * w::WG.1)
            }
            MatmulKernel::Tiled => (super::matmul_tiled::TILE, super::matmul_tiled::TILE),
        };
        [n_out.div_ceil(cols), m.div_ceil(rows), 1]
    }
}

#[cfg(feature = "gpu")]
pub struct Matmul {
    layout: wgpu::BindGroupLayout,
    modules: [wgpu::ShaderModule; 4],
    pipelines: Mutex<HashMap<(MatmulKernel, MatmulVariant), wgpu::ComputePipeline>>,
    /// Kernels picked by the autotuner for exact shapes; others use the default heuristic.
    choices: Mutex<HashMap<(MatmulVariant, MatmulDims), MatmulKernel>>,
}

#[cfg(feature = "gpu")]
impl Matmul {
    pub fn new(gpu: &Gpu) -> Self {
        let layout =
            bind_group_layout(gpu, "matmul", &[Slot::Uniform, Slot::Read, Slot::Read, Slot::Read, Slot::ReadWrite]);
        let modules = MatmulKernel::ALL.map(|k| shader_module(gpu, k.name()));
        Matmul { layout, modules, pipelines: Mutex::new(HashMap::new()), choices: Mutex::new(HashMap::new()) }
    }

    pub fn pipeline(&self, gpu: &Gpu, kernel: MatmulKernel, v: MatmulVariant) -> wgpu::ComputePipeline {
        let mut cache = self.pipelines.lock().expect("pipeline cache poisoned");
        cache
            .entry((kernel, v))
            .or_insert_with(|| {
                let flag = |b: bool| if b { 1.0 } else { 0.0 };
                let constants = [
                    ("TRANS_A", flag(v.trans_a)),
                    ("TRANS_B", flag(v.trans_b)),
                    ("HAS_BIAS", flag(v.bias)),
                    ("ACT", v.act as f64),
                    ("ACT_GRAD", v.act_grad as f64),
                    ("ONES_COL", flag(v.ones_col)),
                    ("WG_X", WG.0 as f64),
                    ("WG_Y", WG.1 as f64),
                ];
                let module = &self.modules[MatmulKernel::ALL.iter().position(|k| *k == kernel).expect("listed")];
                compute_pipeline(gpu, kernel.name(), module, &self.layout, &constants)
            })
            .clone()
    }

    /// The kernel used for a shape: the autotuner's pick if it timed this shape, otherwise the
    /// vec4 form wherever it applies: fast everywhere and quick to compile, which matters before
    /// the first step (SwiftShader compiles the unrolled wide kernel in ~170 ms per variant).
    pub fn choose(&self, variant: MatmulVariant, dims: MatmulDims) -> MatmulKernel {
        if let Some(&k) = self.choices.lock().expect("choices poisoned").get(&(variant, dims)) {
            return k;
        }
        if MatmulKernel::Vec4.supports(variant, dims) { MatmulKernel::Vec4 } else { MatmulKernel::Scalar }
    }

    /// Records the kernel to use for a shape (the autotuner's decision).
    pub fn set_choice(&self, variant: MatmulVariant, dims: MatmulDims, kernel: MatmulKernel) {
        assert!(kernel.supports(variant, dims));
        self.choices.lock().expect("choices poisoned").insert((variant, dims), kernel);
    }

    pub fn choices(&self) -> Vec<(MatmulVariant, MatmulDims, MatmulKernel)> {
        self.choices.lock().expect("choices poisoned").iter().map(|(&(v, d), &k)| (v, d, k)).collect()
    }

    /// Binds one launch. `aux` is the saved activation for ACT_GRAD variants (else unused).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch(
        &self,
        gpu: &Gpu,
        variant: MatmulVariant,
        dims: MatmulDims,
        a: View,
        b: View,
        aux: View,
        c: View,
    ) -> Dispatch {
        let mut kernel = self.choose(variant, dims);
        if kernel != MatmulKernel::Scalar && (a.whole_vec4s().is_none() || b.whole_vec4s().is_none()) {
            kernel = MatmulKernel::Scalar;
        }
        self.dispatch_with(gpu, kernel, variant, dims, a, b, aux, c)
    }

    /// Binds one launch with an explicit kernel (tests and benchmarks compare them).
    #[allow(clippy::too_many_arguments)]
    pub fn dispatch_with(
        &self,
        gpu: &Gpu,
        kernel: MatmulKernel,
        variant: MatmulVariant,
        dims: MatmulDims,
        a: View,
        b: View,
        aux: View,
        c: View,
    ) -> Dispatch {
        assert!(kernel.supports(variant, dims), "{kernel:?} matmul on an unsupported shape");
        // The vec4 kernels read a and b as array<vec4<f32>>: a binding's trailing 1–3 floats would be
        // out of its range, where robust drivers (SwiftShader) read zeros. Bind whole vec4s.
        let (a, b) = if kernel == MatmulKernel::Scalar {
            (a, b)
        } else {
            let why = "a vec4 matmul operand that cannot be widened to whole vec4s";
            (a.whole_vec4s().expect(why), b.whole_vec4s().expect(why))
        };
        let uniform = gpu.uniform_init("matmul dims", bytemuck::bytes_of(&dims));
        let bind = bind_group(gpu, "matmul", &self.layout, &[View::whole(&uniform), a, b, aux, c]);
        let cols = if variant.ones_col { dims.n + 1 } else { dims.n };
        Dispatch {
            label: kernel.name(),
            pipeline: self.pipeline(gpu, kernel, variant),
            bind_group: bind,
            workgroups: kernel.workgroups(dims.m, cols),
            uses_step: false,
            matmul: Some((variant, dims)),
        }
    }
}

fn act_forward(act: u32, v: f32) -> f32 {
    match act {
        ACT_RELU => v.max(0.0),
        ACT_TANH => v.tanh(),
        _ => v,
    }
}

fn act_backward(act: u32, g: f32, h: f32) -> f32 {
    match act {
        ACT_RELU => {
            if h > 0.0 {
                g
            } else {
                0.0
            }
        }
        ACT_TANH => g * (1.0 - h * h),
        _ => g,
    }
}

/// CPU oracle: the same contract as the kernel, accumulating in f64.
pub fn matmul_cpu(v: MatmulVariant, d: MatmulDims, a: &[f32], b: &[f32], aux: &[f32], c: &mut [f32]) {
    let (m, n, k) = (d.m as usize, d.n as usize, d.k as usize);
    let (lda, ldb, ldc) = (d.lda as usize, d.ldb as usize, d.ldc as usize);
    let op_a = |i: usize, p: usize| if v.trans_a { a[p * lda + i] } else { a[i * lda + p] };
    let op_b = |p: usize, j: usize| if v.trans_b { b[j * ldb + p] } else { b[p * ldb + j] };
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0f64;
            for p in 0..k {
                acc += op_a(i, p) as f64 * op_b(p, j) as f64;
            }
            let mut value = acc as f32;
            if v.bias {
                value += b[d.bias_offset as usize + j];
            }
            value = act_forward(v.act, value);
            if v.act_grad != ACT_NONE {
                value = act_backward(v.act_grad, value, aux[i * d.ld_aux as usize + j]);
            }
            c[i * ldc + j] = value;
        }
        if v.ones_col {
            let sum: f64 = (0..k).map(|p| op_a(i, p) as f64).sum();
            c[d.bias_offset as usize + i] = sum as f32;
        }
    }
}
