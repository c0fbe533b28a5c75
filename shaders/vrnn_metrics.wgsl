// The VRNN step's batch means into its record of the metrics ring (launcher:
// src/kernels/vrnn_metrics.rs; CPU oracle `vrnn_metrics_cpu` there; f64 model: Vrnn::batch_loss).
//   row_stats: [T·R, 4], column 0 = Σ_pixels BCE of (step t, row r) (bce_logits)
//   kl: [T·R] KL(q ‖ p) of (t, r) (gauss_kl); w: [T·R] 1/rows for the batch's rows, 0 for padding
//   metrics: ring of records [loss, recon, kl, ‖g‖, kl_0 .. kl_{T−1}] (4 + T floats; clip_grad_norm
//   writes ‖g‖), record step.slot
// A single thread sums in a fixed order: a few thousand adds, no barriers.

struct Params {
    rows: u32,    // R, rows per time step (the batch padded)
    steps: u32,   // T
    record: u32,  // floats per ring record: 4 + T
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> step: VrnnStep;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> row_stats: array<f32>;
@group(0) @binding(3) var<storage, read> kl: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;
@group(0) @binding(5) var<storage, read_write> metrics: array<f32>;

@compute @workgroup_size(1)
fn main() {
    let base = step.slot * params.record;
    var recon = 0.0;
    var kl_all = 0.0;
    for (var t = 0u; t < params.steps; t = t + 1u) {
        var kl_t = 0.0;
        for (var r = 0u; r < params.rows; r = r + 1u) {
            let i = t * params.rows + r;
            recon = recon + w[i] * row_stats[i * 4u];
            kl_t = kl_t + w[i] * kl[i];
        }
        metrics[base + 4u + t] = kl_t;
        kl_all = kl_all + kl_t;
    }
    metrics[base] = recon + kl_all;
    metrics[base + 1u] = recon;
    metrics[base + 2u] = kl_all;
}
