//! The sequence models' optimizer: torch.nn.utils.clip_grad_norm_ then Adam in PyTorch's form, over a
//! flat f64 parameter vector (the latent ODE and the VRNN each keep one).

pub const BETA1: f64 = 0.9;
pub const BETA2: f64 = 0.999;
pub const EPS: f64 = 1e-8;

#[derive(Clone, Debug)]
pub struct Adam {
    lr: f64,
    clip_norm: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    steps: u64,
}

impl Adam {
    pub fn new(len: usize, lr: f64, clip_norm: f64) -> Self {
        Adam { lr, clip_norm, m: vec![0.0; len], v: vec![0.0; len], steps: 0 }
    }

    /// One step on `grad`: scaled by min(1, max_norm / (‖g‖ + 1e-6)) first, then
    /// p −= lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε). Returns ‖g‖ before the clip.
    pub fn step(&mut self, params: &mut [f64], grad: &[f64]) -> f64 {
        self.steps += 1;
        let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        let scale = (self.clip_norm / (norm + 1e-6)).min(1.0);
        let t = self.steps as f64;
        let (bc1, bc2) = (1.0 - libm::pow(BETA1, t), 1.0 - libm::pow(BETA2, t));
        for i in 0..params.len() {
            let g = grad[i] * scale;
            self.m[i] = BETA1 * self.m[i] + (1.0 - BETA1) * g;
            self.v[i] = BETA2 * self.v[i] + (1.0 - BETA2) * g * g;
            params[i] -= self.lr / bc1 * self.m[i] / (libm::sqrt(self.v[i]) / libm::sqrt(bc2) + EPS);
        }
        norm
    }
}
