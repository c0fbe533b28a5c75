//! The counter-based generator of src/rng.rs (Threefry-2x32-20, uniforms in (0, 1)) on LANES
//! counters at once, bitwise equal to the scalar one: integer adds, rotates and xors only.

use super::simd::Simd;

/// 0, 1, 2, … as u32 lanes.
#[inline(always)]
pub fn lane_ids<V: Simd>() -> V {
    static IDS: [u32; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    // SAFETY: 16 ≥ LANES entries; u32 and f32 have one size (the lanes are only used as bits).
    unsafe { V::load(IDS.as_ptr() as *const f32) }
}

/// `rng::threefry2x32(key, [c0, c1])` in every lane (the lanes hold u32 bits).
#[inline(always)]
pub fn threefry<V: Simd>(key: [u32; 2], c0: V, c1: V) -> (V, V) {
    let ks = [key[0], key[1], 0x1BD1_1BDA ^ key[0] ^ key[1]];
    let (mut x0, mut x1) = (c0.add_u32(V::splat_bits(ks[0])), c1.add_u32(V::splat_bits(ks[1])));
    macro_rules! round {
        ($r:literal) => {
            x0 = x0.add_u32(x1);
            x1 = x1.shl::<$r>().or(x1.shr::<{ 32 - $r }>()).xor(x0);
        };
    }
    // After every 4 rounds, key injection s = 1..=5 (`rng::threefry2x32`).
    macro_rules! inject {
        ($s:literal) => {{
            x0 = x0.add_u32(V::splat_bits(ks[$s % 3]));
            x1 = x1.add_u32(V::splat_bits(ks[($s + 1) % 3].wrapping_add($s)));
        }};
    }
    for s in 0..5 {
        if s % 2 == 0 {
            round!(13);
            round!(15);
            round!(26);
            round!(6);
        } else {
            round!(17);
            round!(29);
            round!(16);
            round!(24);
        }
        match s {
            0 => inject!(1),
            1 => inject!(2),
            2 => inject!(3),
            3 => inject!(4),
            _ => inject!(5),
        }
    }
    (x0, x1)
}

/// `rng::uniform_open01` lane-wise: ((bits >> 8) + 0.5)·2^−24 (24 bits convert exactly).
#[inline(always)]
pub fn uniform_open01<V: Simd>(bits: V) -> V {
    (bits.shr::<8>().i32_to_f32() + V::splat(0.5)) * V::splat(1.0 / 16_777_216.0)
}
