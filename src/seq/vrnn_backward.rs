//! The VRNN's exact gradient: backpropagation through all T steps of the forward pass kept in
//! vrnn.rs (its `Pass`), then through the backward GRU (backward inference) and φx.

use super::gauss_kl::{KlGrad, kl_backward};
use super::gru::sigmoid;
use super::math;
use super::vrnn::{Pass, Vrnn, VrnnConfig};

impl Vrnn {
    /// Adds `scale` × the gradient of one image's negative ELBO into `g`.
    pub(crate) fn backward(&self, p: &[f64], x: &[f64], eps: &[f64], pass: &Pass, scale: f64, g: &mut [f64]) {
        let VrnnConfig { hidden: hd, features: f, latent: l, cols: d, .. } = self.config;
        let n = pass.steps.len();
        // dL/dφx_t (from the GRU input and, forward inference, the posterior) and dL/da_t.
        let mut dpx = vec![vec![0.0; f]; n];
        let mut da = vec![vec![0.0; hd]; n];
        // dL/dh_t, carried back from step t + 1.
        let mut dh_next = vec![0.0; hd];
        for t in (0..n).rev() {
            let s = &pass.steps[t];
            let mut dh = vec![0.0; hd];
            let mut dg_in = vec![0.0; 2 * f];
            self.rnn.g.backward(
                self.rnn.of(p),
                &s.gru,
                &dh_next,
                &mut g[self.rnn.at..self.rnn.at + self.rnn.g.len()],
                &mut dg_in,
                &mut dh,
            );
            dpx[t].iter_mut().zip(&dg_in[..f]).for_each(|(a, b)| *a += b);
            let mut dpz = dg_in[f..].to_vec();
            // Decoder: ∂BCE/∂logit = σ(l) − x.
            let dlogits: Vec<f64> =
                s.logits.iter().zip(&x[t * d..(t + 1) * d]).map(|(&lg, &x)| scale * (sigmoid(lg) - x)).collect();
            let ddh = self.decoder[1].backward(p, &s.dh, &dlogits, g);
            let dd_in = self.decoder[0].backward_relu(p, &s.d_in, &s.dh, &ddh, g);
            dpz.iter_mut().zip(&dd_in[..f]).for_each(|(a, b)| *a += b);
            dh.iter_mut().zip(&dd_in[f..]).for_each(|(a, b)| *a += b);
            // z = relu-features φz; z = μq + e^{lvq/2} ε.
            let dz = self.phi_z.backward_relu(p, &s.z, &s.pz, &dpz, g);
            let mut dpost = vec![0.0; 2 * l];
            let mut dprior = vec![0.0; 2 * l];
            let e = &eps[t * l..(t + 1) * l];
            for k in 0..l {
                dpost[k] = dz[k];
                dpost[l + k] = dz[k] * e[k] * 0.5 * math::exp(0.5 * s.post[l + k]);
            }
            let (dmq, dlq) = dpost.split_at_mut(l);
            let (dmp, dlp) = dprior.split_at_mut(l);
            kl_backward(
                &s.post[..l],
                &s.post[l..],
                &s.prior[..l],
                &s.prior[l..],
                scale,
                KlGrad { mu1: dmq, lv1: dlq, mu2: dmp, lv2: dlp },
            );
            // Posterior: its input is [φx_t or a_t, h_{t−1}].
            let deh = self.encoder[1].backward(p, &s.eh, &dpost, g);
            let de_in = self.encoder[0].backward_relu(p, &s.e_in, &s.eh, &deh, g);
            let e_dim = de_in.len() - hd;
            let summary = if self.back.is_some() { &mut da[t] } else { &mut dpx[t] };
            summary.iter_mut().zip(&de_in[..e_dim]).for_each(|(a, b)| *a += b);
            dh.iter_mut().zip(&de_in[e_dim..]).for_each(|(a, b)| *a += b);
            // Prior from h_{t−1}.
            let dph = self.prior[1].backward(p, &s.ph, &dprior, g);
            let dh_prior = self.prior[0].backward_relu(p, &s.h, &s.ph, &dph, g);
            dh.iter_mut().zip(&dh_prior).for_each(|(a, b)| *a += b);
            dh_next = dh;
        }
        // The backward GRU ran t = T..1, so its BPTT runs t = 1..T: a_t feeds a_{t−1}.
        if let Some(c) = self.back {
            let mut carry = vec![0.0; hd];
            for t in 0..n {
                let dat: Vec<f64> = da[t].iter().zip(&carry).map(|(a, b)| a + b).collect();
                let (mut dx, mut dprev) = (vec![0.0; f], vec![0.0; hd]);
                c.g.backward(c.of(p), &pass.back[t], &dat, &mut g[c.at..c.at + c.g.len()], &mut dx, &mut dprev);
                dpx[t].iter_mut().zip(&dx).for_each(|(a, b)| *a += b);
                carry = dprev;
            }
        }
        for t in 0..n {
            self.phi_x.backward_relu(p, &x[t * d..(t + 1) * d], &pass.px[t], &dpx[t], g);
        }
    }
}
