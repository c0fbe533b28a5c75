// Matmul with wide 8×8 register blocks and vec4 loads: eight rows by two column groups of four
// per thread, for adapters where a load costs far more than an FMA (CPU emulations of GPUs such
// as SwiftShader and lavapipe gather every per-thread load lane by lane). Same contract,
// overrides, epilogues and shape requirements as matmul_vec4.wgsl (launcher: src/kernels/matmul_wide.rs).

struct Dims {
    m: u32,
    n: u32,
    k: u32,
    lda: u32,
    ldb: u32,
    ldc: u32,
    bias_offset: u32,
    ld_aux: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override ACT_GRAD: u32 = 0u;
override ONES_COL: bool = false;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

const TM: u32 = 8u;   // rows per thread
const TG: u32 = 2u;   // column groups of 4 per thread

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> aux: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn bias_at(col: u32) -> f32 {
    let i = dims.bias_offset + col;
    return b[i / 4u][i % 4u];
}

fn epilogue(v_in: f32, row: u32, col: u32) -> f32 {
    var v = v_in;
    if (HAS_BIAS) {
        v = v + bias_at(col);
    }
    if (ACT == 1u) {
        v = max(v, 0.0);
    } else if (ACT == 2u) {
        v = tanh(v);
    }
    if (ACT_GRAD == 1u) {
        v = select(0.0, v, aux[row * dims.ld_aux + col] > 0.0);
    } else if (ACT_GRAD == 2u) {
        let h = aux[row * dims.ld_aux + col];
        v = v * (1.0 - h * h);
    }
    return v;
}

// acc[i * TG + g] holds C[row0 + i, col0 + 4g .. col0 + 4g + 3].
var<private> acc: array<vec4<f32>, 16>;

fn accumulate_nn(row0: u32, col0: u32) {
    var a_at: array<u32, 8>;
    for (var i = 0u; i < TM; i = i + 1u) {
        a_at[i] = min(row0 + i, dims.m - 1u) * (dims.lda / 4u);
    }
    let ldb4 = dims.ldb / 4u;
    var groups: array<u32, 2>;
    for (var g = 0u; g < TG; g = g + 1u) {
        groups[g] = min(col0 + 4u * g, dims.n - 4u) / 4u;
    }
    for (var k4 = 0u; k4 < dims.k / 4u; k4 = k4 + 1u) {
        var bk: array<vec4<f32>, 8>;
        for (var g = 0u; g < TG; g = g + 1u) {
            for (var p = 0u; p < 4u; p = p + 1u) {
                bk[g * 4u + p] = b[(4u * k4 + p) * ldb4 + groups[g]];
            }
        }
        for (var i = 0u; i < TM; i = i + 1u) {
            let x = a[a_at[i] + k4];
            for (var g = 0u; g < TG; g = g + 1u) {
                acc[i * TG + g] = acc[i * TG + g] + x.x * bk[g * 4u] + x.y * bk[g * 4u + 1u]
                    + x.z * bk[g * 4u + 2u] + x.w * bk[g * 4u + 3u];
            }
        }
    }
}

fn accumulate_nt(row0: u32, col0: u32) {
    var a_at: array<u32, 8>;
    var b_at: array<u32, 8>;
    for (var i = 0u; i < 8u; i = i + 1u) {
        a_at[i] = min(row0 + i, dims.m - 1u) * (dims.lda / 4u);
        b_at[i] = min(col0 + i, dims.n - 1u) * (dims.ldb / 4u);
    }
    for (var k4 = 0u; k4 < dims.k / 4u; k4 = k4 + 1u) {
        var y: array<vec4<f32>, 8>;
        for (var j = 0u; j < 8u; j = j + 1u) {
            y[j] = b[b_at[j] + k4];
        }
        for (var i = 0u; i < TM; i = i + 1u) {
            let x = a[a_at[i] + k4];
            acc[i * TG] = acc[i * TG] + vec4<f32>(dot(x, y[0]), dot(x, y[1]), dot(x, y[2]), dot(x, y[3]));
            acc[i * TG + 1u] = acc[i * TG + 1u] + vec4<f32>(dot(x, y[4]), dot(x, y[5]), dot(x, y[6]), dot(x, y[7]));
        }
    }
}

fn accumulate_tn(row0: u32, col0: u32) {
    let lda4 = dims.lda / 4u;
    let ldb4 = dims.ldb / 4u;
    let r0 = min(row0, dims.m - 4u) / 4u;
    let r1 = min(row0 + 4u, dims.m - 4u) / 4u;
    var groups: array<u32, 2>;
    var ones: array<bool, 2>;
    for (var g = 0u; g < TG; g = g + 1u) {
        groups[g] = min(col0 + 4u * g, dims.n - 4u) / 4u;
        ones[g] = ONES_COL && col0 + 4u * g >= dims.n;
    }
    for (var k = 0u; k < dims.k; k = k + 1u) {
        let x0 = a[k * lda4 + r0];
        let x1 = a[k * lda4 + r1];
        var y: array<vec4<f32>, 2>;
        for (var g = 0u; g < TG; g = g + 1u) {
            y[g] = select(b[k * ldb4 + groups[g]], vec4<f32>(1.0, 0.0, 0.0, 0.0), ones[g]);
        }
        for (var g = 0u; g < TG; g = g + 1u) {
            acc[0u * TG + g] = acc[0u * TG + g] + x0.x * y[g];
            acc[1u * TG + g] = acc[1u * TG + g] + x0.y * y[g];
            acc[2u * TG + g] = acc[2u * TG + g] + x0.z * y[g];
            acc[3u * TG + g] = acc[3u * TG + g] + x0.w * y[g];
            acc[4u * TG + g] = acc[4u * TG + g] + x1.x * y[g];
            acc[5u * TG + g] = acc[5u * TG + g] + x1.y * y[g];
            acc[6u * TG + g] = acc[6u * TG + g] + x1.z * y[g];
            acc[7u * TG + g] = acc[7u * TG + g] + x1.w * y[g];
        }
    }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n_out = select(dims.n, dims.n + 1u, ONES_COL);
    let row0 = gid.y * TM;
    let col0 = gid.x * 4u * TG;
    if (row0 >= dims.m || col0 >= n_out) {
        return;
    }
    for (var i = 0u; i < 16u; i = i + 1u) {
        acc[i] = vec4<f32>(0.0);
    }
    if (TRANS_A) {
        accumulate_tn(row0, col0);
    } else if (TRANS_B) {
        accumulate_nt(row0, col0);
    } else {
        accumulate_nn(row0, col0);
    }
    for (var i = 0u; i < TM; i = i + 1u) {
        let row = row0 + i;
        if (row >= dims.m) {
            break;
        }
        for (var j = 0u; j < 4u * TG; j = j + 1u) {
            let col = col0 + j;
            let value = acc[i * TG + j / 4u][j % 4u];
            if (col < dims.n) {
                c[row * dims.ldc + col] = epilogue(value, row, col);
            } else if (ONES_COL && col == dims.n) {
                c[dims.bias_offset + row] = value;
            }
        }
    }
}
