//! The whole latent-ODE loss gradient against central differences in f64 on a tiny model, with
//! fixed ε, every parameter checked.

use vaelab::seq::latent_ode::{LatentOde, OdeConfig, Window, eps};

fn tiny(substeps: usize) -> LatentOde {
    LatentOde::new(OdeConfig { hidden: 3, latent: 2, field_hidden: 3, decoder_hidden: 3, substeps, sigma: 0.1 })
}

fn windows() -> Vec<Window> {
    vec![
        // Starts on an observed point (the decoder at z0 itself is in the loss).
        Window { g0: 0, points: vec![(0, [1.2, -0.3]), (2, [0.9, 0.4]), (3, [0.5, 0.8]), (6, [-0.2, 1.0])] },
        // A window starting later than its first observation, with irregular gaps.
        Window { g0: 4, points: vec![(5, [-1.1, 0.2]), (9, [-0.4, -0.9])] },
    ]
}

#[test]
fn whole_loss_gradient_matches_finite_differences_every_parameter() {
    for substeps in [1usize, 3] {
        let model = tiny(substeps);
        let p = model.init(5);
        let ws = windows();
        let e: Vec<Vec<f64>> = (0..ws.len()).map(|i| eps(9, 0, 4, i, 2)).collect();
        let mut grad = vec![0.0; p.len()];
        let parts = model.batch_loss(&p, &ws, &e, Some(&mut grad));
        assert!(parts.recon > 0.0 && parts.kl > 0.0);
        // The loss is O(100) (1/(2σ²) = 50), so f64 rounding puts a ~1e-9 floor under the numeric
        // derivatives; relative errors are measured against max(|analytic|, |numeric|, 1e-2).
        let h = 1e-5;
        let mut q = p.clone();
        let mut worst = (0.0f64, 0usize, 0.0, 0.0);
        for i in 0..p.len() {
            q[i] = p[i] + h;
            let up = model.batch_loss(&q, &ws, &e, None).loss;
            q[i] = p[i] - h;
            let down = model.batch_loss(&q, &ws, &e, None).loss;
            q[i] = p[i];
            let numeric = (up - down) / (2.0 * h);
            let rel = (grad[i] - numeric).abs() / grad[i].abs().max(numeric.abs()).max(1e-2);
            if rel > worst.0 {
                worst = (rel, i, grad[i], numeric);
            }
        }
        let names: Vec<_> = model.tensors().into_iter().filter(|t| t.1.contains(&worst.1)).map(|t| t.0).collect();
        eprintln!("substeps {substeps}: loss {:.4}, worst relative error {:.2e} ({names:?})", parts.loss, worst.0);
        assert!(worst.0 < 1e-6, "substeps {substeps}: worst relative error {worst:?} in {names:?}");
        assert_eq!(model.layout.len, p.len());
    }
}

#[test]
fn layout_matches_the_named_tensors_and_init_bounds() {
    let model = LatentOde::new(OdeConfig::default());
    let tensors = model.tensors();
    assert_eq!(tensors.last().unwrap().1.end, model.layout.len);
    // 3·25·(3 + 25 + 2) + 8·26 + (20·5 + 4·21) + (20·5 + 2·21)
    assert_eq!(model.layout.len, 2250 + 208 + 184 + 142);
    let p = model.init(1);
    for (name, range, _, bound) in &tensors {
        let slice = &p[range.clone()];
        assert!(slice.iter().all(|v| v.abs() <= *bound), "{name}");
        if slice.len() < 8 {
            continue;
        }
        let max = slice.iter().fold(0f64, |m, v| m.max(v.abs()));
        assert!(max > 0.5 * bound, "{name}: max {max} of bound {bound}");
    }
    assert_eq!(p, model.init(1));
    assert_ne!(p, model.init(2));
}

#[test]
fn reconstruct_and_prior_paths_have_the_requested_length() {
    let model = tiny(2);
    let p = model.init(3);
    let w = &windows()[1];
    assert_eq!(model.reconstruct(&p, w, 100).len(), 97);
    assert_eq!(model.decode_path(&p, &[0.1, -0.2], 10).len(), 11);
}
