// The per-step uniform record shared by the kernels whose inputs change every optimizer step
// (prepended at build time; mirrored by `StepUniform` in src/kernels/step.rs, 48 bytes).
// Host code fills one record per step and binds it with a dynamic offset, so many steps can be
// recorded into one command encoder and submitted together.

struct Step {
    step: u32,          // global optimizer step, counts from 0: the RNG counter
    slot: u32,          // row of the metrics ring this step writes
    epoch: u32,         // epoch of the batch's first row (keys that epoch's permutation)
    offset: u32,        // position of the batch's first row inside that epoch
    seed: u32,          // run seed: weights, data order and noise all derive from it
    phase: u32,         // 0 = training, 1 = evaluation: keeps the two random streams apart
    kl_weight: f32,     // beta x warm-up factor, or gamma when the capacity objective is on
    capacity: f32,      // C(t) of gamma*|KL - C|; negative when that objective is off
    lr_t: f32,          // lr / (1 - beta1^t): Adam's step size with bias correction
    inv_sqrt_bc2: f32,  // 1 / sqrt(1 - beta2^t)
    _pad0: u32,
    _pad1: u32,
}

fn rng_key(s: Step, stream: u32) -> vec2<u32> {
    return vec2<u32>(s.seed, stream | (s.phase << 8u));
}
