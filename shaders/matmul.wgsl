// Register-blocked matmul C = op(A)·op(B) with a fused epilogue; every dense layer of the VAE,
// forward and backward, is one dispatch of this kernel (launcher: src/kernels/matmul.rs).
//   op(A): [M, K] = A ([M, K], row stride lda) or Aᵀ (A stored [K, M], TRANS_A)
//   op(B): [K, N] = B ([K, N], row stride ldb) or Bᵀ (B stored [N, K], TRANS_B)
//   C: [M, N] row stride ldc. Each thread computes a 4×4 block; loads are clamped into range and
//   only stores are guarded, so the inner loop has no branches.
// Epilogues (override constants, folded at pipeline creation):
//   HAS_BIAS  C += b[bias_offset + col], b living in B's binding (PyTorch Linear: W then bias)
//   ACT       1 = ReLU, 2 = tanh, applied after the bias
//   ACT_GRAD  C *= act'(h) with h = aux[row, col] the layer's saved output:
//             ReLU' = [h > 0], tanh' = 1 - h² (d/dx tanh x = 1 - tanh² x)
//   ONES_COL  op(B) gains a column N of ones, so column N of C is the row sum of op(A);
//             stored at C[bias_offset + row]: for dW = dYᵀ·X that is the bias gradient Σ_b dY.

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

fn bias_at(col: u32) -> f32 {
    if (!HAS_BIAS) {
        return 0.0;
    }
    return b[dims.bias_offset + col];
}

fn a_offset(row: u32) -> u32 {
    let r = min(row, dims.m - 1u);
    return select(r * dims.lda, r, TRANS_A);
}

fn b_offset(col: u32) -> u32 {
    let cl = min(col, dims.n - 1u);
    return select(cl, cl * dims.ldb, TRANS_B);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n_out = select(dims.n, dims.n + 1u, ONES_COL);
    let row0 = gid.y * 4u;
    let col0 = gid.x * 4u;
    if (row0 >= dims.m || col0 >= n_out) {
        return;
    }
    let a_step = select(1u, dims.lda, TRANS_A);
    let b_step = select(dims.ldb, 1u, TRANS_B);
    let a0 = a_offset(row0);
    let a1 = a_offset(row0 + 1u);
    let a2 = a_offset(row0 + 2u);
    let a3 = a_offset(row0 + 3u);
    let b0 = b_offset(col0);
    let b1 = b_offset(col0 + 1u);
    let b2 = b_offset(col0 + 2u);
    let b3 = b_offset(col0 + 3u);
    // Column N of op(B) is all ones when ONES_COL (and never read otherwise).
    let ones = vec4<bool>(col0 == dims.n, col0 + 1u == dims.n, col0 + 2u == dims.n, col0 + 3u == dims.n);

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k = 0u; k < dims.k; k = k + 1u) {
        let ka = k * a_step;
        let kb = k * b_step;
        var bv = vec4<f32>(b[b0 + kb], b[b1 + kb], b[b2 + kb], b[b3 + kb]);
        if (ONES_COL) {
            bv = select(bv, vec4<f32>(1.0), ones);
        }
        acc0 = fma(vec4<f32>(a[a0 + ka]), bv, acc0);
        acc1 = fma(vec4<f32>(a[a1 + ka]), bv, acc1);
        acc2 = fma(vec4<f32>(a[a2 + ka]), bv, acc2);
        acc3 = fma(vec4<f32>(a[a3 + ka]), bv, acc3);
    }

    store4(row0, col0, acc0);
    store4(row0 + 1u, col0, acc1);
    store4(row0 + 2u, col0, acc2);
    store4(row0 + 3u, col0, acc3);
}
