// One GRU cell step in PyTorch nn.GRUCell form, the elementwise part: the two matmuls
// gi = x·W_ihᵀ + b_ih and gh = h·W_hhᵀ + b_hh run first in the matmul kernels (bias fused).
//   gi: [B, 3H], gh: [B, 3H] — gate columns in PyTorch's order (r | z | n), H each
//   h: [B, H] the previous state; h_next: [B, H]
//   tape: [B, 3H] — (r | z | n) for gru_backward (which also reads gh for W_hn h + b_hn)
// r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h
// (torch.nn.GRUCell documentation; CPU oracle: src/seq/gru.rs, Gru::forward).
// One thread per (row, hidden unit): x over H, y over B.

struct Params {
    rows: u32,
    hidden: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gi: array<f32>;
@group(0) @binding(2) var<storage, read> gh: array<f32>;
@group(0) @binding(3) var<storage, read> h: array<f32>;
@group(0) @binding(4) var<storage, read_write> h_next: array<f32>;
@group(0) @binding(5) var<storage, read_write> tape: array<f32>;

fn sigmoid(a: f32) -> f32 {
    return 1.0 / (1.0 + exp(-a));
}

// tanh through exp(−2|a|) ∈ (0, 1]: never inf/inf, whatever the driver's builtin does at large |a|.
fn tanh_stable(a: f32) -> f32 {
    let e = exp(-2.0 * abs(a));
    return sign(a) * (1.0 - e) / (1.0 + e);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = gid.x;
    let b = gid.y;
    let hd = params.hidden;
    if (k >= hd || b >= params.rows) {
        return;
    }
    let g = b * 3u * hd;
    let r = sigmoid(gi[g + k] + gh[g + k]);
    let z = sigmoid(gi[g + hd + k] + gh[g + hd + k]);
    let n = tanh_stable(gi[g + 2u * hd + k] + r * gh[g + 2u * hd + k]);
    h_next[b * hd + k] = (1.0 - z) * n + z * h[b * hd + k];
    tape[g + k] = r;
    tape[g + hd + k] = z;
    tape[g + 2u * hd + k] = n;
}
