//! Tweedie's formula: the posterior mean of the clean signal from the score of the noisy marginal.
//!
//! For `x_t = s x₀ + σ ε`, `E[x₀ | x_t] = (x_t + σ² ∇log p_t(x_t)) / s` (Efron 2011, eq. 2.8,
//! rescaled by s; Robbins 1956). This is why a denoiser and a score model are the same object.

/// `E[x₀ | x_t] = (x_t + σ² · score) / s` for one element.
pub fn posterior_mean_from_score(x_t: f64, score: f64, signal_scale: f64, noise_std: f64) -> f64 {
    (x_t + noise_std * noise_std * score) / signal_scale
}

/// The inverse of Tweedie's formula: `∇log p_t(x_t) = (s · E[x₀|x_t] − x_t) / σ²`.
pub fn score_from_posterior_mean(
    x_t: f64,
    posterior_mean: f64,
    signal_scale: f64,
    noise_std: f64,
) -> f64 {
    (signal_scale * posterior_mean - x_t) / (noise_std * noise_std)
}

/// Element-wise [`posterior_mean_from_score`] over slices of equal length, written into `out`.
pub fn posterior_mean_from_score_slice(
    x_t: &[f64],
    score: &[f64],
    signal_scale: f64,
    noise_std: f64,
    out: &mut [f64],
) {
    for ((o, &x), &sc) in out.iter_mut().zip(x_t).zip(score) {
        *o = posterior_mean_from_score(x, sc, signal_scale, noise_std);
    }
}
