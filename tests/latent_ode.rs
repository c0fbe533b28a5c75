//! The latent ODE's parts against finite differences (f64, central differences) on odd shapes,
//! the Gaussian KL against known values, the spirals' data rules, and the whole-model gradient.

use vaelab::rng::{key, threefry2x32, uniform_open01};
use vaelab::seq::dense::Dense;
use vaelab::seq::field::{ReluDecoder, TanhField};
use vaelab::seq::gauss_kl::{KlGrad, kl, kl_backward, kl_standard};
use vaelab::seq::gru::Gru;
use vaelab::seq::rk4::{self, VectorField};

/// Seeded values in (−scale, scale).
fn values(seed: u32, n: usize, scale: f64) -> Vec<f64> {
    let k = key(seed, 100, 0);
    (0..n).map(|i| (2.0 * uniform_open01(threefry2x32(k, [i as u32, 0])[0]) as f64 - 1.0) * scale).collect()
}

/// Central-difference derivative of `f` along every coordinate of `x`.
fn numeric_grad(x: &[f64], f: &mut dyn FnMut(&[f64]) -> f64) -> Vec<f64> {
    let eps = 1e-6;
    let mut x = x.to_vec();
    (0..x.len())
        .map(|i| {
            let keep = x[i];
            x[i] = keep + eps;
            let up = f(&x);
            x[i] = keep - eps;
            let down = f(&x);
            x[i] = keep;
            (up - down) / (2.0 * eps)
        })
        .collect()
}

/// Fails with the first mismatches (index, analytic, numeric) beyond `tol` relative error.
fn assert_close(what: &str, analytic: &[f64], numeric: &[f64], tol: f64) {
    assert_eq!(analytic.len(), numeric.len(), "{what}: lengths");
    let bad: Vec<_> = analytic
        .iter()
        .zip(numeric)
        .enumerate()
        .filter(|(_, (a, n))| (*a - *n).abs() / a.abs().max(n.abs()).max(1e-4) > tol)
        .take(5)
        .collect();
    assert!(bad.is_empty(), "{what}: first mismatches (index, (analytic, numeric)) {bad:?}");
}

fn weighted(c: &[f64], y: &[f64]) -> f64 {
    c.iter().zip(y).map(|(c, y)| c * y).sum()
}

#[test]
fn dense_backward_matches_finite_differences_7x13_to_5() {
    let layer = Dense::new(13, 5);
    for batch in [1usize, 7] {
        let p = values(1, layer.len(), 0.5);
        let x = values(2, 13 * batch, 1.0);
        let c = values(3, 5 * batch, 1.0);
        let loss = |p: &[f64], x: &[f64]| -> f64 {
            (0..batch)
                .map(|b| {
                    let mut y = [0.0; 5];
                    layer.forward(p, &x[b * 13..(b + 1) * 13], &mut y);
                    weighted(&c[b * 5..(b + 1) * 5], &y)
                })
                .sum()
        };
        let mut dp = vec![0.0; layer.len()];
        let mut dx = vec![0.0; 13 * batch];
        for b in 0..batch {
            layer.backward(
                &p,
                &x[b * 13..(b + 1) * 13],
                &c[b * 5..(b + 1) * 5],
                &mut dp,
                &mut dx[b * 13..(b + 1) * 13],
            );
        }
        assert_close("dense dW,db", &dp, &numeric_grad(&p, &mut |p| loss(p, &x)), 1e-6);
        assert_close("dense dx", &dx, &numeric_grad(&x, &mut |x| loss(&p, x)), 1e-6);
    }
}

#[test]
fn gru_backward_matches_finite_differences_input_3_hidden_5() {
    let cell = Gru::new(3, 5);
    for batch in [1usize, 7] {
        let p = values(4, cell.len(), 0.6);
        let x = values(5, 3 * batch, 1.0);
        let h = values(6, 5 * batch, 0.9);
        let c = values(7, 5 * batch, 1.0);
        let loss = |p: &[f64], x: &[f64], h: &[f64]| -> f64 {
            (0..batch)
                .map(|b| {
                    let mut out = [0.0; 5];
                    cell.forward(p, &x[b * 3..(b + 1) * 3], &h[b * 5..(b + 1) * 5], &mut out);
                    weighted(&c[b * 5..(b + 1) * 5], &out)
                })
                .sum()
        };
        let mut dp = vec![0.0; cell.len()];
        let (mut dx, mut dh) = (vec![0.0; 3 * batch], vec![0.0; 5 * batch]);
        for b in 0..batch {
            let mut out = [0.0; 5];
            let tape = cell.forward(&p, &x[b * 3..(b + 1) * 3], &h[b * 5..(b + 1) * 5], &mut out);
            cell.backward(
                &p,
                &tape,
                &c[b * 5..(b + 1) * 5],
                &mut dp,
                &mut dx[b * 3..(b + 1) * 3],
                &mut dh[b * 5..(b + 1) * 5],
            );
        }
        assert_close("gru params", &dp, &numeric_grad(&p, &mut |p| loss(p, &x, &h)), 1e-6);
        assert_close("gru dx", &dx, &numeric_grad(&x, &mut |x| loss(&p, x, &h)), 1e-6);
        assert_close("gru dh", &dh, &numeric_grad(&h, &mut |h| loss(&p, &x, h)), 1e-6);
    }
}

#[test]
fn gru_two_steps_backpropagate_through_time() {
    let cell = Gru::new(3, 5);
    let p = values(8, cell.len(), 0.6);
    let xs = values(9, 6, 1.0);
    let c = values(10, 5, 1.0);
    let run = |p: &[f64]| {
        let (mut h, mut h2) = ([0.0; 5], [0.0; 5]);
        cell.forward(p, &xs[..3], &[0.0; 5], &mut h);
        cell.forward(p, &xs[3..], &h, &mut h2);
        weighted(&c, &h2)
    };
    let (mut h, mut h2) = ([0.0; 5], [0.0; 5]);
    let t1 = cell.forward(&p, &xs[..3], &[0.0; 5], &mut h);
    let t2 = cell.forward(&p, &xs[3..], &h, &mut h2);
    let mut dp = vec![0.0; cell.len()];
    let (mut dx, mut dh, mut dh0) = ([0.0; 3], [0.0; 5], [0.0; 5]);
    cell.backward(&p, &t2, &c, &mut dp, &mut dx, &mut dh);
    cell.backward(&p, &t1, &dh, &mut dp, &mut dx, &mut dh0);
    assert_close("gru bptt", &dp, &numeric_grad(&p, &mut |p| run(p)), 1e-6);
}

#[test]
fn gauss_kl_known_values() {
    // Identical Gaussians: 0.
    let (mu, lv) = (values(11, 3, 1.0), values(12, 3, 1.0));
    assert!(kl(&mu, &lv, &mu, &lv).abs() < 1e-15);
    // N(1, 1) ‖ N(0, 2²): ln 2 + (1 + 1)/8 − ½ = ln 2 − ¼.
    let want = 2f64.ln() - 0.25;
    let got = kl(&[1.0], &[0.0], &[0.0], &[4f64.ln()]);
    assert!((got - want).abs() < 1e-14, "{got} vs {want}");
    // Against N(0, I): ½ Σ (μ² + e^{lv} − lv − 1), here ½ (0.25 + e^{−1} + 1 − 1) for one dimension.
    let got = kl_standard(&[0.5], &[-1.0]);
    let want = 0.5 * (0.25 + (-1f64).exp() + 1.0 - 1.0);
    assert!((got - want).abs() < 1e-15, "{got} vs {want}");
}

#[test]
fn gauss_kl_gradient_matches_finite_differences() {
    for (seed, n) in [(13u32, 1usize), (14, 3), (15, 7)] {
        let v = values(seed, 4 * n, 1.2);
        let at = |v: &[f64]| kl(&v[..n], &v[n..2 * n], &v[2 * n..3 * n], &v[3 * n..]);
        let mut g = vec![0.0; 4 * n];
        let (g1, rest) = g.split_at_mut(n);
        let (g2, rest) = rest.split_at_mut(n);
        let (g3, g4) = rest.split_at_mut(n);
        kl_backward(
            &v[..n],
            &v[n..2 * n],
            &v[2 * n..3 * n],
            &v[3 * n..],
            1.0,
            KlGrad { mu1: g1, lv1: g2, mu2: g3, lv2: g4 },
        );
        assert_close("kl grad", &g, &numeric_grad(&v, &mut |v| at(v)), 1e-6);
    }
}

fn field_of(p: &[f64]) -> TanhField<'_> {
    TanhField { l1: Dense::new(3, 5), l2: Dense::new(5, 3), params: p }
}

#[test]
fn rk4_step_backward_matches_finite_differences_latent_3() {
    let n_p = Dense::new(3, 5).len() + Dense::new(5, 3).len();
    let p = values(16, n_p, 0.8);
    let z = values(17, 3, 1.0);
    let c = values(18, 3, 1.0);
    for h in [0.1, 0.0125] {
        // Three steps in a row, as the solver takes them.
        let run = |p: &[f64], z: &[f64]| {
            let f = field_of(p);
            let mut z = z.to_vec();
            let mut next = vec![0.0; 3];
            for _ in 0..3 {
                rk4::step(&f, &z, h, &mut next);
                z.copy_from_slice(&next);
            }
            weighted(&c, &z)
        };
        let f = field_of(&p);
        let mut zs = vec![z.clone()];
        let mut tapes = Vec::new();
        for _ in 0..3 {
            let mut next = vec![0.0; 3];
            tapes.push(rk4::step(&f, zs.last().unwrap(), h, &mut next));
            zs.push(next);
        }
        let mut dp = vec![0.0; n_p];
        let mut dz = c.clone();
        for tape in tapes.iter().rev() {
            let mut prev = vec![0.0; 3];
            rk4::step_backward(&f, tape, h, &dz, &mut dp, &mut prev);
            dz = prev;
        }
        assert_close("rk4 dθ", &dp, &numeric_grad(&p, &mut |p| run(p, &z)), 1e-6);
        assert_close("rk4 dz0", &dz, &numeric_grad(&z, &mut |z| run(&p, z)), 1e-6);
        assert_eq!(f.dim(), 3);
    }
}

#[test]
fn rk4_is_fourth_order_on_a_linear_field() {
    // dz/dt = −z with the tanh field replaced by an exact linear one: error after t = 1 shrinks ~16× per halving.
    struct Decay;
    impl VectorField for Decay {
        type Tape = ();
        fn dim(&self) -> usize {
            1
        }
        fn eval(&self, z: &[f64], out: &mut [f64]) {
            out[0] = -z[0];
        }
        fn backward(&self, _: &(), dout: &[f64], _: &mut [f64], dz: &mut [f64]) {
            dz[0] = -dout[0];
        }
    }
    let err = |steps: usize| {
        let mut z = [1.0];
        for _ in 0..steps {
            let mut next = [0.0];
            rk4::step(&Decay, &z, 1.0 / steps as f64, &mut next);
            z = next;
        }
        (z[0] - (-1f64).exp()).abs()
    };
    let ratio = err(10) / err(20);
    assert!((14.0..18.0).contains(&ratio), "ratio {ratio}");
}

#[test]
fn relu_decoder_backward_matches_finite_differences() {
    let (l1, l2) = (Dense::new(3, 5), Dense::new(5, 2));
    let p = values(19, l1.len() + l2.len(), 0.8);
    let z = values(20, 3, 1.0);
    let c = values(21, 2, 1.0);
    let run = |p: &[f64], z: &[f64]| {
        let mut out = [0.0; 2];
        ReluDecoder { l1, l2, params: p }.forward(z, &mut out);
        weighted(&c, &out)
    };
    let d = ReluDecoder { l1, l2, params: &p };
    let mut out = [0.0; 2];
    let a = d.forward(&z, &mut out);
    let (mut dp, mut dz) = (vec![0.0; p.len()], vec![0.0; 3]);
    d.backward(&z, &a, &c, &mut dp, &mut dz);
    assert_close("decoder dθ", &dp, &numeric_grad(&p, &mut |p| run(p, &z)), 1e-6);
    assert_close("decoder dz", &dz, &numeric_grad(&z, &mut |z| run(&p, z)), 1e-6);
}
