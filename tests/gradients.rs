//! Gradients of the whole objective: the f64 CPU oracle against central finite differences, and
//! one GPU training step's gradients against the oracle, over the engine's model variants.

mod common;

use std::sync::Arc;
use vaelab::config::{Activation, Binarize, ModelConfig, Objective};
use vaelab::data::Dataset;
use vaelab::kernels::gather_batch::{GatherParams, NO_LABEL, gather_batch_cpu};
use vaelab::kernels::permute_batch::permute_batch_cpu;
use vaelab::model::{Architecture, PIXELS};

use vaelab::cpu_train::CpuTrainer;
use vaelab::reference::{Batch, KlTerm, Outcome, loss_and_grads};
use vaelab::rng;
use vaelab::schedule::{StepMetrics, step_record};
use vaelab::trainer::Trainer;

fn configs() -> Vec<(&'static str, ModelConfig)> {
    let small = ModelConfig {
        enc_hidden: vec![6],
        dec_hidden: vec![5],
        latent: 3,
        batch_size: 5,
        seed: 3,
        ..Default::default()
    };
    vec![
        ("relu", small.clone()),
        (
            "tanh, two layers",
            ModelConfig {
                activation: Activation::Tanh,
                enc_hidden: vec![6, 4],
                dec_hidden: vec![4, 7],
                ..small.clone()
            },
        ),
        ("conditional, 3 samples", ModelConfig { conditional: true, samples: 3, ..small.clone() }),
        ("beta 4, warm-up", ModelConfig { beta: 4.0, kl_warmup: 10, binarize: Binarize::Dynamic, ..small.clone() }),
        (
            "capacity",
            ModelConfig {
                objective: Objective::Capacity,
                gamma: 30.0,
                capacity_max: 50.0,
                capacity_steps: 1,
                ..small.clone()
            },
        ),
        ("iwae, 4 samples", ModelConfig { objective: Objective::Iwae, samples: 4, ..small }),
    ]
}

fn synthetic_dataset(n: usize, seed: u32) -> Dataset {
    let pixels = common::uniform(seed, n * PIXELS, 0.0, 256.0);
    Dataset {
        images: pixels.iter().map(|&p| p as u8).collect(),
        labels: (0..n).map(|i| (i * 7 % 10) as u8).collect(),
        n,
        rows: 28,
        cols: 28,
    }
}

/// The batch and noise step `step` uses, rebuilt with the CPU oracles.
fn batch_of_step(c: &ModelConfig, data: &Dataset, step: u64) -> Batch {
    let arch = &Architecture::new(c);
    let record = step_record(c, data.n as u32, step);
    let rows = c.batch_size as usize;
    let params = GatherParams {
        rows: rows as u32,
        pixels: PIXELS as u32,
        ld_x: arch.enc_input as u32,
        n_images: data.n as u32,
        shuffle: 1,
        binarize: (c.binarize == Binarize::Dynamic) as u32,
        label_col: if arch.conditional { PIXELS as u32 } else { NO_LABEL },
        _pad: 0,
    };
    let mut x = vec![0f32; rows * arch.enc_input];
    let (index, labels) = permute_batch_cpu(&params, &record, &data.labels);
    gather_batch_cpu(&params, &record, &data.images, &index, &labels, &mut x);
    let rep = c.samples as usize;
    let key = rng::key(c.seed, rng::STREAM_EPS, rng::PHASE_TRAIN);
    let eps = (0..rows * rep * arch.latent).map(|i| rng::normal_at(key, [record.step, i as u32]) as f64).collect();
    Batch { x: x.iter().map(|&v| v as f64).collect(), labels, eps, rows, rep }
}

fn kl_term(c: &ModelConfig, n_train: usize, step: u64) -> KlTerm {
    if c.objective == Objective::Iwae {
        return KlTerm::Iwae;
    }
    let r = step_record(c, n_train as u32, step);
    if r.capacity >= 0.0 {
        KlTerm::Capacity { gamma: r.kl_weight as f64, c: r.capacity as f64 }
    } else {
        KlTerm::Weighted(r.kl_weight as f64)
    }
}

#[test]
fn oracle_gradient_matches_finite_differences() {
    for (name, config) in configs() {
        let arch = Architecture::new(&config);
        let params: Vec<f64> = arch.init_parameters(config.seed).iter().map(|&p| p as f64).collect();
        let rows = 4;
        let mut x = common::uniform(21, rows * arch.enc_input, 0.0, 1.0).iter().map(|&v| v as f64).collect::<Vec<_>>();
        let labels: Vec<u32> = (0..rows as u32).map(|i| i * 3 % 10).collect();
        if arch.conditional {
            for (r, &l) in labels.iter().enumerate() {
                x[r * arch.enc_input + PIXELS..(r + 1) * arch.enc_input].fill(0.0);
                x[r * arch.enc_input + PIXELS + l as usize] = 1.0;
            }
        }
        let rep = config.samples as usize;
        let eps = common::uniform(22, rows * rep * arch.latent, -2.0, 2.0).iter().map(|&v| v as f64).collect();
        let batch = Batch { x, labels, eps, rows, rep };
        let term = match config.objective {
            Objective::Elbo => KlTerm::Weighted(config.beta as f64 * 0.7),
            Objective::Capacity => KlTerm::Capacity { gamma: config.gamma as f64, c: 2.0 },
            Objective::Iwae => KlTerm::Iwae,
        };
        let analytic = loss_and_grads(&arch, &params, &batch, term).grads;
        // Every parameter of the small layers, and a stride through the big first/last ones.
        // Large enough that roundoff in the ~500-nat objective stays below the truncation error.
        let h = 1e-4;
        let mut checked = 0;
        for layer in &arch.layers {
            let stride = if layer.len() > 2000 { 7 } else { 1 };
            for i in (layer.offset..layer.offset + layer.len()).step_by(stride) {
                let mut p = params.clone();
                p[i] += h;
                let up = loss_and_grads(&arch, &p, &batch, term).objective;
                p[i] -= 2.0 * h;
                let down = loss_and_grads(&arch, &p, &batch, term).objective;
                // The gradient is of the batch sum: rows × the mean objective.
                let numeric = rows as f64 * (up - down) / (2.0 * h);
                let tol = 1e-6 + 1e-4 * numeric.abs().max(analytic[i].abs());
                assert!(
                    (numeric - analytic[i]).abs() <= tol,
                    "{name}: {} parameter {} : finite difference {numeric:e}, analytic {:e}",
                    layer.name,
                    i - layer.offset,
                    analytic[i]
                );
                checked += 1;
            }
        }
        assert!(checked > 500, "{name}: only {checked} checked");
    }
}

#[test]
fn gpu_step_gradients_match_oracle() {
    let gpu = common::gpu();
    let data = synthetic_dataset(23, 5);
    for (name, config) in configs() {
        let mut trainer = Trainer::new(gpu.clone(), config, &data, &data).expect("trainer");
        // Step 3, so the epoch wraps inside a batch and the schedules are away from their start.
        trainer.set_step(3);
        let params: Vec<f64> =
            pollster::block_on(trainer.read_parameters()).unwrap().iter().map(|&p| p as f64).collect();
        let batch = batch_of_step(&trainer.config, &data, 3);
        let want = loss_and_grads(&trainer.arch, &params, &batch, kl_term(&trainer.config, data.n, 3));
        trainer.train_steps(1);
        let got = pollster::block_on(trainer.read_gradients()).unwrap();
        let (metrics, _) = pollster::block_on(trainer.flush_metrics()).unwrap();
        check_step(name, metrics.last().expect("a metrics record"), &got, &want);
    }
}

#[test]
fn cpu_step_gradients_match_oracle() {
    let data = Arc::new(synthetic_dataset(23, 5));
    for (name, config) in configs() {
        // Three workers over eight units: uneven shards, and a batch of 5 leaves units empty.
        let mut trainer = CpuTrainer::new(config.clone(), data.clone(), data.clone(), 3).expect("trainer");
        trainer.set_step(3);
        let params: Vec<f64> = trainer.parameters().iter().map(|&p| p as f64).collect();
        let batch = batch_of_step(&config, &data, 3);
        let want = loss_and_grads(&trainer.arch, &params, &batch, kl_term(&config, data.n, 3));
        trainer.train_steps(1);
        let (metrics, _) = trainer.take_metrics();
        check_step(name, metrics.last().expect("a metrics record"), trainer.gradients(), &want);
    }
}

/// One step's figures and gradient against the f64 oracle's.
fn check_step(name: &str, m: &StepMetrics, got: &[f32], want: &Outcome) {
    assert!(
        (m.recon as f64 - want.recon).abs() < 1e-3 * want.recon.abs().max(1.0),
        "{name}: recon {} vs {}",
        m.recon,
        want.recon
    );
    assert!((m.kl as f64 - want.kl).abs() < 1e-3 * want.kl.abs().max(1.0), "{name}: kl {} vs {}", m.kl, want.kl);
    assert!((m.objective as f64 - want.objective).abs() < 1e-3 * want.objective.abs().max(1.0), "{name}: objective");
    let scale = want.grads.iter().fold(0f64, |a, g| a.max(g.abs()));
    let want32: Vec<f32> = want.grads.iter().map(|&g| g as f32).collect();
    common::assert_close(&format!("{name}: gradients"), got, &want32, (2e-4 * scale) as f32, 2e-3);
}
