//! The sequence models' transcendental functions from the `libm` crate, so native and wasm builds give
//! bitwise the same numbers (std's f64 exp/tanh/sin/cos call each platform's own libm, which differ).

use crate::rng::{threefry2x32, uniform_open01};

pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

pub fn tanh(x: f64) -> f64 {
    libm::tanh(x)
}

/// ln(1 + x), accurate near 0 (the softplus in BCE-with-logits).
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// A standard normal from Threefry (key, counter) by Box–Muller in f64 over `libm`.
pub fn normal_at(key: [u32; 2], counter: [u32; 2]) -> f64 {
    let [a, b] = threefry2x32(key, counter);
    let (u1, u2) = (uniform_open01(a) as f64, uniform_open01(b) as f64);
    libm::sqrt(-2.0 * libm::log(u1)) * cos(std::f64::consts::TAU * u2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn normals_have_unit_moments() {
        let key = crate::rng::key(9, 9, 0);
        let xs: Vec<f64> = (0..20_000).map(|i| super::normal_at(key, [i, 0])).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.04, "mean {mean}, var {var}");
    }
}
