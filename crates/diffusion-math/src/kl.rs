//! Kullback–Leibler divergences between Gaussians, for variational bounds and prior terms.

use crate::error::MathResult;
use crate::process::ForwardProcess;

/// `KL(N(m₁, v₁) ‖ N(m₂, v₂)) = ½ (log(v₂/v₁) + (v₁ + (m₁ − m₂)²)/v₂ − 1)` in nats, for
/// scalar (or per-element diagonal) Gaussians (e.g. Ho et al. 2020, eq. 5 terms).
pub fn gaussian_kl(mean1: f64, var1: f64, mean2: f64, var2: f64) -> f64 {
    let d = mean1 - mean2;
    0.5 * ((var2 / var1).ln() + (var1 + d * d) / var2 - 1.0)
}

/// The prior term `KL(q(x_T | x₀) ‖ N(0, prior_var·I))` summed over the elements of `x0`, in
/// nats: how far the end of the forward process is from the prior a sampler starts from (the
/// `L_T` term of Ho et al. 2020, eq. 5; Song et al. 2021, appendix).
pub fn prior_kl<P: ForwardProcess + ?Sized>(
    process: &P,
    x0: &[f64],
    prior_var: f64,
) -> MathResult<f64> {
    crate::validate::positive("prior_var", prior_var)?;
    let point = process.at(process.t_max())?;
    let var = point.noise_std * point.noise_std;
    Ok(x0
        .iter()
        .map(|&x| gaussian_kl(point.signal_scale * x, var, 0.0, prior_var))
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kl_is_zero_for_equal_and_positive_otherwise() {
        assert!(gaussian_kl(0.3, 2.0, 0.3, 2.0).abs() < 1e-15);
        assert!(gaussian_kl(0.3, 2.0, 0.0, 1.0) > 0.0);
        // KL(N(0,1) ‖ N(1,1)) = ½.
        assert!((gaussian_kl(0.0, 1.0, 1.0, 1.0) - 0.5).abs() < 1e-15);
    }
}
