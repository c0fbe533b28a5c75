//! Sampling from a VRNN row by row: generation (z_t from the prior p(z_t | h_{t−1})) and completion
//! (the posterior for the given top rows, then the prior); each row a Bernoulli sample or its mean.

use super::gru::sigmoid;
use super::vrnn::{Vrnn, eps};
use crate::rng::{STREAM_VRNN_EPS, key, threefry2x32, uniform_open01};

/// Key phase of sampling's ε and Bernoulli draws (training uses PHASE_TRAIN, the test set PHASE_EVAL).
pub const PHASE_SAMPLE: u32 = 2;

/// What a generated row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// x_t ~ Bernoulli(σ(logits)), 0 or 1; the sample is fed back into φx.
    Sample,
    /// x_t = σ(logits), the Bernoulli mean; fed back as it is.
    Mean,
}

impl Vrnn {
    /// A T·D image from the prior alone; sample `index` of `seed` (ε and Bernoulli draws from
    /// Threefry (seed, STREAM_VRNN_EPS, PHASE_SAMPLE): ε at counter step 0, uniforms at step 1).
    pub fn generate(&self, p: &[f64], seed: u32, index: usize, emit: Emit) -> Vec<f64> {
        self.complete(p, &[], seed, index, emit)
    }

    /// Rows 0..k are `top` (k·D pixels, k = top.len() / D ≤ T), z_t from the posterior for them;
    /// rows k..T are generated with z_t from the prior. Backward inference summarises only the given
    /// rows: a_t runs over x_t..x_k (the rows below are not known).
    pub fn complete(&self, p: &[f64], top: &[f64], seed: u32, index: usize, emit: Emit) -> Vec<f64> {
        let c = self.config;
        let (d, l) = (c.cols, c.latent);
        let known = (top.len() / d).min(c.rows);
        let e = eps(&c, seed, PHASE_SAMPLE, 0, index);
        let k = key(seed, STREAM_VRNN_EPS, PHASE_SAMPLE);
        let base = (index * c.rows * d) as u32;
        let px_top = self.features_x(p, &top[..known * d]);
        let (a, _) = self.run_back(p, &px_top);
        let mut image = Vec::with_capacity(c.rows * d);
        let mut h = vec![0.0; c.hidden];
        for t in 0..c.rows {
            let e_t = &e[t * l..(t + 1) * l];
            let (px, pz) = if t < known {
                let s = if self.back.is_some() { &a[t] } else { &px_top[t] };
                let (_, _, post) = self.posterior(p, s, &h);
                image.extend_from_slice(&top[t * d..(t + 1) * d]);
                (px_top[t].clone(), self.phi_z.forward_relu(p, &self.reparam(&post, e_t)))
            } else {
                let (_, prior) = self.prior_of(p, &h);
                let z = self.reparam(&prior, e_t);
                let pz = self.phi_z.forward_relu(p, &z);
                let (_, _, logits) = self.decode(p, &pz, &h);
                let row: Vec<f64> = logits
                    .iter()
                    .enumerate()
                    .map(|(q, &lg)| match emit {
                        Emit::Mean => sigmoid(lg),
                        Emit::Sample => {
                            let u =
                                uniform_open01(threefry2x32(k, [1, base.wrapping_add((t * d + q) as u32)])[0]) as f64;
                            (u < sigmoid(lg)) as u8 as f64
                        }
                    })
                    .collect();
                let px = self.phi_x.forward_relu(p, &row);
                image.extend_from_slice(&row);
                (px, pz)
            };
            let mut next = vec![0.0; c.hidden];
            self.rnn.g.forward(self.rnn.of(p), &[px.as_slice(), pz.as_slice()].concat(), &h, &mut next);
            h = next;
        }
        image
    }
}
