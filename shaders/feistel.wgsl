// The seeded per-epoch permutation of a dataset, shared by permute_batch.wgsl (the VAE) and
// vrnn_gather.wgsl (prepended at build time after rng.wgsl; CPU mirror: `permute` in src/rng.rs).

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
