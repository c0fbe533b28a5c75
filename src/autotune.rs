//! Picks the fastest matmul kernel per shape on this adapter by timing the candidates, as Burn's
//! autotune does: CPU emulations favour wide register blocks, real GPUs workgroup-memory tiles.
//! Results can be exported and imported (the page caches them per adapter in localStorage).

use serde::{Deserialize, Serialize};

use crate::error::{Result, VaeError};
use crate::kernels::SHADERS;
use crate::kernels::matmul::{MatmulDims, MatmulKernel, MatmulVariant};
use crate::microbench::time_matmul;
use crate::trainer::Trainer;

/// One timed shape: every candidate's milliseconds and the winner.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TuneResult {
    pub variant: MatmulVariant,
    pub dims: MatmulDims,
    pub timings: Vec<(MatmulKernel, f64)>,
    pub chosen: MatmulKernel,
}

/// What the cache stores: results plus a fingerprint of the shader sources they were timed with.
#[derive(Serialize, Deserialize)]
struct TuneCache {
    shaders: u64,
    results: Vec<TuneResult>,
}

/// FNV-1a over every shader source: a cache from other kernels is ignored.
fn shader_fingerprint() -> u64 {
    SHADERS
        .iter()
        .flat_map(|(n, s)| n.bytes().chain(s.bytes()))
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// The kernels worth timing for a shape: every vectorised form that applies, else the scalar one.
fn candidates(v: MatmulVariant, d: MatmulDims) -> Vec<MatmulKernel> {
    let vectorised: Vec<_> =
        MatmulKernel::ALL.into_iter().filter(|k| *k != MatmulKernel::Scalar && k.supports(v, d)).collect();
    if vectorised.is_empty() { vec![MatmulKernel::Scalar] } else { vectorised }
}

impl Trainer {
    /// Times each candidate kernel `reps` times on every matmul shape of the training step, keeps
    /// the fastest, and rebuilds the workspaces with the choices (other shapes use the default).
    pub async fn autotune(&mut self, reps: u32, now: impl Fn() -> f64 + Copy) -> Result<Vec<TuneResult>> {
        let mut results = Vec::new();
        for (variant, dims) in self.matmul_shapes() {
            let options = candidates(variant, dims);
            let mut timings = Vec::new();
            for kernel in &options {
                if options.len() == 1 {
                    timings.push((*kernel, 0.0));
                    break;
                }
                let shape = (dims.m, dims.n, dims.k);
                let ms = time_matmul(&self.gpu, &self.kernels, *kernel, variant, shape, reps, now).await?;
                timings.push((*kernel, ms));
            }
            let chosen = timings.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map(|t| t.0).expect("a candidate");
            self.kernels.matmul.set_choice(variant, dims, chosen);
            results.push(TuneResult { variant, dims, timings, chosen });
        }
        self.rebuild_workspaces();
        Ok(results)
    }

    /// The current choices as JSON for a cache.
    pub fn export_tuning(&self) -> String {
        let results = self
            .kernels
            .matmul
            .choices()
            .into_iter()
            .map(|(variant, dims, chosen)| TuneResult { variant, dims, timings: Vec::new(), chosen })
            .collect();
        serde_json::to_string(&TuneCache { shaders: shader_fingerprint(), results }).expect("serializable")
    }

    /// Applies cached choices; returns false (and changes nothing) when the cache is from other
    /// shaders, malformed, or names a kernel that cannot run its shape.
    pub fn import_tuning(&mut self, json: &str) -> Result<bool> {
        let cache: TuneCache =
            serde_json::from_str(json).map_err(|e| VaeError::Config(format!("tuning cache: {e}")))?;
        if cache.shaders != shader_fingerprint() || cache.results.iter().any(|r| !r.chosen.supports(r.variant, r.dims))
        {
            return Ok(false);
        }
        for r in &cache.results {
            self.kernels.matmul.set_choice(r.variant, r.dims, r.chosen);
        }
        self.rebuild_workspaces();
        Ok(true)
    }
}

/// A readable line per result, for logs and BENCHMARKS.md.
pub fn describe(r: &TuneResult) -> String {
    let form = match (r.variant.trans_a, r.variant.trans_b) {
        (false, false) => "A·B",
        (false, true) => "A·Bᵀ",
        (true, false) => "Aᵀ·B",
        (true, true) => "Aᵀ·Bᵀ",
    };
    let times: Vec<String> = r.timings.iter().map(|(k, ms)| format!("{} {ms:.2} ms", k.name())).collect();
    format!("{form} {}x{}x{}: {} → {}", r.dims.m, r.dims.n, r.dims.k, times.join(", "), r.chosen.name())
}
