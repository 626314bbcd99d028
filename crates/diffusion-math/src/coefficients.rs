//! Conversions between the marginal description `(s(t), σ(t))` of a forward process and its SDE
//! coefficients `(f(t), g(t))`:
//! `f = d log s/dt` and `g² = dσ²/dt − 2 f σ²` (Kingma et al. 2021, appendix A; Karras et al.
//! 2022, eq. 4), and back, `s(t) = s(t₀) exp(∫f)` and `σ(t)²` from the variance ODE
//! `v' = 2 f v + g²` (see [`crate::moments`]).

use crate::error::MathResult;
use crate::moments::{LinearSde, Moments};
use crate::ode::DormandPrince;

/// `f = (ds/dt) / s` from the signal scale and its derivative.
pub fn drift_from_signal_scale(signal_scale: f64, signal_scale_derivative: f64) -> f64 {
    signal_scale_derivative / signal_scale
}

/// `g² = 2σ (dσ/dt) − 2 f σ²` from the noise level, its derivative and the drift coefficient.
pub fn diffusion_sq_from_noise_std(
    noise_std: f64,
    noise_std_derivative: f64,
    drift_coef: f64,
) -> f64 {
    2.0 * noise_std * noise_std_derivative - 2.0 * drift_coef * noise_std * noise_std
}

/// `dσ/dt = (g² + 2 f σ²) / (2σ)`: the inverse of [`diffusion_sq_from_noise_std`].
pub fn noise_std_derivative_from_diffusion(
    noise_std: f64,
    diffusion_sq: f64,
    drift_coef: f64,
) -> f64 {
    (diffusion_sq + 2.0 * drift_coef * noise_std * noise_std) / (2.0 * noise_std)
}

/// `(s(t), σ(t))` of the SDE `dx = f x dt + g dw` started at `t0` with `s(t0) = s0`,
/// `σ(t0) = sigma0`, by solving the mean and variance ODEs with adaptive Dormand–Prince.
///
/// This is how a user who only knows f(t) and g(t) gets the marginal coefficients.
pub fn marginal_from_sde(
    drift_coef: &dyn Fn(f64) -> f64,
    diffusion_sq: &dyn Fn(f64) -> f64,
    t0: f64,
    s0: f64,
    sigma0: f64,
    t: f64,
) -> MathResult<(f64, f64)> {
    crate::validate::positive("s0", s0)?;
    crate::validate::non_negative("sigma0", sigma0)?;
    let zero = |_| 0.0;
    let sde = LinearSde {
        drift_coef,
        drift_offset: &zero,
        diffusion_sq,
    };
    let solver = DormandPrince::new(1e-12, 1e-14)?;
    let (moments, _) = sde.moments_adaptive(Moments::new(s0, sigma0 * sigma0), t0, t, &solver)?;
    Ok((moments.mean, moments.variance.max(0.0).sqrt()))
}
