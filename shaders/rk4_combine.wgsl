// The elementwise parts of one classic RK4 step and of its backward, as linear combinations; the
// vector field's evaluations and vector–Jacobian products (matmuls + activations) run in between.
//   x, k1..k4, out: [B, D] row-major, n = B·D elements; coefficients from the host (uniform)
// FINAL = false:  out = x_scale·x + c.x·k1
//   forward stage inputs  u_s = z + c_s h k_{s−1}, c = (½, ½, 1) for s = 2, 3, 4
//   backward              dk_{s−1} = w_{s−1} dz' + c_s h du_s  (du_s = the field's VJP at stage s)
// FINAL = true:   out = x + c.x·k1 + c.y·k2 + c.z·k3 + c.w·k4
//   forward               z' = z + h/6 (k1 + 2k2 + 2k3 + k4), i.e. c = w = h·(1/6, 1/3, 1/3, 1/6)
//   backward              dz = dz' + du_1 + du_2 + du_3 + du_4 (c = 1)
// (CPU oracle: src/seq/rk4.rs, step and step_backward.) Unused k inputs may alias a read-only input.
// One thread per element.

struct Params {
    c: vec4<f32>,
    n: u32,
    x_scale: f32,
    _pad0: u32,
    _pad1: u32,
}

// Folded at pipeline creation.
override FINAL: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> k1: array<f32>;
@group(0) @binding(3) var<storage, read> k2: array<f32>;
@group(0) @binding(4) var<storage, read> k3: array<f32>;
@group(0) @binding(5) var<storage, read> k4: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.n) {
        return;
    }
    let c = params.c;
    if (FINAL) {
        out[i] = x[i] + (c.x * k1[i] + c.y * k2[i] + c.z * k3[i] + c.w * k4[i]);
    } else {
        out[i] = params.x_scale * x[i] + c.x * k1[i];
    }
}
