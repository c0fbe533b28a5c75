//! Seeded 2-D spirals for the latent ODE (spec-latent-ode.md): clean and noisy points on a fixed
//! grid t = 0, 0.1, …, 10, irregular observation masks on t ≤ 5, train and test sets, JSON export.
//!
//! Randomness: Threefry key (seed, STREAM_SPIRALS, phase) with phase PHASE_TRAIN for the train set
//! and PHASE_EVAL for the test set (so the test set does not depend on the train size). Counters
//! per trajectory j: [j, 0] → (φ, r0); [j, 1] → direction (top bit); [j, 2 + 2g + c] → the noise
//! of grid point g, coordinate c (Box–Muller); [j, 1024 + 128a + g] → observation draw a of point g.

use super::math;
use crate::rng::{PHASE_EVAL, PHASE_TRAIN, STREAM_SPIRALS, key, threefry2x32, uniform_open01};

pub const GRID: usize = 101;
pub const DT: f64 = 0.1;
/// Last grid index of the training window (t = 5).
pub const OBS_LAST: usize = 50;
pub const T_OBS: f64 = 5.0;
pub const NOISE: f64 = 0.05;
pub const MIN_OBSERVED: usize = 5;
pub const N_TRAIN: usize = 1000;
pub const N_TEST: usize = 200;

pub fn grid_time(g: usize) -> f64 {
    g as f64 * DT
}

/// N trajectories; the per-point arrays are trajectory-major, `GRID` points each.
#[derive(Clone, Debug, PartialEq)]
pub struct SpiralSet {
    pub n: usize,
    pub clean: Vec<[f64; 2]>,
    pub noisy: Vec<[f64; 2]>,
    /// Observed in the training window (t ≤ 5); false for every t > 5.
    pub mask: Vec<bool>,
    /// The same Bernoulli(½) draw on every grid point, t > 5 included: what a window past t = 5
    /// may show the encoder when a reader moves it there (the wasm `trajectory` view).
    pub observable: Vec<bool>,
    pub direction: Vec<i8>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Spirals {
    pub train: SpiralSet,
    pub test: SpiralSet,
}

/// The clean spiral point p(t) = r0 e^{−0.1 t} (cos(d t + φ), sin(d t + φ)).
pub fn clean_point(r0: f64, phi: f64, direction: f64, t: f64) -> [f64; 2] {
    let r = r0 * math::exp(-0.1 * t);
    let a = direction * t + phi;
    [r * math::cos(a), r * math::sin(a)]
}

impl Spirals {
    pub fn generate(seed: u32) -> Self {
        Spirals {
            train: SpiralSet::generate(seed, PHASE_TRAIN, N_TRAIN),
            test: SpiralSet::generate(seed, PHASE_EVAL, N_TEST),
        }
    }

    /// The export JSON of the spec: {grid, t_obs, noise, train: {clean, noisy, mask, direction}, test}.
    pub fn to_json(&self) -> serde_json::Value {
        let grid: Vec<f64> = (0..GRID).map(grid_time).collect();
        serde_json::json!({
            "grid": grid, "t_obs": T_OBS, "noise": NOISE,
            "train": self.train.to_json(), "test": self.test.to_json(),
        })
    }
}

impl SpiralSet {
    pub fn generate(seed: u32, phase: u32, n: usize) -> Self {
        let k = key(seed, STREAM_SPIRALS, phase);
        let mut set = SpiralSet {
            n,
            clean: Vec::with_capacity(n * GRID),
            noisy: Vec::with_capacity(n * GRID),
            mask: Vec::with_capacity(n * GRID),
            observable: Vec::with_capacity(n * GRID),
            direction: Vec::with_capacity(n),
        };
        for j in 0..n as u32 {
            let [b0, b1] = threefry2x32(k, [j, 0]);
            let phi = std::f64::consts::TAU * uniform_open01(b0) as f64;
            let r0 = 1.0 + uniform_open01(b1) as f64;
            let d: i8 = if threefry2x32(k, [j, 1])[0] >> 31 == 0 { 1 } else { -1 };
            set.direction.push(d);
            for g in 0..GRID {
                let p = clean_point(r0, phi, d as f64, grid_time(g));
                let noise = |c: usize| NOISE * math::normal_at(k, [j, 2 + 2 * g as u32 + c as u32]);
                set.clean.push(p);
                set.noisy.push([p[0] + noise(0), p[1] + noise(1)]);
            }
            // Draw a = 0, 1, … until the training window holds at least MIN_OBSERVED points.
            let draw = |a: u32| -> Vec<bool> {
                (0..GRID as u32).map(|g| uniform_open01(threefry2x32(k, [j, 1024 + 128 * a + g])[0]) < 0.5).collect()
            };
            let mut a = 0;
            let mut obs = draw(a);
            while obs[..=OBS_LAST].iter().filter(|o| **o).count() < MIN_OBSERVED {
                a += 1;
                obs = draw(a);
            }
            set.mask.extend(obs.iter().enumerate().map(|(g, o)| *o && g <= OBS_LAST));
            set.observable.extend(obs);
        }
        set
    }

    pub fn clean_of(&self, j: usize) -> &[[f64; 2]] {
        &self.clean[j * GRID..(j + 1) * GRID]
    }

    pub fn noisy_of(&self, j: usize) -> &[[f64; 2]] {
        &self.noisy[j * GRID..(j + 1) * GRID]
    }

    pub fn mask_of(&self, j: usize) -> &[bool] {
        &self.mask[j * GRID..(j + 1) * GRID]
    }

    pub fn observable_of(&self, j: usize) -> &[bool] {
        &self.observable[j * GRID..(j + 1) * GRID]
    }

    fn to_json(&self) -> serde_json::Value {
        let rows = |v: &[[f64; 2]]| -> Vec<Vec<[f64; 2]>> { v.chunks(GRID).map(|c| c.to_vec()).collect() };
        let mask: Vec<Vec<u8>> = self.mask.chunks(GRID).map(|c| c.iter().map(|&m| m as u8).collect()).collect();
        serde_json::json!({
            "clean": rows(&self.clean), "noisy": rows(&self.noisy), "mask": mask, "direction": self.direction,
        })
    }
}
