// One VRNN step's posterior sample z_t = μ + e^{lv/2} ⊙ ε (launcher: src/kernels/vrnn_reparam_forward.rs;
// CPU oracle: Vrnn::reparam in src/seq/vrnn.rs). ε comes in (vrnn_gather draws it for all steps).
//   post: [rows, 2L] (μ | lv), eps: [rows, L], z: [rows, L]
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
@group(0) @binding(3) var<storage, read_write> z: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = gid.x;
    let r = gid.y;
    let latent = params.latent;
    if (k >= latent || r >= params.rows) {
        return;
    }
    let head = r * 2u * latent;
    z[r * latent + k] = post[head + k] + exp(0.5 * post[head + latent + k]) * eps[r * latent + k];
}
