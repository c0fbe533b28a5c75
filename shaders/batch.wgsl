// The parameters shared by the two halves of building a batch, permute_batch and gather_batch
// (prepended to both at build time; mirrored by `GatherParams` in src/kernels/gather_batch.rs).

struct Params {
    rows: u32,
    pixels: u32,
    ld_x: u32,
    n_images: u32,
    shuffle: u32,    // 1: training order through the permutation, 0: sequential from offset
    binarize: u32,   // 1: dynamic binarization (gather_batch is specialised on it: BINARIZE)
    label_col: u32,  // first one-hot column in x, or 0xffffffff for an unconditional model
    _pad: u32,
}
