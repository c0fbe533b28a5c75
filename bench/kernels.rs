//! Microbenchmarks of the matmul kernels on this machine's adapter, at the default model's shapes
//! and a large square size. Run: `cargo bench --bench kernels`.

use std::time::Instant;

use vaelab::gpu::Gpu;
use vaelab::kernels::Kernels;
use vaelab::microbench::{kernel_named, time_matmul, variant_for};

fn main() {
    let gpu = pollster::block_on(Gpu::new()).expect("GPU adapter");
    println!("adapter: {}", gpu.describe());
    let kernels = Kernels::new(&gpu);
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    let shapes = [
        ("forward enc.0", "nt", (128, 400, 784), 20),
        ("forward dec.out", "nt", (128, 784, 400), 20),
        ("input grad dec.out", "nn", (128, 400, 784), 20),
        ("weight grad enc.0", "tn", (400, 784, 128), 20),
        ("weight grad dec.out", "tn", (784, 400, 128), 20),
        ("square", "nn", (1024, 1024, 1024), 3),
    ];
    for name in ["scalar", "vec4", "wide", "tiled"] {
        let kernel = kernel_named(name).expect("known kernel");
        for (label, form, (m, n, k), reps) in shapes {
            let v = variant_for(form).expect("known form");
            let ms = pollster::block_on(time_matmul(&gpu, &kernels, kernel, v, (m, n, k), reps, now)).expect("timing");
            let gflops = 2.0 * m as f64 * n as f64 * k as f64 / ms / 1e6;
            println!("{name:<7} {label:<20} {form} {m:>5}x{n:>5}x{k:>5}  {ms:>8.3} ms  {gflops:>7.2} GFLOP/s");
        }
    }
}
