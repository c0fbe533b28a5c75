// Reparameterized sampling z = μ + exp(½·logvar)·ε, ε ~ N(0, I) drawn here from the counter-based
// RNG keyed by (seed, step, element), plus the per-row terms the losses need.
//   mulv: [in_rows, 2L] — μ in columns 0..L, logvar s in columns L..2L (one fused head matmul)
//   z: [in_rows·rep, ld_z]: sample k of input row b is output row b·rep + k; when label_col is
//      set, columns label_col..+10 get the one-hot of batch_labels[b] (conditional decoder)
//   eps: [in_rows·rep, L], kept for the backward pass
//   row_stats: [in_rows·rep, 4]; this kernel writes column 1 (KL) and 2 (log p(z) − log q(z|x))
// KL(N(μ, e^s) ‖ N(0, 1)) = ½ Σ (μ² + e^s − 1 − s)   (Kingma & Welling 2014, appendix B)
// log p(z) − log q(z|x) = Σ (−½ z² + ½ ε² + ½ s)    (the 2π terms cancel), used by the IWAE bound.

struct Params {
    out_rows: u32,
    latent: u32,
    rep: u32,
    ld_z: u32,
    label_col: u32,   // 0xffffffff for an unconditional decoder
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> mulv: array<f32>;
@group(0) @binding(3) var<storage, read> batch_labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read_write> eps: array<f32>;
@group(0) @binding(6) var<storage, read_write> row_stats: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x;
    if (row >= params.out_rows) {
        return;
    }
    let latent = params.latent;
    let src = row / params.rep;
    let key = rng_key(step, STREAM_EPS);
    var kl = 0.0;
    var log_pq = 0.0;
    for (var l = 0u; l < latent; l = l + 1u) {
        let mu = mulv[src * 2u * latent + l];
        let s = mulv[src * 2u * latent + latent + l];
        let e = normal_at(key, vec2<u32>(step.step, row * latent + l));
        let zl = mu + exp(0.5 * s) * e;
        z[row * params.ld_z + l] = zl;
        eps[row * latent + l] = e;
        kl = kl + 0.5 * (mu * mu + exp(s) - 1.0 - s);
        log_pq = log_pq + 0.5 * (e * e - zl * zl + s);
    }
    row_stats[row * 4u + 1u] = kl;
    row_stats[row * 4u + 2u] = log_pq;
    if (params.label_col != 0xffffffffu) {
        let label = batch_labels[src];
        for (var d = 0u; d < 10u; d = d + 1u) {
            z[row * params.ld_z + params.label_col + d] = select(0.0, 1.0, d == label);
        }
    }
}
