//! VRNN: a finite-difference check of the whole loss gradient on a tiny model (both inference
//! directions), training determinism and a short run that learns, generation and completion.

use vaelab::seq::vrnn::{Inference, Vrnn, VrnnConfig};

fn tiny(inference: Inference) -> VrnnConfig {
    VrnnConfig { hidden: 3, features: 4, latent: 2, rows: 3, cols: 5, inference }
}

/// Two images of 3 rows × 5 pixels (binary and fractional targets) and fixed ε.
fn tiny_batch(c: &VrnnConfig) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let n = c.rows * c.cols;
    let images = vec![
        (0..n).map(|i| ((i * 7 + 3) % 5 < 2) as u8 as f64).collect(),
        (0..n).map(|i| ((i * 13 + 1) % 11) as f64 / 10.0).collect(),
    ];
    let eps = (0..2).map(|b| (0..c.rows * c.latent).map(|i| ((i * 5 + b * 3) % 7) as f64 / 3.0 - 1.0).collect()).collect();
    (images, eps)
}

fn check_gradient(inference: Inference) {
    let c = tiny(inference);
    let model = Vrnn::new(c);
    // Init scaled up ×2 so the gates leave their linear middles, Linear biases raised by 0.3 so
    // few relus are dead (a dead unit's weights would have no gradient to check).
    let mut p: Vec<f64> = model.init(1).iter().map(|v| 2.0 * v).collect();
    for (name, r, _, _) in model.tensors() {
        if name.ends_with(".bias") && !name.starts_with("rnn") {
            p[r].iter_mut().for_each(|v| *v += 0.3);
        }
    }
    let (images, eps) = tiny_batch(&c);
    let refs: Vec<&[f64]> = images.iter().map(|v| v.as_slice()).collect();
    let mut grad = vec![0.0; model.len];
    let base = model.batch_loss(&p, &refs, &eps, Some(&mut grad));
    assert!(base.loss.is_finite() && base.kl > 0.0, "{base:?}");
    // Central differences, h = 1e-6: round-off in a loss of ~20 is ~1e-9 absolute, so each entry
    // must satisfy |fd − g| ≤ 1e-7 + 1e-5·|fd| (`ratio` < 1).
    let h = 1e-6;
    let (mut worst_ratio, mut at, mut worst_rel) = (0.0f64, 0, 0.0f64);
    for i in 0..model.len {
        let mut q = p.clone();
        q[i] = p[i] + h;
        let up = model.batch_loss(&q, &refs, &eps, None).loss;
        q[i] = p[i] - h;
        let down = model.batch_loss(&q, &refs, &eps, None).loss;
        let fd = (up - down) / (2.0 * h);
        let ratio = (fd - grad[i]).abs() / (1e-7 + 1e-5 * fd.abs());
        if ratio > worst_ratio {
            (worst_ratio, at) = (ratio, i);
        }
        if fd.abs() > 1e-3 {
            worst_rel = worst_rel.max((fd - grad[i]).abs() / fd.abs());
        }
    }
    let nonzero = grad.iter().filter(|g| g.abs() > 1e-9).count();
    eprintln!(
        "{inference:?}: loss {:.6}, {} parameters ({nonzero} with a gradient), worst |fd − g| / (1e-7 + 1e-5·|fd|) = {worst_ratio:.3} at {at}, worst relative error where |fd| > 1e-3: {worst_rel:.2e}",
        base.loss,
        model.len
    );
    assert!(worst_ratio < 1.0, "{inference:?}: parameter {at}: analytic {} vs finite differences off by {worst_ratio} × tolerance", grad[at]);
    // Dead relu units leave some entries without a gradient; most must have one.
    assert!(nonzero > model.len * 8 / 10, "{nonzero} of {} gradients are nonzero", model.len);
}

#[test]
fn whole_loss_gradient_matches_finite_differences_forward_inference() {
    check_gradient(Inference::Forward);
}

#[test]
fn whole_loss_gradient_matches_finite_differences_backward_inference() {
    check_gradient(Inference::Backward);
}

#[test]
fn per_step_kl_sums_to_the_kl_and_the_layout_covers_every_parameter() {
    for inference in [Inference::Forward, Inference::Backward] {
        let c = tiny(inference);
        let model = Vrnn::new(c);
        let (images, eps) = tiny_batch(&c);
        let refs: Vec<&[f64]> = images.iter().map(|v| v.as_slice()).collect();
        let l = model.batch_loss(&model.init(1), &refs, &eps, None);
        assert_eq!(l.kl_steps.len(), c.rows);
        assert!((l.kl_steps.iter().sum::<f64>() - l.kl).abs() < 1e-12);
        let tensors = model.tensors();
        assert_eq!(tensors.last().unwrap().1.end, model.len);
        assert!(tensors.windows(2).all(|w| w[0].1.end == w[1].1.start));
    }
    let full = Vrnn::new(VrnnConfig::default());
    eprintln!("default VRNN (forward inference): {} parameters", full.len);
}
