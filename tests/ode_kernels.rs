//! The GPU latent ODE's own small kernels (ode_mse, ode_reparam, ode_mask_rows, ode_clip) against
//! their CPU oracles, on shapes that divide no workgroup size (rows 1, 7, 67; odd widths).

mod common;

use common::{gpu, read, run, uniform, upload};
use vaelab::gpu::Gpu;
use vaelab::kernels::View;
use vaelab::kernels::ode_clip::{OdeClip, OdeClipParams, ode_clip_cpu};
use vaelab::kernels::ode_mask_rows::{OdeMaskRows, ode_mask_rows_cpu};
use vaelab::kernels::ode_mse::{OdeMse, OdeMseParams, ode_mse_cpu};
use vaelab::kernels::ode_reparam::{OdeReparam, RowsParams, ode_reparam_cpu};
use vaelab::kernels::step::{StepRing, StepUniform};

const ROWS: [usize; 3] = [1, 7, 67];

/// Asserts |gpu − oracle| ≤ atol + rtol·|oracle| (NaN fails) and returns the largest error.
fn compare(what: &str, gpu: &[f32], oracle: &[f64], atol: f64, rtol: f64) -> f64 {
    assert_eq!(gpu.len(), oracle.len(), "{what}: length");
    let err = |i: usize| (gpu[i] as f64 - oracle[i]).abs();
    let bad: Vec<String> = (0..gpu.len())
        .filter(|&i| err(i).is_nan() || err(i) > atol + rtol * oracle[i].abs())
        .take(8)
        .map(|i| format!("[{i}] gpu={} oracle={}", gpu[i], oracle[i]))
        .collect();
    assert!(bad.is_empty(), "{what}: first mismatches {}", bad.join(", "));
    (0..gpu.len()).map(err).fold(0.0, f64::max)
}

/// 0/1 masks with about half ones.
fn mask(seed: u32, n: usize) -> Vec<f32> {
    uniform(seed, n, 0.0, 1.0).into_iter().map(|u| if u < 0.5 { 1.0 } else { 0.0 }).collect()
}

fn sentinel(gpu: &Gpu, n: usize) -> wgpu::Buffer {
    upload(gpu, &vec![-7.0f32; n.max(1)])
}

#[test]
fn ode_mse_matches_oracle_with_masks_and_strided_rows() {
    let gpu = gpu();
    let kernel = OdeMse::new(&gpu);
    for rows in ROWS {
        let (stride, points) = (rows.next_multiple_of(64), 13);
        let n = points * stride;
        let seed = rows as u32;
        let (xhat, obs, m, kl) = (
            uniform(seed, 2 * n, -2.0, 2.0),
            uniform(seed + 1, 2 * n, -2.0, 2.0),
            mask(seed + 2, n),
            uniform(seed + 3, rows, 0.0, 5.0),
        );
        let p = OdeMseParams {
            rows: rows as u32,
            stride: stride as u32,
            points: points as u32,
            inv_var: 100.0,
            scale: 1.0 / rows as f32,
            ..Default::default()
        };
        let (want_d, want_s) = ode_mse_cpu(&p, &xhat, &obs, &m, &kl);
        let (dx, stats) = (upload(&gpu, &vec![0.0; 2 * n]), sentinel(&gpu, rows * 4));
        let bufs = [upload(&gpu, &xhat), upload(&gpu, &obs), upload(&gpu, &m), upload(&gpu, &kl)];
        let w = View::whole;
        run(&gpu, &[&kernel.dispatch(&gpu, p, w(&bufs[0]), w(&bufs[1]), w(&bufs[2]), w(&bufs[3]), w(&dx), w(&stats))]);
        let e1 = compare(&format!("ode_mse dxhat rows {rows}"), &read(&gpu, &dx, 2 * n), &want_d, 1e-5, 1e-5);
        let e2 = compare(&format!("ode_mse row_stats rows {rows}"), &read(&gpu, &stats, rows * 4), &want_s, 1e-4, 1e-5);
        eprintln!("ode_mse rows {rows}: max abs err dxhat {e1:.2e}, row sums {e2:.2e}");
    }
}

#[test]
fn ode_reparam_and_mask_rows_match_oracle() {
    let gpu = gpu();
    let (reparam, masker) = (OdeReparam::new(&gpu), OdeMaskRows::new(&gpu));
    for rows in ROWS {
        for cols in [3, 17, 130] {
            let seed = (rows * 1000 + cols) as u32;
            let p = RowsParams { rows: rows as u32, cols: cols as u32, _pad: [0; 2] };
            let (mulv, e) = (uniform(seed, rows * 2 * cols, -3.0, 3.0), uniform(seed + 1, rows * cols, -2.0, 2.0));
            let z = sentinel(&gpu, rows * cols);
            let (gm, ge) = (upload(&gpu, &mulv), upload(&gpu, &e));
            run(&gpu, &[&reparam.dispatch(&gpu, p, View::whole(&gm), View::whole(&ge), View::whole(&z))]);
            let want = ode_reparam_cpu(&p, &mulv, &e);
            compare(&format!("ode_reparam {rows}×{cols}"), &read(&gpu, &z, rows * cols), &want, 1e-6, 1e-6);

            let (x, m) = (uniform(seed + 2, rows * cols, -1.0, 1.0), mask(seed + 3, rows));
            let (gx, gmask, gout) = (upload(&gpu, &x), upload(&gpu, &m), sentinel(&gpu, rows * cols));
            run(&gpu, &[&masker.dispatch(&gpu, p, View::whole(&gmask), View::whole(&gx), View::whole(&gout))]);
            let want: Vec<f64> = ode_mask_rows_cpu(cols, &m, &x).iter().map(|&v| v as f64).collect();
            compare(&format!("ode_mask_rows {rows}×{cols}"), &read(&gpu, &gout, rows * cols), &want, 0.0, 0.0);
        }
    }
}

#[test]
fn ode_clip_scales_large_gradients_only_and_reports_the_norm() {
    let gpu = gpu();
    let kernel = OdeClip::new(&gpu);
    let mut ring = StepRing::new(&gpu, "test steps", 4);
    ring.write(&gpu, &[StepUniform { slot: 2, ..Default::default() }]);
    // 1337 values of norm ~ 21: clipped at 5, untouched at 100.
    for max_norm in [5.0f32, 100.0] {
        let g = uniform(7, 1337, -1.0, 1.0);
        let (grads, norms) = (upload(&gpu, &g), upload(&gpu, &[0.0; 4]));
        let p = OdeClipParams { len: g.len() as u32, max_norm, _pad: [0; 2] };
        run(&gpu, &[&kernel.dispatch(&gpu, p, ring.view(), View::whole(&grads), View::whole(&norms))]);
        let mut want: Vec<f64> = g.iter().map(|&v| v as f64).collect();
        let norm = ode_clip_cpu(max_norm as f64, &mut want);
        compare(&format!("ode_clip at {max_norm}"), &read(&gpu, &grads, g.len()), &want, 1e-6, 1e-5);
        let got = read(&gpu, &norms, 4);
        assert!((got[2] as f64 - norm).abs() < 1e-4 * norm && got[0] == 0.0, "norm slot 2: {got:?} vs {norm}");
        assert!(norm > 5.0 && norm < 100.0, "the test's gradient norm {norm} must fall between the two clips");
    }
}
