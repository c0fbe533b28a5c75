//! `Simd` on x86_64: `Sse2` (the baseline, f32x4, separate multiply and add) and `Avx2` (f32x8 with
//! FMA, only ever run inside `#[target_feature(enable = "avx2,fma")]` after runtime detection).

use std::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Sub};

use super::{Simd, Tiles};

macro_rules! ops {
    ($t:ident, $add:ident, $sub:ident, $mul:ident, $div:ident) => {
        impl Add for $t {
            type Output = $t;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                $t(unsafe { $add(self.0, o.0) })
            }
        }
        impl Sub for $t {
            type Output = $t;
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                $t(unsafe { $sub(self.0, o.0) })
            }
        }
        impl Mul for $t {
            type Output = $t;
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                $t(unsafe { $mul(self.0, o.0) })
            }
        }
        impl Div for $t {
            type Output = $t;
            #[inline(always)]
            fn div(self, o: $t) -> $t {
                $t(unsafe { $div(self.0, o.0) })
            }
        }
    };
}

/// f32x4 with SSE2 (every x86_64 CPU): two roundings per multiply-add.
#[derive(Clone, Copy, Debug)]
pub struct Sse2(__m128);

ops!(Sse2, _mm_add_ps, _mm_sub_ps, _mm_mul_ps, _mm_div_ps);

impl Simd for Sse2 {
    const LANES: usize = 4;
    const FUSED: bool = false;
    // 16 xmm registers: 4×2 vectors = 8 accumulators, and 3×3 dot accumulators.
    const TILES: Tiles = Tiles { bcast: (4, 2), dot: (3, 3), units: (4, 2) };
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Sse2(unsafe { _mm_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Sse2(unsafe { _mm_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { _mm_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        unsafe {
            Sse2(match len {
                0 => _mm_setzero_ps(),
                1 => _mm_load_ss(p),
                2 => _mm_castsi128_ps(_mm_loadl_epi64(p as *const __m128i)),
                3 => _mm_movelh_ps(_mm_castsi128_ps(_mm_loadl_epi64(p as *const __m128i)), _mm_load_ss(p.add(2))),
                _ => _mm_loadu_ps(p),
            })
        }
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, len: usize) {
        unsafe {
            match len {
                0 => {}
                1 => _mm_store_ss(p, self.0),
                2 => _mm_storel_epi64(p as *mut __m128i, _mm_castps_si128(self.0)),
                3 => {
                    _mm_storel_epi64(p as *mut __m128i, _mm_castps_si128(self.0));
                    _mm_store_ss(p.add(2), _mm_movehl_ps(self.0, self.0));
                }
                _ => _mm_storeu_ps(p, self.0),
            }
        }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Sse2(unsafe { _mm_max_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        Sse2(unsafe { _mm_min_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Sse2(unsafe { _mm_sqrt_ps(self.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> Self {
        Sse2(unsafe { _mm_cmplt_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        Sse2(unsafe { _mm_or_ps(_mm_and_ps(mask.0, a.0), _mm_andnot_ps(mask.0, b.0)) })
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Sse2(unsafe { _mm_and_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        Sse2(unsafe { _mm_or_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        Sse2(unsafe { _mm_xor_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn shl<const N: i32>(self) -> Self {
        Sse2(unsafe { _mm_castsi128_ps(_mm_slli_epi32::<N>(_mm_castps_si128(self.0))) })
    }
    #[inline(always)]
    fn shr<const N: i32>(self) -> Self {
        Sse2(unsafe { _mm_castsi128_ps(_mm_srli_epi32::<N>(_mm_castps_si128(self.0))) })
    }
    #[inline(always)]
    fn add_u32(self, o: Self) -> Self {
        Sse2(unsafe { _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(self.0), _mm_castps_si128(o.0))) })
    }
    #[inline(always)]
    fn i32_to_f32(self) -> Self {
        Sse2(unsafe { _mm_cvtepi32_ps(_mm_castps_si128(self.0)) })
    }
    /// (x0 + x2) + (x1 + x3).
    #[inline(always)]
    fn reduce_sum(self) -> f32 {
        unsafe {
            let pairs = _mm_add_ps(self.0, _mm_movehl_ps(self.0, self.0));
            _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps::<0b01>(pairs, pairs)))
        }
    }
    #[inline(always)]
    fn first(self) -> f32 {
        unsafe { _mm_cvtss_f32(self.0) }
    }
}

/// Eight ones then eight zeros: the mask of the first `len` lanes starts at 8 − len.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

#[inline(always)]
fn mask(len: usize) -> __m256i {
    unsafe { _mm256_loadu_si256(MASKS.as_ptr().add(8 - len.min(8)) as *const __m256i) }
}

/// f32x8 with AVX2 and FMA (one rounding per multiply-add).
#[derive(Clone, Copy, Debug)]
pub struct Avx2(__m256);

ops!(Avx2, _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps);

impl Simd for Avx2 {
    const LANES: usize = 8;
    const FUSED: bool = true;
    // 16 ymm registers: 6×2 vectors = 12 accumulators + 2 of B + 1 broadcast; 4×3 dot
    // accumulators + 3 rows of B, A read as a memory operand.
    const TILES: Tiles = Tiles { bcast: (6, 2), dot: (4, 3), units: (6, 2) };
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Avx2(unsafe { _mm256_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Avx2(unsafe { _mm256_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    /// Masked: lanes past `len` are neither read nor written.
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        unsafe { Avx2(_mm256_maskload_ps(p, mask(len))) }
    }
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, len: usize) {
        unsafe { _mm256_maskstore_ps(p, mask(len), self.0) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Avx2(unsafe { _mm256_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_max_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_min_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Avx2(unsafe { _mm256_sqrt_ps(self.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        Avx2(unsafe { _mm256_blendv_ps(b.0, a.0, mask.0) })
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_and_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_or_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_xor_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn shl<const N: i32>(self) -> Self {
        Avx2(unsafe { _mm256_castsi256_ps(_mm256_slli_epi32::<N>(_mm256_castps_si256(self.0))) })
    }
    #[inline(always)]
    fn shr<const N: i32>(self) -> Self {
        Avx2(unsafe { _mm256_castsi256_ps(_mm256_srli_epi32::<N>(_mm256_castps_si256(self.0))) })
    }
    #[inline(always)]
    fn add_u32(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(self.0), _mm256_castps_si256(o.0))) })
    }
    #[inline(always)]
    fn i32_to_f32(self) -> Self {
        Avx2(unsafe { _mm256_cvtepi32_ps(_mm256_castps_si256(self.0)) })
    }
    /// Halves added lane-wise, then as `Sse2::reduce_sum`.
    #[inline(always)]
    fn reduce_sum(self) -> f32 {
        unsafe {
            let half = _mm_add_ps(_mm256_castps256_ps128(self.0), _mm256_extractf128_ps::<1>(self.0));
            let pairs = _mm_add_ps(half, _mm_movehl_ps(half, half));
            _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps::<0b01>(pairs, pairs)))
        }
    }
    #[inline(always)]
    fn first(self) -> f32 {
        unsafe { _mm256_cvtss_f32(self.0) }
    }
}
