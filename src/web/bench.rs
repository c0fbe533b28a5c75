//! Kernel microbenchmarks in the browser (the speed harness in bench/ calls these): the same
//! `microbench` code as `cargo bench`, on the page's WebGPU adapter.

use wasm_bindgen::prelude::*;

use crate::gpu::Gpu;
use crate::kernels::Kernels;
use crate::microbench::{kernel_named, time_matmul, variant_for};

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[wasm_bindgen]
pub struct KernelBench {
    gpu: Gpu,
    kernels: Kernels,
}

#[wasm_bindgen]
impl KernelBench {
    pub async fn create() -> Result<KernelBench, JsError> {
        let gpu = Gpu::new().await.map_err(|e| JsError::new(&e.to_string()))?;
        let kernels = Kernels::new(&gpu);
        Ok(KernelBench { gpu, kernels })
    }

    pub fn adapter(&self) -> String {
        self.gpu.describe()
    }

    /// Milliseconds per dispatch of kernel `name` ("scalar", "vec4", …) on an m×n×k product of
    /// form "nn", "nt" or "tn".
    pub async fn matmul(&self, name: String, form: String, m: u32, n: u32, k: u32, reps: u32) -> Result<f64, JsError> {
        let kernel = kernel_named(&name).ok_or_else(|| JsError::new(&format!("unknown kernel {name}")))?;
        let v = variant_for(&form).ok_or_else(|| JsError::new(&format!("unknown form {form}")))?;
        time_matmul(&self.gpu, &self.kernels, kernel, v, (m, n, k), reps, now_ms)
            .await
            .map_err(|e| JsError::new(&e.to_string()))
    }
}
