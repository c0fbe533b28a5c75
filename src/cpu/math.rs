//! Vector exp, ln, tanh and sigmoid for the CPU kernels (Cephes single-precision polynomials,
//! range reduction by exact bit manipulation), plus the fused pieces BCE-with-logits needs.
//! Worst errors against f64 over dense sweeps (`tests/cpu_kernels.rs`; AVX2+FMA, SSE2, scalar):
//!   exp              x ∈ [−87, 88]    1.0 ulp   (inputs clamped to [−87.3, 88])
//!   ln               x normal, > 0    0.8 ulp
//!   tanh             x ∈ [−12, 12]    1.3 ulp, 7.7e−8 absolute
//!   sigmoid          x ∈ [−80, 80]    2.4 ulp; 9e−8 absolute anywhere
//!   ln(1 + e^−|x|)   x ∈ [−80, 80]    1.9 ulp; 7.4e−8 absolute anywhere

use super::simd::{Kernel, Simd, dispatch};

/// The functions' constants as vectors, built once per kernel call (`Math::new()`, outside the
/// loops). Built from opaque values on purpose: LLVM otherwise folds every splat into a
/// `v128.const` at each use inside the loop, and V8 materialises each one with ~4 instructions
/// per use (36 per BCE pixel vector); as locals they stay in registers or one load away.
#[derive(Clone, Copy)]
pub struct Math<V> {
    zero: V,
    half: V,
    one: V,
    two: V,
    exp_lo: V,
    exp_hi: V,
    log2e: V,
    magic_round: V,
    ln2_hi: V,
    ln2_lo: V,
    exp_p: [V; 6],
    pow2_bias: V,
    exp_bits: V,
    two_23_plus_126: V,
    mantissa: V,
    half_bits: V,
    sqrt_half: V,
    ln_p: [V; 9],
    abs_mask: V,
    sign_mask: V,
    tanh_p: [V; 5],
    tanh_clamp: V,
    tanh_small: V,
}

#[inline(always)]
fn opaque<V: Simd>(x: f32) -> V {
    V::splat(std::hint::black_box(x))
}

#[inline(always)]
fn opaque_bits<V: Simd>(bits: u32) -> V {
    opaque(f32::from_bits(bits))
}

// The polynomial constants are written as published (Cephes), digits past f32 and all.
#[allow(clippy::excessive_precision)]
impl<V: Simd> Math<V> {
    #[inline(always)]
    pub fn new() -> Self {
        Math {
            zero: opaque(0.0),
            half: opaque(0.5),
            one: opaque(1.0),
            two: opaque(2.0),
            exp_lo: opaque(-87.3),
            exp_hi: opaque(88.0),
            log2e: opaque(std::f32::consts::LOG2_E),
            // 1.5·2^23: x + MAGIC − MAGIC rounds x to an integer.
            magic_round: opaque(12_582_912.0),
            // ln 2 in two parts: the high part has 9 significant bits, so n·hi is exact.
            ln2_hi: opaque(0.693_359_375),
            ln2_lo: opaque(-2.121_944_4e-4),
            exp_p: [
                opaque(1.987_569_15e-4),
                opaque(1.398_199_950_7e-3),
                opaque(8.333_451_907_3e-3),
                opaque(4.166_579_589_4e-2),
                opaque(0.166_666_654_59),
                opaque(0.500_000_012_01),
            ],
            pow2_bias: opaque(8_388_608.0 + 127.0),
            exp_bits: opaque_bits(0x4B00_0000),
            two_23_plus_126: opaque(8_388_608.0 + 126.0),
            mantissa: opaque_bits(0x007F_FFFF),
            half_bits: opaque_bits(0x3F00_0000),
            sqrt_half: opaque(std::f32::consts::FRAC_1_SQRT_2),
            ln_p: [
                opaque(7.037_683_629_2e-2),
                opaque(-0.115_146_103_1),
                opaque(0.116_769_987_4),
                opaque(-0.124_201_408_46),
                opaque(0.142_493_227_87),
                opaque(-0.166_680_576_65),
                opaque(0.200_007_147_65),
                opaque(-0.249_999_939_93),
                opaque(0.333_333_311_74),
            ],
            abs_mask: opaque_bits(0x7FFF_FFFF),
            sign_mask: opaque_bits(0x8000_0000),
            tanh_p: [
                opaque(-5.704_988_727_45e-3),
                opaque(2.063_908_879_54e-2),
                opaque(-5.373_971_555_31e-2),
                opaque(0.133_314_422_036),
                opaque(-0.333_332_819_422),
            ],
            tanh_clamp: opaque(9.0),
            tanh_small: opaque(0.625),
        }
    }

    /// e^x, x clamped to [−87.3, 88] (so the result stays a normal float).
    #[inline(always)]
    pub fn exp(&self, x: V) -> V {
        let x = x.max(self.exp_lo).min(self.exp_hi);
        let n = (x * self.log2e + self.magic_round) - self.magic_round;
        let r = (x - n * self.ln2_hi) - n * self.ln2_lo;
        let mut p = self.exp_p[0];
        for &c in &self.exp_p[1..] {
            p = p.mul_add(r, c);
        }
        let y = p.mul_add(r * r, r) + self.one;
        // 2^n for integer-valued n in [−126, 127], from bits: (n + 127) << 23.
        y * (n + self.pow2_bias).shl::<23>()
    }

    /// ln x for positive normal x.
    #[inline(always)]
    pub fn ln(&self, x: V) -> V {
        // The exponent as a float: its 8 bits placed in the mantissa of 2^23; m in [0.5, 1).
        let e = x.shr::<23>().or(self.exp_bits) - self.two_23_plus_126;
        let m = x.and(self.mantissa).or(self.half_bits);
        let small = m.lt(self.sqrt_half);
        let e = V::select(small, e - self.one, e);
        let m = V::select(small, m + m, m) - self.one;
        let z = m * m;
        let mut y = self.ln_p[0];
        for &c in &self.ln_p[1..] {
            y = y.mul_add(m, c);
        }
        let y = y * m * z + e * self.ln2_lo - self.half * z;
        m + y + e * self.ln2_hi
    }

    /// tanh x: an odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) with x's sign above.
    #[inline(always)]
    pub fn tanh(&self, x: V) -> V {
        let (ax, sign) = (x.and(self.abs_mask), x.and(self.sign_mask));
        let z = x * x;
        let mut p = self.tanh_p[0];
        for &c in &self.tanh_p[1..] {
            p = p.mul_add(z, c);
        }
        let small = (p * z).mul_add(x, x);
        let e = self.exp(ax.min(self.tanh_clamp) * self.two);
        let large = (self.one - self.two / (e + self.one)).or(sign);
        V::select(ax.lt(self.tanh_small), small, large)
    }

    /// σ(x) = 1 / (1 + e^−x).
    #[inline(always)]
    pub fn sigmoid(&self, x: V) -> V {
        self.one / (self.one + self.exp(self.zero - x))
    }

    /// For BCE with logits: (ln(1 + e^−|l|), σ(l)) from one exp, one ln and one division.
    #[inline(always)]
    pub fn softplus_and_sigmoid(&self, l: V) -> (V, V) {
        let t = self.exp(self.zero - l.and(self.abs_mask)); // in (0, 1]
        let u = self.one + t;
        let inv = self.one / u;
        // ln(1 + t) = ln u + (t − (u − 1))/u: u − 1 is exact, the bracket is u's rounding error.
        let softplus = self.ln(u) + (t - (u - self.one)) * inv;
        let sigmoid = V::select(l.lt(self.zero), t * inv, inv);
        (softplus, sigmoid)
    }
}

impl<V: Simd> Default for Math<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// A vector function, for `eval` (tests and benchmarks of the functions above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Exp,
    Ln,
    Tanh,
    Sigmoid,
    /// ln(1 + e^−|x|), from `Math::softplus_and_sigmoid`.
    SoftplusNegAbs,
}

struct Eval<'a> {
    f: Func,
    xs: &'a [f32],
    out: &'a mut [f32],
}

impl Kernel for Eval<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let n = self.xs.len().min(self.out.len());
        let math = Math::<V>::new();
        let mut i = 0;
        while i < n {
            let len = n - i;
            // SAFETY: i < n ≤ both lengths; *_upto touch min(len, LANES) floats.
            unsafe {
                let x = V::load_upto(self.xs.as_ptr().add(i), len);
                let y = match self.f {
                    Func::Exp => math.exp(x),
                    Func::Ln => math.ln(x),
                    Func::Tanh => math.tanh(x),
                    Func::Sigmoid => math.sigmoid(x),
                    Func::SoftplusNegAbs => math.softplus_and_sigmoid(x).0,
                };
                y.store_upto(self.out.as_mut_ptr().add(i), len);
            }
            i += V::LANES;
        }
    }
}

/// out[i] = f(xs[i]) on the current instruction set.
pub fn eval(f: Func, xs: &[f32], out: &mut [f32]) {
    assert_eq!(xs.len(), out.len(), "eval: input and output lengths differ");
    dispatch(Eval { f, xs, out })
}
