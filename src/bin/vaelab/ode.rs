//! `vaelab ode train` and `vaelab ode data`: the latent ODE on seeded 2-D spirals (issue 15), in
//! f64 on the CPU (src/seq/) or `--backend gpu` in f32 on the GPU (src/seq_gpu/, evaluated by the f64
//! model on the read-back parameters); `data` writes the spirals as JSON for the PyTorch reference.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use vaelab::gpu::Gpu;
use vaelab::seq::ode_train::{EPOCHS, OdeEval, OdeTrainer};
use vaelab::seq::spirals::Spirals;
use vaelab::seq_gpu::ode_trainer::GpuOdeTrainer;
use vaelab::{Result, VaeError};

#[derive(Args)]
pub struct OdeArgs {
    #[command(subcommand)]
    command: OdeCommand,
}

#[derive(Subcommand)]
enum OdeCommand {
    /// Train the latent ODE on the seed's spirals; one line per 10 epochs and a final summary (test set).
    Train(TrainArgs),
    /// Write the seed's spirals (train 1000, test 200) as the JSON the PyTorch reference reads.
    Data(DataArgs),
}

#[derive(Args)]
struct TrainArgs {
    /// Seeds the data, the init, ε and the shuffle.
    #[arg(long)]
    seed: u32,
    /// Epochs of 20 steps (1000 trajectories, batch 50).
    #[arg(long, default_value_t = EPOCHS as u32)]
    epochs: u32,
    /// RK4 steps per grid interval of 0.1 (1..=8).
    #[arg(long, default_value_t = 1)]
    substeps: usize,
    /// Where to train: cpu (f64, the reference) or gpu (f32 WGSL kernels on the machine's adapter).
    #[arg(long, value_enum, default_value_t = OdeBackend::Cpu)]
    backend: OdeBackend,
    /// Also write the spirals as JSON (as `vaelab ode data`).
    #[arg(long, value_name = "FILE")]
    export_data: Option<PathBuf>,
    /// Write the trained parameters as JSON {PyTorch name: {shape, values}} (the PyTorch reference's
    /// --load-params evaluates them: a cross-check of the two models).
    #[arg(long, value_name = "FILE")]
    params_out: Option<PathBuf>,
    /// Write this run's randomness as JSON: the initial parameters, every step's batch indices and ε,
    /// and the evaluation's ε (the PyTorch reference's --randomness replays them: a paired comparison).
    #[arg(long, value_name = "FILE")]
    randomness_out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OdeBackend {
    Cpu,
    Gpu,
}

/// Either trainer, behind the three calls the loop needs.
enum Run {
    Cpu(Box<OdeTrainer>),
    Gpu(Box<GpuOdeTrainer>),
}

impl Run {
    /// Trains `steps` steps; returns their summed loss.
    fn train(&mut self, steps: u64) -> Result<f64> {
        match self {
            Run::Cpu(t) => Ok((0..steps).map(|_| t.train_step().loss).sum()),
            Run::Gpu(t) => Ok(pollster::block_on(t.train(steps as usize))?.iter().map(|s| s.loss).sum()),
        }
    }

    fn evaluate(&mut self) -> Result<OdeEval> {
        match self {
            Run::Cpu(t) => Ok(t.evaluate()),
            Run::Gpu(t) => pollster::block_on(t.evaluate()),
        }
    }

    /// The f64 trainer (on the GPU backend: data, model, and the parameters read back last).
    fn cpu(&self) -> &OdeTrainer {
        match self {
            Run::Cpu(t) => t,
            Run::Gpu(t) => &t.cpu,
        }
    }

    fn step(&self) -> u64 {
        match self {
            Run::Cpu(t) => t.step(),
            Run::Gpu(t) => t.step(),
        }
    }
}

#[derive(Args)]
struct DataArgs {
    #[arg(long)]
    seed: u32,
    /// The JSON file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(args: OdeArgs) -> Result<()> {
    match args.command {
        OdeCommand::Train(a) => train(a),
        OdeCommand::Data(a) => write_data(&Spirals::generate(a.seed), &a.out),
    }
}

fn write_data(spirals: &Spirals, out: &Path) -> Result<()> {
    let file = std::fs::File::create(out).map_err(|e| VaeError::io(out, e))?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut w, &spirals.to_json()).map_err(|e| VaeError::io(out, e.into()))?;
    w.flush().map_err(|e| VaeError::io(out, e))?;
    eprintln!("wrote {} (train {}, test {} trajectories)", out.display(), spirals.train.n, spirals.test.n);
    Ok(())
}

fn train(args: TrainArgs) -> Result<()> {
    let started = Instant::now();
    let mut run = match args.backend {
        OdeBackend::Cpu => Run::Cpu(Box::new(OdeTrainer::new(args.seed, args.substeps)?)),
        OdeBackend::Gpu => {
            let gpu = pollster::block_on(Gpu::new())?;
            eprintln!("adapter: {}", gpu.describe());
            Run::Gpu(Box::new(GpuOdeTrainer::new(&gpu, args.seed, args.substeps)?))
        }
    };
    if let Some(out) = &args.export_data {
        write_data(&run.cpu().data, out)?;
    }
    let trainer = run.cpu();
    if let Some(out) = &args.randomness_out {
        write_randomness(trainer, args.epochs as u64 * trainer.steps_per_epoch(), out)?;
    }
    println!(
        "latent ODE: seed {}, {} parameters, H {}, L {}, substeps {}, backend {}; losses are negative ELBOs per trajectory without the constants log(2πσ²)",
        args.seed,
        trainer.params.len(),
        trainer.model.config.hidden,
        trainer.model.config.latent,
        args.substeps,
        if args.backend == OdeBackend::Gpu { "gpu (f32)" } else { "cpu (f64)" }
    );
    let steps = trainer.steps_per_epoch();
    // Training time only (evaluations excluded), for the ms-per-step figure.
    let mut training = std::time::Duration::ZERO;
    for epoch in 1..=args.epochs {
        let t0 = Instant::now();
        let sum = run.train(steps)?;
        training += t0.elapsed();
        if epoch % 10 == 0 || epoch == args.epochs {
            let e = run.evaluate()?;
            println!(
                "epoch {epoch:>3} train_loss={:.2} test_recon_mse={:.5} test_extrap_mse={:.5} seconds={:.1}",
                sum / steps as f64,
                e.recon_mse,
                e.extrap_mse,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let e = run.evaluate()?;
    println!(
        "final (test, {} trajectories): recon_mse={:.8} extrap_mse={:.8} neg_elbo={:.6} steps={} wall={:.1}s ms_per_step={:.2}",
        run.cpu().data.test.n,
        e.recon_mse,
        e.extrap_mse,
        e.neg_elbo,
        run.step(),
        started.elapsed().as_secs_f64(),
        training.as_secs_f64() * 1e3 / run.step().max(1) as f64
    );
    if let Some(out) = &args.params_out {
        write_json(&tensors_json(run.cpu()), out)?;
    }
    Ok(())
}

/// The trainer's current parameters as {PyTorch name: {shape, values}}.
fn tensors_json(trainer: &OdeTrainer) -> serde_json::Value {
    let tensors: serde_json::Map<String, serde_json::Value> = (trainer.model.tensors().into_iter())
        .map(|(name, range, shape, _)| {
            (name.to_string(), serde_json::json!({ "shape": shape, "values": trainer.params[range] }))
        })
        .collect();
    serde_json::Value::Object(tensors)
}

/// What `steps` steps of training draw, before the first: {init, batches [steps][B], eps [steps][B][L], eval_eps [N_test][L]}.
fn write_randomness(trainer: &OdeTrainer, steps: u64, out: &Path) -> Result<()> {
    let batches: Vec<Vec<usize>> = (0..steps).map(|s| trainer.batch_indices_at(s)).collect();
    let eps: Vec<Vec<Vec<f64>>> = (0..steps).map(|s| trainer.train_eps_at(s)).collect();
    let json = serde_json::json!({
        "seed": trainer.seed, "init": tensors_json(trainer), "batches": batches, "eps": eps, "eval_eps": trainer.eval_eps(),
    });
    write_json(&json, out)
}

fn write_json(value: &serde_json::Value, out: &Path) -> Result<()> {
    std::fs::write(out, value.to_string()).map_err(|e| VaeError::io(out, e))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
