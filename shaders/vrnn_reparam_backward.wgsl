// Backward of vrnn_reparam_forward.wgsl, added onto the posterior head's gradient (which already
// holds the KL term from gauss_kl_backward): ∂z/∂μ = 1, ∂z/∂lv = ½ e^{lv/2} ε
// (launcher: src/kernels/vrnn_reparam_backward.rs; CPU oracle: Vrnn::backward in src/seq/vrnn_backward.rs).
//   post: [rows, 2L] (μ | lv), eps: [rows, L], dz: [rows, L]; dpost: [rows, 2L] (+=)
// One thread per (latent unit, row): x over L, y over rows.

struct Params {
    rows: u32,
    latent: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> post: array<f32>;
@group(0) @binding(2) var<storage, read> eps: array<f32>;
@group(0) @binding(3) var<storage, read> dz: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpost: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = gid.x;
    let r = gid.y;
    let latent = params.latent;
    if (k >= latent || r >= params.rows) {
        return;
    }
    let head = r * 2u * latent;
    let g = dz[r * latent + k];
    dpost[head + k] = dpost[head + k] + g;
    let lv = head + latent + k;
    dpost[lv] = dpost[lv] + g * eps[r * latent + k] * 0.5 * exp(0.5 * post[lv]);
}
