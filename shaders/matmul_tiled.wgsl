// Shared-memory tiled matmul for discrete and integrated GPUs: a 16×16 workgroup stages 64×16
// tiles of op(A) and 16×64 tiles of op(B) in workgroup memory with one vec4 load per thread per
// operand, then each thread accumulates a 4×4 block from them. Same contract, overrides,
// epilogues and shape requirements as matmul_vec4.wgsl (launcher: src/kernels/matmul_tiled.rs).
// CPU emulations (SwiftShader, lavapipe) pay heavily for barriers, so the autotuner decides.

const BM: u32 = 64u;
const BN: u32 = 64u;
const BK: u32 = 16u;

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

// k-major tiles: tile_a[kk * 16 + r4] holds op(A)[row0 + 4·r4 .. +3, k0 + kk], same for B's columns.
var<workgroup> tile_a: array<vec4<f32>, 256>;
var<workgroup> tile_b: array<vec4<f32>, 256>;

fn bias_at(col: u32) -> f32 {
    if (!HAS_BIAS) {
        return 0.0;
    }
    let i = dims.bias_offset + col;
    return b[i / 4u][i % 4u];
}

// Thread t of 256 stages one vec4 of each operand per k-tile.
fn stage_a(t: u32, row_base: u32, k0: u32) {
    if (TRANS_A) {
        // A is [K, M]: the vec4 runs along rows. t covers (kk = t / 16, row group t % 16).
        let kk = t / 16u;
        let group = t % 16u;
        let k = k0 + kk;
        let row = min(row_base + 4u * group, dims.m - 4u);
        var v = vec4<f32>(0.0);
        if (k < dims.k) {
            v = a[(k * dims.lda + row) / 4u];
        }
        tile_a[kk * 16u + group] = v;
    } else {
        // A is [M, K]: the vec4 runs along k. t covers (row = t / 4, k quad t % 4); transpose into k-major.
        let r = t / 4u;
        let quad = t % 4u;
        let row = min(row_base + r, dims.m - 1u);
        let k = k0 + 4u * quad;
        var v = vec4<f32>(0.0);
        if (k < dims.k) {
            v = a[(row * dims.lda + k) / 4u];
        }
        for (var e = 0u; e < 4u; e = e + 1u) {
            let kk = 4u * quad + e;
            tile_a[kk * 16u + r / 4u][r % 4u] = v[e];
        }
    }
}

fn stage_b(t: u32, col_base: u32, k0: u32) {
    if (TRANS_B) {
        // B is [N, K]: the vec4 runs along k; transpose into k-major.
        let cl = t / 4u;
        let quad = t % 4u;
        let col = min(col_base + cl, dims.n - 1u);
        let k = k0 + 4u * quad;
        var v = vec4<f32>(0.0);
        if (k < dims.k) {
            v = b[(col * dims.ldb + k) / 4u];
        }
        for (var e = 0u; e < 4u; e = e + 1u) {
            let kk = 4u * quad + e;
            tile_b[kk * 16u + cl / 4u][cl % 4u] = v[e];
        }
    } else {
        // B is [K, N]: the vec4 runs along columns; the ones column (ONES_COL) is the group at N.
        let kk = t / 16u;
        let group = t % 16u;
        let k = k0 + kk;
        let col = col_base + 4u * group;
        var v = vec4<f32>(0.0);
        if (k < dims.k) {
            if (ONES_COL && col >= dims.n) {
                v = vec4<f32>(1.0, 0.0, 0.0, 0.0);
            } else {
                v = b[(k * dims.ldb + min(col, dims.n - 4u)) / 4u];
            }
        }
        tile_b[kk * 16u + group] = v;
    }
}

@compute @workgroup_size(16, 16)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
) {
    let row_base = wid.y * BM;
    let col_base = wid.x * BN;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    // Every thread takes part in staging and barriers, so no early return before the loop.
    for (var k0 = 0u; k0 < dims.k; k0 = k0 + BK) {
        stage_a(t, row_base, k0);
        stage_b(t, col_base, k0);
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk = kk + 1u) {
            let x = tile_a[kk * 16u + lid.y];
            let y = tile_b[kk * 16u + lid.x];
            acc0 = fma(vec4<f32>(x.x), y, acc0);
            acc1 = fma(vec4<f32>(x.y), y, acc1);
            acc2 = fma(vec4<f32>(x.z), y, acc2);
            acc3 = fma(vec4<f32>(x.w), y, acc3);
        }
        workgroupBarrier();
    }
    // Loads past the last row or column were clamped into range; their results are never stored.
    let row0 = row_base + 4u * lid.y;
    let col0 = col_base + 4u * lid.x;
    store4(row0, col0, acc0);
    store4(row0 + 1u, col0, acc1);
    store4(row0 + 2u, col0, acc2);
    store4(row0 + 3u, col0, acc3);
}
