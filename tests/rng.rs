//! The GPU's counter-based normals: seeded moments and the 68-95-99.7 rule, reproducibility, and
//! independence from the seed and step.

mod common;

use vaelab::kernels::reparam_forward::ReparamParams;
use vaelab::kernels::step::{StepRing, StepUniform};
use vaelab::kernels::{Kernels, View};

/// ε drawn by reparam_forward with μ = 0, logvar = 0 (so z = ε), for `rows` × 64 latents.
fn gpu_normals(seed: u32, step: u32, rows: u32) -> Vec<f32> {
    let gpu = common::gpu();
    let kernels = Kernels::new(&gpu);
    let latent = 64;
    let mut ring = StepRing::new(&gpu, "steps", 1);
    ring.write(&gpu, &[StepUniform { step, seed, ..Default::default() }]);
    let mulv = gpu.storage("mulv", (rows * 2 * latent) as u64 * 4);
    let labels = gpu.storage("labels", rows as u64 * 4);
    let z = gpu.storage("z", (rows * latent) as u64 * 4);
    let eps = gpu.storage("eps", (rows * latent) as u64 * 4);
    let stats = gpu.storage("stats", rows as u64 * 16);
    let params = ReparamParams { out_rows: rows, latent, rep: 1, ld_z: latent, label_col: u32::MAX, _pad: [0; 3] };
    let d = kernels.reparam_forward.dispatch(
        &gpu,
        params,
        ring.view(),
        View::whole(&mulv),
        View::whole(&labels),
        View::whole(&z),
        View::whole(&eps),
        View::whole(&stats),
    );
    common::run(&gpu, &[&d]);
    let zs = common::read(&gpu, &z, (rows * latent) as usize);
    assert_eq!(zs, common::read(&gpu, &eps, (rows * latent) as usize), "z = ε when μ = 0, logvar = 0");
    zs
}

#[test]
fn normals_have_unit_moments_and_the_68_95_99_7_rule() {
    let xs = gpu_normals(7, 0, 4096);
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    // Standard errors at n = 262144: mean 0.002, variance 0.003.
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((var - 1.0).abs() < 0.015, "variance {var}");
    let within = |k: f32| xs.iter().filter(|x| x.abs() < k).count() as f64 / n;
    let (one, two, three) = (within(1.0), within(2.0), within(3.0));
    assert!((one - 0.6827).abs() < 0.005, "within 1σ: {one}");
    assert!((two - 0.9545).abs() < 0.003, "within 2σ: {two}");
    assert!((three - 0.9973).abs() < 0.001, "within 3σ: {three}");
}

#[test]
fn same_seed_same_numbers_other_seed_or_step_other_numbers() {
    let a = gpu_normals(7, 5, 16);
    assert_eq!(a, gpu_normals(7, 5, 16));
    let other_seed = gpu_normals(8, 5, 16);
    let other_step = gpu_normals(7, 6, 16);
    let same = |x: &[f32], y: &[f32]| x.iter().zip(y).filter(|(p, q)| p == q).count();
    assert_eq!(same(&a, &other_seed), 0);
    assert_eq!(same(&a, &other_step), 0);
    // Neighbouring counters are uncorrelated.
    let n = a.len() - 1;
    let corr = (0..n).map(|i| a[i] as f64 * a[i + 1] as f64).sum::<f64>() / n as f64;
    assert!(corr.abs() < 0.1, "lag-1 correlation {corr}");
}
