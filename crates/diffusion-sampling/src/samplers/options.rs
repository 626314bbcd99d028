//! The options of individual samplers: DDPM's posterior variance, EDM's stochastic churn and the
//! predictor of predictor–corrector sampling.

/// DDPM's posterior variance choice (diffusers' `variance_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdpmVariance {
    /// `β̃ = (1 − ᾱ_prev)/(1 − ᾱ_t) β` (the true posterior variance).
    FixedSmall,
    /// `β` (Ho et al. 2020 found both work; this one upper-bounds the entropy).
    FixedLarge,
}

/// EDM's stochastic churn (Karras et al. 2022, Algorithm 2): before a step at σ in
/// `[s_tmin, s_tmax]`, raise the noise to `σ̂ = σ(1 + γ)` with `γ = min(s_churn/n, √2 − 1)` by
/// adding fresh noise scaled by `s_noise`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Churn {
    /// Total churn S_churn (0: deterministic).
    pub s_churn: f64,
    /// Lowest σ that gets churn.
    pub s_tmin: f64,
    /// Highest σ that gets churn.
    pub s_tmax: f64,
    /// Noise inflation S_noise (slightly above 1 in the paper).
    pub s_noise: f64,
}

impl Default for Churn {
    /// No churn: the deterministic sampler.
    fn default() -> Self {
        Self {
            s_churn: 0.0,
            s_tmin: 0.0,
            s_tmax: f64::INFINITY,
            s_noise: 1.0,
        }
    }
}

/// The predictor of a predictor–corrector sampler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predictor {
    /// The discretised reverse diffusion (the ancestral DDPM step, Song et al. 2021, eq. 47).
    ReverseDiffusion,
    /// Euler–Maruyama on the reverse SDE.
    EulerMaruyama,
}
