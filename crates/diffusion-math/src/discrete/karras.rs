//! The Karras σ schedule and the σ ↔ timestep maps of diffusers' σ-based schedulers.

use crate::error::{MathError, MathResult};
use crate::validate;

/// Karras et al. 2022, eq. 5: `σ_i = (σ_max^{1/ρ} + i/(n−1) (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ`
/// for `i = 0..n−1`, descending from σ_max to σ_min (ρ = 7 in the paper). The sampler appends
/// the final σ = 0 itself.
pub fn karras_sigmas(sigma_min: f64, sigma_max: f64, n: usize, rho: f64) -> MathResult<Vec<f64>> {
    validate::positive("sigma_min", sigma_min)?;
    validate::positive("sigma_max", sigma_max)?;
    validate::ordered("sigma_min", sigma_min, "sigma_max", sigma_max)?;
    validate::positive("rho", rho)?;
    validate::nonzero_count("n", n)?;
    let (lo, hi) = (sigma_min.powf(1.0 / rho), sigma_max.powf(1.0 / rho));
    Ok((0..n)
        .map(|i| {
            let ramp = if n == 1 {
                0.0
            } else {
                i as f64 / (n - 1) as f64
            };
            (hi + ramp * (lo - hi)).powf(rho)
        })
        .collect())
}

/// `σ_i = √((1 − ᾱ_i)/ᾱ_i)`: the EDM noise level of a discrete VP step (Karras et al. 2022,
/// Table 1), computed in f32 as diffusers' Euler-family schedulers do.
pub fn sigmas_from_alphas_cumprod(alphas_cumprod: &[f32]) -> Vec<f32> {
    alphas_cumprod
        .iter()
        .map(|a| ((1.0 - a) / a).sqrt())
        .collect()
}

/// The fractional timestep whose log σ matches `sigma`, by linear interpolation in the ascending
/// table `log_sigmas` (diffusers' `_sigma_to_t`): used to tell a network which step a Karras σ
/// corresponds to.
pub fn sigma_to_timestep(sigma: f64, log_sigmas: &[f64]) -> MathResult<f64> {
    validate::finite("sigma", sigma)?;
    if log_sigmas.len() < 2 {
        return Err(MathError::InvalidParameter {
            name: "log_sigmas",
            value: log_sigmas.len() as f64,
            requirement: "needs at least 2 entries".into(),
        });
    }
    let log_sigma = sigma.max(1e-10).ln();
    let last_le = log_sigmas
        .iter()
        .rposition(|&l| log_sigma - l >= 0.0)
        .unwrap_or(0);
    let low = last_le.min(log_sigmas.len() - 2);
    let (lo, hi) = (log_sigmas[low], log_sigmas[low + 1]);
    let w = ((lo - log_sigma) / (lo - hi)).clamp(0.0, 1.0);
    Ok((1.0 - w) * low as f64 + w * (low + 1) as f64)
}
