//! Device setup and buffer plumbing, kept apart from the work: `Gpu::new` finds an adapter and
//! opens a device; everything else takes a `Gpu` so tests and the page can bring their own.

use std::sync::{Arc, Mutex};

use wgpu::util::DeviceExt;

use crate::error::{Result, VaeError};

/// A device, its queue and what we learned about the adapter.
#[derive(Clone)]
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    pub timestamps: bool,
}

impl Gpu {
    /// Opens the best adapter with the limits the engine needs (the adapter's own maxima, so big
    /// models fit where the hardware allows) and timestamp queries when available.
    pub async fn new() -> Result<Gpu> {
        // Vulkan/Metal/DX12 natively, WebGPU in a browser; GL is never probed. WGPU_BACKEND overrides.
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = wgpu::Backends::PRIMARY | wgpu::Backends::BROWSER_WEBGPU;
        let instance = wgpu::Instance::new(descriptor.with_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| {
                VaeError::NoAdapter(format!(
                    "{e}. Natively, install a Vulkan driver (on Debian: `apt-get install mesa-vulkan-drivers`); \
                     in a browser, use one with WebGPU enabled (Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu)"
                ))
            })?;
        Self::from_adapter(&adapter).await
    }

    pub async fn from_adapter(adapter: &wgpu::Adapter) -> Result<Gpu> {
        let info = adapter.get_info();
        let adapter_limits = adapter.limits();
        let timestamps = adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut required_features = wgpu::Features::empty();
        if timestamps {
            required_features |= wgpu::Features::TIMESTAMP_QUERY;
        }
        let required_limits = wgpu::Limits {
            max_storage_buffer_binding_size: adapter_limits.max_storage_buffer_binding_size,
            max_buffer_size: adapter_limits.max_buffer_size,
            max_storage_buffers_per_shader_stage: adapter_limits.max_storage_buffers_per_shader_stage.min(10),
            max_compute_workgroups_per_dimension: adapter_limits.max_compute_workgroups_per_dimension,
            ..wgpu::Limits::downlevel_defaults()
        };
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("vaelab"),
                required_features,
                required_limits: required_limits.clone(),
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::Performance,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| VaeError::Gpu(format!("could not open the device on {}: {e}", info.name)))?;
        Ok(Gpu { device, queue, info, limits: required_limits, timestamps })
    }

    /// Whether the adapter is a CPU emulation of a GPU (lavapipe, SwiftShader, WARP): kernels
    /// then prefer fewer, longer workgroups.
    pub fn is_cpu(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// One line for logs and the page: adapter name and backend.
    pub fn describe(&self) -> String {
        format!("{} ({:?}, {:?})", self.info.name, self.info.backend, self.info.device_type)
    }

    pub fn storage(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(16).next_multiple_of(16),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    pub fn storage_init(&self, label: &str, contents: &[u8]) -> wgpu::Buffer {
        let mut padded;
        let contents = if contents.len().is_multiple_of(16) && !contents.is_empty() {
            contents
        } else {
            padded = contents.to_vec();
            padded.resize(contents.len().max(16).next_multiple_of(16), 0);
            &padded
        };
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        })
    }

    pub fn uniform_init(&self, label: &str, contents: &[u8]) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        })
    }

    /// Blocks natively until submitted work is done; in the browser the event loop does this.
    pub fn poll_wait(&self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
        }
    }

    /// Drives pending callbacks natively without blocking; a no-op in the browser.
    pub fn poll(&self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = self.device.poll(wgpu::PollType::Poll);
        }
    }

    /// Copies `bytes` bytes of `buffer` from `offset` back to the CPU (for evaluation, tests and
    /// the page's pictures — never inside the training loop).
    pub async fn read_bytes(&self, buffer: &wgpu::Buffer, offset: u64, bytes: u64) -> Result<Vec<u8>> {
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: bytes.next_multiple_of(4).max(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(buffer, offset, &staging, 0, bytes.next_multiple_of(4));
        self.queue.submit([encoder.finish()]);
        let data = map_read(self, &staging).await?;
        Ok(data[..bytes as usize].to_vec())
    }

    pub async fn read_f32(&self, buffer: &wgpu::Buffer, offset_floats: usize, len: usize) -> Result<Vec<f32>> {
        let bytes = self.read_bytes(buffer, offset_floats as u64 * 4, len as u64 * 4).await?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }
}

/// Maps a MAP_READ buffer whose copy has been submitted and returns its contents.
pub async fn map_read(gpu: &Gpu, staging: &wgpu::Buffer) -> Result<Vec<u8>> {
    let (sender, receiver) = futures_channel::oneshot::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |result| {
        let _ = sender.send(result);
    });
    gpu.poll_wait();
    receiver
        .await
        .map_err(|_| VaeError::Gpu("the device went away during a readback".into()))?
        .map_err(|e| VaeError::Gpu(format!("readback failed: {e}")))?;
    let data = staging.get_mapped_range(..).map_err(|e| VaeError::Gpu(format!("readback failed: {e}")))?.to_vec();
    staging.unmap();
    Ok(data)
}

/// A readback that completes in the background: the callback stores the bytes, `take` returns
/// them once they have arrived. Used for metrics every K steps so training never waits.
pub struct PendingRead {
    buffer: wgpu::Buffer,
    result: Arc<Mutex<Option<std::result::Result<(), wgpu::BufferAsyncError>>>>,
}

impl PendingRead {
    /// Copies the range into a fresh staging buffer with `encoder`; call `start` after submitting.
    pub fn record(gpu: &Gpu, encoder: &mut wgpu::CommandEncoder, src: &wgpu::Buffer, offset: u64, bytes: u64) -> Self {
        let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("metrics readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(src, offset, &buffer, 0, bytes);
        PendingRead { buffer, result: Arc::new(Mutex::new(None)) }
    }

    pub fn start(&self) {
        let slot = self.result.clone();
        self.buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            if let Ok(mut guard) = slot.lock() {
                *guard = Some(r);
            }
        });
    }

    pub fn is_ready(&self) -> bool {
        self.result.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// The bytes if the map finished, `None` if still pending.
    pub fn take(&self) -> Option<Result<Vec<u8>>> {
        let done = self.result.lock().ok()?.take()?;
        Some(match done {
            Ok(()) => {
                let data = self
                    .buffer
                    .get_mapped_range(..)
                    .map(|view| view.to_vec())
                    .map_err(|e| VaeError::Gpu(format!("metrics readback failed: {e}")));
                self.buffer.unmap();
                data
            }
            Err(e) => Err(VaeError::Gpu(format!("metrics readback failed: {e}"))),
        })
    }
}

/// Lets the browser's event loop run (so GPU promises can resolve); natively a no-op.
pub async fn yield_now() {
    #[cfg(target_arch = "wasm32")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(&resolve);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}
