//! What a config needs of the device and the data, checked before anything is allocated, so a
//! model that cannot fit fails with words instead of a GPU validation error.

use crate::config::ModelConfig;
use crate::error::{Result, VaeError};
use crate::gpu::Gpu;
use crate::model::{Architecture, PIXELS};

/// Bytes of the biggest single buffer a config needs, checked against the device before allocating.
fn largest_buffer(config: &ModelConfig, arch: &Architecture, n_train: usize, n_test: usize) -> (u64, &'static str) {
    let rows = (config.batch_size * config.samples) as u64;
    let widest = arch.layers.iter().map(|l| l.outputs.max(l.inputs)).max().unwrap_or(PIXELS) as u64;
    let candidates = [
        (n_train as u64 * PIXELS as u64, "the training images"),
        (n_test as u64 * PIXELS as u64, "the test images"),
        (arch.total as u64 * 4, "the parameters"),
        (rows * widest * 4, "one batch's activations"),
        (rows * PIXELS as u64 * 4, "one batch's logits"),
    ];
    candidates.into_iter().max_by_key(|c| c.0).expect("non-empty")
}

/// Rejects, before anything is allocated, a config the data or the device cannot hold.
pub(super) fn check_fits(gpu: &Gpu, config: &ModelConfig, n_train: usize, n_test: usize) -> Result<()> {
    config.validate()?;
    let arch = Architecture::new(config);
    config.check_data(n_train)?;
    let decoder_rows = config.batch_size * config.samples;
    let max_groups = gpu.limits.max_compute_workgroups_per_dimension;
    if decoder_rows > max_groups {
        return Err(VaeError::DeviceTooSmall(format!(
            "batch_size × samples = {decoder_rows} rows exceeds this device's {max_groups} workgroups per dispatch"
        )));
    }
    let (bytes, what) = largest_buffer(config, &arch, n_train, n_test);
    let limit = gpu.limits.max_storage_buffer_binding_size.min(gpu.limits.max_buffer_size);
    if bytes > limit {
        return Err(VaeError::DeviceTooSmall(format!(
            "{what} need a {:.1} MiB buffer; this device allows {:.1} MiB per buffer — use fewer or smaller layers, a smaller batch, or fewer samples",
            bytes as f64 / 1048576.0,
            limit as f64 / 1048576.0
        )));
    }
    Ok(())
}
