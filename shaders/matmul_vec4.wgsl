// Register-blocked matmul with vec4 loads along each operand's contiguous dimension: the variant
// for shapes whose leading dimensions are multiples of 4 (every layer of the default model).
// Same contract, overrides and epilogues as matmul.wgsl (launcher: src/kernels/matmul_vec4.rs);
// requirements, checked by the launcher:
//   A·B  : K, lda, ldb, N multiples of 4        A·Bᵀ: K, lda, ldb multiples of 4
//   Aᵀ·B : M, lda, ldb, N multiples of 4
// Each thread computes a 4×4 block of C; rows and column groups are clamped on load.

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

fn bias_at(col: u32) -> f32 {
    if (!HAS_BIAS) {
        return 0.0;
    }
    let i = dims.bias_offset + col;
    return b[i / 4u][i % 4u];
}

// Rows of A (row-major, vec4 index of the row start), clamped.
fn a_row(row: u32) -> u32 {
    return min(row, dims.m - 1u) * (dims.lda / 4u);
}

// A·Bᵀ: rows of B = columns of C, clamped.
fn b_row_nt(col: u32) -> u32 {
    return min(col, dims.n - 1u) * (dims.ldb / 4u);
}

fn acc_nn(row0: u32, col0: u32) -> array<vec4<f32>, 4> {
    let a0 = a_row(row0);
    let a1 = a_row(row0 + 1u);
    let a2 = a_row(row0 + 2u);
    let a3 = a_row(row0 + 3u);
    let group = min(col0, dims.n - 4u) / 4u;
    let ldb4 = dims.ldb / 4u;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k4 = 0u; k4 < dims.k / 4u; k4 = k4 + 1u) {
        let kb = 4u * k4 * ldb4 + group;
        let b0 = b[kb];
        let b1 = b[kb + ldb4];
        let b2 = b[kb + 2u * ldb4];
        let b3 = b[kb + 3u * ldb4];
        let x0 = a[a0 + k4];
        let x1 = a[a1 + k4];
        let x2 = a[a2 + k4];
        let x3 = a[a3 + k4];
        acc0 = fma4(acc0, x0, b0, b1, b2, b3);
        acc1 = fma4(acc1, x1, b0, b1, b2, b3);
        acc2 = fma4(acc2, x2, b0, b1, b2, b3);
        acc3 = fma4(acc3, x3, b0, b1, b2, b3);
    }
    return array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
}

fn acc_nt(row0: u32, col0: u32) -> array<vec4<f32>, 4> {
    let a0 = a_row(row0);
    let a1 = a_row(row0 + 1u);
    let a2 = a_row(row0 + 2u);
    let a3 = a_row(row0 + 3u);
    let c0 = b_row_nt(col0);
    let c1 = b_row_nt(col0 + 1u);
    let c2 = b_row_nt(col0 + 2u);
    let c3 = b_row_nt(col0 + 3u);
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k4 = 0u; k4 < dims.k / 4u; k4 = k4 + 1u) {
        let y0 = b[c0 + k4];
        let y1 = b[c1 + k4];
        let y2 = b[c2 + k4];
        let y3 = b[c3 + k4];
        let x0 = a[a0 + k4];
        let x1 = a[a1 + k4];
        let x2 = a[a2 + k4];
        let x3 = a[a3 + k4];
        acc0 = fma4_t(acc0, x0, y0, y1, y2, y3);
        acc1 = fma4_t(acc1, x1, y0, y1, y2, y3);
        acc2 = fma4_t(acc2, x2, y0, y1, y2, y3);
        acc3 = fma4_t(acc3, x3, y0, y1, y2, y3);
    }
    return array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
}

fn acc_tn(row0: u32, col0: u32) -> array<vec4<f32>, 4> {
    // Aᵀ·B: A is [K, M] and B is [K, N], both read as vec4 along their rows.
    let row_group = min(row0, dims.m - 4u) / 4u;
    // The ones column (ONES_COL) lives in the column group starting at N.
    let ones_group = ONES_COL && col0 >= dims.n;
    let col_group = min(col0, dims.n - 4u) / 4u;
    let lda4 = dims.lda / 4u;
    let ldb4 = dims.ldb / 4u;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k = 0u; k < dims.k; k = k + 1u) {
        let x = a[k * lda4 + row_group];
        var y = b[k * ldb4 + col_group];
        if (ONES_COL && ones_group) {
            y = vec4<f32>(1.0, 0.0, 0.0, 0.0);
        }
        acc0 = fma(vec4<f32>(x.x), y, acc0);
        acc1 = fma(vec4<f32>(x.y), y, acc1);
        acc2 = fma(vec4<f32>(x.z), y, acc2);
        acc3 = fma(vec4<f32>(x.w), y, acc3);
    }
    return array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n_out = select(dims.n, dims.n + 1u, ONES_COL);
    let row0 = gid.y * 4u;
    let col0 = gid.x * 4u;
    if (row0 >= dims.m || col0 >= n_out) {
        return;
    }
    var acc: array<vec4<f32>, 4>;
    if (TRANS_A) {
        acc = acc_tn(row0, col0);
    } else if (TRANS_B) {
        acc = acc_nt(row0, col0);
    } else {
        acc = acc_nn(row0, col0);
    }
    store4(row0, col0, acc[0]);
    store4(row0 + 1u, col0, acc[1]);
    store4(row0 + 2u, col0, acc[2]);
    store4(row0 + 3u, col0, acc[3]);
}
