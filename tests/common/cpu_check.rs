//! CPU kernel checks shared by tests/cpu_kernels.rs and tests/cpu_elementwise.rs: seeded data,
//! tolerance and bitwise comparisons that name the instruction set, and a loop over every ISA.
#![allow(dead_code)]

use vaelab::cpu::{self, Isa, with_isa};

/// Deterministic test data (xorshift), uniform in [lo, hi).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn fill(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| lo + (hi - lo) * self.next()).collect()
    }
}

/// Fails with the first mismatches and their indices when |got − want| > tol(i).
pub fn assert_within(what: &str, got: &[f32], want: &[f32], tol: impl Fn(usize) -> f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    // `!(d <= tol)`, not `d > tol`: a NaN is a mismatch too.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    let bad: Vec<String> = (0..got.len())
        .filter(|&i| !((got[i] as f64 - want[i] as f64).abs() <= tol(i)))
        .take(6)
        .map(|i| format!("[{i}] got {} want {} (tol {:.2e})", got[i], want[i], tol(i)))
        .collect();
    assert!(bad.is_empty(), "{what} on {}: {}", cpu::isa(), bad.join(", "));
}

pub fn assert_bitwise(what: &str, got: &[f32], want: &[f32]) {
    let bad: Vec<usize> = (0..got.len()).filter(|&i| got[i].to_bits() != want[i].to_bits()).take(6).collect();
    assert!(got.len() == want.len() && bad.is_empty(), "{what} on {}: differs at {bad:?}", cpu::isa());
}

pub fn each_isa(f: impl Fn()) {
    for isa in Isa::available() {
        with_isa(isa, &f);
    }
}
