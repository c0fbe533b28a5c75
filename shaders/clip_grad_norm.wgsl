// torch.nn.utils.clip_grad_norm_ over the flat gradient, in one workgroup: ‖g‖ by a fixed-order
// tree reduction, then g ← g · min(1, max_norm / (‖g‖ + 1e-6)) in place, before adam.wgsl
// (launcher: src/kernels/clip_grad_norm.rs; CPU oracle: Adam::step in src/seq/adam.rs).
//   grads: [len4] vec4 (padding entries are 0); metrics: ‖g‖ before the clip goes to
//   metrics[step.slot · record + 3] (the VRNN's ring, see vrnn_metrics.wgsl)
// One workgroup of 256 threads, each striding over the vector.

struct Params {
    len4: u32,
    record: u32,
    max_norm: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> step: VrnnStep;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> grads: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> metrics: array<f32>;

var<workgroup> partial: array<f32, 256>;
var<workgroup> factor: f32;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
    let me = lid.x;
    var sum = 0.0;
    for (var i = me; i < params.len4; i = i + 256u) {
        let g = grads[i];
        sum = sum + dot(g, g);
    }
    partial[me] = sum;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half = half >> 1u) {
        if (me < half) {
            partial[me] = partial[me] + partial[me + half];
        }
        workgroupBarrier();
    }
    if (me == 0u) {
        let norm = sqrt(partial[0]);
        metrics[step.slot * params.record + 3u] = norm;
        factor = min(1.0, params.max_norm / (norm + 1e-6));
    }
    workgroupBarrier();
    let s = factor;
    if (s < 1.0) {
        for (var i = me; i < params.len4; i = i + 256u) {
            grads[i] = grads[i] * s;
        }
    }
}
