//! The two small MLPs of the latent ODE: the vector field f(z) = Linear(tanh(Linear(z))) behind
//! rk4's `VectorField` trait, and the decoder x̂ = Linear(relu(Linear(z))), each with its backward.

use super::math;

use super::dense::Dense;
use super::rk4::VectorField;

/// Linear(L → M) · tanh · Linear(M → L) over its own parameter slice (layer 1 then layer 2).
pub struct TanhField<'a> {
    pub l1: Dense,
    pub l2: Dense,
    pub params: &'a [f64],
}

/// The field's input and hidden activation for one evaluation.
pub struct FieldTape {
    z: Vec<f64>,
    a: Vec<f64>,
}

impl VectorField for TanhField<'_> {
    type Tape = FieldTape;

    fn dim(&self) -> usize {
        self.l1.input
    }

    fn eval(&self, z: &[f64], out: &mut [f64]) -> FieldTape {
        let (p1, p2) = self.params.split_at(self.l1.len());
        let mut a = vec![0.0; self.l1.output];
        self.l1.forward(p1, z, &mut a);
        a.iter_mut().for_each(|v| *v = math::tanh(*v));
        self.l2.forward(p2, &a, out);
        FieldTape { z: z.to_vec(), a }
    }

    fn backward(&self, tape: &FieldTape, dout: &[f64], dparams: &mut [f64], dz: &mut [f64]) {
        let (p1, p2) = self.params.split_at(self.l1.len());
        let (d1, d2) = dparams.split_at_mut(self.l1.len());
        let mut da = vec![0.0; self.l1.output];
        self.l2.backward(p2, &tape.a, dout, d2, &mut da);
        for (g, a) in da.iter_mut().zip(&tape.a) {
            *g *= 1.0 - a * a;
        }
        self.l1.backward(p1, &tape.z, &da, d1, dz);
    }
}

/// Linear(L → M) · relu · Linear(M → 2) over its own parameter slice.
pub struct ReluDecoder<'a> {
    pub l1: Dense,
    pub l2: Dense,
    pub params: &'a [f64],
}

impl ReluDecoder<'_> {
    /// x̂ = W2 relu(W1 z + b1) + b2; returns the hidden activation for `backward`.
    pub fn forward(&self, z: &[f64], out: &mut [f64]) -> Vec<f64> {
        let (p1, p2) = self.params.split_at(self.l1.len());
        let mut a = vec![0.0; self.l1.output];
        self.l1.forward(p1, z, &mut a);
        a.iter_mut().for_each(|v| *v = v.max(0.0));
        self.l2.forward(p2, &a, out);
        a
    }

    /// Given dL/dx̂, adds the parameter gradients and *adds* dL/dz into `dz`.
    pub fn backward(&self, z: &[f64], a: &[f64], dout: &[f64], dparams: &mut [f64], dz: &mut [f64]) {
        let (p1, p2) = self.params.split_at(self.l1.len());
        let (d1, d2) = dparams.split_at_mut(self.l1.len());
        let mut da = vec![0.0; self.l1.output];
        self.l2.backward(p2, a, dout, d2, &mut da);
        for (g, a) in da.iter_mut().zip(a) {
            if *a <= 0.0 {
                *g = 0.0;
            }
        }
        let mut dzi = vec![0.0; z.len()];
        self.l1.backward(p1, z, &da, d1, &mut dzi);
        for (d, g) in dz.iter_mut().zip(dzi) {
            *d += g;
        }
    }
}
