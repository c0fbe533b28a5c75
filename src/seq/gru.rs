//! One GRU cell step in PyTorch nn.GRUCell form, forward and backward in f64: the latent ODE's
//! encoder runs it backwards in time over a trajectory's observed points (BPTT in latent_ode.rs).

use super::math;

/// Shapes; the parameters sit in a flat slice in PyTorch's order and layout:
/// weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H], gate rows in order (r, z, n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gru {
    pub input: usize,
    pub hidden: usize,
}

/// What the backward pass needs from one forward step.
#[derive(Clone, Debug, Default)]
pub struct GruTape {
    pub x: Vec<f64>,
    pub h: Vec<f64>,
    pub r: Vec<f64>,
    pub z: Vec<f64>,
    pub n: Vec<f64>,
    /// W_hn h + b_hn (r multiplies it).
    hn: Vec<f64>,
}

impl Gru {
    pub const fn new(input: usize, hidden: usize) -> Self {
        Gru { input, hidden }
    }

    pub const fn len(&self) -> usize {
        3 * self.hidden * (self.input + self.hidden + 2)
    }

    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn split<'a>(&self, p: &'a [f64]) -> [&'a [f64]; 4] {
        let (h3, i) = (3 * self.hidden, self.input);
        let (w_ih, rest) = p.split_at(h3 * i);
        let (w_hh, rest) = rest.split_at(h3 * self.hidden);
        let (b_ih, rest) = rest.split_at(h3);
        [w_ih, w_hh, b_ih, &rest[..h3]]
    }

    /// h' = (1 − z) ⊙ n + z ⊙ h with r = σ(W_ir x + b_ir + W_hr h + b_hr),
    /// z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
    pub fn forward(&self, p: &[f64], x: &[f64], h: &[f64], h_next: &mut [f64]) -> GruTape {
        let [w_ih, w_hh, b_ih, b_hh] = self.split(p);
        let (hd, i) = (self.hidden, self.input);
        let gi: Vec<f64> = (0..3 * hd).map(|row| b_ih[row] + dot(&w_ih[row * i..(row + 1) * i], x)).collect();
        let gh: Vec<f64> = (0..3 * hd).map(|row| b_hh[row] + dot(&w_hh[row * hd..(row + 1) * hd], h)).collect();
        let mut tape = GruTape { x: x.to_vec(), h: h.to_vec(), ..Default::default() };
        for k in 0..hd {
            let r = sigmoid(gi[k] + gh[k]);
            let z = sigmoid(gi[hd + k] + gh[hd + k]);
            let hn = gh[2 * hd + k];
            let n = math::tanh(gi[2 * hd + k] + r * hn);
            h_next[k] = (1.0 - z) * n + z * h[k];
            tape.r.push(r);
            tape.z.push(z);
            tape.n.push(n);
            tape.hn.push(hn);
        }
        tape
    }

    /// Given dL/dh', adds the parameter gradients into `dp` (same layout as `p`), writes dL/dx
    /// into `dx` and dL/dh into `dh`.
    pub fn backward(&self, p: &[f64], tape: &GruTape, dh_next: &[f64], dp: &mut [f64], dx: &mut [f64], dh: &mut [f64]) {
        let [w_ih, w_hh, _, _] = self.split(p);
        let (hd, i) = (self.hidden, self.input);
        // Gate pre-activation gradients: gi for the input side, gh for the hidden side (they
        // differ only in the n rows, where the hidden side is scaled by r).
        let mut gi = vec![0.0; 3 * hd];
        let mut gh = vec![0.0; 3 * hd];
        for k in 0..hd {
            let (r, z, n) = (tape.r[k], tape.z[k], tape.n[k]);
            let g = dh_next[k];
            dh[k] = g * z;
            let da_n = g * (1.0 - z) * (1.0 - n * n);
            let dz = g * (tape.h[k] - n);
            let dr = da_n * tape.hn[k];
            gi[k] = dr * r * (1.0 - r);
            gi[hd + k] = dz * z * (1.0 - z);
            gi[2 * hd + k] = da_n;
            gh[k] = gi[k];
            gh[hd + k] = gi[hd + k];
            gh[2 * hd + k] = da_n * r;
        }
        let h3 = 3 * hd;
        let (dw_ih, rest) = dp.split_at_mut(h3 * i);
        let (dw_hh, rest) = rest.split_at_mut(h3 * hd);
        let (db_ih, db_hh) = rest.split_at_mut(h3);
        dx[..i].fill(0.0);
        for row in 0..h3 {
            db_ih[row] += gi[row];
            db_hh[row] += gh[row];
            for c in 0..i {
                dw_ih[row * i + c] += gi[row] * tape.x[c];
                dx[c] += gi[row] * w_ih[row * i + c];
            }
            for c in 0..hd {
                dw_hh[row * hd + c] += gh[row] * tape.h[c];
                dh[c] += gh[row] * w_hh[row * hd + c];
            }
        }
    }
}

pub fn sigmoid(a: f64) -> f64 {
    1.0 / (1.0 + math::exp(-a))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}
