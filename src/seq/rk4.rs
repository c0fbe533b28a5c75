//! One classic fixed-step Runge–Kutta 4 step over any autonomous vector field, and its exact
//! backward (the stage inputs are kept on a tape), so a latent trajectory can be backpropagated.

/// An autonomous vector field dz/dt = f(z; θ) with its vector–Jacobian products.
pub trait VectorField {
    /// What `backward` needs from one evaluation.
    type Tape;
    fn dim(&self) -> usize;
    /// Writes f(z) into `out`.
    fn eval(&self, z: &[f64], out: &mut [f64]) -> Self::Tape;
    /// Given dL/df, adds dL/dθ into `dparams` and writes dL/dz into `dz`.
    fn backward(&self, tape: &Self::Tape, dout: &[f64], dparams: &mut [f64], dz: &mut [f64]);
}

/// The four stage evaluations of one step.
pub struct Rk4Tape<T> {
    stages: [T; 4],
}

/// z' = z + h/6 (k1 + 2 k2 + 2 k3 + k4), k1 = f(z), k2 = f(z + h/2 k1), k3 = f(z + h/2 k2),
/// k4 = f(z + h k3). Writes z' into `z_next`.
pub fn step<F: VectorField>(f: &F, z: &[f64], h: f64, z_next: &mut [f64]) -> Rk4Tape<F::Tape> {
    let d = f.dim();
    let mut k = [vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]];
    let mut u = vec![0.0; d];
    let t1 = f.eval(z, &mut k[0]);
    axpy(z, 0.5 * h, &k[0], &mut u);
    let t2 = f.eval(&u, &mut k[1]);
    axpy(z, 0.5 * h, &k[1], &mut u);
    let t3 = f.eval(&u, &mut k[2]);
    axpy(z, h, &k[2], &mut u);
    let t4 = f.eval(&u, &mut k[3]);
    for i in 0..d {
        z_next[i] = z[i] + h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
    }
    Rk4Tape { stages: [t1, t2, t3, t4] }
}

/// Given dL/dz', writes dL/dz into `dz` and adds the field's parameter gradients into `dparams`.
pub fn step_backward<F: VectorField>(
    f: &F,
    tape: &Rk4Tape<F::Tape>,
    h: f64,
    dz_next: &[f64],
    dparams: &mut [f64],
    dz: &mut [f64],
) {
    let d = f.dim();
    // dL/dk_s from z' directly; stage s's input u_s = z + c_s k_{s−1} feeds back into dk_{s−1}.
    let weights = [h / 6.0, h / 3.0, h / 3.0, h / 6.0];
    let mut dk: Vec<Vec<f64>> = weights.iter().map(|w| dz_next.iter().map(|g| w * g).collect()).collect();
    dz[..d].copy_from_slice(&dz_next[..d]);
    let mut du = vec![0.0; d];
    let coupling = [0.0, 0.5 * h, 0.5 * h, h];
    for s in (0..4).rev() {
        f.backward(&tape.stages[s], &dk[s], dparams, &mut du);
        for i in 0..d {
            dz[i] += du[i];
        }
        if s > 0 {
            for i in 0..d {
                dk[s - 1][i] += coupling[s] * du[i];
            }
        }
    }
}

fn axpy(z: &[f64], a: f64, k: &[f64], out: &mut [f64]) {
    for i in 0..z.len() {
        out[i] = z[i] + a * k[i];
    }
}
