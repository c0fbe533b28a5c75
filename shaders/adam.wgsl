// Adam (Kingma & Ba 2015) over every parameter of the model in one dispatch: parameters,
// gradients and both moments each live in one flat buffer, four floats per thread.
//   m ← β1·m + (1 − β1)·g ;  v ← β2·v + (1 − β2)·g²
//   p ← p − lr_t · m / (√v · inv_sqrt_bc2 + ε),  lr_t = lr/(1 − β1^t), inv_sqrt_bc2 = 1/√(1 − β2^t)
// which is PyTorch's torch.optim.Adam update; the two bias corrections come per step from the host.

struct Params {
    len4: u32,      // number of vec4 groups
    beta1: f32,
    beta2: f32,
    eps: f32,
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> weights: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> v: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.len4; i = i + stride) {
        let g = grads[i];
        let m_new = params.beta1 * m[i] + (1.0 - params.beta1) * g;
        let v_new = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
        m[i] = m_new;
        v[i] = v_new;
        weights[i] = weights[i] - step.lr_t * m_new / (sqrt(v_new) * step.inv_sqrt_bc2 + params.eps);
    }
}
