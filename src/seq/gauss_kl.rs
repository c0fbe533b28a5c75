//! KL(N(μ1, σ1²) ‖ N(μ2, σ2²)) between diagonal Gaussians in closed form, and its gradient with
//! respect to all four inputs. The latent ODE uses μ2 = 0, logvar2 = 0; the VRNN will use it whole.

use super::math;

/// Σ_i ½ (lv2 − lv1 + (e^{lv1} + (μ1 − μ2)²) / e^{lv2} − 1)  (Kingma & Welling 2014, appendix B,
/// generalised to a non-standard prior).
pub fn kl(mu1: &[f64], lv1: &[f64], mu2: &[f64], lv2: &[f64]) -> f64 {
    (0..mu1.len())
        .map(|i| {
            let d = mu1[i] - mu2[i];
            0.5 * (lv2[i] - lv1[i] + (math::exp(lv1[i]) + d * d) * math::exp(-lv2[i]) - 1.0)
        })
        .sum()
}

/// Gradients of `kl` scaled by `scale`, added into the four output slices:
/// ∂/∂μ1 = (μ1 − μ2) e^{−lv2}; ∂/∂μ2 = −∂/∂μ1; ∂/∂lv1 = ½ (e^{lv1 − lv2} − 1);
/// ∂/∂lv2 = ½ (1 − (e^{lv1} + (μ1 − μ2)²) e^{−lv2}).
pub struct KlGrad<'a> {
    pub mu1: &'a mut [f64],
    pub lv1: &'a mut [f64],
    pub mu2: &'a mut [f64],
    pub lv2: &'a mut [f64],
}

pub fn kl_backward(mu1: &[f64], lv1: &[f64], mu2: &[f64], lv2: &[f64], scale: f64, g: KlGrad<'_>) {
    for i in 0..mu1.len() {
        let d = mu1[i] - mu2[i];
        let inv2 = math::exp(-lv2[i]);
        g.mu1[i] += scale * d * inv2;
        g.mu2[i] -= scale * d * inv2;
        g.lv1[i] += scale * 0.5 * (math::exp(lv1[i] - lv2[i]) - 1.0);
        g.lv2[i] += scale * 0.5 * (1.0 - (math::exp(lv1[i]) + d * d) * inv2);
    }
}

/// KL(N(μ, e^{lv}) ‖ N(0, I)) and its gradient (added, scaled) for μ and lv: the prior's case.
pub fn kl_standard(mu: &[f64], lv: &[f64]) -> f64 {
    let zeros = vec![0.0; mu.len()];
    kl(mu, lv, &zeros, &zeros)
}

pub fn kl_standard_backward(mu: &[f64], lv: &[f64], scale: f64, dmu: &mut [f64], dlv: &mut [f64]) {
    let zeros = vec![0.0; mu.len()];
    let (mut s1, mut s2) = (zeros.clone(), zeros.clone());
    kl_backward(mu, lv, &zeros, &zeros, scale, KlGrad { mu1: dmu, lv1: dlv, mu2: &mut s1, lv2: &mut s2 });
}
