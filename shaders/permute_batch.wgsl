// The first half of building a batch: which image each row gets, through a seeded per-epoch
// permutation of the dataset (training) or in order from an offset (evaluation), and its label.
// One thread per row, so the permutation (a few Threefry calls) is evaluated once per row.
//   labels: [n_images] u8 packed four per u32
//   batch_index: [rows] u32, image of each row (read by gather_batch)
//   batch_labels: [rows] u32, label of each row (read by gather_batch and reparam_forward)
// Launcher: src/kernels/permute_batch.rs; shares GatherParams with gather_batch. The permutation
// itself is feistel.wgsl (prepended), shared with vrnn_gather.wgsl.

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> batch_index: array<u32>;
@group(0) @binding(4) var<storage, read_write> batch_labels: array<u32>;

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x;
    if (row >= params.rows) {
        return;
    }
    let image = image_index(row);
    batch_index[row] = image;
    batch_labels[row] = byte_of(labels[image / 4u], image % 4u);
}
