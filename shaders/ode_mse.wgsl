// The latent ODE's Gaussian likelihood over the observed points of each trajectory, with its gradient,
// for the whole batch at once; the per-row KL is copied alongside for step_reduce.
//   xhat, x_obs: [points, stride, 2] — grid point g of batch row b at (g·stride + b)·2
//   mask: [points, stride] — 1 where row b observes grid point g, else 0
//   kl: [rows] (gauss_kl's output); row_stats: [rows, 4] ← (recon_b, kl_b, 0, 0)
//   dxhat: [points, stride, 2] ← scale · m · (x̂ − x) / σ²
// recon_b = Σ_g m_g · ½ ((x̂ − x)² + (ŷ − y)²) / σ²: the negative log-likelihood of N(x; x̂, σ²I)
// without its constant log(2πσ²) (CPU oracle: src/seq/latent_ode.rs, trajectory_loss / backward).
// One thread per batch row; it walks the grid in increasing g, so the sum has a fixed order.

struct Params {
    rows: u32,
    stride: u32,
    points: u32,
    _pad0: u32,
    inv_var: f32,   // 1 / σ²
    scale: f32,     // 1 / batch: the gradient of the batch mean
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xhat: array<f32>;
@group(0) @binding(2) var<storage, read> x_obs: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<storage, read> kl: array<f32>;
@group(0) @binding(5) var<storage, read_write> dxhat: array<f32>;
@group(0) @binding(6) var<storage, read_write> row_stats: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x;
    if (b >= params.rows) {
        return;
    }
    var recon = 0.0;
    for (var g = 0u; g < params.points; g = g + 1u) {
        let i = g * params.stride + b;
        let m = mask[i];
        let dx = xhat[2u * i] - x_obs[2u * i];
        let dy = xhat[2u * i + 1u] - x_obs[2u * i + 1u];
        recon = recon + m * 0.5 * params.inv_var * (dx * dx + dy * dy);
        let w = params.scale * params.inv_var * m;
        dxhat[2u * i] = w * dx;
        dxhat[2u * i + 1u] = w * dy;
    }
    row_stats[4u * b] = recon;
    row_stats[4u * b + 1u] = kl[b];
    row_stats[4u * b + 2u] = 0.0;
    row_stats[4u * b + 3u] = 0.0;
}
