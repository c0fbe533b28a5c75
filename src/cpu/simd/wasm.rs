//! `Simd` on wasm32 with `simd128`: f32x4. Built with `+relaxed-simd`, `mul_add` is
//! `f32x4.relaxed_madd` (fused where the engine's CPU has FMA); otherwise multiply then add.

use std::arch::wasm32::*;
use std::ops::{Add, Div, Mul, Sub};

use super::{Simd, Tiles};

#[derive(Clone, Copy, Debug)]
pub struct Wasm128(v128);

impl Add for Wasm128 {
    type Output = Wasm128;
    #[inline(always)]
    fn add(self, o: Wasm128) -> Wasm128 {
        Wasm128(f32x4_add(self.0, o.0))
    }
}
impl Sub for Wasm128 {
    type Output = Wasm128;
    #[inline(always)]
    fn sub(self, o: Wasm128) -> Wasm128 {
        Wasm128(f32x4_sub(self.0, o.0))
    }
}
impl Mul for Wasm128 {
    type Output = Wasm128;
    #[inline(always)]
    fn mul(self, o: Wasm128) -> Wasm128 {
        Wasm128(f32x4_mul(self.0, o.0))
    }
}
impl Div for Wasm128 {
    type Output = Wasm128;
    #[inline(always)]
    fn div(self, o: Wasm128) -> Wasm128 {
        Wasm128(f32x4_div(self.0, o.0))
    }
}

impl Simd for Wasm128 {
    const LANES: usize = 4;
    const FUSED: bool = cfg!(target_feature = "relaxed-simd");
    // V8 on x64 has 16 xmm registers and keeps one as scratch: more than 8–9 accumulators
    // spill. Measured in Chromium 156 (bench/cpu-kernels.mjs --tiles all): 4×2 (XNNPACK's 4×8
    // shape for wasm on x86) leads for A·B and A·Bᵀ; in units, 3×3 with relaxed FMA.
    const TILES: Tiles = Tiles {
        bcast: (4, 2),
        dot: (4, 2),
        units: if cfg!(target_feature = "relaxed-simd") { (3, 3) } else { (4, 2) },
    };
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Wasm128(f32x4_splat(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Wasm128(unsafe { v128_load(p as *const v128) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { v128_store(p as *mut v128, self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        unsafe {
            Wasm128(match len {
                0 => f32x4_splat(0.0),
                1 => f32x4(p.read(), 0.0, 0.0, 0.0),
                2 => u64x2((p as *const u64).read_unaligned(), 0),
                3 => f32x4_replace_lane::<2>(u64x2((p as *const u64).read_unaligned(), 0), p.add(2).read()),
                _ => v128_load(p as *const v128),
            })
        }
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, len: usize) {
        unsafe {
            if len >= 4 {
                return v128_store(p as *mut v128, self.0);
            }
            match len {
                0 => {}
                1 => p.write(f32x4_extract_lane::<0>(self.0)),
                2 => (p as *mut u64).write_unaligned(u64x2_extract_lane::<0>(self.0)),
                _ => {
                    (p as *mut u64).write_unaligned(u64x2_extract_lane::<0>(self.0));
                    p.add(2).write(f32x4_extract_lane::<2>(self.0));
                }
            }
        }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        #[cfg(target_feature = "relaxed-simd")]
        {
            Wasm128(f32x4_relaxed_madd(self.0, b.0, c.0))
        }
        #[cfg(not(target_feature = "relaxed-simd"))]
        {
            self * b + c
        }
    }
    /// pmax/pmin: one instruction on x86 (maxps), unlike the NaN-propagating f32x4.max.
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Wasm128(f32x4_pmax(self.0, o.0))
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        Wasm128(f32x4_pmin(self.0, o.0))
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Wasm128(f32x4_sqrt(self.0))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> Self {
        Wasm128(f32x4_lt(self.0, o.0))
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        Wasm128(v128_bitselect(a.0, b.0, mask.0))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Wasm128(v128_and(self.0, o.0))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        Wasm128(v128_or(self.0, o.0))
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        Wasm128(v128_xor(self.0, o.0))
    }
    #[inline(always)]
    fn shl<const N: i32>(self) -> Self {
        Wasm128(i32x4_shl(self.0, N as u32))
    }
    #[inline(always)]
    fn shr<const N: i32>(self) -> Self {
        Wasm128(u32x4_shr(self.0, N as u32))
    }
    #[inline(always)]
    fn add_u32(self, o: Self) -> Self {
        Wasm128(i32x4_add(self.0, o.0))
    }
    #[inline(always)]
    fn i32_to_f32(self) -> Self {
        Wasm128(f32x4_convert_i32x4(self.0))
    }
    /// (x0 + x2) + (x1 + x3), as `Sse2`.
    #[inline(always)]
    fn reduce_sum(self) -> f32 {
        let pairs = f32x4_add(self.0, i32x4_shuffle::<2, 3, 0, 1>(self.0, self.0));
        f32x4_extract_lane::<0>(pairs) + f32x4_extract_lane::<1>(pairs)
    }
    #[inline(always)]
    fn first(self) -> f32 {
        f32x4_extract_lane::<0>(self.0)
    }
}
