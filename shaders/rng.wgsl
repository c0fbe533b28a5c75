// Counter-based random numbers shared by every kernel that draws noise (prepended at build time).
// Threefry-2x32-20 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
// generator JAX uses): key = (seed, stream), counter = (step, index) -> two independent u32 words.
// Only adds, rotations and xors, so every device and the CPU oracle (src/rng.rs) agree bit for bit.

fn rotl32(x: u32, r: u32) -> u32 {
    return (x << r) | (x >> (32u - r));
}

// One Threefry round: x0 += x1; x1 = rotl(x1, r) ^ x0.
fn threefry_mix(x: vec2<u32>, r: u32) -> vec2<u32> {
    let x0 = x.x + x.y;
    return vec2<u32>(x0, rotl32(x.y, r) ^ x0);
}

// Four rounds with the rotation constants of rounds 0-3 (even groups) or 4-7 (odd groups).
fn threefry_even4(x: vec2<u32>) -> vec2<u32> {
    return threefry_mix(threefry_mix(threefry_mix(threefry_mix(x, 13u), 15u), 26u), 6u);
}

fn threefry_odd4(x: vec2<u32>) -> vec2<u32> {
    return threefry_mix(threefry_mix(threefry_mix(threefry_mix(x, 17u), 29u), 16u), 24u);
}

// The 20 rounds unrolled into five groups of four, each followed by key injection s = 1..5:
// x += (ks[s % 3], ks[(s + 1) % 3] + s) with ks = (k0, k1, 0x1BD11BDA ^ k0 ^ k1). Unrolled so
// no GPU (or CPU emulation of one) has to index an array dynamically.
fn threefry2x32(key: vec2<u32>, counter: vec2<u32>) -> vec2<u32> {
    let k2 = 0x1BD11BDAu ^ key.x ^ key.y;
    var x = counter + key;
    x = threefry_even4(x) + vec2<u32>(key.y, k2 + 1u);
    x = threefry_odd4(x) + vec2<u32>(k2, key.x + 2u);
    x = threefry_even4(x) + vec2<u32>(key.x, key.y + 3u);
    x = threefry_odd4(x) + vec2<u32>(key.y, k2 + 4u);
    x = threefry_even4(x) + vec2<u32>(k2, key.x + 5u);
    return x;
}

// Uniform in the open interval (0, 1): the top 24 bits, centred in their bucket, never 0 or 1.
fn uniform_open01(bits: u32) -> f32 {
    return (f32(bits >> 8u) + 0.5) * (1.0 / 16777216.0);
}

// One standard normal from two uniforms (Box & Muller 1958), cosine branch.
fn box_muller(u1: f32, u2: f32) -> f32 {
    let radius = sqrt(-2.0 * log(u1));
    return radius * cos(6.283185307179586 * u2);
}

fn normal_at(key: vec2<u32>, counter: vec2<u32>) -> f32 {
    let bits = threefry2x32(key, counter);
    return box_muller(uniform_open01(bits.x), uniform_open01(bits.y));
}

// Stream tags: each purpose draws from its own key so no two purposes share numbers.
const STREAM_EPS: u32 = 1u;
const STREAM_BINARIZE: u32 = 2u;
const STREAM_PERMUTE: u32 = 3u;
