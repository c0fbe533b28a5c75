//! A dense layer y = W x + b in PyTorch nn.Linear layout (W is [out, in], row-major) with its
//! backward, in f64: the latent ODE's head, vector field and decoder are built from it.

/// Shape of one Linear layer; its parameters are `weight` (out·in) then `bias` (out) in a flat slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dense {
    pub input: usize,
    pub output: usize,
}

impl Dense {
    pub const fn new(input: usize, output: usize) -> Self {
        Dense { input, output }
    }

    pub const fn len(&self) -> usize {
        self.output * (self.input + 1)
    }

    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// y = W x + b; `p` holds W then b.
    pub fn forward(&self, p: &[f64], x: &[f64], y: &mut [f64]) {
        let (w, b) = p[..self.len()].split_at(self.output * self.input);
        for (o, y) in y[..self.output].iter_mut().enumerate() {
            let row = &w[o * self.input..(o + 1) * self.input];
            *y = b[o] + row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>();
        }
    }

    /// Adds dW += dy ⊗ x and db += dy into `dp`; writes dx = Wᵀ dy.
    pub fn backward(&self, p: &[f64], x: &[f64], dy: &[f64], dp: &mut [f64], dx: &mut [f64]) {
        let n_w = self.output * self.input;
        let w = &p[..n_w];
        let (dw, db) = dp[..self.len()].split_at_mut(n_w);
        dx[..self.input].fill(0.0);
        for o in 0..self.output {
            let g = dy[o];
            db[o] += g;
            let row = o * self.input..(o + 1) * self.input;
            for ((dw, w), (x, dx)) in dw[row.clone()].iter_mut().zip(&w[row]).zip(x.iter().zip(dx.iter_mut())) {
                *dw += g * x;
                *dx += g * w;
            }
        }
    }
}
