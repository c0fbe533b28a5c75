// Bernoulli reconstruction loss from logits and its gradient, fused (one workgroup per row).
//   loss(ℓ, x) = max(ℓ, 0) − x·ℓ + log(1 + e^−|ℓ|)   (the overflow-free form of BCE-with-logits)
//   d loss / d ℓ = σ(ℓ) − x
//   logits, dlogits: [rows, pixels]; x: [rows / rep, ld_x] (sample k of row b is row b·rep + k)
//   dlogits = (σ(ℓ) − x) · grad_scale. The engine passes grad_scale = 1/rep: gradients of the loss
//   summed over pixels and the batch (PyTorch examples/vae, reduction='sum'; Adam is invariant to
//   that scale except through its ε), while reported figures are per-image means.
//   row_stats[row, 0] = Σ_pixels loss (column 0 of the [rows, 4] stats shared with reparam_forward)

struct Params {
    rows: u32,
    pixels: u32,
    ld_x: u32,
    rep: u32,
    grad_scale: f32,
    write_grad: u32,   // 0 in evaluation, where only the loss is wanted
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_stats: array<f32>;

const WG: u32 = 64u;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = wid.x;
    // `row` is uniform across the workgroup, so this early exit keeps barriers in uniform control flow.
    if (row >= params.rows) {
        return;
    }
    let x_row = (row / params.rep) * params.ld_x;
    var sum = 0.0;
    for (var p = lid.x; p < params.pixels; p = p + WG) {
        let l = logits[row * params.pixels + p];
        let t = x[x_row + p];
        sum = sum + max(l, 0.0) - t * l + log(1.0 + exp(-abs(l)));
        if (params.write_grad == 1u) {
            let sig = 1.0 / (1.0 + exp(-l));
            dlogits[row * params.pixels + p] = (sig - t) * params.grad_scale;
        }
    }
    partial[lid.x] = sum;
    workgroupBarrier();
    for (var width = WG / 2u; width > 0u; width = width / 2u) {
        if (lid.x < width) {
            partial[lid.x] = partial[lid.x] + partial[lid.x + width];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u) {
        row_stats[row * 4u] = partial[0];
    }
}
