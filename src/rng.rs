//! CPU mirror of shaders/rng.wgsl and of the data permutation in shaders/gather_batch.wgsl:
//! Threefry-2x32-20, uniforms, Box–Muller, the Feistel permutation, and seeded weight init.

pub const STREAM_EPS: u32 = 1;
pub const STREAM_BINARIZE: u32 = 2;
pub const STREAM_PERMUTE: u32 = 3;
pub const STREAM_INIT: u32 = 4;
pub const STREAM_PRIOR: u32 = 5;
/// The latent ODE's streams (src/seq/): spiral data, model init, ε of q(z0), the epoch shuffle.
pub const STREAM_SPIRALS: u32 = 6;
pub const STREAM_ODE_INIT: u32 = 7;
pub const STREAM_ODE_EPS: u32 = 8;
pub const STREAM_ODE_SHUFFLE: u32 = 9;
/// The VRNN's streams (src/seq/vrnn*.rs); its binarization reuses STREAM_BINARIZE's formula.
pub const STREAM_VRNN_INIT: u32 = 10;
pub const STREAM_VRNN_EPS: u32 = 11;
pub const STREAM_VRNN_SHUFFLE: u32 = 12;

/// Phase bits of the key's second word (shaders/step.wgsl `rng_key`).
pub const PHASE_TRAIN: u32 = 0;
pub const PHASE_EVAL: u32 = 1;

pub fn key(seed: u32, stream: u32, phase: u32) -> [u32; 2] {
    [seed, stream | (phase << 8)]
}

/// Threefry-2x32 with 20 rounds (Salmon et al. 2011), as in Random123 and JAX.
pub fn threefry2x32(key: [u32; 2], counter: [u32; 2]) -> [u32; 2] {
    const ROT: [u32; 8] = [13, 15, 26, 6, 17, 29, 16, 24];
    let ks = [key[0], key[1], 0x1BD1_1BDA ^ key[0] ^ key[1]];
    let mut x0 = counter[0].wrapping_add(ks[0]);
    let mut x1 = counter[1].wrapping_add(ks[1]);
    for r in 0..20u32 {
        x0 = x0.wrapping_add(x1);
        x1 = x1.rotate_left(ROT[(r % 8) as usize]) ^ x0;
        if r % 4 == 3 {
            let s = (r + 1) / 4;
            x0 = x0.wrapping_add(ks[(s % 3) as usize]);
            x1 = x1.wrapping_add(ks[((s + 1) % 3) as usize]).wrapping_add(s);
        }
    }
    [x0, x1]
}

/// Uniform in (0, 1) from the top 24 bits (never exactly 0 or 1).
pub fn uniform_open01(bits: u32) -> f32 {
    ((bits >> 8) as f32 + 0.5) * (1.0 / 16_777_216.0)
}

pub fn box_muller(u1: f32, u2: f32) -> f32 {
    let radius = (-2.0 * u1.ln()).sqrt();
    radius * (std::f32::consts::TAU * u2).cos()
}

pub fn normal_at(key: [u32; 2], counter: [u32; 2]) -> f32 {
    let bits = threefry2x32(key, counter);
    box_muller(uniform_open01(bits[0]), uniform_open01(bits[1]))
}

fn half_bits_for(n: u32) -> u32 {
    let mut bits = 1;
    while (1u64 << (2 * bits)) < n as u64 {
        bits += 1;
    }
    bits
}

fn feistel(i: u32, half_bits: u32, key: [u32; 2], epoch: u32) -> u32 {
    let mask = (1u32 << half_bits) - 1;
    let (mut left, mut right) = (i >> half_bits, i & mask);
    for round in 0..4u32 {
        let f = threefry2x32(key, [epoch, (round << 24) | right])[0] & mask;
        let next = left ^ f;
        left = right;
        right = next;
    }
    (left << half_bits) | right
}

/// Position `i` of epoch `epoch`'s permutation of [0, n): a Feistel bijection with cycle-walking.
pub fn permute(i: u32, n: u32, key: [u32; 2], epoch: u32) -> u32 {
    let half_bits = half_bits_for(n);
    let mut j = feistel(i, half_bits, key, epoch);
    while j >= n {
        j = feistel(j, half_bits, key, epoch);
    }
    j
}

/// PyTorch nn.Linear's default init: weight and bias ~ U(−1/√fan_in, 1/√fan_in).
/// `layer` separates the layers' counters, so changing one layer's size does not reshuffle another's.
pub fn linear_init(seed: u32, layer: u32, fan_in: usize, count: usize) -> Vec<f32> {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let key = key(seed, STREAM_INIT, PHASE_TRAIN);
    (0..count)
        .map(|i| {
            let u = uniform_open01(threefry2x32(key, [layer, i as u32])[0]);
            (2.0 * u - 1.0) * bound
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threefry_known_answers() {
        // Random123 kat_vectors, threefry2x32_20.
        assert_eq!(threefry2x32([0, 0], [0, 0]), [0x6b20_0159, 0x99ba_4efe]);
        assert_eq!(threefry2x32([0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff]), [0x1cb9_96fc, 0xbb00_2be7]);
        assert_eq!(threefry2x32([0x1319_8a2e, 0x0370_7344], [0x243f_6a88, 0x85a3_08d3]), [0xc492_3a9c, 0x483d_f7a0]);
    }

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u32, 2, 3, 7, 100, 1000, 10_000] {
            let key = key(9, STREAM_PERMUTE, PHASE_TRAIN);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let j = permute(i, n, key, 3) as usize;
                assert!(!seen[j], "n={n}: {j} twice");
                seen[j] = true;
            }
        }
    }

    #[test]
    fn permutations_differ_by_epoch_and_seed() {
        let n = 1000;
        let a: Vec<u32> = (0..n).map(|i| permute(i, n, key(1, STREAM_PERMUTE, 0), 0)).collect();
        let b: Vec<u32> = (0..n).map(|i| permute(i, n, key(1, STREAM_PERMUTE, 0), 1)).collect();
        let c: Vec<u32> = (0..n).map(|i| permute(i, n, key(2, STREAM_PERMUTE, 0), 0)).collect();
        let fixed = |x: &[u32], y: &[u32]| x.iter().zip(y).filter(|(p, q)| p == q).count();
        assert!(fixed(&a, &b) < 20 && fixed(&a, &c) < 20);
    }

    #[test]
    fn normals_have_unit_moments() {
        let key = key(3, STREAM_EPS, PHASE_TRAIN);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|i| normal_at(key, [7, i]) as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
    }
}
