//! CPU kernel microbenchmarks in the browser (bench/cpu-kernels.mjs runs them in a Web Worker):
//! the same `cpu::microbench` cases as `cargo bench --bench cpu_kernels`, on this build's ISA.

use wasm_bindgen::prelude::*;

use crate::cpu;
use crate::cpu::microbench::{Case, elementwise_cases, fma_peak_gflops, gemm_cases, time};
use crate::cpu::simd::{Tiles, with_tiles};

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` of the global scope: a window or a worker.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

#[wasm_bindgen]
pub struct CpuKernelBench {
    cases: Vec<Case>,
    tiles: Option<Tiles>,
}

#[wasm_bindgen]
impl CpuKernelBench {
    #[wasm_bindgen(constructor)]
    pub fn new() -> CpuKernelBench {
        let mut cases = gemm_cases();
        cases.extend(elementwise_cases());
        CpuKernelBench { cases, tiles: None }
    }

    /// "simd128", "relaxed-simd" or "scalar": what this build was compiled for.
    pub fn isa(&self) -> String {
        cpu::isa().to_string()
    }

    /// GFLOP/s of multiply-adds on registers only (one core's peak for this build).
    pub fn peak_gflops(&self) -> f64 {
        fma_peak_gflops(&performance_now)
    }

    pub fn count(&self) -> usize {
        self.cases.len()
    }

    pub fn name(&self, i: usize) -> String {
        self.cases.get(i).map(|c| c.name.clone()).unwrap_or_default()
    }

    /// Floating-point operations per call of case i (0 for the elementwise kernels).
    pub fn flops(&self, i: usize) -> f64 {
        self.cases.get(i).map_or(0.0, |c| c.flops)
    }

    /// Register blocks for the matmuls (rows × vectors for A·B and Aᵀ·B, also used for the weight
    /// gradient in units; rows × rows for A·Bᵀ); shapes the kernels do not instantiate fall back
    /// to the default.
    pub fn set_tiles(&mut self, bcast_rows: usize, bcast_vectors: usize, dot_rows: usize, dot_cols: usize) {
        let bcast = (bcast_rows, bcast_vectors);
        self.tiles = Some(Tiles { bcast, dot: (dot_rows, dot_cols), units: bcast });
    }

    /// Milliseconds per call of case i: the best of `rounds` rounds of about `round_ms` each.
    pub fn time_ms(&mut self, i: usize, rounds: usize, round_ms: f64) -> Result<f64, JsError> {
        let tiles = self.tiles;
        let case = self.cases.get_mut(i).ok_or_else(|| JsError::new(&format!("no benchmark case {i}")))?;
        let mut timed = || time(&mut case.run, &performance_now, rounds, round_ms);
        Ok(match tiles {
            Some(t) => with_tiles(t, timed),
            None => timed(),
        })
    }
}

impl Default for CpuKernelBench {
    fn default() -> Self {
        Self::new()
    }
}
