//! The whole training objective and its gradient in plain f64 on the CPU: the oracle that the GPU
//! step is checked against, itself checked by finite differences (tests/gradients.rs).
//! Figures are per-image means; gradients are of the batch sum (rows × the mean), as on the GPU.

use crate::kernels::bce_logits::{bce_with_logits, sigmoid};
use crate::kernels::matmul::{ACT_RELU, ACT_TANH};
use crate::model::{Architecture, Layer, PIXELS};

/// One batch with its noise: x [rows, enc_input] (one-hot included when conditional), labels,
/// eps [rows·rep, latent].
pub struct Batch {
    pub x: Vec<f64>,
    pub labels: Vec<u32>,
    pub eps: Vec<f64>,
    pub rows: usize,
    pub rep: usize,
}

/// How the KL enters the objective.
#[derive(Clone, Copy)]
pub enum KlTerm {
    /// w · mean KL (β with warm-up).
    Weighted(f64),
    /// γ · |mean KL − C|.
    Capacity { gamma: f64, c: f64 },
    /// No KL term: the objective is −log (1/K) Σ_k w_k per input row (IWAE).
    Iwae,
}

pub struct Outcome {
    pub objective: f64,
    pub recon: f64,
    pub kl: f64,
    /// d(rows · objective)/dθ in the flat layout of the GPU parameters (padding entries zero).
    pub grads: Vec<f64>,
}

fn act(code: u32, v: f64) -> f64 {
    match code {
        ACT_RELU => v.max(0.0),
        ACT_TANH => v.tanh(),
        _ => v,
    }
}

fn act_grad(code: u32, h: f64) -> f64 {
    match code {
        ACT_RELU => (h > 0.0) as u8 as f64,
        ACT_TANH => 1.0 - h * h,
        _ => 1.0,
    }
}

/// y [rows, out] = act(x [rows, in] · Wᵀ + b).
fn dense(p: &[f64], l: &Layer, x: &[f64], rows: usize) -> Vec<f64> {
    let mut y = vec![0.0; rows * l.outputs];
    for r in 0..rows {
        for o in 0..l.outputs {
            let w = &p[l.offset + o * l.inputs..l.offset + (o + 1) * l.inputs];
            let s: f64 = w.iter().zip(&x[r * l.inputs..(r + 1) * l.inputs]).map(|(a, b)| a * b).sum();
            y[r * l.outputs + o] = act(l.act, s + p[l.bias_offset() + o]);
        }
    }
    y
}

/// Given dL/d(pre-activation) `dy`, accumulates dW, db into `g` and returns dL/dx.
fn dense_back(p: &[f64], g: &mut [f64], l: &Layer, x: &[f64], dy: &[f64], rows: usize) -> Vec<f64> {
    let mut dx = vec![0.0; rows * l.inputs];
    for r in 0..rows {
        for o in 0..l.outputs {
            let d = dy[r * l.outputs + o];
            g[l.bias_offset() + o] += d;
            for i in 0..l.inputs {
                g[l.offset + o * l.inputs + i] += d * x[r * l.inputs + i];
                dx[r * l.inputs + i] += d * p[l.offset + o * l.inputs + i];
            }
        }
    }
    dx
}

/// Forward and backward of the mean-over-batch objective for `params`.
pub fn loss_and_grads(arch: &Architecture, params: &[f64], batch: &Batch, kl_term: KlTerm) -> Outcome {
    let (rows, rep, latent) = (batch.rows, batch.rep, arch.latent);
    let out_rows = rows * rep;
    // Encoder.
    let mut enc_in = vec![batch.x.clone()];
    for l in arch.encoder() {
        let y = dense(params, l, enc_in.last().expect("input"), rows);
        enc_in.push(y);
    }
    let mulv = dense(params, arch.head(), enc_in.last().expect("hidden"), rows);
    // Sampling, KL.
    let mut z = vec![0.0; out_rows * arch.dec_input];
    let mut kl_sum = 0.0;
    let mut log_pq = vec![0.0; out_rows];
    for row in 0..out_rows {
        let b = row / rep;
        for u in 0..latent {
            let (mu, s) = (mulv[b * 2 * latent + u], mulv[b * 2 * latent + latent + u]);
            let e = batch.eps[row * latent + u];
            let zu = mu + (0.5 * s).exp() * e;
            z[row * arch.dec_input + u] = zu;
            kl_sum += 0.5 * (mu * mu + s.exp() - 1.0 - s);
            log_pq[row] += 0.5 * (e * e - zu * zu + s);
        }
        if arch.conditional {
            z[row * arch.dec_input + latent + batch.labels[b] as usize] = 1.0;
        }
    }
    // Decoder and reconstruction loss.
    let mut dec_in = vec![z];
    for l in arch.decoder() {
        let y = dense(params, l, dec_in.last().expect("input"), out_rows);
        dec_in.push(y);
    }
    let logits = dense(params, arch.output(), dec_in.last().expect("hidden"), out_rows);
    let recon_rows: Vec<f64> = (0..out_rows)
        .map(|row| {
            let xb = (row / rep) * arch.enc_input;
            (0..PIXELS).map(|q| bce_with_logits(logits[row * PIXELS + q], batch.x[xb + q])).sum()
        })
        .collect();
    // Per-row gradient weight: 1/K for the K-sample ELBO, the importance weight ω for IWAE.
    let mut row_weight = vec![1.0 / rep as f64; out_rows];
    let mut iwae_total = 0.0;
    if let KlTerm::Iwae = kl_term {
        for b in 0..rows {
            let log_w: Vec<f64> = (0..rep).map(|k| log_pq[b * rep + k] - recon_rows[b * rep + k]).collect();
            let top = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = log_w.iter().map(|l| (l - top).exp()).sum();
            for k in 0..rep {
                row_weight[b * rep + k] = (log_w[k] - top).exp() / total;
            }
            iwae_total -= top + (total / rep as f64).ln();
        }
    }
    let mut dlogits = vec![0.0; out_rows * PIXELS];
    for row in 0..out_rows {
        let xb = (row / rep) * arch.enc_input;
        for q in 0..PIXELS {
            let (l, t) = (logits[row * PIXELS + q], batch.x[xb + q]);
            dlogits[row * PIXELS + q] = (sigmoid(l) - t) * row_weight[row];
        }
    }
    let recon = recon_rows.iter().sum::<f64>() / out_rows as f64;
    let kl = kl_sum / out_rows as f64;
    let (objective, w) = match kl_term {
        KlTerm::Weighted(w) => (recon + w * kl, w),
        KlTerm::Capacity { gamma, c } => (recon + gamma * (kl - c).abs(), gamma * (kl - c).signum()),
        KlTerm::Iwae => (iwae_total / rows as f64, 0.0),
    };
    let iwae = matches!(kl_term, KlTerm::Iwae);

    // Backward.
    let mut g = vec![0.0; params.len()];
    let out = arch.output();
    let mut d = dense_back(params, &mut g, out, dec_in.last().expect("hidden"), &dlogits, out_rows);
    for (j, l) in arch.decoder().iter().enumerate().rev() {
        let h = &dec_in[j + 1];
        d.iter_mut().zip(h).for_each(|(dv, hv)| *dv *= act_grad(l.act, *hv));
        d = dense_back(params, &mut g, l, &dec_in[j], &d, out_rows);
    }
    let dz = d;
    let mut dmulv = vec![0.0; rows * 2 * latent];
    for b in 0..rows {
        for u in 0..latent {
            let (mu, s) = (mulv[b * 2 * latent + u], mulv[b * 2 * latent + latent + u]);
            let (mut dmu, mut ds) = (0.0, 0.0);
            for k in 0..rep {
                let row = b * rep + k;
                let e = batch.eps[row * latent + u];
                let mut gz = dz[row * arch.dec_input + u];
                if iwae {
                    // −log w also holds −log p(z) (∂/∂z = z) and +log q(z|x) (∂/∂s = −½ at fixed ε).
                    let omega = row_weight[row];
                    gz += omega * (mu + (0.5 * s).exp() * e);
                    ds -= 0.5 * omega;
                }
                dmu += gz;
                ds += gz * 0.5 * e * (0.5 * s).exp();
            }
            dmulv[b * 2 * latent + u] = dmu + w * mu;
            dmulv[b * 2 * latent + latent + u] = ds + w * 0.5 * (s.exp() - 1.0);
        }
    }
    let mut d = dense_back(params, &mut g, arch.head(), enc_in.last().expect("hidden"), &dmulv, rows);
    for (i, l) in arch.encoder().iter().enumerate().rev() {
        let h = &enc_in[i + 1];
        d.iter_mut().zip(h).for_each(|(dv, hv)| *dv *= act_grad(l.act, *hv));
        d = dense_back(params, &mut g, l, &enc_in[i], &d, rows);
    }
    Outcome { objective, recon, kl, grads: g }
}
