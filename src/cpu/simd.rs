//! The vector abstraction every CPU kernel is written against: one trait, implemented once per
//! instruction set in `simd/`, and `dispatch`, which runs a kernel on the best one once per call.

use std::cell::Cell;
use std::ops::{Add, Div, Mul, Sub};

#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;
#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(target_arch = "aarch64")]
pub use neon::Neon;
pub use scalar::Scalar;
#[cfg(target_arch = "wasm32")]
pub use wasm::Wasm128;
#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Sse2};

/// Register-block shapes of the matmul microkernels for one instruction set: `bcast` is rows ×
/// vectors of columns (`A·B`, `Aᵀ·B`), `dot` is rows of A × rows of B (`A·Bᵀ`), `units` is the
/// `bcast` shape of the weight gradient in units (`weight_grad_units`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiles {
    pub bcast: (usize, usize),
    pub dot: (usize, usize),
    pub units: (usize, usize),
}

/// `LANES` f32 lanes in a register. Every method is `#[inline(always)]` in the implementations, so
/// a kernel generic over `Simd` compiles into the `#[target_feature]` function `dispatch` calls.
/// Lane-wise operations are IEEE single precision; `mul_add` is fused where `FUSED`.
pub trait Simd: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> {
    const LANES: usize;
    const FUSED: bool;
    const TILES: Tiles;
    fn splat(x: f32) -> Self;
    /// # Safety
    /// `p` is valid for reading `LANES` floats (any alignment).
    unsafe fn load(p: *const f32) -> Self;
    /// # Safety
    /// `p` is valid for writing `LANES` floats (any alignment).
    unsafe fn store(self, p: *mut f32);
    /// self · b + c (one rounding where `FUSED`, else two).
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Either operand where one is NaN.
    fn max(self, o: Self) -> Self;
    fn min(self, o: Self) -> Self;
    fn sqrt(self) -> Self;
    /// All-ones lanes where self < o, zero elsewhere.
    fn lt(self, o: Self) -> Self;
    /// `mask ? a : b` lane-wise, for masks from `lt`.
    fn select(mask: Self, a: Self, b: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    /// Logical shifts of the lanes as u32.
    fn shl<const N: i32>(self) -> Self;
    fn shr<const N: i32>(self) -> Self;
    fn add_u32(self, o: Self) -> Self;
    /// The lanes as i32, converted to f32 (rounded to nearest).
    fn i32_to_f32(self) -> Self;
    /// The sum of the lanes, in a fixed order for each implementation.
    fn reduce_sum(self) -> f32;
    fn first(self) -> f32;

    #[inline(always)]
    fn zero() -> Self {
        Self::splat(0.0)
    }
    #[inline(always)]
    fn splat_bits(bits: u32) -> Self {
        Self::splat(f32::from_bits(bits))
    }
    /// Lanes `len..` read as 0.0.
    /// # Safety
    /// `p` is valid for reading `len ≤ LANES` floats.
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        let mut buf = [0f32; 16];
        for (i, b) in buf.iter_mut().enumerate().take(len) {
            *b = unsafe { p.add(i).read() };
        }
        unsafe { Self::load(buf.as_ptr()) }
    }
    /// # Safety
    /// `p` is valid for writing `len ≤ LANES` floats.
    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, len: usize) {
        let mut buf = [0f32; 16];
        unsafe { self.store(buf.as_mut_ptr()) };
        for (i, b) in buf.iter().enumerate().take(len) {
            unsafe { p.add(i).write(*b) };
        }
    }
    /// `load` for `len ≥ LANES`, else `load_partial`.
    /// # Safety
    /// `p` is valid for reading `min(len, LANES)` floats.
    #[inline(always)]
    unsafe fn load_upto(p: *const f32, len: usize) -> Self {
        unsafe { if len >= Self::LANES { Self::load(p) } else { Self::load_partial(p, len) } }
    }
    /// # Safety
    /// `p` is valid for writing `min(len, LANES)` floats.
    #[inline(always)]
    unsafe fn store_upto(self, p: *mut f32, len: usize) {
        unsafe { if len >= Self::LANES { self.store(p) } else { self.store_partial(p, len) } }
    }
}

/// One kernel invocation with its arguments, run for a chosen `Simd` implementation. `run` must be
/// `#[inline(always)]` (with everything it calls), so it compiles inside the ISA's target features.
pub trait Kernel {
    type Output;
    fn run<V: Simd>(self) -> Self::Output;
}

/// An instruction set the kernels can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    Scalar,
    Sse2,
    Avx2Fma,
    Neon,
    Simd128,
    RelaxedSimd,
}

impl Isa {
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Sse2 => "sse2",
            Isa::Avx2Fma => "avx2+fma",
            Isa::Neon => "neon",
            Isa::Simd128 => "simd128",
            Isa::RelaxedSimd => "relaxed-simd",
        }
    }

    /// Every instruction set this build can run on this machine, best first.
    #[allow(clippy::vec_init_then_push)] // which pushes there are depends on the target's cfg
    pub fn available() -> Vec<Isa> {
        let mut list = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                list.push(Isa::Avx2Fma);
            }
            list.push(Isa::Sse2);
        }
        #[cfg(target_arch = "aarch64")]
        list.push(Isa::Neon);
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        list.push(Isa::RelaxedSimd);
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128", not(target_feature = "relaxed-simd")))]
        list.push(Isa::Simd128);
        list.push(Isa::Scalar);
        list
    }

    /// The fastest available instruction set (detected once).
    pub fn best() -> Isa {
        static BEST: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| Isa::available()[0])
    }
}

thread_local! {
    static FORCED: Cell<Option<Isa>> = const { Cell::new(None) };
    static FORCED_TILES: Cell<Option<Tiles>> = const { Cell::new(None) };
}

/// The instruction set kernels called on this thread use: `Isa::best()` unless inside `with_isa`.
pub fn current() -> Isa {
    FORCED.with(|f| f.get()).unwrap_or_else(Isa::best)
}

/// Runs `f` with the kernels on this thread forced to `isa` (tests and benchmarks compare them).
/// Panics if `isa` is not available here.
pub fn with_isa<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    assert!(Isa::available().contains(&isa), "{} is not available on this machine", isa.name());
    let before = FORCED.with(|c| c.replace(Some(isa)));
    let result = f();
    FORCED.with(|c| c.set(before));
    result
}

/// Runs `f` with other matmul register blocks (benchmarks; only shapes `matmul` instantiates).
pub fn with_tiles<R>(tiles: Tiles, f: impl FnOnce() -> R) -> R {
    let before = FORCED_TILES.with(|c| c.replace(Some(tiles)));
    let result = f();
    FORCED_TILES.with(|c| c.set(before));
    result
}

/// The register blocks for `V` on this thread.
pub fn tiles<V: Simd>() -> Tiles {
    FORCED_TILES.with(|c| c.get()).unwrap_or(V::TILES)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2<K: Kernel>(k: K) -> K::Output {
    k.run::<Avx2>()
}

/// Runs `k` on the current instruction set.
pub fn dispatch<K: Kernel>(k: K) -> K::Output {
    match current() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::available` lists Avx2Fma only when the CPU has AVX2 and FMA.
        Isa::Avx2Fma => unsafe { run_avx2(k) },
        #[cfg(target_arch = "x86_64")]
        Isa::Sse2 => k.run::<Sse2>(),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => k.run::<Neon>(),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Isa::Simd128 | Isa::RelaxedSimd => k.run::<Wasm128>(),
        _ => k.run::<Scalar>(),
    }
}
