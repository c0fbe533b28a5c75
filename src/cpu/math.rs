//! Vector exp, ln, tanh and sigmoid for the CPU kernels (Cephes single-precision polynomials,
//! range reduction by exact bit manipulation), plus the fused pieces BCE-with-logits needs.
//! Worst errors against f64 over dense sweeps (`tests/cpu_kernels.rs`; AVX2+FMA, SSE2, scalar):
//!   exp              x ∈ [−87, 88]    1.0 ulp   (inputs clamped to [−87.3, 88])
//!   ln               x normal, > 0    0.8 ulp
//!   tanh             x ∈ [−12, 12]    1.3 ulp, 7.7e−8 absolute
//!   sigmoid          x ∈ [−80, 80]    2.4 ulp; 9e−8 absolute anywhere
//!   ln(1 + e^−|x|)   x ∈ [−80, 80]    1.9 ulp; 7.4e−8 absolute anywhere

use super::simd::{Kernel, Simd, dispatch};

const MAGIC_ROUND: f32 = 12_582_912.0; // 1.5·2^23: x + MAGIC − MAGIC rounds x to an integer
const TWO_23: f32 = 8_388_608.0;

/// 2^n for integer-valued n in [−126, 127], built from bits: (n + 127) << 23.
#[inline(always)]
fn pow2<V: Simd>(n: V) -> V {
    (n + V::splat(TWO_23 + 127.0)).shl::<23>()
}

/// e^x, x clamped to [−87.3, 88] (so the result stays a normal float).
#[inline(always)]
pub fn exp<V: Simd>(x: V) -> V {
    let x = x.max(V::splat(-87.3)).min(V::splat(88.0));
    let n = (x * V::splat(std::f32::consts::LOG2_E) + V::splat(MAGIC_ROUND)) - V::splat(MAGIC_ROUND);
    // x − n·ln 2 in two parts (the high part has 9 significant bits, so n·hi is exact).
    let r = (x - n * V::splat(0.693_359_375)) - n * V::splat(-2.121_944_4e-4);
    let mut p = V::splat(1.987_569_15e-4);
    p = p.mul_add(r, V::splat(1.398_199_950_7e-3));
    p = p.mul_add(r, V::splat(8.333_451_907_3e-3));
    p = p.mul_add(r, V::splat(4.166_579_589_4e-2));
    p = p.mul_add(r, V::splat(0.166_666_654_59));
    p = p.mul_add(r, V::splat(0.500_000_012_01));
    let y = p.mul_add(r * r, r) + V::splat(1.0);
    y * pow2(n)
}

/// ln x for positive normal x.
#[inline(always)]
pub fn ln<V: Simd>(x: V) -> V {
    // Biased exponent as a float: the 8 exponent bits placed in the mantissa of 2^23.
    let e = (x.shr::<23>().or(V::splat_bits(0x4B00_0000)) - V::splat(TWO_23)) - V::splat(126.0);
    let m = x.and(V::splat_bits(0x007F_FFFF)).or(V::splat_bits(0x3F00_0000)); // in [0.5, 1)
    let small = m.lt(V::splat(std::f32::consts::FRAC_1_SQRT_2));
    let e = V::select(small, e - V::splat(1.0), e);
    let m = V::select(small, m + m, m) - V::splat(1.0);
    let z = m * m;
    let mut y = V::splat(7.037_683_629_2e-2);
    y = y.mul_add(m, V::splat(-0.115_146_103_1));
    y = y.mul_add(m, V::splat(0.116_769_987_4));
    y = y.mul_add(m, V::splat(-0.124_201_408_46));
    y = y.mul_add(m, V::splat(0.142_493_227_87));
    y = y.mul_add(m, V::splat(-0.166_680_576_65));
    y = y.mul_add(m, V::splat(0.200_007_147_65));
    y = y.mul_add(m, V::splat(-0.249_999_939_93));
    y = y.mul_add(m, V::splat(0.333_333_311_74));
    let y = y * m * z + e * V::splat(-2.121_944_4e-4) - V::splat(0.5) * z;
    m + y + e * V::splat(0.693_359_375)
}

#[inline(always)]
fn abs_and_sign<V: Simd>(x: V) -> (V, V) {
    (x.and(V::splat_bits(0x7FFF_FFFF)), x.and(V::splat_bits(0x8000_0000)))
}

/// tanh x: an odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) with x's sign above.
#[inline(always)]
pub fn tanh<V: Simd>(x: V) -> V {
    let (ax, sign) = abs_and_sign(x);
    let z = x * x;
    let mut p = V::splat(-5.704_988_727_45e-3);
    p = p.mul_add(z, V::splat(2.063_908_879_54e-2));
    p = p.mul_add(z, V::splat(-5.373_971_555_31e-2));
    p = p.mul_add(z, V::splat(0.133_314_422_036));
    p = p.mul_add(z, V::splat(-0.333_332_819_422));
    let small = (p * z).mul_add(x, x);
    let e = exp(ax.min(V::splat(9.0)) * V::splat(2.0));
    let large = (V::splat(1.0) - V::splat(2.0) / (e + V::splat(1.0))).or(sign);
    V::select(ax.lt(V::splat(0.625)), small, large)
}

/// σ(x) = 1 / (1 + e^−x).
#[inline(always)]
pub fn sigmoid<V: Simd>(x: V) -> V {
    V::splat(1.0) / (V::splat(1.0) + exp(V::splat(0.0) - x))
}

/// For BCE with logits: (ln(1 + e^−|l|), σ(l)) from one exp, one ln and one division.
#[inline(always)]
pub fn softplus_and_sigmoid<V: Simd>(l: V) -> (V, V) {
    let (al, _) = abs_and_sign(l);
    let t = exp(V::splat(0.0) - al); // in (0, 1]
    let u = V::splat(1.0) + t;
    let inv = V::splat(1.0) / u;
    // ln(1 + t) = ln u + (t − (u − 1))/u: u − 1 is exact, the bracket is u's rounding error.
    let softplus = ln(u) + (t - (u - V::splat(1.0))) * inv;
    let sigmoid = V::select(l.lt(V::splat(0.0)), t * inv, inv);
    (softplus, sigmoid)
}

/// A vector function, for `eval` (tests and benchmarks of the functions above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Exp,
    Ln,
    Tanh,
    Sigmoid,
    /// ln(1 + e^−|x|), from `softplus_and_sigmoid`.
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
        let mut i = 0;
        while i < n {
            let len = n - i;
            // SAFETY: i < n ≤ both lengths; *_upto touch min(len, LANES) floats.
            unsafe {
                let x = V::load_upto(self.xs.as_ptr().add(i), len);
                let y = match self.f {
                    Func::Exp => exp(x),
                    Func::Ln => ln(x),
                    Func::Tanh => tanh(x),
                    Func::Sigmoid => sigmoid(x),
                    Func::SoftplusNegAbs => softplus_and_sigmoid(x).0,
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
