// Gradient-norm clipping in place, torch.nn.utils.clip_grad_norm_'s rule (CPU oracle: src/seq/adam.rs):
//   ‖g‖ = √(Σ g²);  g ← g · min(1, max_norm / (‖g‖ + 1e-6))
//   grads: [len] (padding between tensors is zero, so it adds nothing); norms: [slots] ← ‖g‖ before the clip
// A single thread: a few thousand parameters, a fixed summation order and no barriers (which CPU
// emulations of GPUs pay dearly for).

struct Params {
    len: u32,
    max_norm: f32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> norms: array<f32>;

@compute @workgroup_size(1)
fn main() {
    var sum = 0.0;
    for (var i = 0u; i < params.len; i = i + 1u) {
        sum = sum + grads[i] * grads[i];
    }
    let norm = sqrt(sum);
    let factor = min(1.0, params.max_norm / (norm + 1e-6));
    if (factor < 1.0) {
        for (var i = 0u; i < params.len; i = i + 1u) {
            grads[i] = grads[i] * factor;
        }
    }
    norms[step.slot] = norm;
}
