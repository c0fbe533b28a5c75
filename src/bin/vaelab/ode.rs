//! `vaelab ode train` and `vaelab ode data`: the latent ODE on seeded 2-D spirals (issue 15), in
//! f64 on the CPU (src/seq/); `data` writes the spirals as JSON for the PyTorch reference.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use vaelab::seq::ode_train::{EPOCHS, OdeTrainer};
use vaelab::seq::spirals::Spirals;
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
    /// Also write the spirals as JSON (as `vaelab ode data`).
    #[arg(long, value_name = "FILE")]
    export_data: Option<PathBuf>,
    /// Write the trained parameters as JSON {PyTorch name: {shape, values}} (the PyTorch reference's
    /// --load-params evaluates them: a cross-check of the two models).
    #[arg(long, value_name = "FILE")]
    params_out: Option<PathBuf>,
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
    let mut trainer = OdeTrainer::new(args.seed, args.substeps)?;
    if let Some(out) = &args.export_data {
        write_data(&trainer.data, out)?;
    }
    println!(
        "latent ODE: seed {}, {} parameters, H {}, L {}, substeps {}; losses are negative ELBOs per trajectory without the constants log(2πσ²)",
        args.seed,
        trainer.params.len(),
        trainer.model.config.hidden,
        trainer.model.config.latent,
        args.substeps
    );
    let steps = trainer.steps_per_epoch();
    for epoch in 1..=args.epochs {
        let mut sum = 0.0;
        for _ in 0..steps {
            sum += trainer.train_step().loss;
        }
        if epoch % 10 == 0 || epoch == args.epochs {
            let e = trainer.evaluate();
            println!(
                "epoch {epoch:>3} train_loss={:.2} test_recon_mse={:.5} test_extrap_mse={:.5} seconds={:.1}",
                sum / steps as f64,
                e.recon_mse,
                e.extrap_mse,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let e = trainer.evaluate();
    println!(
        "final (test, {} trajectories): recon_mse={:.8} extrap_mse={:.8} neg_elbo={:.6} steps={} wall={:.1}s",
        trainer.data.test.n,
        e.recon_mse,
        e.extrap_mse,
        e.neg_elbo,
        trainer.step(),
        started.elapsed().as_secs_f64()
    );
    if let Some(out) = &args.params_out {
        let tensors: serde_json::Map<String, serde_json::Value> = (trainer.model.tensors().into_iter())
            .map(|(name, range, shape, _)| (name.to_string(), serde_json::json!({ "shape": shape, "values": trainer.params[range] })))
            .collect();
        std::fs::write(out, serde_json::Value::Object(tensors).to_string()).map_err(|e| VaeError::io(out, e))?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
