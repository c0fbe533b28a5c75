// The latent ODE's initial state from q(z0): z0 = μ + e^{½ lv} ⊙ ε, with ε given (drawn on the host
// from the ODE's own Threefry stream, src/seq/latent_ode.rs `eps`, so the GPU and f64 runs share it).
//   mulv: [rows, 2L] (μ | lv), eps: [rows, L], z: [rows, L]
// The backward is reparam_backward.wgsl (rep = 1, the KL weight 1/batch).
// One thread per (row, latent unit): x over L, y over rows.

struct Params {
    rows: u32,
    latent: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> mulv: array<f32>;
@group(0) @binding(2) var<storage, read> eps: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let l = gid.x;
    let b = gid.y;
    let latent = params.latent;
    if (l >= latent || b >= params.rows) {
        return;
    }
    let mu = mulv[b * 2u * latent + l];
    let lv = mulv[b * 2u * latent + latent + l];
    z[b * latent + l] = mu + exp(0.5 * lv) * eps[b * latent + l];
}
