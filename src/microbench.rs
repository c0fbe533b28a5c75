//! Kernel microbenchmarks shared by the native `cargo bench` and the browser harness: time one
//! matmul shape on a given kernel, all work finished (a readback ends each timed batch).

use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::matmul::{ACT_RELU, MatmulDims, MatmulKernel, MatmulVariant};
use crate::kernels::{Kernels, View};

/// The three forms backprop needs, with the epilogue each uses in training.
pub fn variant_for(form: &str) -> Option<MatmulVariant> {
    Some(match form {
        "nt" => MatmulVariant { trans_b: true, bias: true, act: ACT_RELU, ..Default::default() },
        "nn" => MatmulVariant { act_grad: ACT_RELU, ..Default::default() },
        "tn" => MatmulVariant { trans_a: true, ones_col: true, ..Default::default() },
        _ => return None,
    })
}

pub fn kernel_named(name: &str) -> Option<MatmulKernel> {
    match name {
        "scalar" => Some(MatmulKernel::Scalar),
        "vec4" => Some(MatmulKernel::Vec4),
        "wide" => Some(MatmulKernel::Wide),
        "tiled" => Some(MatmulKernel::Tiled),
        _ => None,
    }
}

/// Milliseconds per dispatch of `kernel` on an m×n×k product of form `v`, from `reps` dispatches
/// in one submit after a warm-up. `now` is the platform clock in milliseconds.
#[allow(clippy::too_many_arguments)]
pub async fn time_matmul(
    gpu: &Gpu,
    kernels: &Kernels,
    kernel: MatmulKernel,
    v: MatmulVariant,
    (m, n, k): (u32, u32, u32),
    reps: u32,
    now: impl Fn() -> f64,
) -> Result<f64> {
    let a = gpu.storage("bench a", (m * k) as u64 * 4);
    let b = gpu.storage("bench b", (k * n + n) as u64 * 4);
    let c = gpu.storage("bench c", (m * n + m) as u64 * 4);
    let aux = gpu.storage("bench aux", (m * n) as u64 * 4);
    let lda = if v.trans_a { m } else { k };
    let ldb = if v.trans_b { k } else { n };
    let bias_offset = if v.ones_col { m * n } else { k * n };
    let dims = MatmulDims { m, n, k, lda, ldb, ldc: n, bias_offset, ld_aux: n };
    let views = (View::whole(&a), View::whole(&b), View::whole(&aux), View::whole(&c));
    let d = kernels.matmul.dispatch_with(gpu, kernel, v, dims, views.0, views.1, views.2, views.3);
    let run = async |count: u32| -> Result<()> {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        crate::workspace::Workspace::record(&mut encoder, 1, std::iter::repeat_n(&d, count as usize));
        gpu.queue.submit([encoder.finish()]);
        gpu.read_bytes(&c, 0, 4).await.map(|_| ())
    };
    run(1).await?;
    let start = now();
    run(reps).await?;
    Ok((now() - start) / reps as f64)
}
