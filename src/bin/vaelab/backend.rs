//! `--backend cpu|gpu|auto`: one training/evaluation interface over the GPU `Trainer` and the
//! CPU `CpuTrainer`, so train, eval and bench are written once.

use std::sync::Arc;
use std::time::Instant;

use clap::ValueEnum;
use vaelab::cpu_train::{CpuTrainer, default_workers};
use vaelab::data::Mnist;
use vaelab::gpu::Gpu;
use vaelab::measures::{Evaluation, IwaeProgress};
use vaelab::schedule::StepMetrics;
use vaelab::trainer::Trainer;
use vaelab::{ModelConfig, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// WebGPU's native twin (Vulkan, Metal, DX12) when a hardware adapter exists, else the CPU.
    Auto,
    Gpu,
    Cpu,
}

pub enum Engine {
    Gpu(Box<Trainer>),
    Cpu(Box<CpuTrainer>),
}

/// Opens the requested backend; `auto` takes the GPU only when its adapter is hardware.
pub fn open(backend: Backend, config: ModelConfig, mnist: &Mnist, autotune: bool) -> Result<Engine> {
    let gpu = match backend {
        Backend::Cpu => None,
        Backend::Gpu => Some(pollster::block_on(Gpu::new())?),
        Backend::Auto => match pollster::block_on(Gpu::new()) {
            Ok(gpu) if !gpu.is_cpu() => Some(gpu),
            Ok(gpu) => {
                eprintln!("backend: cpu (the adapter {} is a software rasterizer)", gpu.describe());
                None
            }
            Err(e) => {
                eprintln!("backend: cpu (no GPU: {e})");
                None
            }
        },
    };
    match gpu {
        Some(gpu) => {
            eprintln!("backend: gpu, adapter: {}", gpu.describe());
            let mut trainer = Trainer::new(gpu, config, &mnist.train, &mnist.test)?;
            if autotune {
                super::autotune(&mut trainer, false)?;
            }
            Ok(Engine::Gpu(Box::new(trainer)))
        }
        None => {
            let (train, test) = (Arc::new(mnist.train.clone()), Arc::new(mnist.test.clone()));
            let trainer = CpuTrainer::new(config, train, test, default_workers())?;
            eprintln!("backend: cpu, {} workers, {}", trainer.workers(), vaelab::cpu::isa());
            Ok(Engine::Cpu(Box::new(trainer)))
        }
    }
}

impl Engine {
    pub fn describe(&self) -> String {
        match self {
            Engine::Gpu(t) => t.gpu.describe(),
            Engine::Cpu(t) => format!("cpu, {} workers, {}", t.workers(), vaelab::cpu::isa()),
        }
    }

    pub fn step(&self) -> u64 {
        match self {
            Engine::Gpu(t) => t.step(),
            Engine::Cpu(t) => t.step(),
        }
    }

    pub fn train_flops_per_sample(&self) -> f64 {
        match self {
            Engine::Gpu(t) => t.arch.train_flops_per_sample(),
            Engine::Cpu(t) => t.arch.train_flops_per_sample(),
        }
    }

    /// Runs `n` steps; returns the training metrics that became available.
    pub fn train(&mut self, n: u32) -> Result<Vec<StepMetrics>> {
        match self {
            Engine::Gpu(t) => {
                t.train_steps(n);
                t.throttle(2);
                Ok(t.take_metrics()?.0)
            }
            Engine::Cpu(t) => {
                t.train_steps(n);
                Ok(t.take_metrics().0)
            }
        }
    }

    /// Waits for all submitted work; returns the metrics still outstanding.
    pub fn flush(&mut self) -> Result<Vec<StepMetrics>> {
        match self {
            Engine::Gpu(t) => Ok(pollster::block_on(t.flush_metrics())?.0),
            Engine::Cpu(t) => Ok(t.take_metrics().0),
        }
    }

    pub fn set_read_every(&mut self, every: u32) {
        if let Engine::Gpu(t) = self {
            t.read_every = every;
        }
    }

    pub fn evaluate(&mut self) -> Result<Evaluation> {
        match self {
            Engine::Gpu(t) => pollster::block_on(t.eval().evaluate()),
            Engine::Cpu(t) => Ok(t.eval().evaluate()),
        }
    }

    /// The IWAE-k bound on the first `images` test images, with a progress bar (passes, images/s
    /// and the estimate over the images finished so far) on either backend.
    pub fn iwae_nll(&mut self, k: u32, images: u32) -> Result<f64> {
        let images = images.clamp(1, self.n_test());
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "iwae-{k} [{{bar:20}}] {{pos}}/{{len}} passes, {{msg}}, eta {{eta}}"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message("starting");
        let start = Instant::now();
        let mut progress = |p: IwaeProgress| {
            let rate = images as f64 * p.passes_done as f64 / p.passes as f64 / start.elapsed().as_secs_f64();
            bar.set_length(p.passes as u64);
            bar.set_position(p.passes_done as u64);
            let so_far = if p.images_done > 0 { format!("{:.2}", p.nll_so_far) } else { "…".into() };
            bar.set_message(format!("{rate:.0} images/s, nll {so_far} on {}", p.images_done));
        };
        let nll = match self {
            Engine::Gpu(t) => pollster::block_on(t.eval().iwae_nll_with_progress(k, images, &mut progress))?,
            Engine::Cpu(t) => t.eval().iwae_nll(k, images, &mut progress),
        };
        bar.finish_and_clear();
        let seconds = start.elapsed().as_secs_f64();
        eprintln!("iwae: {images} images × {k} samples in {seconds:.1} s ({:.1} images/s)", images as f64 / seconds);
        Ok(nll)
    }

    pub fn n_test(&self) -> u32 {
        match self {
            Engine::Gpu(t) => t.n_test(),
            Engine::Cpu(t) => t.n_test(),
        }
    }

    pub fn parameters(&self) -> Result<Vec<f32>> {
        match self {
            Engine::Gpu(t) => pollster::block_on(t.read_parameters()),
            Engine::Cpu(t) => Ok(t.parameters().to_vec()),
        }
    }

    pub fn write_parameters(&mut self, params: &[f32]) -> Result<()> {
        match self {
            Engine::Gpu(t) => t.write_parameters(params),
            Engine::Cpu(t) => t.write_state(params),
        }
    }
}
