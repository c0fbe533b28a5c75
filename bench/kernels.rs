//! Microbenchmarks of the kernels on this machine's adapter: matmul GFLOP/s at the default
//! model's shapes and at a large square size. Run: `cargo bench --bench kernels`.

use std::time::Instant;

use vaelab::gpu::Gpu;
use vaelab::kernels::matmul::{ACT_RELU, MatmulDims, MatmulKernel, MatmulVariant};
use vaelab::kernels::{Kernels, View};

fn time_matmul(
    gpu: &Gpu,
    kernels: &Kernels,
    name: &str,
    kernel: MatmulKernel,
    v: MatmulVariant,
    m: u32,
    n: u32,
    k: u32,
    reps: u32,
) -> f64 {
    let (a_len, b_len) = (m * k, k * n + n);
    let a = gpu.storage("a", a_len as u64 * 4);
    let b = gpu.storage("b", b_len as u64 * 4);
    let c = gpu.storage("c", (m * n + m) as u64 * 4);
    let aux = gpu.storage("aux", (m * n) as u64 * 4);
    let lda = if v.trans_a { m } else { k };
    let ldb = if v.trans_b { k } else { n };
    let dims = MatmulDims { m, n, k, lda, ldb, ldc: n, bias_offset: if v.ones_col { m * n } else { k * n }, ld_aux: n };
    let d = kernels.matmul.dispatch_with(
        gpu,
        kernel,
        v,
        dims,
        View::whole(&a),
        View::whole(&b),
        View::whole(&aux),
        View::whole(&c),
    );
    let run = |count: u32| {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            for _ in 0..count {
                d.record(&mut pass, 0);
            }
        }
        gpu.queue.submit([encoder.finish()]);
        gpu.poll_wait();
    };
    run(2);
    let start = Instant::now();
    run(reps);
    let secs = start.elapsed().as_secs_f64() / reps as f64;
    let gflops = 2.0 * m as f64 * n as f64 * k as f64 / secs / 1e9;
    println!(
        "{:<7} {name:<28} {m:>5}x{n:>5}x{k:>5}  {:>8.3} ms  {gflops:>7.2} GFLOP/s",
        format!("{kernel:?}"),
        secs * 1e3
    );
    gflops
}

fn main() {
    let gpu = pollster::block_on(Gpu::new()).expect("GPU adapter");
    println!("adapter: {}", gpu.describe());
    let kernels = Kernels::new(&gpu);
    let fwd = MatmulVariant { trans_b: true, bias: true, act: ACT_RELU, ..Default::default() };
    let bwd = MatmulVariant { act_grad: ACT_RELU, ..Default::default() };
    let wgrad = MatmulVariant { trans_a: true, ones_col: true, ..Default::default() };
    for kernel in [MatmulKernel::Scalar, MatmulKernel::Vec4] {
        time_matmul(&gpu, &kernels, "forward enc.0 (A·Bᵀ)", kernel, fwd, 128, 400, 784, 20);
        time_matmul(&gpu, &kernels, "forward dec.out (A·Bᵀ)", kernel, fwd, 128, 784, 400, 20);
        time_matmul(&gpu, &kernels, "input grad dec.out (A·B)", kernel, bwd, 128, 400, 784, 20);
        time_matmul(&gpu, &kernels, "weight grad enc.0 (Aᵀ·B)", kernel, wgrad, 400, 784, 128, 20);
        time_matmul(&gpu, &kernels, "weight grad dec.out (Aᵀ·B)", kernel, wgrad, 784, 400, 128, 20);
        time_matmul(&gpu, &kernels, "square (A·B)", kernel, MatmulVariant::default(), 1024, 1024, 1024, 3);
    }
}
