//! Shared test plumbing: one GPU device per test binary, seeded random inputs, and a comparison
//! that reports the first mismatches with their indices.
#![allow(dead_code)]

pub mod cpu_check;

use std::sync::OnceLock;

use vaelab::gpu::Gpu;
use vaelab::rng;

/// The machine's adapter (lavapipe in CI). Tests share it; wgpu devices are thread-safe natively.
pub fn gpu() -> Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| {
        let gpu = pollster::block_on(Gpu::new()).expect("a GPU adapter (install mesa-vulkan-drivers)");
        eprintln!("adapter: {}", gpu.describe());
        gpu
    })
    .clone()
}

/// `n` values uniform in [lo, hi), reproducible from `seed`.
pub fn uniform(seed: u32, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    let key = rng::key(seed, 99, 0);
    (0..n).map(|i| lo + (hi - lo) * rng::uniform_open01(rng::threefry2x32(key, [0, i as u32])[0])).collect()
}

/// Asserts |gpu − cpu| ≤ atol + rtol·|cpu| everywhere, listing the first mismatches.
pub fn assert_close(what: &str, gpu: &[f32], cpu: &[f32], atol: f32, rtol: f32) {
    assert_eq!(gpu.len(), cpu.len(), "{what}: length");
    // NaN anywhere fails: `within` is false for it.
    let within = |g: f32, c: f32| (g - c).abs() <= atol + rtol * c.abs();
    let bad: Vec<String> = gpu
        .iter()
        .zip(cpu)
        .enumerate()
        .filter(|(_, (g, c))| !within(**g, **c))
        .take(8)
        .map(|(i, (g, c))| format!("[{i}] gpu={g} cpu={c}"))
        .collect();
    let count = gpu.iter().zip(cpu).filter(|(g, c)| !within(**g, **c)).count();
    assert!(bad.is_empty(), "{what}: {count} of {} differ; first: {}", gpu.len(), bad.join(", "));
}

pub fn upload(gpu: &Gpu, values: &[f32]) -> wgpu::Buffer {
    gpu.storage_init("test input", bytemuck::cast_slice(values))
}

pub fn upload_u32(gpu: &Gpu, values: &[u32]) -> wgpu::Buffer {
    gpu.storage_init("test input", bytemuck::cast_slice(values))
}

pub fn read(gpu: &Gpu, buffer: &wgpu::Buffer, len: usize) -> Vec<f32> {
    pollster::block_on(gpu.read_f32(buffer, 0, len)).expect("readback")
}

/// Runs the dispatches once, with step record slot 0.
pub fn run(gpu: &Gpu, dispatches: &[&vaelab::kernels::Dispatch]) {
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        for d in dispatches {
            d.record(&mut pass, 0);
        }
    }
    gpu.queue.submit([encoder.finish()]);
}
