// Bernoulli reconstruction loss from logits and its gradient, fused.
//   loss(ℓ, x) = max(ℓ, 0) − x·ℓ + log(1 + e^−|ℓ|)   (the overflow-free form of BCE-with-logits)
//   d loss / d ℓ = σ(ℓ) − x
//   logits, dlogits: [rows, pixels]; x: [rows / rep, ld_x] (sample k of row b is row b·rep + k)
//   dlogits = (σ(ℓ) − x) · grad_scale. The engine passes grad_scale = 1/rep: gradients of the loss
//   summed over pixels and the batch (PyTorch examples/vae, reduction='sum'; Adam is invariant to
//   that scale except through its ε), while reported figures are per-image means.
//   row_stats[row, 0] = Σ_pixels loss (column 0 of the [rows, 4] stats shared with reparam_forward)
//   With scale_from_stats, each row's gradient is scaled by row_stats[row, 3] instead: the
//   importance weight iwae_weights put there (the IWAE objective).

struct Params {
    rows: u32,
    pixels: u32,
    ld_x: u32,
    rep: u32,
    grad_scale: f32,
    write_grad: u32,         // 0 in evaluation, where only the loss is wanted
    scale_from_stats: u32,   // 1: per-row gradient scale from row_stats[row, 3]
    _pad0: u32,
}

// params.write_grad and params.scale_from_stats, folded at pipeline creation: CPU emulations of
// GPUs run both sides of a branch, so a flag tested per pixel would cost the gradient anyway.
override WRITE_GRAD: bool = true;
override SCALE_FROM_STATS: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_stats: array<f32>;

// One thread per row, looping over its pixels: no workgroup memory and no barriers, which CPU
// emulations of GPUs (SwiftShader, lavapipe) pay dearly for; a few hundred rows keep a GPU busy
// enough for a kernel this small.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x;
    if (row >= params.rows) {
        return;
    }
    let x_row = (row / params.rep) * params.ld_x;
    var scale = params.grad_scale;
    if (SCALE_FROM_STATS) {
        scale = row_stats[row * 4u + 3u];
    }
    var sum = 0.0;
    for (var p = 0u; p < params.pixels; p = p + 1u) {
        let l = logits[row * params.pixels + p];
        let t = x[x_row + p];
        sum = sum + max(l, 0.0) - t * l + log(1.0 + exp(-abs(l)));
        if (WRITE_GRAD) {
            let sig = 1.0 / (1.0 + exp(-l));
            dlogits[row * params.pixels + p] = (sig - t) * scale;
        }
    }
    row_stats[row * 4u] = sum;
}
