// The VRNN trainer's per-step uniform record (prepended at build time; mirrored by `VrnnStep` in
// src/kernels/vrnn_gather.rs, 48 bytes). lr_t and inv_sqrt_bc2 sit where shaders/step.wgsl's
// `Step` has them, so adam.wgsl reads this record as its own.

struct VrnnStep {
    step: u32,          // optimizer step, from 0: the RNG counter of binarization and ε
    slot: u32,          // record of the metrics ring this step writes
    epoch: u32,         // keys the epoch's Feistel shuffle
    offset: u32,        // position of the batch's first image in that epoch
    seed: u32,
    phase: u32,         // 0 = training
    scale: f32,         // 1 / rows: the batch mean's weight
    rows: u32,          // images in this batch (the last batch of an epoch may be short)
    lr_t: f32,          // Adam: lr / (1 − β1^t)
    inv_sqrt_bc2: f32,  // Adam: 1 / √(1 − β2^t)
    _pad0: u32,
    _pad1: u32,
}

// rng.wgsl's streams of the VRNN (src/rng.rs): the shuffle, ε, and the VAE's binarization formula.
const STREAM_VRNN_EPS: u32 = 11u;
const STREAM_VRNN_SHUFFLE: u32 = 12u;

fn vrnn_key(s: VrnnStep, stream: u32) -> vec2<u32> {
    return vec2<u32>(s.seed, stream | (s.phase << 8u));
}
