//! Microbenchmarks of the CPU kernels (src/cpu) on one thread, on every instruction set this
//! machine has: GFLOP/s of the matmuls at the default model's shapes against the core's FMA peak,
//! and the elementwise kernels in µs. Run: `cargo bench --bench cpu_kernels [-- ISA]`.

use std::time::Instant;

use vaelab::cpu::microbench::{elementwise_cases, fma_peak_gflops, gemm_cases, time};
use vaelab::cpu::{Isa, with_isa};

fn main() {
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    for isa in Isa::available() {
        if only.as_deref().is_some_and(|o| o != isa.name()) {
            continue;
        }
        with_isa(isa, || {
            let peak = fma_peak_gflops(&now);
            println!("\n{}: FMA peak {peak:.1} GFLOP/s (registers only, one core)", isa.name());
            let mut total = 0.0;
            for (i, mut case) in gemm_cases().into_iter().enumerate() {
                let ms = time(&mut case.run, &now, 5, 40.0);
                let gflops = case.flops / ms / 1e6;
                println!("  {:<58} {ms:>8.3} ms {gflops:>7.1} GFLOP/s {:>4.0}%", case.name, 100.0 * gflops / peak);
                // The whole-batch matmuls (index 5 on) add up to one step on one thread.
                if i >= 5 {
                    total += ms;
                }
            }
            let mut rest = 0.0;
            for mut case in elementwise_cases() {
                let ms = time(&mut case.run, &now, 5, 20.0);
                println!("  {:<58} {:>8.1} µs", case.name, ms * 1e3);
                if !case.name.contains("binarized") && !case.name.starts_with("merge") {
                    rest += ms;
                }
            }
            println!(
                "  one step of batch 128 on one thread: {total:.2} ms matmul + {rest:.2} ms elementwise → {:.0} samples/s",
                128.0 / ((total + rest) / 1e3)
            );
        });
    }
}
