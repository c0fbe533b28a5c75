// The second half of building a batch: copies each row's image (chosen by permute_batch) from the
// GPU-resident dataset, converts bytes to [0, 1], optionally binarizes x ~ Bernoulli(pixel), and
// appends the label one-hot for the conditional model.
//   images: [n_images, pixels] u8, packed four per u32 (pixels is a multiple of 4)
//   batch_index, batch_labels: [rows] u32 from permute_batch
//   x: [rows, ld_x] f32 (columns label_col..label_col+10 get the one-hot when label_col != NONE)
// One workgroup per row, its threads striding over the row's groups of 4 pixels; thread 0 also writes
// the one-hot.
// Binarization noise is keyed by (step, image, pixel), with step 0 in the evaluation phase, so
// the test set is binarized the same way at every evaluation of a run, whatever the chunking.

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> images: array<u32>;
@group(0) @binding(3) var<storage, read> batch_index: array<u32>;
@group(0) @binding(4) var<storage, read> batch_labels: array<u32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;

const NO_LABEL: u32 = 0xffffffffu;

// params.binarize, folded at pipeline creation: CPU emulations run both sides of a branch.
override BINARIZE: bool = false;


@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    // y: row (a 2-D grid, so no integer division, which CPU emulations scalarise).
    let groups_per_row = params.pixels / 4u;
    let row = gid.y;
    if (row >= params.rows) {
        return;
    }
    let image = batch_index[row];
    // One workgroup per row: its threads stride over the row's groups of four pixels.
    for (var group = gid.x; group < groups_per_row; group = group + 64u) {
        let word = images[image * groups_per_row + group];
        // byte · (1/255): a correctly rounded product, so the CPU oracle agrees bit for bit.
        let bytes = (vec4<u32>(word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(255u);
        var values = vec4<f32>(bytes) * (1.0 / 255.0);
        if (BINARIZE) {
            let key = rng_key(step, STREAM_BINARIZE);
            let noise_step = select(step.step, 0u, step.phase == 1u);
            let p0 = image * params.pixels + group * 4u;
            let u = vec4<f32>(
                uniform_open01(threefry2x32(key, vec2<u32>(noise_step, p0)).x),
                uniform_open01(threefry2x32(key, vec2<u32>(noise_step, p0 + 1u)).x),
                uniform_open01(threefry2x32(key, vec2<u32>(noise_step, p0 + 2u)).x),
                uniform_open01(threefry2x32(key, vec2<u32>(noise_step, p0 + 3u)).x),
            );
            values = select(vec4<f32>(0.0), vec4<f32>(1.0), u < values);
        }
        let out = row * params.ld_x + group * 4u;
        x[out] = values.x;
        x[out + 1u] = values.y;
        x[out + 2u] = values.z;
        x[out + 3u] = values.w;
    }
    let group = gid.x;
    if (group == 0u && params.label_col != NO_LABEL) {
        let label = batch_labels[row];
        for (var d = 0u; d < 10u; d = d + 1u) {
            x[row * params.ld_x + params.label_col + d] = select(0.0, 1.0, d == label);
        }
    }
}
