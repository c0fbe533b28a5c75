// The importance weights of the IWAE objective (Burda et al. 2016): for each input row b, with
// log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x) = −recon_k + (log p − log q)_k over its rep
// samples, writes ω_k = softmax_k(log w_k) into row_stats[b·rep + k, 3]. The objective
// −log (1/K) Σ_k w_k has gradient −Σ_k ω_k ∇ log w_k, so ω_k scales that sample's gradient.
//   row_stats: [in_rows·rep, 4] (recon, KL, log p(z) − log q(z|x), weight)
// One thread per input row; the max is subtracted before exponentiating.

struct Params {
    in_rows: u32,
    rep: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> row_stats: array<f32>;

fn log_w(row: u32) -> f32 {
    return row_stats[row * 4u + 2u] - row_stats[row * 4u];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x;
    if (b >= params.in_rows) {
        return;
    }
    let first = b * params.rep;
    var top = log_w(first);
    for (var k = 1u; k < params.rep; k = k + 1u) {
        top = max(top, log_w(first + k));
    }
    var total = 0.0;
    for (var k = 0u; k < params.rep; k = k + 1u) {
        total = total + exp(log_w(first + k) - top);
    }
    for (var k = 0u; k < params.rep; k = k + 1u) {
        row_stats[(first + k) * 4u + 3u] = exp(log_w(first + k) - top) / total;
    }
}
