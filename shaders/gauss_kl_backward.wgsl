// Gradient of gauss_kl.wgsl's per-row KL in all four inputs, each row scaled by its weight w[b].
//   q: [B, 2L] (μ1 | lv1), p: [B, 2L] (μ2 | lv2), w: [B]; dq: [B, 2L], dp: [B, 2L] in the same layouts
// ∂/∂μ1 = (μ1 − μ2) e^{−lv2};  ∂/∂μ2 = −∂/∂μ1;  ∂/∂lv1 = ½ (e^{lv1 − lv2} − 1);
// ∂/∂lv2 = ½ (1 − (e^{lv1} + (μ1 − μ2)²) e^{−lv2})   (CPU oracle: src/seq/gauss_kl.rs, kl_backward).
// ACCUMULATE adds into dq and dp (q's head also gets the reparameterisation's gradient); otherwise
// they are overwritten. One thread per (row, latent unit): x over L, y over B.

struct Params {
    rows: u32,
    latent: u32,
    _pad0: u32,
    _pad1: u32,
}

// Folded at pipeline creation.
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> dq: array<f32>;
@group(0) @binding(5) var<storage, read_write> dp: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let l = gid.x;
    let b = gid.y;
    let latent = params.latent;
    if (l >= latent || b >= params.rows) {
        return;
    }
    let i_mu = b * 2u * latent + l;
    let i_lv = i_mu + latent;
    let d = q[i_mu] - p[i_mu];
    let lv1 = q[i_lv];
    let lv2 = p[i_lv];
    let inv2 = exp(-lv2);
    let ratio = exp(lv1 - lv2);
    let scale = w[b];
    let g_mu = scale * d * inv2;
    let g_lv1 = scale * 0.5 * (ratio - 1.0);
    let g_lv2 = scale * 0.5 * (1.0 - ratio - d * d * inv2);
    if (ACCUMULATE) {
        dq[i_mu] = dq[i_mu] + g_mu;
        dq[i_lv] = dq[i_lv] + g_lv1;
        dp[i_mu] = dp[i_mu] - g_mu;
        dp[i_lv] = dp[i_lv] + g_lv2;
    } else {
        dq[i_mu] = g_mu;
        dq[i_lv] = g_lv1;
        dp[i_mu] = -g_mu;
        dp[i_lv] = g_lv2;
    }
}
