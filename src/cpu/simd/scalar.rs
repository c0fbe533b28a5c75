//! `Simd` with one lane of plain f32: the fallback where no vector unit is known (and the reference
//! the vector implementations are tested against). Multiply-add rounds twice, like `Sse2`.

use std::ops::{Add, Div, Mul, Sub};

use super::{Simd, Tiles};

#[derive(Clone, Copy, Debug)]
pub struct Scalar(pub f32);

impl Add for Scalar {
    type Output = Scalar;
    #[inline(always)]
    fn add(self, o: Scalar) -> Scalar {
        Scalar(self.0 + o.0)
    }
}
impl Sub for Scalar {
    type Output = Scalar;
    #[inline(always)]
    fn sub(self, o: Scalar) -> Scalar {
        Scalar(self.0 - o.0)
    }
}
impl Mul for Scalar {
    type Output = Scalar;
    #[inline(always)]
    fn mul(self, o: Scalar) -> Scalar {
        Scalar(self.0 * o.0)
    }
}
impl Div for Scalar {
    type Output = Scalar;
    #[inline(always)]
    fn div(self, o: Scalar) -> Scalar {
        Scalar(self.0 / o.0)
    }
}

#[inline(always)]
fn bits(f: impl FnOnce(u32) -> u32, x: Scalar) -> Scalar {
    Scalar(f32::from_bits(f(x.0.to_bits())))
}

impl Simd for Scalar {
    const LANES: usize = 1;
    const FUSED: bool = false;
    const TILES: Tiles = Tiles { bcast: (4, 4), dot: (4, 4), units: (4, 4) };
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Scalar(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Scalar(unsafe { p.read_unaligned() })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { p.write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        if len == 0 { Scalar(0.0) } else { unsafe { Self::load(p) } }
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, len: usize) {
        if len > 0 {
            unsafe { self.store(p) }
        }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Scalar(if self.0 > o.0 { self.0 } else { o.0 })
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        Scalar(if self.0 < o.0 { self.0 } else { o.0 })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Scalar(self.0.sqrt())
    }
    #[inline(always)]
    fn lt(self, o: Self) -> Self {
        Scalar(f32::from_bits(if self.0 < o.0 { u32::MAX } else { 0 }))
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        if mask.0.to_bits() != 0 { a } else { b }
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        bits(|x| x & o.0.to_bits(), self)
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        bits(|x| x | o.0.to_bits(), self)
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        bits(|x| x ^ o.0.to_bits(), self)
    }
    #[inline(always)]
    fn shl<const N: i32>(self) -> Self {
        bits(|x| x << N, self)
    }
    #[inline(always)]
    fn shr<const N: i32>(self) -> Self {
        bits(|x| x >> N, self)
    }
    #[inline(always)]
    fn add_u32(self, o: Self) -> Self {
        bits(|x| x.wrapping_add(o.0.to_bits()), self)
    }
    #[inline(always)]
    fn i32_to_f32(self) -> Self {
        Scalar(self.0.to_bits() as i32 as f32)
    }
    #[inline(always)]
    fn reduce_sum(self) -> f32 {
        self.0
    }
    #[inline(always)]
    fn first(self) -> f32 {
        self.0
    }
}
