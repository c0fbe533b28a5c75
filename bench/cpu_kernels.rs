//! Microbenchmarks of the CPU kernels (src/cpu) on one thread, on every instruction set this
//! machine has: GFLOP/s of the matmuls at the default model's shapes against the core's FMA peak,
//! and the elementwise kernels in µs. Run: `cargo bench --bench cpu_kernels [-- ISA|all [NAME]]`
//! (NAME: only cases whose name contains it); `-- ISA|all tiles` compares the matmul register blocks
//! instead, timing the candidates in turn so that load from other processes hits them alike.

use std::time::Instant;

use vaelab::cpu::microbench::{elementwise_cases, fma_peak_gflops, gemm_cases, time};
use vaelab::cpu::simd::{Tiles, with_tiles};
use vaelab::cpu::{Isa, with_isa};

/// The register blocks `matmul` instantiates (rows × vectors for A·B / Aᵀ·B, rows × rows for A·Bᵀ).
const BCAST: [(usize, usize); 6] = [(4, 2), (5, 2), (6, 2), (4, 3), (3, 3), (4, 4)];
const DOT: [(usize, usize); 5] = [(3, 3), (4, 2), (4, 3), (2, 4), (4, 4)];

/// Times every register block on the whole-batch matmuls, round-robin, best of 8 passes each.
fn compare_tiles(now: &dyn Fn() -> f64) {
    for mut case in gemm_cases().into_iter().skip(5).take(5) {
        let dot = case.name.contains("Bᵀ");
        let shapes: Vec<(usize, usize)> = if dot { DOT.to_vec() } else { BCAST.to_vec() };
        let mut best = vec![f64::INFINITY; shapes.len()];
        for _ in 0..8 {
            for (s, &shape) in shapes.iter().enumerate() {
                let tiles = if dot {
                    Tiles { bcast: (4, 2), dot: shape, units: (4, 2) }
                } else {
                    Tiles { bcast: shape, dot: (3, 3), units: shape }
                };
                best[s] = best[s].min(with_tiles(tiles, || time(&mut case.run, now, 2, 10.0)));
            }
        }
        let cells: Vec<String> =
            shapes.iter().zip(&best).map(|((r, c), ms)| format!("{r}×{c} {:.1}", case.flops / ms / 1e6)).collect();
        println!("  {:<58} GFLOP/s: {}", case.name, cells.join("  "));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let only = args.first().filter(|a| *a != "all");
    let named = args.get(1).map(String::as_str).unwrap_or("");
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    for isa in Isa::available() {
        if only.is_some_and(|o| o != isa.name()) {
            continue;
        }
        if named == "tiles" {
            println!("\n{}: register blocks", isa.name());
            with_isa(isa, || compare_tiles(&now));
            continue;
        }
        with_isa(isa, || {
            let peak = fma_peak_gflops(&now);
            println!("\n{}: FMA peak {peak:.1} GFLOP/s (registers only, one core)", isa.name());
            let mut total = 0.0;
            for (i, mut case) in gemm_cases().into_iter().enumerate() {
                if !case.name.contains(named) {
                    continue;
                }
                let ms = time(&mut case.run, &now, 5, 40.0);
                let gflops = case.flops / ms / 1e6;
                println!("  {:<58} {ms:>8.3} ms {gflops:>7.1} GFLOP/s {:>4.0}%", case.name, 100.0 * gflops / peak);
                // The whole-batch matmuls (index 5 on) add up to one step on one thread.
                if i >= 5 {
                    total += ms;
                }
            }
            let mut rest = 0.0;
            for mut case in elementwise_cases().into_iter().filter(|c| c.name.contains(named)) {
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
