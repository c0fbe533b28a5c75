// Matmul with wide 8×8 register blocks and vec4 loads: eight rows by two column groups of four
// per thread, for adapters where a load costs far more than an FMA (CPU emulations of GPUs such as
// SwiftShader gather every per-thread load lane by lane). Same contract, overrides, epilogues and
// shape requirements as matmul_vec4.wgsl (launcher: src/kernels/matmul_wide.rs). Written out with
// named accumulators and no arrays: an indexed array lives in memory on such adapters.

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

fn bias_at(col: u32) -> f32 {
    if (!HAS_BIAS) {
        return 0.0;
    }
    let i = dims.bias_offset + col;
    return b[i / 4u][i % 4u];
}

fn a_row(row: u32) -> u32 {
    return min(row, dims.m - 1u) * (dims.lda / 4u);
}

fn b_row(col: u32) -> u32 {
    return min(col, dims.n - 1u) * (dims.ldb / 4u);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n_out = select(dims.n, dims.n + 1u, ONES_COL);
    let row0 = gid.y * 8u;
    let col0 = gid.x * 8u;
    if (row0 >= dims.m || col0 >= n_out) {
        return;
    }
    // a{i}l / a{i}h: row row0 + i, columns col0 .. col0 + 3 / col0 + 4 .. col0 + 7.
    var a0l = vec4<f32>(0.0);
    var a0h = vec4<f32>(0.0);
    var a1l = vec4<f32>(0.0);
    var a1h = vec4<f32>(0.0);
    var a2l = vec4<f32>(0.0);
    var a2h = vec4<f32>(0.0);
    var a3l = vec4<f32>(0.0);
    var a3h = vec4<f32>(0.0);
    var a4l = vec4<f32>(0.0);
    var a4h = vec4<f32>(0.0);
    var a5l = vec4<f32>(0.0);
    var a5h = vec4<f32>(0.0);
    var a6l = vec4<f32>(0.0);
    var a6h = vec4<f32>(0.0);
    var a7l = vec4<f32>(0.0);
    var a7h = vec4<f32>(0.0);
    if (TRANS_A) {
        // Aᵀ·B: A is [K, M] and B is [K, N], both read along their rows.
        let lda4 = dims.lda / 4u;
        let ldb4 = dims.ldb / 4u;
        let q0 = min(row0, dims.m - 4u) / 4u;
        let q1 = min(row0 + 4u, dims.m - 4u) / 4u;
        let gl = min(col0, dims.n - 4u) / 4u;
        let gh = min(col0 + 4u, dims.n - 4u) / 4u;
        // The bias-gradient column (ONES_COL) is the column group starting at N.
        let ones_l = ONES_COL && col0 >= dims.n;
        let ones_h = ONES_COL && col0 + 4u >= dims.n;
        let one = vec4<f32>(1.0, 0.0, 0.0, 0.0);
        // Two k per iteration (fewer loop and index instructions per fma), then the odd one.
        let k2 = dims.k / 2u;
        for (var kk = 0u; kk < k2; kk = kk + 1u) {
            let k = 2u * kk;
            let x0 = a[k * lda4 + q0];
            let x1 = a[k * lda4 + q1];
            let yl = select(b[k * ldb4 + gl], one, ones_l);
            let yh = select(b[k * ldb4 + gh], one, ones_h);
            a0l = fma(vec4<f32>(x0.x), yl, a0l);
            a0h = fma(vec4<f32>(x0.x), yh, a0h);
            a1l = fma(vec4<f32>(x0.y), yl, a1l);
            a1h = fma(vec4<f32>(x0.y), yh, a1h);
            a2l = fma(vec4<f32>(x0.z), yl, a2l);
            a2h = fma(vec4<f32>(x0.z), yh, a2h);
            a3l = fma(vec4<f32>(x0.w), yl, a3l);
            a3h = fma(vec4<f32>(x0.w), yh, a3h);
            a4l = fma(vec4<f32>(x1.x), yl, a4l);
            a4h = fma(vec4<f32>(x1.x), yh, a4h);
            a5l = fma(vec4<f32>(x1.y), yl, a5l);
            a5h = fma(vec4<f32>(x1.y), yh, a5h);
            a6l = fma(vec4<f32>(x1.z), yl, a6l);
            a6h = fma(vec4<f32>(x1.z), yh, a6h);
            a7l = fma(vec4<f32>(x1.w), yl, a7l);
            a7h = fma(vec4<f32>(x1.w), yh, a7h);
            let x0b = a[(k + 1u) * lda4 + q0];
            let x1b = a[(k + 1u) * lda4 + q1];
            let ylb = select(b[(k + 1u) * ldb4 + gl], one, ones_l);
            let yhb = select(b[(k + 1u) * ldb4 + gh], one, ones_h);
            a0l = fma(vec4<f32>(x0b.x), ylb, a0l);
            a0h = fma(vec4<f32>(x0b.x), yhb, a0h);
            a1l = fma(vec4<f32>(x0b.y), ylb, a1l);
            a1h = fma(vec4<f32>(x0b.y), yhb, a1h);
            a2l = fma(vec4<f32>(x0b.z), ylb, a2l);
            a2h = fma(vec4<f32>(x0b.z), yhb, a2h);
            a3l = fma(vec4<f32>(x0b.w), ylb, a3l);
            a3h = fma(vec4<f32>(x0b.w), yhb, a3h);
            a4l = fma(vec4<f32>(x1b.x), ylb, a4l);
            a4h = fma(vec4<f32>(x1b.x), yhb, a4h);
            a5l = fma(vec4<f32>(x1b.y), ylb, a5l);
            a5h = fma(vec4<f32>(x1b.y), yhb, a5h);
            a6l = fma(vec4<f32>(x1b.z), ylb, a6l);
            a6h = fma(vec4<f32>(x1b.z), yhb, a6h);
            a7l = fma(vec4<f32>(x1b.w), ylb, a7l);
            a7h = fma(vec4<f32>(x1b.w), yhb, a7h);
        }
        if (dims.k % 2u == 1u) {
            let k = dims.k - 1u;
            let x0 = a[k * lda4 + q0];
            let x1 = a[k * lda4 + q1];
            let yl = select(b[k * ldb4 + gl], one, ones_l);
            let yh = select(b[k * ldb4 + gh], one, ones_h);
            a0l = fma(vec4<f32>(x0.x), yl, a0l);
            a0h = fma(vec4<f32>(x0.x), yh, a0h);
            a1l = fma(vec4<f32>(x0.y), yl, a1l);
            a1h = fma(vec4<f32>(x0.y), yh, a1h);
            a2l = fma(vec4<f32>(x0.z), yl, a2l);
            a2h = fma(vec4<f32>(x0.z), yh, a2h);
            a3l = fma(vec4<f32>(x0.w), yl, a3l);
            a3h = fma(vec4<f32>(x0.w), yh, a3h);
            a4l = fma(vec4<f32>(x1.x), yl, a4l);
            a4h = fma(vec4<f32>(x1.x), yh, a4h);
            a5l = fma(vec4<f32>(x1.y), yl, a5l);
            a5h = fma(vec4<f32>(x1.y), yh, a5h);
            a6l = fma(vec4<f32>(x1.z), yl, a6l);
            a6h = fma(vec4<f32>(x1.z), yh, a6h);
            a7l = fma(vec4<f32>(x1.w), yl, a7l);
            a7h = fma(vec4<f32>(x1.w), yh, a7h);
        }
    } else if (TRANS_B) {
        // A·Bᵀ: rows of A and rows of B both run along k.
        let r0 = a_row(row0 + 0u);
        let r1 = a_row(row0 + 1u);
        let r2 = a_row(row0 + 2u);
        let r3 = a_row(row0 + 3u);
        let r4 = a_row(row0 + 4u);
        let r5 = a_row(row0 + 5u);
        let r6 = a_row(row0 + 6u);
        let r7 = a_row(row0 + 7u);
        let c0 = b_row(col0 + 0u);
        let c1 = b_row(col0 + 1u);
        let c2 = b_row(col0 + 2u);
        let c3 = b_row(col0 + 3u);
        let c4 = b_row(col0 + 4u);
        let c5 = b_row(col0 + 5u);
        let c6 = b_row(col0 + 6u);
        let c7 = b_row(col0 + 7u);
        for (var k4 = 0u; k4 < dims.k / 4u; k4 = k4 + 1u) {
            let y0 = b[c0 + k4];
            let y1 = b[c1 + k4];
            let y2 = b[c2 + k4];
            let y3 = b[c3 + k4];
            let y4 = b[c4 + k4];
            let y5 = b[c5 + k4];
            let y6 = b[c6 + k4];
            let y7 = b[c7 + k4];
            let x0 = a[r0 + k4];
            a0l = fma4_t(a0l, x0, y0, y1, y2, y3);
            a0h = fma4_t(a0h, x0, y4, y5, y6, y7);
            let x1 = a[r1 + k4];
            a1l = fma4_t(a1l, x1, y0, y1, y2, y3);
            a1h = fma4_t(a1h, x1, y4, y5, y6, y7);
            let x2 = a[r2 + k4];
            a2l = fma4_t(a2l, x2, y0, y1, y2, y3);
            a2h = fma4_t(a2h, x2, y4, y5, y6, y7);
            let x3 = a[r3 + k4];
            a3l = fma4_t(a3l, x3, y0, y1, y2, y3);
            a3h = fma4_t(a3h, x3, y4, y5, y6, y7);
            let x4 = a[r4 + k4];
            a4l = fma4_t(a4l, x4, y0, y1, y2, y3);
            a4h = fma4_t(a4h, x4, y4, y5, y6, y7);
            let x5 = a[r5 + k4];
            a5l = fma4_t(a5l, x5, y0, y1, y2, y3);
            a5h = fma4_t(a5h, x5, y4, y5, y6, y7);
            let x6 = a[r6 + k4];
            a6l = fma4_t(a6l, x6, y0, y1, y2, y3);
            a6h = fma4_t(a6h, x6, y4, y5, y6, y7);
            let x7 = a[r7 + k4];
            a7l = fma4_t(a7l, x7, y0, y1, y2, y3);
            a7h = fma4_t(a7h, x7, y4, y5, y6, y7);
        }
    } else {
        // A·B: rows of A run along k, rows of B along n.
        let r0 = a_row(row0 + 0u);
        let r1 = a_row(row0 + 1u);
        let r2 = a_row(row0 + 2u);
        let r3 = a_row(row0 + 3u);
        let r4 = a_row(row0 + 4u);
        let r5 = a_row(row0 + 5u);
        let r6 = a_row(row0 + 6u);
        let r7 = a_row(row0 + 7u);
        let ldb4 = dims.ldb / 4u;
        let gl = min(col0, dims.n - 4u) / 4u;
        let gh = min(col0 + 4u, dims.n - 4u) / 4u;
        for (var k4 = 0u; k4 < dims.k / 4u; k4 = k4 + 1u) {
            let kb = 4u * k4 * ldb4;
            let l0 = b[kb + gl];
            let l1 = b[kb + ldb4 + gl];
            let l2 = b[kb + 2u * ldb4 + gl];
            let l3 = b[kb + 3u * ldb4 + gl];
            let h0 = b[kb + gh];
            let h1 = b[kb + ldb4 + gh];
            let h2 = b[kb + 2u * ldb4 + gh];
            let h3 = b[kb + 3u * ldb4 + gh];
            let x0 = a[r0 + k4];
            a0l = fma4(a0l, x0, l0, l1, l2, l3);
            a0h = fma4(a0h, x0, h0, h1, h2, h3);
            let x1 = a[r1 + k4];
            a1l = fma4(a1l, x1, l0, l1, l2, l3);
            a1h = fma4(a1h, x1, h0, h1, h2, h3);
            let x2 = a[r2 + k4];
            a2l = fma4(a2l, x2, l0, l1, l2, l3);
            a2h = fma4(a2h, x2, h0, h1, h2, h3);
            let x3 = a[r3 + k4];
            a3l = fma4(a3l, x3, l0, l1, l2, l3);
            a3h = fma4(a3h, x3, h0, h1, h2, h3);
            let x4 = a[r4 + k4];
            a4l = fma4(a4l, x4, l0, l1, l2, l3);
            a4h = fma4(a4h, x4, h0, h1, h2, h3);
            let x5 = a[r5 + k4];
            a5l = fma4(a5l, x5, l0, l1, l2, l3);
            a5h = fma4(a5h, x5, h0, h1, h2, h3);
            let x6 = a[r6 + k4];
            a6l = fma4(a6l, x6, l0, l1, l2, l3);
            a6h = fma4(a6h, x6, h0, h1, h2, h3);
            let x7 = a[r7 + k4];
            a7l = fma4(a7l, x7, l0, l1, l2, l3);
            a7h = fma4(a7h, x7, h0, h1, h2, h3);
        }
    }
    store4(row0 + 0u, col0, a0l);
    store4(row0 + 0u, col0 + 4u, a0h);
    store4(row0 + 1u, col0, a1l);
    store4(row0 + 1u, col0 + 4u, a1h);
    store4(row0 + 2u, col0, a2l);
    store4(row0 + 2u, col0 + 4u, a2h);
    store4(row0 + 3u, col0, a3l);
    store4(row0 + 3u, col0 + 4u, a3h);
    store4(row0 + 4u, col0, a4l);
    store4(row0 + 4u, col0 + 4u, a4h);
    store4(row0 + 5u, col0, a5l);
    store4(row0 + 5u, col0 + 4u, a5h);
    store4(row0 + 6u, col0, a6l);
    store4(row0 + 6u, col0 + 4u, a6h);
    store4(row0 + 7u, col0, a7l);
    store4(row0 + 7u, col0 + 4u, a7h);
}
