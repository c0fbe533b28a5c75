//! Picks the fastest matmul kernel per shape on this adapter by timing the candidates, as Burn's
//! autotune does: CPU emulations favour wide register blocks, real GPUs workgroup-memory tiles.
//! Results can be exported and imported (the page caches them per adapter in localStorage).

use serde::{Deserialize, Serialize};

use crate::error::{Result, VaeError};
use crate::gpu::Gpu;
use crate::kernels::Kernels;
use crate::kernels::SHADERS;
use crate::kernels::matmul::{MatmulDims, MatmulKernel, MatmulVariant};
use crate::microbench::time_matmul;

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

/// Tuning in progress: the shapes still to time, biggest first, and what was learnt so far.
/// `next` times one shape per call, so a page can interleave it with training; once `remaining()`
/// is 0 the caller rebuilds its workspaces (`Trainer::rebuild_workspaces`) so the choices apply.
pub struct Tuner {
    pending: Vec<(MatmulVariant, MatmulDims)>,
    dropped: Vec<MatmulKernel>,
    reps: u32,
    pub results: Vec<TuneResult>,
}

fn flops(d: &MatmulDims) -> f64 {
    2.0 * d.m as f64 * d.n as f64 * d.k as f64
}

/// Shapes this big say enough about a kernel to stop trying it when it loses by 2× or more.
const TELLING_FLOPS: f64 = 2e7;

impl Tuner {
    /// A tuner for `shapes` (a training step's, `Trainer::matmul_shapes`), largest first.
    pub fn new(mut shapes: Vec<(MatmulVariant, MatmulDims)>, reps: u32) -> Tuner {
        shapes.sort_by(|a, b| flops(&b.1).total_cmp(&flops(&a.1)));
        shapes.reverse(); // popped from the back: largest first
        Tuner { pending: shapes, dropped: Vec::new(), reps, results: Vec::new() }
    }

    pub fn remaining(&self) -> usize {
        self.pending.len()
    }

    /// Times the candidates for the next shape and records the winner in `kernels`; returns false
    /// once every shape is done.
    pub async fn next(&mut self, gpu: &Gpu, kernels: &Kernels, now: impl Fn() -> f64 + Copy) -> Result<bool> {
        let Some((variant, dims)) = self.pending.pop() else {
            return Ok(false);
        };
        let options: Vec<_> = candidates(variant, dims).into_iter().filter(|k| !self.dropped.contains(k)).collect();
        // A lone candidate is not timed: its `timings` stay empty.
        let mut timings = Vec::new();
        let chosen = if let [only] = options[..] {
            only
        } else {
            for kernel in &options {
                let shape = (dims.m, dims.n, dims.k);
                timings.push((*kernel, time_matmul(gpu, kernels, *kernel, variant, shape, self.reps, now).await?));
            }
            let (chosen, best) =
                timings.iter().min_by(|a, b| a.1.total_cmp(&b.1)).copied().expect("at least one candidate");
            if flops(&dims) >= TELLING_FLOPS {
                self.dropped.extend(timings.iter().filter(|t| t.1 > 2.0 * best).map(|t| t.0));
            }
            chosen
        };
        kernels.matmul.set_choice(variant, dims, chosen);
        self.results.push(TuneResult { variant, dims, timings, chosen });
        Ok(true)
    }

    /// Tunes every remaining shape in one go.
    pub async fn run(&mut self, gpu: &Gpu, kernels: &Kernels, now: impl Fn() -> f64 + Copy) -> Result<()> {
        while self.next(gpu, kernels, now).await? {}
        Ok(())
    }
}

/// Choices (with the timings behind them) as JSON for a cache.
pub fn export(results: &[TuneResult]) -> String {
    let cache = TuneCache { shaders: shader_fingerprint(), results: results.to_vec() };
    serde_json::to_string(&cache).expect("serializable")
}

/// Applies cached choices to `kernels` and returns them; `None` (and nothing changed) when the
/// cache is from other shaders or names a kernel that cannot run its shape.
pub fn import(json: &str, kernels: &Kernels) -> Result<Option<Vec<TuneResult>>> {
    let cache: TuneCache = serde_json::from_str(json).map_err(|e| VaeError::Config(format!("tuning cache: {e}")))?;
    if cache.shaders != shader_fingerprint() || cache.results.iter().any(|r| !r.chosen.supports(r.variant, r.dims)) {
        return Ok(None);
    }
    for r in &cache.results {
        kernels.matmul.set_choice(r.variant, r.dims, r.chosen);
    }
    Ok(Some(cache.results))
}

/// One row of a tuning report, for the page and BENCHMARKS.md.
#[derive(Serialize)]
pub struct ReportRow {
    pub form: &'static str,
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub kernel: &'static str,
    /// (kernel, ms) of every candidate timed; empty when only one candidate was left (the others
    /// lost by 2× or more on a larger shape) or the choice came from a cache.
    pub timings: Vec<(&'static str, f64)>,
}

pub fn report(results: &[TuneResult]) -> Vec<ReportRow> {
    results
        .iter()
        .map(|r| ReportRow {
            form: r.variant.form(),
            m: r.dims.m,
            n: r.dims.n,
            k: r.dims.k,
            kernel: r.chosen.name(),
            timings: r.timings.iter().map(|(k, ms)| (k.name(), *ms)).collect(),
        })
        .collect()
}

/// A readable line per result, for logs and BENCHMARKS.md.
pub fn describe(r: &TuneResult) -> String {
    let form = r.variant.form();
    let times: Vec<String> = r.timings.iter().map(|(k, ms)| format!("{} {ms:.2} ms", k.name())).collect();
    let times = if times.is_empty() { "the only candidate left".to_string() } else { times.join(", ") };
    format!("{form} {}x{}x{}: {times} → {}", r.dims.m, r.dims.n, r.dims.k, r.chosen.name())
}
