// Counter-based random numbers shared by every kernel that draws noise (prepended at build time).
// Threefry-2x32-20 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
// generator JAX uses): key = (seed, stream), counter = (step, index) -> two independent u32 words.
// Only adds, rotations and xors, so every device and the CPU oracle (src/rng.rs) agree bit for bit.

fn rotl32(x: u32, r: u32) -> u32 {
    return (x << r) | (x >> (32u - r));
}

fn threefry2x32(key: vec2<u32>, counter: vec2<u32>) -> vec2<u32> {
    let rot = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
    let ks = array<u32, 3>(key.x, key.y, 0x1BD11BDAu ^ key.x ^ key.y);
    var x0 = counter.x + ks[0];
    var x1 = counter.y + ks[1];
    for (var r = 0u; r < 20u; r = r + 1u) {
        x0 = x0 + x1;
        x1 = rotl32(x1, rot[r % 8u]) ^ x0;
        if (r % 4u == 3u) {
            let s = (r + 1u) / 4u;
            x0 = x0 + ks[s % 3u];
            x1 = x1 + ks[(s + 1u) % 3u] + s;
        }
    }
    return vec2<u32>(x0, x1);
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
