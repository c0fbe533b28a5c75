//! The VRNN (Chung et al. 2015) over images read row by row: a GRU carries h_t, a learned prior
//! p(z_t | h_{t−1}), a posterior from φx(x_t) (or a backward GRU's a_t, SRNN-style) and h_{t−1}, a
//! Bernoulli decoder per row. Loss = negative ELBO with one ε per step; exact BPTT gradient.

use super::dense::Dense;
use super::gauss_kl::kl;
use super::gru::{Gru, GruTape};
use super::math;
use crate::rng::{STREAM_VRNN_EPS, STREAM_VRNN_INIT, key, threefry2x32, uniform_open01};

/// Where the posterior's data summary comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Inference {
    /// φx(x_t): only the current row (Chung et al.).
    #[default]
    Forward,
    /// a_t of a second GRU run backwards over φx(x_t..x_T): the rows to come (Fraccaro et al. 2016).
    Backward,
}

/// Sizes: `rows` steps of `cols` pixels; H GRU hidden, F feature width, L latent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VrnnConfig {
    pub hidden: usize,
    pub features: usize,
    pub latent: usize,
    pub rows: usize,
    pub cols: usize,
    pub inference: Inference,
}

impl Default for VrnnConfig {
    fn default() -> Self {
        VrnnConfig { hidden: 64, features: 64, latent: 8, rows: 28, cols: 28, inference: Inference::Forward }
    }
}

/// A Linear layer at an offset of the flat parameter vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lin {
    pub d: Dense,
    pub at: usize,
}

impl Lin {
    fn of<'a>(&self, p: &'a [f64]) -> &'a [f64] {
        &p[self.at..self.at + self.d.len()]
    }
    fn of_mut<'a>(&self, g: &'a mut [f64]) -> &'a mut [f64] {
        &mut g[self.at..self.at + self.d.len()]
    }
    pub(crate) fn forward(&self, p: &[f64], x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.d.output];
        self.d.forward(self.of(p), x, &mut y);
        y
    }
    /// relu(W x + b).
    pub(crate) fn forward_relu(&self, p: &[f64], x: &[f64]) -> Vec<f64> {
        let mut y = self.forward(p, x);
        y.iter_mut().for_each(|v| *v = v.max(0.0));
        y
    }
    /// dx of y = W x + b given dy; parameter gradients added into `g`.
    pub(crate) fn backward(&self, p: &[f64], x: &[f64], dy: &[f64], g: &mut [f64]) -> Vec<f64> {
        let mut dx = vec![0.0; self.d.input];
        self.d.backward(self.of(p), x, dy, self.of_mut(g), &mut dx);
        dx
    }
    /// As `backward` for y = relu(W x + b), given the output y.
    pub(crate) fn backward_relu(&self, p: &[f64], x: &[f64], y: &[f64], dy: &[f64], g: &mut [f64]) -> Vec<f64> {
        let da: Vec<f64> = dy.iter().zip(y).map(|(d, &y)| if y > 0.0 { *d } else { 0.0 }).collect();
        self.backward(p, x, &da, g)
    }
}

/// A GRU cell at an offset of the flat parameter vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cell {
    pub g: Gru,
    pub at: usize,
}

impl Cell {
    pub(crate) fn of<'a>(&self, p: &'a [f64]) -> &'a [f64] {
        &p[self.at..self.at + self.g.len()]
    }
}

/// The model's shapes; parameters live outside it (one flat `Vec<f64>`), in this order (PyTorch
/// names; weights [out, in]; heads give μ rows then logvar rows):
/// phi_x.0 [F, D]; phi_z.0 [F, L]; prior.0 [F, H], prior.2 [2L, F]; encoder.0 [F, E+H],
/// encoder.2 [2L, F] (E = F forward, H backward); decoder.0 [F, F+H], decoder.2 [D, F];
/// rnn (GRUCell, input 2F = [φx, φz], hidden H); rnn_back (GRUCell F → H, backward inference only).
#[derive(Clone, Debug, PartialEq)]
pub struct Vrnn {
    pub config: VrnnConfig,
    pub len: usize,
    pub(crate) phi_x: Lin,
    pub(crate) phi_z: Lin,
    pub(crate) prior: [Lin; 2],
    pub(crate) encoder: [Lin; 2],
    pub(crate) decoder: [Lin; 2],
    pub(crate) rnn: Cell,
    pub(crate) back: Option<Cell>,
}

/// Batch means of the negative ELBO (nats per image) and its parts; `kl_steps[t]` is step t's KL.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct VrnnLoss {
    pub loss: f64,
    pub recon: f64,
    pub kl: f64,
    pub kl_steps: Vec<f64>,
}

/// ε of image `index` at `step`: Threefry (seed, STREAM_VRNN_EPS, phase), counter
/// [step, (index·T + t)·L + k]; T·L values, row t's at [t·L, (t+1)·L).
pub fn eps(config: &VrnnConfig, seed: u32, phase: u32, step: u32, index: usize) -> Vec<f64> {
    let k = key(seed, STREAM_VRNN_EPS, phase);
    let n = config.rows * config.latent;
    (0..n).map(|i| math::normal_at(k, [step, (index * n + i) as u32])).collect()
}

/// One step's forward values, kept for the backward pass.
pub(crate) struct Step {
    pub(crate) h: Vec<f64>,
    pub(crate) ph: Vec<f64>,
    pub(crate) prior: Vec<f64>,
    pub(crate) e_in: Vec<f64>,
    pub(crate) eh: Vec<f64>,
    pub(crate) post: Vec<f64>,
    pub(crate) z: Vec<f64>,
    pub(crate) pz: Vec<f64>,
    pub(crate) d_in: Vec<f64>,
    pub(crate) dh: Vec<f64>,
    pub(crate) logits: Vec<f64>,
    pub(crate) gru: GruTape,
}

pub(crate) struct Pass {
    pub(crate) px: Vec<Vec<f64>>,
    pub(crate) back: Vec<GruTape>,
    pub(crate) steps: Vec<Step>,
}

fn cat(a: &[f64], b: &[f64]) -> Vec<f64> {
    [a, b].concat()
}

/// BCE-with-logits summed over a row: Σ max(l, 0) − l·x + ln(1 + e^{−|l|}).
pub fn bce_logits(logits: &[f64], x: &[f64]) -> f64 {
    logits.iter().zip(x).map(|(&l, &x)| l.max(0.0) - l * x + math::ln_1p(math::exp(-l.abs()))).sum()
}

impl Vrnn {
    pub fn new(config: VrnnConfig) -> Self {
        let VrnnConfig { hidden: h, features: f, latent: l, cols: d, .. } = config;
        let e = match config.inference {
            Inference::Forward => f,
            Inference::Backward => h,
        };
        let mut at = 0;
        let mut lin = |input, output| {
            let d = Dense::new(input, output);
            at += d.len();
            Lin { d, at: at - d.len() }
        };
        let phi_x = lin(d, f);
        let phi_z = lin(l, f);
        let prior = [lin(h, f), lin(f, 2 * l)];
        let encoder = [lin(e + h, f), lin(f, 2 * l)];
        let decoder = [lin(f + h, f), lin(f, d)];
        let rnn = Cell { g: Gru::new(2 * f, h), at };
        at += rnn.g.len();
        let back = (config.inference == Inference::Backward).then(|| Cell { g: Gru::new(f, h), at });
        at += back.map_or(0, |c| c.g.len());
        Vrnn { config, len: at, phi_x, phi_z, prior, encoder, decoder, rnn, back }
    }

    /// Every tensor in order: (PyTorch name, range in the flat vector, shape [out, in] or [n], init bound).
    pub fn tensors(&self) -> Vec<(String, std::ops::Range<usize>, Vec<usize>, f64)> {
        let mut out = Vec::new();
        let lins = [
            ("phi_x.0", self.phi_x),
            ("phi_z.0", self.phi_z),
            ("prior.0", self.prior[0]),
            ("prior.2", self.prior[1]),
            ("encoder.0", self.encoder[0]),
            ("encoder.2", self.encoder[1]),
            ("decoder.0", self.decoder[0]),
            ("decoder.2", self.decoder[1]),
        ];
        for (name, l) in lins {
            let (i, o) = (l.d.input, l.d.output);
            let bound = 1.0 / (i as f64).sqrt();
            out.push((format!("{name}.weight"), l.at..l.at + o * i, vec![o, i], bound));
            out.push((format!("{name}.bias"), l.at + o * i..l.at + o * (i + 1), vec![o], bound));
        }
        for (name, c) in [("rnn", Some(self.rnn)), ("rnn_back", self.back)] {
            let Some(c) = c else { continue };
            let (h3, i, h) = (3 * c.g.hidden, c.g.input, c.g.hidden);
            let bound = 1.0 / (h as f64).sqrt();
            let mut at = c.at;
            for (t, shape) in
                [("weight_ih", vec![h3, i]), ("weight_hh", vec![h3, h]), ("bias_ih", vec![h3]), ("bias_hh", vec![h3])]
            {
                let n: usize = shape.iter().product();
                out.push((format!("{name}.{t}"), at..at + n, shape, bound));
                at += n;
            }
        }
        out
    }

    /// PyTorch's default init: U(−bound, bound) per tensor (Linear: 1/√fan_in; GRU: 1/√H), from
    /// Threefry (seed, STREAM_VRNN_INIT, 0) with counter [tensor index, element index].
    pub fn init(&self, seed: u32) -> Vec<f64> {
        let k = key(seed, STREAM_VRNN_INIT, 0);
        let mut p = vec![0.0; self.len];
        for (t, (_, range, _, bound)) in self.tensors().into_iter().enumerate() {
            for (i, v) in p[range].iter_mut().enumerate() {
                let u = uniform_open01(threefry2x32(k, [t as u32, i as u32])[0]) as f64;
                *v = (2.0 * u - 1.0) * bound;
            }
        }
        p
    }

    /// φx of every row.
    pub(crate) fn features_x(&self, p: &[f64], x: &[f64]) -> Vec<Vec<f64>> {
        x.chunks_exact(self.config.cols).map(|row| self.phi_x.forward_relu(p, row)).collect()
    }

    /// a_t = GRU_back(φx_t, a_{t+1}), a_{T+1} = 0, for the rows given; tapes indexed by t.
    pub(crate) fn run_back(&self, p: &[f64], px: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<GruTape>) {
        let Some(c) = self.back else { return (Vec::new(), Vec::new()) };
        let hd = self.config.hidden;
        let (mut a, mut tapes) = (vec![vec![0.0; hd]; px.len()], Vec::with_capacity(px.len()));
        let mut next = vec![0.0; hd];
        for t in (0..px.len()).rev() {
            let mut out = vec![0.0; hd];
            tapes.push(c.g.forward(c.of(p), &px[t], &next, &mut out));
            next.clone_from(&out);
            a[t] = out;
        }
        tapes.reverse();
        (a, tapes)
    }

    /// (μ, logvar) of p(z_t | h_{t−1}) and the hidden relu layer.
    pub(crate) fn prior_of(&self, p: &[f64], h: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let ph = self.prior[0].forward_relu(p, h);
        let out = self.prior[1].forward(p, &ph);
        (ph, out)
    }

    /// The decoder's hidden layer and logits from φz(z_t) and h_{t−1}.
    pub(crate) fn decode(&self, p: &[f64], pz: &[f64], h: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let d_in = cat(pz, h);
        let dh = self.decoder[0].forward_relu(p, &d_in);
        let logits = self.decoder[1].forward(p, &dh);
        (d_in, dh, logits)
    }

    /// Posterior input, hidden layer and (μ, logvar) from the summary s_t (φx_t or a_t) and h_{t−1}.
    pub(crate) fn posterior(&self, p: &[f64], s: &[f64], h: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let e_in = cat(s, h);
        let eh = self.encoder[0].forward_relu(p, &e_in);
        let post = self.encoder[1].forward(p, &eh);
        (e_in, eh, post)
    }

    /// z = μ + e^{lv/2} ε from a head's output [μ, lv].
    pub(crate) fn reparam(&self, head: &[f64], eps: &[f64]) -> Vec<f64> {
        let l = self.config.latent;
        (0..l).map(|k| head[k] + math::exp(0.5 * head[l + k]) * eps[k]).collect()
    }

    fn forward(&self, p: &[f64], x: &[f64], eps: &[f64]) -> Pass {
        let VrnnConfig { hidden: hd, latent: l, .. } = self.config;
        let px = self.features_x(p, x);
        let (a, back) = self.run_back(p, &px);
        let mut h = vec![0.0; hd];
        let mut steps = Vec::with_capacity(px.len());
        for t in 0..px.len() {
            let (ph, prior) = self.prior_of(p, &h);
            let s = if self.back.is_some() { &a[t] } else { &px[t] };
            let (e_in, eh, post) = self.posterior(p, s, &h);
            let z = self.reparam(&post, &eps[t * l..(t + 1) * l]);
            let pz = self.phi_z.forward_relu(p, &z);
            let (d_in, dh, logits) = self.decode(p, &pz, &h);
            let mut next = vec![0.0; hd];
            let gru = self.rnn.g.forward(self.rnn.of(p), &cat(&px[t], &pz), &h, &mut next);
            steps.push(Step { h, ph, prior, e_in, eh, post, z, pz, d_in, dh, logits, gru });
            h = next;
        }
        Pass { px, back, steps }
    }

    /// One image's negative ELBO: (recon, KL per step). `x` is T·D pixels in [0, 1], `eps` T·L.
    /// With `grad`, adds `scale` × its gradient into it.
    pub fn image_loss(
        &self,
        p: &[f64],
        x: &[f64],
        eps: &[f64],
        grad: Option<&mut [f64]>,
        scale: f64,
    ) -> (f64, Vec<f64>) {
        let pass = self.forward(p, x, eps);
        let (l, d) = (self.config.latent, self.config.cols);
        let mut recon = 0.0;
        let mut kls = Vec::with_capacity(pass.steps.len());
        for (t, s) in pass.steps.iter().enumerate() {
            recon += bce_logits(&s.logits, &x[t * d..(t + 1) * d]);
            kls.push(kl(&s.post[..l], &s.post[l..], &s.prior[..l], &s.prior[l..]));
        }
        if let Some(g) = grad {
            self.backward(p, x, eps, &pass, scale, g);
        }
        (recon, kls)
    }

    /// Batch mean of the negative ELBO; `grad` (zeroed here) receives its exact gradient.
    /// `images[b]` is T·D pixels, `eps[b]` T·L normals.
    pub fn batch_loss(&self, p: &[f64], images: &[&[f64]], eps: &[Vec<f64>], mut grad: Option<&mut [f64]>) -> VrnnLoss {
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let scale = 1.0 / images.len().max(1) as f64;
        let mut out = VrnnLoss { kl_steps: vec![0.0; self.config.rows], ..VrnnLoss::default() };
        for (x, e) in images.iter().zip(eps) {
            let (recon, kls) = self.image_loss(p, x, e, grad.as_deref_mut(), scale);
            out.recon += scale * recon;
            for (a, k) in out.kl_steps.iter_mut().zip(&kls) {
                *a += scale * k;
            }
        }
        out.kl = out.kl_steps.iter().sum();
        out.loss = out.recon + out.kl;
        out
    }
}
