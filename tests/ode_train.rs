//! Latent-ODE training: bitwise determinism from the seed, a short run that learns, windows and errors.

use vaelab::VaeError;
use vaelab::seq::ode_train::{OdeTrainer, window_of, window_range};

#[test]
fn same_seed_gives_bitwise_the_same_loss_trace() {
    let trace = |seed: u32| -> Vec<u64> {
        let mut t = OdeTrainer::new(seed, 1).unwrap();
        (0..25).map(|_| t.train_step().loss.to_bits()).collect()
    };
    let a = trace(4);
    assert_eq!(a, trace(4));
    assert_ne!(a, trace(5));
}

#[test]
fn four_hundred_steps_lower_the_loss_and_the_test_recon_mse() {
    let mut t = OdeTrainer::new(1, 1).unwrap();
    let before = t.evaluate();
    let losses: Vec<f64> = (0..400).map(|_| t.train_step().loss).collect();
    let after = t.evaluate();
    let first = losses[..10].iter().sum::<f64>() / 10.0;
    let last = losses[390..].iter().sum::<f64>() / 10.0;
    eprintln!("loss first 10 steps {first:.2}, last 10 {last:.2}; test before {before:?}, after {after:?}");
    assert_eq!(t.step(), 400);
    // Measured for seed 1: see RECON_BOUND.
    assert!(last < 0.5 * first, "loss {first} -> {last}");
    assert!(after.recon_mse < 0.5 * before.recon_mse, "{before:?} -> {after:?}");
    assert!(after.recon_mse < RECON_BOUND, "recon_mse {}", after.recon_mse);
}

/// Measured for seed 1 after 400 steps: mean loss of the first 10 steps 1880.24, of the last 10 130.88;
/// test recon_mse 0.754 → 0.0412 (extrap_mse 0.323 → 1.10: 400 steps do not extrapolate yet). All transcendental functions come from the `libm`
/// crate, so every platform gives the same figure; the bound is the measurement plus a quarter.
const RECON_BOUND: f64 = 0.052;

#[test]
fn substeps_are_checked_and_change_the_solver_only() {
    assert!(matches!(OdeTrainer::new(1, 0), Err(VaeError::Config(_))));
    assert!(matches!(OdeTrainer::new(1, 9), Err(VaeError::Config(_))));
    let mut t = OdeTrainer::new(1, 1).unwrap();
    let p = t.params.clone();
    t.set_substeps(4).unwrap();
    assert_eq!(t.model.config.substeps, 4);
    assert_eq!(t.params, p);
    assert!(t.set_substeps(0).is_err());
}

#[test]
fn windows_snap_to_the_grid_and_refuse_empty_ones() {
    assert_eq!(window_range(0.0, 5.0).unwrap(), (0, 50));
    assert_eq!(window_range(0.25, 10.0).unwrap(), (3, 100));
    assert_eq!(window_range(0.3, 0.3).unwrap(), (3, 3));
    assert!(window_range(-1.0, 2.0).is_err() && window_range(3.0, 2.0).is_err() && window_range(0.0, 10.5).is_err());
    assert!(window_range(f64::NAN, 2.0).is_err());
    let t = OdeTrainer::new(2, 1).unwrap();
    let set = &t.data.test;
    let w = window_of(set, 0, 6.0, 9.0).unwrap();
    assert!(w.g0 == 60 && w.points.iter().all(|p| (60..=90).contains(&p.0)));
    // A window on one grid point that was not drawn as observed.
    let g = set.observable_of(0).iter().position(|o| !o).unwrap();
    let t_g = g as f64 * 0.1;
    let err = window_of(set, 0, t_g, t_g).unwrap_err();
    assert!(matches!(&err, VaeError::Config(m) if m.contains("no observed point")), "{err}");
    assert!(err.to_string().contains("widen it"), "{err}");
}

#[test]
fn trajectory_view_and_prior_samples_have_the_page_shapes() {
    let t = OdeTrainer::new(3, 2).unwrap();
    let v = t.trajectory(5, 0.0, 5.0).unwrap();
    assert_eq!((v.grid.len(), v.clean.len(), v.noisy.len(), v.observed.len()), (101, 101, 101, 101));
    assert_eq!(v.from_index, 0);
    assert_eq!(v.recon.len(), 101);
    assert_eq!(v.observed, t.data.test.mask_of(5).to_vec());
    let later = t.trajectory(5, 2.35, 7.0).unwrap();
    assert_eq!(later.from_index, 24);
    assert_eq!(later.recon.len(), 101 - 24);
    assert!(later.observed.iter().enumerate().all(|(g, o)| !o || (24..=70).contains(&g)));
    assert!(matches!(t.trajectory(200, 0.0, 5.0), Err(VaeError::Config(_))));
    let s = t.sample_prior(3, 7, 4.0).unwrap();
    assert_eq!((s.len(), s[0].len()), (3, 41));
    assert_ne!(s[0], s[1]);
    assert_eq!(s, t.sample_prior(3, 7, 4.0).unwrap());
    assert!(
        t.sample_prior(0, 7, 4.0).is_err()
            && t.sample_prior(2, 7, 11.0).is_err()
            && t.sample_prior(2, 7, -1.0).is_err()
    );
}
