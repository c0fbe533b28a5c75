//! `Simd` on aarch64 with NEON (always present there): f32x4 with fused multiply-add.

use std::arch::aarch64::*;
use std::ops::{Add, Div, Mul, Sub};

use super::{Simd, Tiles};

#[derive(Clone, Copy, Debug)]
pub struct Neon(float32x4_t);

impl Add for Neon {
    type Output = Neon;
    #[inline(always)]
    fn add(self, o: Neon) -> Neon {
        Neon(unsafe { vaddq_f32(self.0, o.0) })
    }
}
impl Sub for Neon {
    type Output = Neon;
    #[inline(always)]
    fn sub(self, o: Neon) -> Neon {
        Neon(unsafe { vsubq_f32(self.0, o.0) })
    }
}
impl Mul for Neon {
    type Output = Neon;
    #[inline(always)]
    fn mul(self, o: Neon) -> Neon {
        Neon(unsafe { vmulq_f32(self.0, o.0) })
    }
}
impl Div for Neon {
    type Output = Neon;
    #[inline(always)]
    fn div(self, o: Neon) -> Neon {
        Neon(unsafe { vdivq_f32(self.0, o.0) })
    }
}

#[inline(always)]
fn u(x: Neon) -> uint32x4_t {
    unsafe { vreinterpretq_u32_f32(x.0) }
}

#[inline(always)]
fn f(x: uint32x4_t) -> Neon {
    Neon(unsafe { vreinterpretq_f32_u32(x) })
}

impl Simd for Neon {
    const LANES: usize = 4;
    const FUSED: bool = true;
    // 32 vector registers: 6×2 vectors (XNNPACK's aarch64 shape) and 4×3 dot accumulators.
    const TILES: Tiles = Tiles { bcast: (6, 2), dot: (4, 3), units: (6, 2) };
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Neon(unsafe { vdupq_n_f32(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Neon(unsafe { vld1q_f32(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { vst1q_f32(p, self.0) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Neon(unsafe { vfmaq_f32(c.0, self.0, b.0) })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Neon(unsafe { vmaxq_f32(self.0, o.0) })
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        Neon(unsafe { vminq_f32(self.0, o.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Neon(unsafe { vsqrtq_f32(self.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> Self {
        f(unsafe { vcltq_f32(self.0, o.0) })
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        Neon(unsafe { vbslq_f32(u(mask), a.0, b.0) })
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        f(unsafe { vandq_u32(u(self), u(o)) })
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        f(unsafe { vorrq_u32(u(self), u(o)) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        f(unsafe { veorq_u32(u(self), u(o)) })
    }
    #[inline(always)]
    fn shl<const N: i32>(self) -> Self {
        f(unsafe { vshlq_u32(u(self), vdupq_n_s32(N)) })
    }
    #[inline(always)]
    fn shr<const N: i32>(self) -> Self {
        f(unsafe { vshlq_u32(u(self), vdupq_n_s32(-N)) })
    }
    #[inline(always)]
    fn add_u32(self, o: Self) -> Self {
        f(unsafe { vaddq_u32(u(self), u(o)) })
    }
    #[inline(always)]
    fn i32_to_f32(self) -> Self {
        Neon(unsafe { vcvtq_f32_s32(vreinterpretq_s32_f32(self.0)) })
    }
    /// (x0 + x2) + (x1 + x3), as `Sse2`.
    #[inline(always)]
    fn reduce_sum(self) -> f32 {
        unsafe {
            let pairs = vadd_f32(vget_low_f32(self.0), vget_high_f32(self.0));
            vget_lane_f32::<0>(pairs) + vget_lane_f32::<1>(pairs)
        }
    }
    #[inline(always)]
    fn first(self) -> f32 {
        unsafe { vgetq_lane_f32::<0>(self.0) }
    }
}
