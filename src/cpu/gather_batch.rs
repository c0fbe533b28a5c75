//! CPU twin of shaders/gather_batch.wgsl: batch rows from picked image bytes, scaled to [0, 1],
//! optionally binarized with the same Threefry noise as `gather_batch_cpu` (bitwise equal), the
//! generator run LANES counters at a time.

use super::simd::{Kernel, Simd, dispatch};
use super::threefry::{lane_ids, threefry, uniform_open01};
use super::{GatherParams, NO_LABEL, StepUniform};
use crate::rng;

struct Job<'a> {
    p: GatherParams,
    step: StepUniform,
    row_bytes: &'a [u8],
    image_index: &'a [u32],
    labels: &'a [u32],
    x: &'a mut [f32],
}

impl Kernel for Job<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Simd>(self) {
        let Job { p, step, row_bytes, image_index, labels, x } = self;
        let (pixels, ld_x) = (p.pixels as usize, p.ld_x as usize);
        let key = rng::key(step.seed, rng::STREAM_BINARIZE, step.phase);
        let noise_step = if step.phase == rng::PHASE_EVAL { 0 } else { step.step };
        for row in 0..p.rows as usize {
            let src = &row_bytes[row * pixels..(row + 1) * pixels];
            let dst = &mut x[row * ld_x..row * ld_x + pixels];
            // A plain loop: compiled inside the ISA's target features, it vectorizes.
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = s as f32 * (1.0 / 255.0);
            }
            if p.binarize == 1 {
                let base = image_index[row].wrapping_mul(p.pixels);
                for q in (0..pixels).step_by(V::LANES) {
                    let len = pixels - q;
                    let counter = V::splat_bits(base.wrapping_add(q as u32)).add_u32(lane_ids::<V>());
                    let u = uniform_open01(threefry(key, V::splat_bits(noise_step), counter).0);
                    // SAFETY: q < pixels = dst.len(); *_upto stay below it.
                    unsafe {
                        let at = dst.as_mut_ptr().add(q);
                        V::select(u.lt(V::load_upto(at, len)), V::splat(1.0), V::zero()).store_upto(at, len);
                    }
                }
            }
            if p.label_col != NO_LABEL {
                let at = row * ld_x + p.label_col as usize;
                for (digit, d) in x[at..at + 10].iter_mut().enumerate() {
                    *d = if digit as u32 == labels[row] { 1.0 } else { 0.0 };
                }
            }
        }
    }
}

/// Fills `x` [p.rows, p.ld_x]: `row_bytes` holds the rows' images (p.rows × p.pixels bytes, already
/// picked), `image_index` each row's dataset index (the binarization noise counter), `labels`
/// each row's digit (read when p.label_col != NO_LABEL). Panics if a slice is too short.
pub fn gather_batch(
    p: &GatherParams,
    step: &StepUniform,
    row_bytes: &[u8],
    image_index: &[u32],
    labels: &[u32],
    x: &mut [f32],
) {
    let rows = p.rows as usize;
    assert!(row_bytes.len() >= rows * p.pixels as usize, "gather_batch: row_bytes too short");
    assert!(p.binarize != 1 || image_index.len() >= rows, "gather_batch: image_index too short");
    assert!(p.label_col == NO_LABEL || labels.len() >= rows, "gather_batch: labels too short");
    dispatch(Job { p: *p, step: *step, row_bytes, image_index, labels, x })
}
