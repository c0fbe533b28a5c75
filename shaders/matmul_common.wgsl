// Shared by every matmul kernel (prepended at build time): the shape uniform, the specialisation
// constants, the aux/output bindings, the fused epilogue and the accumulation helpers. All kernels
// accumulate each output as one fma per k in increasing k, so whichever the autotuner picks, the
// results are bitwise identical and a seed reproduces the same run.

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

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(3) var<storage, read> aux: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Bias, activation, activation gradient — in that order; `bias` is b[bias_offset + col].
fn epilogue(v_in: f32, row: u32, col: u32, bias: f32) -> f32 {
    var v = v_in;
    if (HAS_BIAS) {
        v = v + bias;
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

// Stores C[row, col0 .. col0 + 3] through the epilogue (guarded), or the bias-gradient column
// when it falls there. `bias_at` is each kernel's own (its B binding's element type differs).
fn store4(row: u32, col0: u32, v: vec4<f32>) {
    if (row >= dims.m) {
        return;
    }
    for (var j = 0u; j < 4u; j = j + 1u) {
        let col = col0 + j;
        if (col < dims.n) {
            c[row * dims.ldc + col] = epilogue(v[j], row, col, bias_at(col));
        } else if (ONES_COL && col == dims.n) {
            c[dims.bias_offset + row] = v[j];
        }
    }
}

// acc + x.x·y0 + x.y·y1 + x.z·y2 + x.w·y3 as four fmas in that order (four consecutive k of
// one row of op(A) against four rows of op(B)).
fn fma4(acc: vec4<f32>, x: vec4<f32>, y0: vec4<f32>, y1: vec4<f32>, y2: vec4<f32>, y3: vec4<f32>) -> vec4<f32> {
    var r = fma(vec4<f32>(x.x), y0, acc);
    r = fma(vec4<f32>(x.y), y1, r);
    r = fma(vec4<f32>(x.z), y2, r);
    return fma(vec4<f32>(x.w), y3, r);
}

// The A·Bᵀ form of fma4: y_j holds four consecutive k of column j, so transpose them first.
fn fma4_t(acc: vec4<f32>, x: vec4<f32>, y0: vec4<f32>, y1: vec4<f32>, y2: vec4<f32>, y3: vec4<f32>) -> vec4<f32> {
    return fma4(
        acc,
        x,
        vec4<f32>(y0.x, y1.x, y2.x, y3.x),
        vec4<f32>(y0.y, y1.y, y2.y, y3.y),
        vec4<f32>(y0.z, y1.z, y2.z, y3.z),
        vec4<f32>(y0.w, y1.w, y2.w, y3.w),
    );
}
