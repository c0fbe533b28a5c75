//! Training and evaluation of the latent ODE on the seeded spirals: Adam (PyTorch's form) over
//! batches of 50 in a per-epoch shuffle from the seed, and the spec's test-set figures.

use super::adam::Adam;
use super::latent_ode::{LatentOde, LossParts, MAX_SUBSTEPS, OdeConfig, Window, eps};
use super::spirals::{DT, GRID, OBS_LAST, SpiralSet, Spirals, grid_time};
use crate::rng::{PHASE_EVAL, PHASE_TRAIN, STREAM_ODE_SHUFFLE, key, permute};
use crate::{Result, VaeError};

pub const BATCH: usize = 50;
/// Adam's step and the gradient's norm clip: lr 0.01 without a clip (the spec's first recipe) spiked
/// every few hundred steps (batch gradient norms 400–3,800); 0.003 with the clip at 100 trains smoothly.
pub const LR: f64 = 0.003;
pub const CLIP_NORM: f64 = 100.0;
pub const EPOCHS: usize = 100;

/// One optimizer step's figures (batch means; the loss drops the constants log(2πσ²)).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct StepStats {
    /// Steps taken after this one.
    pub step: u64,
    /// Epoch of this step, from 0.
    pub epoch: u64,
    pub loss: f64,
    pub recon: f64,
    pub kl: f64,
}

/// The spec's test-set figures.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct OdeEval {
    /// Mean of (x̂ − clean)² over observed points with t ≤ 5 and both coordinates, z0 = μ.
    pub recon_mse: f64,
    /// The same over every grid point with 5 < t ≤ 10.
    pub extrap_mse: f64,
    /// Mean negative ELBO per trajectory (ε from the eval phase, constants dropped).
    pub neg_elbo: f64,
}

/// The training window of trajectory j: start 0, the masked noisy points (t ≤ 5).
pub fn training_window(set: &SpiralSet, j: usize) -> Window {
    let (noisy, mask) = (set.noisy_of(j), set.mask_of(j));
    Window { g0: 0, points: (0..=OBS_LAST).filter(|&g| mask[g]).map(|g| (g, noisy[g])).collect() }
}

/// Grid indices of a window [start, end] in time: the start is moved up to the next grid point.
pub fn window_range(start: f64, end: f64) -> Result<(usize, usize)> {
    let t_max = (GRID - 1) as f64 * DT;
    if !(start.is_finite() && end.is_finite() && 0.0 <= start && start <= end && end <= t_max + 1e-9) {
        return Err(VaeError::Config(format!("a window is 0 <= start <= end <= {t_max}; got [{start}, {end}]")));
    }
    let g0 = ((start / DT) - 1e-9).ceil().max(0.0) as usize;
    let g1 = (((end / DT) + 1e-9).floor() as usize).min(GRID - 1);
    Ok((g0, g1))
}

/// The encoder's view of test trajectory j over [start, end]: its noisy points drawn as observed
/// (t > 5 included, SpiralSet::observable) inside the window.
pub fn window_of(set: &SpiralSet, j: usize, start: f64, end: f64) -> Result<Window> {
    let (g0, g1) = window_range(start, end)?;
    let (noisy, seen) = (set.noisy_of(j), set.observable_of(j));
    let points: Vec<_> = (g0..=g1.max(g0)).filter(|&g| g <= g1 && seen[g]).map(|g| (g, noisy[g])).collect();
    if points.is_empty() {
        return Err(VaeError::Config(format!("the window [{start}, {end}] holds no observed point — widen it")));
    }
    Ok(Window { g0, points })
}

/// What the page draws for one test trajectory and window (`OdeLab.trajectory`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TrajectoryView {
    pub grid: Vec<f64>,
    pub clean: Vec<[f64; 2]>,
    pub noisy: Vec<[f64; 2]>,
    /// Per grid point: observed and inside the window (what the encoder saw).
    pub observed: Vec<bool>,
    /// x̂ from z0 = μ for grid points from_index..=100.
    pub recon: Vec<[f64; 2]>,
    pub from_index: usize,
}

/// ε of prior samples: the ODE's ε stream in its own phase.
pub const PHASE_PRIOR: u32 = 2;
pub const MAX_PRIOR_SAMPLES: usize = 1000;

pub struct OdeTrainer {
    pub model: LatentOde,
    pub data: Spirals,
    pub params: Vec<f64>,
    pub seed: u32,
    step: u64,
    adam: Adam,
    grad: Vec<f64>,
    train_windows: Vec<Window>,
    test_windows: Vec<Window>,
}

pub fn check_substeps(substeps: usize) -> Result<()> {
    if (1..=MAX_SUBSTEPS).contains(&substeps) {
        Ok(())
    } else {
        Err(VaeError::Config(format!("substeps is 1..={MAX_SUBSTEPS} RK4 steps per grid interval; got {substeps}")))
    }
}

impl OdeTrainer {
    /// Data and model from `seed` (the spec's sizes), `substeps` RK4 steps per grid interval.
    pub fn new(seed: u32, substeps: usize) -> Result<Self> {
        check_substeps(substeps)?;
        Ok(Self::with(seed, OdeConfig { substeps, ..OdeConfig::default() }, Spirals::generate(seed)))
    }

    pub fn with(seed: u32, config: OdeConfig, data: Spirals) -> Self {
        let model = LatentOde::new(config);
        let params = model.init(seed);
        let n = params.len();
        let train_windows = (0..data.train.n).map(|j| training_window(&data.train, j)).collect();
        let test_windows = (0..data.test.n).map(|j| training_window(&data.test, j)).collect();
        OdeTrainer {
            model,
            data,
            params,
            seed,
            step: 0,
            adam: Adam::new(n, LR, CLIP_NORM),
            grad: vec![0.0; n],
            train_windows,
            test_windows,
        }
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    /// Takes parameters trained elsewhere (the GPU trainer's, read back) as of `step` steps, for
    /// evaluating and drawing; Adam's state stays as it was (this trainer does not go on from them).
    pub fn adopt(&mut self, params: Vec<f64>, step: u64) -> Result<()> {
        if params.len() != self.params.len() {
            return Err(VaeError::Config(format!(
                "{} parameters given; the model has {}",
                params.len(),
                self.params.len()
            )));
        }
        self.params = params;
        self.step = step;
        Ok(())
    }

    /// Train trajectory j's window (start 0, its masked noisy points).
    pub fn train_window(&self, j: usize) -> &Window {
        &self.train_windows[j]
    }

    pub fn steps_per_epoch(&self) -> u64 {
        self.data.train.n.div_ceil(BATCH) as u64
    }

    /// Changes the solver's substeps; the parameters and Adam state stay.
    pub fn set_substeps(&mut self, substeps: usize) -> Result<()> {
        check_substeps(substeps)?;
        self.model = LatentOde::new(OdeConfig { substeps, ..self.model.config });
        Ok(())
    }

    /// Train-set indices of the current step's batch: positions of this epoch's Feistel shuffle.
    fn batch_indices(&self) -> Vec<usize> {
        self.batch_indices_at(self.step)
    }

    /// Train-set indices of step `step`'s batch (the GPU trainer picks its batches here too).
    pub fn batch_indices_at(&self, step: u64) -> Vec<usize> {
        let n = self.data.train.n;
        let (epoch, pos) = (step / self.steps_per_epoch(), (step % self.steps_per_epoch()) as usize);
        let k = key(self.seed, STREAM_ODE_SHUFFLE, PHASE_TRAIN);
        (pos * BATCH..((pos + 1) * BATCH).min(n))
            .map(|i| permute(i as u32, n as u32, k, epoch as u32) as usize)
            .collect()
    }

    /// ε of q(z0) for step `step`'s batch, one row per trajectory of `batch_indices_at(step)`.
    pub fn train_eps_at(&self, step: u64) -> Vec<Vec<f64>> {
        let l = self.model.config.latent;
        self.batch_indices_at(step).iter().map(|&j| eps(self.seed, PHASE_TRAIN, step as u32, j, l)).collect()
    }

    /// ε of the test −ELBO, one row per test trajectory.
    pub fn eval_eps(&self) -> Vec<Vec<f64>> {
        let l = self.model.config.latent;
        (0..self.data.test.n).map(|j| eps(self.seed, PHASE_EVAL, 0, j, l)).collect()
    }

    /// One Adam step on the next batch.
    pub fn train_step(&mut self) -> StepStats {
        let idx = self.batch_indices();
        let windows: Vec<Window> = idx.iter().map(|&j| self.train_windows[j].clone()).collect();
        let e = self.train_eps_at(self.step);
        let LossParts { loss, recon, kl } = self.model.batch_loss(&self.params, &windows, &e, Some(&mut self.grad));
        let epoch = self.step / self.steps_per_epoch();
        self.step += 1;
        self.adam.step(&mut self.params, &self.grad);
        StepStats { step: self.step, epoch, loss, recon, kl }
    }

    /// The test set's recon and extrapolation MSE (z0 = μ, against the clean points) and negative ELBO.
    pub fn evaluate(&self) -> OdeEval {
        let set = &self.data.test;
        let (mut recon, mut n_recon, mut extrap, mut n_extrap) = (0.0, 0usize, 0.0, 0usize);
        for (j, w) in self.test_windows.iter().enumerate() {
            let path = self.model.reconstruct(&self.params, w, GRID - 1);
            let clean = set.clean_of(j);
            let sq = |g: usize| (path[g][0] - clean[g][0]).powi(2) + (path[g][1] - clean[g][1]).powi(2);
            for &(g, _) in &w.points {
                recon += sq(g);
                n_recon += 2;
            }
            for g in OBS_LAST + 1..GRID {
                extrap += sq(g);
                n_extrap += 2;
            }
        }
        let neg_elbo = self.model.batch_loss(&self.params, &self.test_windows, &self.eval_eps(), None).loss;
        OdeEval { recon_mse: recon / n_recon as f64, extrap_mse: extrap / n_extrap as f64, neg_elbo }
    }

    /// Test trajectory `j` with the encoder given the observed noisy points in [start, end].
    pub fn trajectory(&self, j: usize, start: f64, end: f64) -> Result<TrajectoryView> {
        let set = &self.data.test;
        if j >= set.n {
            return Err(VaeError::Config(format!(
                "test trajectory {j} does not exist: there are {} (0..{})",
                set.n, set.n
            )));
        }
        let w = window_of(set, j, start, end)?;
        let mut observed = vec![false; GRID];
        for &(g, _) in &w.points {
            observed[g] = true;
        }
        Ok(TrajectoryView {
            grid: (0..GRID).map(grid_time).collect(),
            clean: set.clean_of(j).to_vec(),
            noisy: set.noisy_of(j).to_vec(),
            observed,
            recon: self.model.reconstruct(&self.params, &w, GRID - 1),
            from_index: w.g0,
        })
    }

    /// `count` paths decoded from z0 ~ N(0, I) (ε stream, PHASE_PRIOR, counter [0, i·L + k] of
    /// `seed`) at grid points t = 0, 0.1, … up to `horizon` (0..=10).
    pub fn sample_prior(&self, count: usize, seed: u32, horizon: f64) -> Result<Vec<Vec<[f64; 2]>>> {
        if !(1..=MAX_PRIOR_SAMPLES).contains(&count) {
            return Err(VaeError::Config(format!("prior samples are 1..={MAX_PRIOR_SAMPLES} at a time; got {count}")));
        }
        let (_, g_end) = window_range(0.0, horizon)
            .map_err(|_| VaeError::Config(format!("the horizon is a time in [0, 10]; got {horizon}")))?;
        let l = self.model.config.latent;
        Ok((0..count).map(|i| self.model.decode_path(&self.params, &eps(seed, PHASE_PRIOR, 0, i, l), g_end)).collect())
    }
}
