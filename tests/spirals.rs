//! The seeded spirals of the latent ODE: determinism, the mask rules, balance, the clean formula.

use vaelab::seq::spirals::{GRID, MIN_OBSERVED, N_TEST, N_TRAIN, OBS_LAST, SpiralSet, Spirals, grid_time};

#[test]
fn same_seed_same_data_different_seeds_differ() {
    let a = Spirals::generate(1);
    assert_eq!(a, Spirals::generate(1));
    let b = Spirals::generate(2);
    assert_ne!(a.train.noisy, b.train.noisy);
    assert_ne!(a.test.mask, b.test.mask);
    assert_eq!((a.train.n, a.test.n), (N_TRAIN, N_TEST));
    // The test set is its own phase: not the train set's first trajectories, and independent of the train size.
    assert_ne!(a.test.clean_of(0), a.train.clean_of(0));
    assert_eq!(SpiralSet::generate(1, vaelab::rng::PHASE_EVAL, 3).clean, a.test.clean[..3 * GRID].to_vec());
}

#[test]
fn masks_hold_at_least_five_points_and_only_up_to_t5() {
    let s = Spirals::generate(7);
    for set in [&s.train, &s.test] {
        let mut total = 0;
        for j in 0..set.n {
            let m = set.mask_of(j);
            let observed = m.iter().filter(|o| **o).count();
            assert!(observed >= MIN_OBSERVED, "trajectory {j}: {observed} observed");
            assert!(m[OBS_LAST + 1..].iter().all(|o| !o), "trajectory {j} observed after t = 5");
            assert!(m.iter().enumerate().all(|(g, o)| !o || grid_time(g) <= 5.0 + 1e-12));
            assert_eq!(&set.observable_of(j)[..=OBS_LAST], &m[..=OBS_LAST]);
            total += observed;
        }
        // Bernoulli(½) on 51 points: about 25.5 per trajectory.
        let mean = total as f64 / set.n as f64;
        assert!((mean - 25.5).abs() < 1.0, "mean observed {mean}");
    }
}

#[test]
fn directions_are_roughly_balanced() {
    let s = Spirals::generate(3);
    let ccw = s.train.direction.iter().filter(|d| **d == 1).count();
    assert!(s.train.direction.iter().all(|d| *d == 1 || *d == -1));
    // 1000 fair coins: 500 ± 3σ (σ ≈ 15.8).
    assert!((450..=550).contains(&ccw), "{ccw} counter-clockwise of 1000");
}

#[test]
fn clean_points_follow_the_spiral_formula() {
    let s = Spirals::generate(5);
    for j in [0usize, 17, 999] {
        let c = s.train.clean_of(j);
        let d = s.train.direction[j] as f64;
        // r0 and φ from the point at t = 0; then every grid point must match the formula.
        let r0 = (c[0][0].powi(2) + c[0][1].powi(2)).sqrt();
        let phi = c[0][1].atan2(c[0][0]);
        assert!((1.0..=2.0).contains(&r0), "r0 {r0}");
        for (g, p) in c.iter().enumerate().take(GRID) {
            let t = grid_time(g);
            let r = r0 * (-0.1 * t).exp();
            let want = [r * (d * t + phi).cos(), r * (d * t + phi).sin()];
            assert!((p[0] - want[0]).abs() < 1e-12 && (p[1] - want[1]).abs() < 1e-12, "j {j} g {g}: {p:?} vs {want:?}");
        }
        // The angle turns by d·0.1 per grid step (counter-clockwise for d = +1).
        let turn = (c[1][1].atan2(c[1][0]) - phi + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
            - std::f64::consts::PI;
        assert!((turn - 0.1 * d).abs() < 1e-9, "turn {turn}");
    }
}

#[test]
fn noise_has_the_stated_spread() {
    let s = Spirals::generate(11);
    let diffs: Vec<f64> =
        s.train.noisy.iter().zip(&s.train.clean).flat_map(|(n, c)| [n[0] - c[0], n[1] - c[1]]).collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / diffs.len() as f64).sqrt();
    assert!(mean.abs() < 0.001 && (sd - 0.05).abs() < 0.001, "mean {mean} sd {sd}");
}

#[test]
fn export_json_has_the_spec_shape() {
    let v = Spirals::generate(1).to_json();
    assert_eq!(v["grid"].as_array().unwrap().len(), GRID);
    assert_eq!(v["t_obs"], 5.0);
    assert_eq!(v["noise"], 0.05);
    for (set, n) in [("train", N_TRAIN), ("test", N_TEST)] {
        assert_eq!(v[set]["clean"].as_array().unwrap().len(), n);
        assert_eq!(v[set]["noisy"][0].as_array().unwrap().len(), GRID);
        assert_eq!(v[set]["noisy"][0][0].as_array().unwrap().len(), 2);
        assert_eq!(v[set]["mask"][n - 1].as_array().unwrap().len(), GRID);
        assert_eq!(v[set]["direction"].as_array().unwrap().len(), n);
    }
}
