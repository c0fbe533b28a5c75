// Reduces the batch's per-row losses to the step's metrics and decides the KL weight the backward
// pass uses. Runs after bce_logits and before the latent backward.
//   row_stats: [rows, 4] (recon, KL, log p(z) − log q(z|x), unused), rows = batch · rep
//   metrics: ring of [slots, 4] records (recon, KL, objective, KL weight), slot from the step
//   kl_grad_weight[0]: d objective / d KL — β·warm-up, or γ·sign(KL − C) for the capacity
//   objective γ·|KL − C| of Burgess et al. 2018 ("Understanding disentangling in β-VAE").

struct Params {
    rows: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> row_stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<f32>;
@group(0) @binding(4) var<storage, read_write> kl_grad_weight: array<f32>;

// A single thread sums the rows (a few hundred adds): no barriers, which CPU emulations of GPUs
// pay dearly for, and the sum is in a fixed order.
@compute @workgroup_size(1)
fn main() {
    var recon = 0.0;
    var kl = 0.0;
    for (var r = 0u; r < params.rows; r = r + 1u) {
        recon = recon + row_stats[r * 4u];
        kl = kl + row_stats[r * 4u + 1u];
    }
    let inv_rows = 1.0 / f32(params.rows);
    let recon_mean = recon * inv_rows;
    let kl_mean = kl * inv_rows;
    var objective = recon_mean + step.kl_weight * kl_mean;
    var weight = step.kl_weight;
    if (step.capacity >= 0.0) {
        objective = recon_mean + step.kl_weight * abs(kl_mean - step.capacity);
        weight = step.kl_weight * sign(kl_mean - step.capacity);
    }
    let base = step.slot * 4u;
    metrics[base] = recon_mean;
    metrics[base + 1u] = kl_mean;
    metrics[base + 2u] = objective;
    metrics[base + 3u] = weight;
    kl_grad_weight[0] = weight;
}
