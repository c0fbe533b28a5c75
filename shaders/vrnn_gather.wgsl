// The VRNN's batch for one optimizer step, as the f64 VrnnTrainer builds it (src/seq/vrnn_train.rs):
// image of row r = permute(offset + r) of the epoch's Feistel shuffle, pixels binarized by
// u < byte/255 with u from Threefry (seed, STREAM_BINARIZE) at [step, image·pixels + q], and
// ε_(t,k) = Box–Muller (in f32) of Threefry (seed, STREAM_VRNN_EPS) at [step, (image·T + t)·L + k]
// (`vrnn::eps`). Launcher: src/kernels/vrnn_gather.rs, CPU oracle `vrnn_gather_cpu` there.
//   images: [n_images, T·cols] u8 packed four per u32 (any pixel count: bytes are indexed directly)
//   x: [T, R, cols] time-major, eps: [T, R, L], w: [T·R] (1/rows for rows < step.rows, else 0),
//   row_stats: [T·R, 4] — column 3 gets w too (bce_logits' per-row gradient scale)
// Rows r ≥ step.rows (padding up to R) get x = 0, ε = 0, w = 0.
// One workgroup of 64 threads per row r (y); the threads stride over pixels and ε.

struct Params {
    rows: u32,       // R
    steps: u32,      // T
    cols: u32,
    latent: u32,
    n_images: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> step: VrnnStep;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> images: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> eps: array<f32>;
@group(0) @binding(5) var<storage, read_write> w: array<f32>;
@group(0) @binding(6) var<storage, read_write> row_stats: array<f32>;

fn byte_at(i: u32) -> u32 {
    return (images[i >> 2u] >> (8u * (i & 3u))) & 0xffu;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let r = wid.y;
    if (r >= params.rows) {
        return;
    }
    let steps = params.steps;
    let cols = params.cols;
    let latent = params.latent;
    let rows = params.rows;
    let live = r < step.rows;
    var image = 0u;
    if (live) {
        image = permute(step.offset + r, params.n_images, vrnn_key(step, STREAM_VRNN_SHUFFLE), step.epoch);
    }
    let pixels = steps * cols;
    let key_bin = vec2<u32>(step.seed, STREAM_BINARIZE | (step.phase << 8u));
    let key_eps = vrnn_key(step, STREAM_VRNN_EPS);
    for (var t = 0u; t < steps; t = t + 1u) {
        for (var c = lid.x; c < cols; c = c + 64u) {
            var v = 0.0;
            if (live) {
                let q = image * pixels + t * cols + c;
                let u = uniform_open01(threefry2x32(key_bin, vec2<u32>(step.step, q)).x);
                v = select(0.0, 1.0, u < f32(byte_at(q)) * (1.0 / 255.0));
            }
            x[(t * rows + r) * cols + c] = v;
        }
        for (var k = lid.x; k < latent; k = k + 64u) {
            var e = 0.0;
            if (live) {
                e = normal_at(key_eps, vec2<u32>(step.step, (image * steps + t) * latent + k));
            }
            eps[(t * rows + r) * latent + k] = e;
        }
        if (lid.x == 0u) {
            let weight = select(0.0, step.scale, live);
            w[t * rows + r] = weight;
            row_stats[(t * rows + r) * 4u + 3u] = weight;
        }
    }
}
