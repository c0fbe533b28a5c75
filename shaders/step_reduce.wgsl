// Reduces the batch's per-row losses to the step's metrics and decides the KL weight the backward
// pass uses. Runs after bce_logits and before the latent backward.
//   row_stats: [rows, 4] (recon, KL, log p(z) − log q(z|x), unused), rows = batch · rep
//   metrics: ring of [slots, 4] records (recon, KL, objective, KL weight), slot from the step
//   kl_grad_weight[0]: d objective / d KL — β·warm-up, or γ·sign(KL − C) for the capacity
//   objective γ·|KL − C| of Burgess et al. 2018 ("Understanding disentangling in β-VAE").
//   With iwae = 1 the objective is the IWAE loss −log (1/K) Σ_k w_k averaged over input rows
//   (K = rep samples each; log w = −recon + column 2) and no KL weight is used.

struct Params {
    rows: u32,
    rep: u32,
    iwae: u32,
    _pad0: u32,
}

fn iwae_loss() -> f32 {
    var total = 0.0;
    for (var first = 0u; first < params.rows; first = first + params.rep) {
        var top = -3.0e38;
        for (var k = 0u; k < params.rep; k = k + 1u) {
            top = max(top, row_stats[(first + k) * 4u + 2u] - row_stats[(first + k) * 4u]);
        }
        var sum = 0.0;
        for (var k = 0u; k < params.rep; k = k + 1u) {
            sum = sum + exp(row_stats[(first + k) * 4u + 2u] - row_stats[(first + k) * 4u] - top);
        }
        total = total - (top + log(sum / f32(params.rep)));
    }
    return total / f32(params.rows / params.rep);
}

// params.iwae, folded at pipeline creation.
override IWAE: bool = false;

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
    if (IWAE) {
        objective = iwae_loss();
        weight = 0.0;
    } else if (step.capacity >= 0.0) {
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
