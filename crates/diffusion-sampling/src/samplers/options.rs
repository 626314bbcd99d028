//! EDM's stochastic churn, the option Euler and Heun share.

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

impl Churn {
    /// No churn: the deterministic sampler.
    pub const NONE: Self = Self {
        s_churn: 0.0,
        s_tmin: 0.0,
        s_tmax: f64::INFINITY,
        s_noise: 1.0,
    };
}

impl Default for Churn {
    /// [`Churn::NONE`].
    fn default() -> Self {
        Self::NONE
    }
}
