// Backward through the sampling step and the closed-form KL, fused: from dL/dz to dL/d(μ, logvar).
//   z = μ + e^{s/2}·ε  ⇒  ∂z/∂μ = 1, ∂z/∂s = ½·ε·e^{s/2}
//   KL = ½ Σ (μ² + e^s − 1 − s)  ⇒  ∂KL/∂μ = μ, ∂KL/∂s = ½(e^s − 1)
//   dz: [in_rows·rep, ld_dz] (already scaled by 1/(batch·rep)); eps: [in_rows·rep, L]
//   mulv: [in_rows, 2L]; dmulv: [in_rows, 2L] (dμ in columns 0..L, ds in L..2L)
//   KL enters the objective as w·kl_scale·KL per row, w = kl_grad_weight[0] from step_reduce
//   (kl_scale = 1: gradients of the batch-summed loss, as PyTorch examples/vae takes them).
// IWAE objective (iwae = 1): no closed-form KL; each sample k carries its importance weight
// ω_k = row_stats[row, 3] and −log w_k = recon − log p(z) + log q(z|x) adds, with ε held fixed,
//   ∂/∂z (−log p(z)) = z  and  ∂/∂s (log q(z|x)) = −½  (log q = Σ −½ε² − ½s − ½ log 2π),
// so g = dz + ω·z flows to μ and s as above, and ds gets −½ω.
// One thread per (input row, latent unit); the rep samples of a row are summed here.

struct Params {
    in_rows: u32,
    latent: u32,
    rep: u32,
    ld_dz: u32,
    kl_scale: f32,
    iwae: u32,
    _pad0: u32,
    _pad1: u32,
}

// params.iwae, folded at pipeline creation.
override IWAE: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dz: array<f32>;
@group(0) @binding(2) var<storage, read> eps: array<f32>;
@group(0) @binding(3) var<storage, read> mulv: array<f32>;
@group(0) @binding(4) var<storage, read> kl_grad_weight: array<f32>;
@group(0) @binding(5) var<storage, read> row_stats: array<f32>;
@group(0) @binding(6) var<storage, read_write> dmulv: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let latent = params.latent;
    // x: latent unit, y: input row (a 2-D grid, so no integer division).
    let b = gid.y;
    let l = gid.x;
    if (l >= latent) {
        return;
    }
    if (b >= params.in_rows) {
        return;
    }
    let mu = mulv[b * 2u * latent + l];
    let s = mulv[b * 2u * latent + latent + l];
    let sigma = exp(0.5 * s);
    var dmu = 0.0;
    var ds = 0.0;
    for (var k = 0u; k < params.rep; k = k + 1u) {
        let row = b * params.rep + k;
        let e = eps[row * latent + l];
        var g = dz[row * params.ld_dz + l];
        if (IWAE) {
            let omega = row_stats[row * 4u + 3u];
            g = g + omega * (mu + sigma * e);
            ds = ds - 0.5 * omega;
        }
        dmu = dmu + g;
        ds = ds + g * 0.5 * e * sigma;
    }
    var w = 0.0;
    if (!IWAE) {
        w = kl_grad_weight[0] * params.kl_scale;
    }
    dmulv[b * 2u * latent + l] = dmu + w * mu;
    dmulv[b * 2u * latent + latent + l] = ds + w * 0.5 * (exp(s) - 1.0);
}
