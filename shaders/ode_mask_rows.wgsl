// Scales each row by its mask: out[b, c] = m[b] · x[b, c]. The latent ODE's GRU encoder runs
// every trajectory of a batch for the same number of steps with the observed points at the end;
// the leading steps of a shorter trajectory are masked (m = 0) so its state stays h = 0 until its
// last point, and in the backward the same mask stops the gradient there.
//   x, out: [rows, cols] (distinct buffers: wgpu forbids a read and a write binding of one buffer
//   in one dispatch), mask: [rows]
// One thread per element: x over columns, y over rows.

struct Params {
    rows: u32,
    cols: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let b = gid.y;
    if (c >= params.cols || b >= params.rows) {
        return;
    }
    out[b * params.cols + c] = mask[b] * x[b * params.cols + c];
}
