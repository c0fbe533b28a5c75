//! The latent ODE (Rubanova et al. 2019, simplest form): a GRU encoder run backwards over the
//! observed points gives q(z0); z(t) follows an MLP vector field by RK4; a relu MLP decodes x̂(t).
//! Loss = negative ELBO with one ε per trajectory; exact gradients by backprop through it all.

use std::ops::Range;

use super::dense::Dense;
use super::field::{ReluDecoder, TanhField};
use super::gauss_kl::{kl_standard, kl_standard_backward};
use super::gru::{Gru, GruTape};
use super::math;
use super::rk4;
use super::spirals::{DT, grid_time};
use crate::rng::{STREAM_ODE_EPS, STREAM_ODE_INIT, key, threefry2x32, uniform_open01};

/// Sizes and solver settings. `substeps` RK4 steps per grid interval (h = 0.1 / substeps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OdeConfig {
    pub hidden: usize,
    pub latent: usize,
    pub field_hidden: usize,
    pub decoder_hidden: usize,
    pub substeps: usize,
    /// Observation noise σ of the Gaussian likelihood (fixed).
    pub sigma: f64,
}

impl Default for OdeConfig {
    fn default() -> Self {
        OdeConfig { hidden: 25, latent: 4, field_hidden: 20, decoder_hidden: 20, substeps: 1, sigma: 0.1 }
    }
}

pub const INPUTS: usize = 3;
pub const MAX_SUBSTEPS: usize = 8;

/// The flat parameter vector, in this order (PyTorch names and shapes, weights [out, in]):
/// gru.weight_ih [3H, 3], gru.weight_hh [3H, H], gru.bias_ih [3H], gru.bias_hh [3H] (gates r, z, n);
/// head.weight [2L, H], head.bias [2L] (μ rows then logvar rows);
/// field.0.weight [M, L], field.0.bias [M], field.2.weight [L, M], field.2.bias [L];
/// decoder.0.weight [D, L], decoder.0.bias [D], decoder.2.weight [2, D], decoder.2.bias [2].
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub gru: Range<usize>,
    pub head: Range<usize>,
    pub field: Range<usize>,
    pub decoder: Range<usize>,
    pub len: usize,
}

/// The model's shapes; parameters live outside it (one flat `Vec<f64>`).
#[derive(Clone, Debug, PartialEq)]
pub struct LatentOde {
    pub config: OdeConfig,
    pub layout: Layout,
    gru: Gru,
    head: Dense,
    field: [Dense; 2],
    decoder: [Dense; 2],
}

/// The encoder's view of one trajectory: the window start g0 and the observed points (grid index,
/// value) in increasing time, all with index ≥ g0. The encoder input is (x, y, t_g − t_{g0}).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub g0: usize,
    pub points: Vec<(usize, [f64; 2])>,
}

/// Batch means of the negative ELBO and its parts (constants log(2πσ²) dropped).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossParts {
    pub loss: f64,
    pub recon: f64,
    pub kl: f64,
}

/// ε of q(z0) for trajectory `index` at `step`: Threefry (seed, STREAM_ODE_EPS, phase), counter [step, index·L + k].
pub fn eps(seed: u32, phase: u32, step: u32, index: usize, latent: usize) -> Vec<f64> {
    let k = key(seed, STREAM_ODE_EPS, phase);
    (0..latent).map(|i| math::normal_at(k, [step, (index * latent + i) as u32])).collect()
}

struct Parts<T> {
    gru: T,
    head: T,
    field: T,
    decoder: T,
}

/// The forward pass of one trajectory, kept for the backward pass.
struct Pass {
    gru_tapes: Vec<GruTape>,
    h: Vec<f64>,
    mu: Vec<f64>,
    lv: Vec<f64>,
    /// z at every grid point g0..=g_end.
    zs: Vec<Vec<f64>>,
    rk4_tapes: Vec<rk4::Rk4Tape<super::field::FieldTape>>,
}

impl LatentOde {
    pub fn new(config: OdeConfig) -> Self {
        let (h, l, m, d) = (config.hidden, config.latent, config.field_hidden, config.decoder_hidden);
        let gru = Gru::new(INPUTS, h);
        let head = Dense::new(h, 2 * l);
        let field = [Dense::new(l, m), Dense::new(m, l)];
        let decoder = [Dense::new(l, d), Dense::new(d, 2)];
        let mut at = 0;
        let mut take = |n: usize| {
            at += n;
            at - n..at
        };
        let layout = Layout {
            gru: take(gru.len()),
            head: take(head.len()),
            field: take(field[0].len() + field[1].len()),
            decoder: take(decoder[0].len() + decoder[1].len()),
            len: 0,
        };
        let layout = Layout { len: layout.decoder.end, ..layout };
        LatentOde { config, layout, gru, head, field, decoder }
    }

    /// Every tensor: (PyTorch name, range in the flat vector, shape, init bound).
    pub fn tensors(&self) -> Vec<(&'static str, Range<usize>, Vec<usize>, f64)> {
        let c = &self.config;
        let (h, l, m, d) = (c.hidden, c.latent, c.field_hidden, c.decoder_hidden);
        let gru_bound = 1.0 / (h as f64).sqrt();
        let b = |fan_in: usize| 1.0 / (fan_in as f64).sqrt();
        let shapes: [(&str, Vec<usize>, f64); 14] = [
            ("gru.weight_ih", vec![3 * h, INPUTS], gru_bound),
            ("gru.weight_hh", vec![3 * h, h], gru_bound),
            ("gru.bias_ih", vec![3 * h], gru_bound),
            ("gru.bias_hh", vec![3 * h], gru_bound),
            ("head.weight", vec![2 * l, h], b(h)),
            ("head.bias", vec![2 * l], b(h)),
            ("field.0.weight", vec![m, l], b(l)),
            ("field.0.bias", vec![m], b(l)),
            ("field.2.weight", vec![l, m], b(m)),
            ("field.2.bias", vec![l], b(m)),
            ("decoder.0.weight", vec![d, l], b(l)),
            ("decoder.0.bias", vec![d], b(l)),
            ("decoder.2.weight", vec![2, d], b(d)),
            ("decoder.2.bias", vec![2], b(d)),
        ];
        let mut at = 0;
        shapes
            .into_iter()
            .map(|(name, shape, bound)| {
                let n: usize = shape.iter().product();
                at += n;
                (name, at - n..at, shape, bound)
            })
            .collect()
    }

    /// PyTorch's default init: U(−bound, bound) per tensor (Linear: 1/√fan_in; GRU: 1/√H), from
    /// Threefry (seed, STREAM_ODE_INIT, 0) with counter [tensor index, element index].
    pub fn init(&self, seed: u32) -> Vec<f64> {
        let k = key(seed, STREAM_ODE_INIT, 0);
        let mut p = vec![0.0; self.layout.len];
        for (t, (_, range, _, bound)) in self.tensors().into_iter().enumerate() {
            for (i, v) in p[range].iter_mut().enumerate() {
                let u = uniform_open01(threefry2x32(k, [t as u32, i as u32])[0]) as f64;
                *v = (2.0 * u - 1.0) * bound;
            }
        }
        p
    }

    fn parts<'a>(&self, p: &'a [f64]) -> Parts<&'a [f64]> {
        let l = &self.layout;
        Parts {
            gru: &p[l.gru.clone()],
            head: &p[l.head.clone()],
            field: &p[l.field.clone()],
            decoder: &p[l.decoder.clone()],
        }
    }

    fn parts_mut<'a>(&self, g: &'a mut [f64]) -> Parts<&'a mut [f64]> {
        let l = &self.layout;
        let (gru, rest) = g[..l.len].split_at_mut(l.gru.len());
        let (head, rest) = rest.split_at_mut(l.head.len());
        let (field, decoder) = rest.split_at_mut(l.field.len());
        Parts { gru, head, field, decoder }
    }

    fn field_of<'a>(&self, p: &'a [f64]) -> TanhField<'a> {
        TanhField { l1: self.field[0], l2: self.field[1], params: self.parts(p).field }
    }

    fn decoder_of<'a>(&self, p: &'a [f64]) -> ReluDecoder<'a> {
        ReluDecoder { l1: self.decoder[0], l2: self.decoder[1], params: self.parts(p).decoder }
    }

    /// q(z0 | window): the GRU runs from h = 0 over the observed points, last first, then the head.
    fn encode(&self, p: &[f64], window: &Window) -> (Vec<GruTape>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let parts = self.parts(p);
        let hd = self.config.hidden;
        let mut h = vec![0.0; hd];
        let mut next = vec![0.0; hd];
        let t0 = grid_time(window.g0);
        let tapes = window
            .points
            .iter()
            .rev()
            .map(|&(g, [x, y])| {
                let tape = self.gru.forward(parts.gru, &[x, y, grid_time(g) - t0], &h, &mut next);
                std::mem::swap(&mut h, &mut next);
                tape
            })
            .collect();
        let l = self.config.latent;
        let mut out = vec![0.0; 2 * l];
        self.head.forward(parts.head, &h, &mut out);
        let lv = out.split_off(l);
        (tapes, h, out, lv)
    }

    /// The mean of q(z0 | window).
    pub fn encode_mean(&self, p: &[f64], window: &Window) -> Vec<f64> {
        self.encode(p, window).2
    }

    /// z at grid points g0..=g_end by RK4 (`substeps` steps per grid interval), with the tapes.
    fn solve(
        &self,
        p: &[f64],
        z0: &[f64],
        steps: usize,
    ) -> (Vec<Vec<f64>>, Vec<rk4::Rk4Tape<super::field::FieldTape>>) {
        let f = self.field_of(p);
        let s = self.config.substeps;
        let h = DT / s as f64;
        let mut zs = vec![z0.to_vec()];
        let mut tapes = Vec::with_capacity(steps * s);
        let mut z = z0.to_vec();
        let mut next = vec![0.0; z.len()];
        for _ in 0..steps {
            for _ in 0..s {
                tapes.push(rk4::step(&f, &z, h, &mut next));
                std::mem::swap(&mut z, &mut next);
            }
            zs.push(z.clone());
        }
        (zs, tapes)
    }

    /// x̂ at grid points g0..=g0 + steps from a given z0.
    pub fn decode_path(&self, p: &[f64], z0: &[f64], steps: usize) -> Vec<[f64; 2]> {
        let dec = self.decoder_of(p);
        self.solve(p, z0, steps)
            .0
            .iter()
            .map(|z| {
                let mut x = [0.0; 2];
                dec.forward(z, &mut x);
                x
            })
            .collect()
    }

    /// x̂ for grid points window.g0..=g_end decoded from z0 = μ (no sampling).
    pub fn reconstruct(&self, p: &[f64], window: &Window, g_end: usize) -> Vec<[f64; 2]> {
        let mu = self.encode_mean(p, window);
        self.decode_path(p, &mu, g_end.saturating_sub(window.g0))
    }

    fn forward(&self, p: &[f64], window: &Window, eps: &[f64]) -> Pass {
        let (gru_tapes, h, mu, lv) = self.encode(p, window);
        let z0: Vec<f64> = (0..mu.len()).map(|i| mu[i] + math::exp(0.5 * lv[i]) * eps[i]).collect();
        let g_end = window.points.last().map_or(window.g0, |pt| pt.0);
        let (zs, rk4_tapes) = self.solve(p, &z0, g_end - window.g0);
        Pass { gru_tapes, h, mu, lv, zs, rk4_tapes }
    }

    /// One trajectory's negative ELBO (targets = the window's observed points) as (recon, kl);
    /// with `grad`, adds `scale` × its gradient into it.
    pub fn trajectory_loss(
        &self,
        p: &[f64],
        window: &Window,
        eps: &[f64],
        grad: Option<&mut [f64]>,
        scale: f64,
    ) -> (f64, f64) {
        let pass = self.forward(p, window, eps);
        let dec = self.decoder_of(p);
        let inv_var = 1.0 / (self.config.sigma * self.config.sigma);
        let mut recon = 0.0;
        let mut decoded = Vec::with_capacity(window.points.len());
        for &(g, x) in &window.points {
            let mut xh = [0.0; 2];
            let a = dec.forward(&pass.zs[g - window.g0], &mut xh);
            recon += 0.5 * inv_var * ((x[0] - xh[0]).powi(2) + (x[1] - xh[1]).powi(2));
            decoded.push((xh, a));
        }
        let kl = kl_standard(&pass.mu, &pass.lv);
        if let Some(grad) = grad {
            self.backward(p, window, eps, &pass, &decoded, scale, grad);
        }
        (recon, kl)
    }

    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        p: &[f64],
        window: &Window,
        eps: &[f64],
        pass: &Pass,
        decoded: &[([f64; 2], Vec<f64>)],
        scale: f64,
        grad: &mut [f64],
    ) {
        let parts = self.parts(p);
        let g = self.parts_mut(grad);
        let (l, s) = (self.config.latent, self.config.substeps);
        let inv_var = 1.0 / (self.config.sigma * self.config.sigma);
        let dec = self.decoder_of(p);
        let f = self.field_of(p);
        let h = DT / s as f64;
        // Backwards in time: each observed point adds its decoder gradient into dz, and every
        // grid interval carries dz back through its RK4 substeps.
        let mut dz = vec![0.0; l];
        let mut prev = vec![0.0; l];
        let mut next_point = window.points.len();
        let g_end = window.g0 + pass.zs.len() - 1;
        for gi in (window.g0..=g_end).rev() {
            if next_point > 0 && window.points[next_point - 1].0 == gi {
                next_point -= 1;
                let (x, (xh, a)) = (window.points[next_point].1, &decoded[next_point]);
                let dx = [scale * inv_var * (xh[0] - x[0]), scale * inv_var * (xh[1] - x[1])];
                dec.backward(&pass.zs[gi - window.g0], a, &dx, g.decoder, &mut dz);
            }
            if gi > window.g0 {
                let interval = gi - window.g0 - 1;
                for tape in pass.rk4_tapes[interval * s..(interval + 1) * s].iter().rev() {
                    rk4::step_backward(&f, tape, h, &dz, g.field, &mut prev);
                    std::mem::swap(&mut dz, &mut prev);
                }
            }
        }
        // Reparameterisation z0 = μ + e^{lv/2} ε, plus the KL term.
        let mut dhead = vec![0.0; 2 * l];
        let (dmu, dlv) = dhead.split_at_mut(l);
        for i in 0..l {
            dmu[i] = dz[i];
            dlv[i] = dz[i] * eps[i] * 0.5 * math::exp(0.5 * pass.lv[i]);
        }
        kl_standard_backward(&pass.mu, &pass.lv, scale, dmu, dlv);
        let mut dh = vec![0.0; self.config.hidden];
        self.head.backward(parts.head, &pass.h, &dhead, g.head, &mut dh);
        // BPTT over the GRU steps, the last one taken first.
        let mut dx = [0.0; INPUTS];
        let mut dh_prev = vec![0.0; self.config.hidden];
        for tape in pass.gru_tapes.iter().rev() {
            self.gru.backward(parts.gru, tape, &dh, g.gru, &mut dx, &mut dh_prev);
            std::mem::swap(&mut dh, &mut dh_prev);
        }
    }

    /// Batch mean of the negative ELBO; `grad` (zeroed here) receives its exact gradient.
    /// `eps[b]` is trajectory b's ε.
    pub fn batch_loss(
        &self,
        p: &[f64],
        windows: &[Window],
        eps: &[Vec<f64>],
        mut grad: Option<&mut [f64]>,
    ) -> LossParts {
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let scale = 1.0 / windows.len().max(1) as f64;
        let mut out = LossParts::default();
        for (w, e) in windows.iter().zip(eps) {
            let (recon, kl) = self.trajectory_loss(p, w, e, grad.as_deref_mut(), scale);
            out.recon += scale * recon;
            out.kl += scale * kl;
        }
        out.loss = out.recon + out.kl;
        out
    }
}
