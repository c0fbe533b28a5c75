// Per row KL(N(μ1, e^{lv1}) ‖ N(μ2, e^{lv2})) between diagonal Gaussians, summed over L units.
//   q: [B, 2L] — μ1 in columns 0..L, lv1 in L..2L (a fused head's layout, as mulv in reparam_forward)
//   p: [B, 2L] — μ2 | lv2 (a prior network's head; zeros give the standard normal)
//   kl: [B]
// KL = Σ ½ (lv2 − lv1 + (e^{lv1} + (μ1 − μ2)²) e^{−lv2} − 1)  (Kingma & Welling 2014, appendix B,
// with a non-standard prior; CPU oracle: src/seq/gauss_kl.rs, kl). e^{lv1} e^{−lv2} is taken as
// e^{lv1 − lv2}, so large log-variances of both sides do not overflow.
// One thread per row.

struct Params {
    rows: u32,
    latent: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> kl: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x;
    if (b >= params.rows) {
        return;
    }
    let latent = params.latent;
    let base = b * 2u * latent;
    var sum = 0.0;
    for (var l = 0u; l < latent; l = l + 1u) {
        let d = q[base + l] - p[base + l];
        let lv1 = q[base + latent + l];
        let lv2 = p[base + latent + l];
        sum = sum + 0.5 * (lv2 - lv1 + exp(lv1 - lv2) + d * d * exp(-lv2) - 1.0);
    }
    kl[b] = sum;
}
