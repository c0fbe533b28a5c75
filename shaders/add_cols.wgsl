// Column blocks of row-major matrices added together: the VRNN's concatenations ([s, h], [φz, h],
// [φx, φz]) and the gradient sums where one activation feeds several layers (launcher:
// src/kernels/add_cols.rs, CPU oracle `add_cols_cpu` there).
//   dst[r, od + c] = (ACCUMULATE ? dst[r, od + c] : 0) + Σ_{i < SOURCES} s_i[r, o_i + c]
//   then, with RELU_MASK, × [mask[r, om + c] > 0] (ReLU' from the layer's saved output)
//   for r < rows, c < cols; every operand has its own row stride ld and column offset o, so a
//   block may start anywhere (no 256-byte binding alignment needed).
// One thread per (column, row): x over columns, y over rows, 8 × 8 per workgroup.

struct Params {
    rows: u32,
    cols: u32,
    ld_dst: u32,
    off_dst: u32,
    ld_s0: u32,
    off_s0: u32,
    ld_s1: u32,
    off_s1: u32,
    ld_s2: u32,
    off_s2: u32,
    ld_mask: u32,
    off_mask: u32,
}

// Folded at pipeline creation.
override SOURCES: u32 = 1u;
override ACCUMULATE: bool = false;
override RELU_MASK: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> s0: array<f32>;
@group(0) @binding(2) var<storage, read> s1: array<f32>;
@group(0) @binding(3) var<storage, read> s2: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let r = gid.y;
    if (c >= params.cols || r >= params.rows) {
        return;
    }
    let at = r * params.ld_dst + params.off_dst + c;
    var v = s0[r * params.ld_s0 + params.off_s0 + c];
    if (SOURCES > 1u) {
        v = v + s1[r * params.ld_s1 + params.off_s1 + c];
    }
    if (SOURCES > 2u) {
        v = v + s2[r * params.ld_s2 + params.off_s2 + c];
    }
    if (ACCUMULATE) {
        v = dst[at] + v;
    }
    if (RELU_MASK) {
        v = select(0.0, v, mask[r * params.ld_mask + params.off_mask + c] > 0.0);
    }
    dst[at] = v;
}
