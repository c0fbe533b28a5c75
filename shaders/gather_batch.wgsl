// Builds one batch on the GPU from the resident dataset: picks images through a seeded
// per-epoch permutation (or in order, for evaluation), converts bytes to [0, 1], optionally
// binarizes x ~ Bernoulli(pixel), and appends the label one-hot for the conditional model.
//   images: [n_images, pixels] u8, packed four per u32 (pixels is a multiple of 4)
//   labels: [n_images] u8 packed four per u32
//   x: [rows, ld_x] f32 (columns pixels..pixels+10 get the one-hot when label_col != NONE)
//   batch_labels: [rows] u32, the label of each row (read by reparam_forward for the decoder)
// One workgroup per row; its threads stride over the row's groups of 4 pixels.
// Binarization noise is keyed by (step, image, pixel), with step 0 in the evaluation phase, so
// the test set is binarized the same way at every evaluation of a run, whatever the chunking.

struct Params {
    rows: u32,
    pixels: u32,
    ld_x: u32,
    n_images: u32,
    shuffle: u32,    // 1: training order through the permutation, 0: sequential from offset
    binarize: u32,   // 1: dynamic binarization
    label_col: u32,  // first one-hot column in x, or 0xffffffff for an unconditional model
    _pad: u32,
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> images: array<u32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> batch_labels: array<u32>;

const NO_LABEL: u32 = 0xffffffffu;

// Balanced Feistel network on 2·half_bits bits, round function Threefry keyed by (seed, epoch):
// a bijection of [0, 2^(2·half_bits)). Cycle-walking restricts it to a bijection of [0, n)
// (Black & Rogaway 2002); it terminates because i < n lies on a cycle that returns to [0, n).
fn feistel(i: u32, half_bits: u32, key: vec2<u32>, epoch: u32) -> u32 {
    let mask = (1u << half_bits) - 1u;
    var left = i >> half_bits;
    var right = i & mask;
    for (var round = 0u; round < 4u; round = round + 1u) {
        let f = threefry2x32(key, vec2<u32>(epoch, (round << 24u) | right)).x & mask;
        let next = left ^ f;
        left = right;
        right = next;
    }
    return (left << half_bits) | right;
}

fn half_bits_for(n: u32) -> u32 {
    var bits = 1u;
    while ((1u << (2u * bits)) < n) {
        bits = bits + 1u;
    }
    return bits;
}

fn permute(i: u32, n: u32, key: vec2<u32>, epoch: u32) -> u32 {
    let half_bits = half_bits_for(n);
    var j = feistel(i, half_bits, key, epoch);
    while (j >= n) {
        j = feistel(j, half_bits, key, epoch);
    }
    return j;
}

fn image_index(row: u32) -> u32 {
    var pos = step.offset + row;
    var epoch = step.epoch;
    if (params.shuffle == 0u) {
        return min(pos, params.n_images - 1u);
    }
    while (pos >= params.n_images) {
        pos = pos - params.n_images;
        epoch = epoch + 1u;
    }
    return permute(pos, params.n_images, rng_key(step, STREAM_PERMUTE), epoch);
}

fn byte_of(word: u32, which: u32) -> u32 {
    return (word >> (8u * which)) & 0xffu;
}

const WG: u32 = 64u;
var<workgroup> row_image: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    // One workgroup per row: the permutation (a few Threefry calls) is evaluated once per row.
    let row = wid.x;
    if (row >= params.rows) {
        return;
    }
    if (lid.x == 0u) {
        row_image = image_index(row);
    }
    let image = workgroupUniformLoad(&row_image);
    let groups_per_row = params.pixels / 4u;
    let key = rng_key(step, STREAM_BINARIZE);
    let noise_step = select(step.step, 0u, step.phase == 1u);
    for (var group = lid.x; group < groups_per_row; group = group + WG) {
        let word = images[image * groups_per_row + group];
        for (var q = 0u; q < 4u; q = q + 1u) {
            let p = group * 4u + q;
            var value = f32(byte_of(word, q)) * (1.0 / 255.0);
            if (params.binarize == 1u) {
                let u = uniform_open01(threefry2x32(key, vec2<u32>(noise_step, image * params.pixels + p)).x);
                value = select(0.0, 1.0, u < value);
            }
            x[row * params.ld_x + p] = value;
        }
    }
    if (lid.x == 0u) {
        let label = byte_of(labels[image / 4u], image % 4u);
        batch_labels[row] = label;
        if (params.label_col != NO_LABEL) {
            for (var d = 0u; d < 10u; d = d + 1u) {
                x[row * params.ld_x + params.label_col + d] = select(0.0, 1.0, d == label);
            }
        }
    }
}
