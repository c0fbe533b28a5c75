// Backward of gru_forward.wgsl: from dL/dh' to the gate pre-activation gradients and dh's direct part.
//   dh_next: [B, H]; tape: [B, 3H] (r | z | n) from gru_forward; gh: [B, 3H]; h: [B, H]
//   d_gi: [B, 3H], d_gh: [B, 3H] (columns r | z | n); dh: [B, H] = z ⊙ dh' only.
// The rest are matmuls in the matmul kernels: dW_ih = d_giᵀ·x, dW_hh = d_ghᵀ·h, db_ih / db_hh the
// column sums (the ones-column form), dx = d_gi·W_ih, and dh += d_gh·W_hh (accumulate onto this dh).
// With a_n = gi_n + r ⊙ gh_n:  da_n = dh' (1 − z)(1 − n²),  dz = dh' (h − n),  dr = da_n ⊙ gh_n;
// d_gi = (dr r(1 − r) | dz z(1 − z) | da_n),  d_gh = (same r and z columns | da_n ⊙ r)
// (CPU oracle: src/seq/gru.rs, Gru::backward). One thread per (row, hidden unit): x over H, y over B.

struct Params {
    rows: u32,
    hidden: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dh_next: array<f32>;
@group(0) @binding(2) var<storage, read> tape: array<f32>;
@group(0) @binding(3) var<storage, read> gh: array<f32>;
@group(0) @binding(4) var<storage, read> h: array<f32>;
@group(0) @binding(5) var<storage, read_write> d_gi: array<f32>;
@group(0) @binding(6) var<storage, read_write> d_gh: array<f32>;
@group(0) @binding(7) var<storage, read_write> dh: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = gid.x;
    let b = gid.y;
    let hd = params.hidden;
    if (k >= hd || b >= params.rows) {
        return;
    }
    let g = b * 3u * hd;
    let r = tape[g + k];
    let z = tape[g + hd + k];
    let n = tape[g + 2u * hd + k];
    let d = dh_next[b * hd + k];
    let da_n = d * (1.0 - z) * (1.0 - n * n);
    let dz = d * (h[b * hd + k] - n);
    let dr = da_n * gh[g + 2u * hd + k];
    let dar = dr * r * (1.0 - r);
    let daz = dz * z * (1.0 - z);
    d_gi[g + k] = dar;
    d_gi[g + hd + k] = daz;
    d_gi[g + 2u * hd + k] = da_n;
    d_gh[g + k] = dar;
    d_gh[g + hd + k] = daz;
    d_gh[g + 2u * hd + k] = da_n * r;
    dh[b * hd + k] = d * z;
}
