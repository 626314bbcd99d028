//! A discrete noise table as a continuous-time forward process.
//!
//! A DDPM model is trained at integer timesteps `i = 0..N−1` with `x_i = √ᾱ_i x₀ + √(1−ᾱ_i) ε`.
//! Samplers that evaluate the network between training steps (diffusers' Euler, Heun and
//! Karras-σ schedulers) interpolate the EDM noise level `σ̃_i = √((1−ᾱ_i)/ᾱ_i)` linearly in the
//! timestep (diffusers' `np.interp(timesteps, arange(N), sigmas)`). [`DiscreteVp`] is exactly
//! that process on `t ∈ [0, N−1]`: at integer t it reproduces the table, between integers σ̃ is
//! piecewise linear, and `s = 1/√(1+σ̃²)`, `σ = σ̃ s` (variance preserving). Its SDE follows from
//! `f = d log s/dt = −σ̃σ̃'/(1+σ̃²)` and `g² = dσ²/dt − 2fσ² = 2σ̃σ̃'/(1+σ̃²)`, so the reverse SDE,
//! predictor–corrector and adaptive ODE samplers run on discrete models too.

use crate::error::{MathError, MathResult};
use crate::process::ForwardProcess;
use crate::validate;

/// The discrete VP process of a table `ᾱ_0 > ᾱ_1 > … > ᾱ_{N−1}`, timestep-valued time.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscreteVp {
    alphas_cumprod: Vec<f64>,
    sigmas: Vec<f64>,
}

impl DiscreteVp {
    /// The process of a cumulative-product table (f64, or diffusers' f32 table widened), which
    /// must be strictly decreasing with entries in (0, 1) (the last may be 0: zero terminal SNR).
    pub fn new(alphas_cumprod: Vec<f64>) -> MathResult<Self> {
        validate::nonzero_count("alphas_cumprod length", alphas_cumprod.len())?;
        let last = alphas_cumprod.len() - 1;
        for (i, &a) in alphas_cumprod.iter().enumerate() {
            let in_range = a.is_finite() && a < 1.0 && (a > 0.0 || (i == last && a == 0.0));
            let decreasing = i == 0 || a < alphas_cumprod[i - 1];
            if !(in_range && decreasing) {
                return Err(MathError::InvalidParameter {
                    name: "alphas_cumprod",
                    value: a,
                    requirement: format!(
                        "ᾱ[{i}] must lie in (0, 1) and be below ᾱ[{}] (only the last may be 0)",
                        i.saturating_sub(1)
                    ),
                });
            }
        }
        let sigmas = alphas_cumprod
            .iter()
            .map(|a| ((1.0 - a) / a).sqrt())
            .collect();
        Ok(Self {
            alphas_cumprod,
            sigmas,
        })
    }

    /// Number of training timesteps N.
    pub fn num_train_timesteps(&self) -> usize {
        self.alphas_cumprod.len()
    }

    /// The table `ᾱ_i`.
    pub fn alphas_cumprod(&self) -> &[f64] {
        &self.alphas_cumprod
    }

    /// `σ̃(t) = σ(t)/s(t)`, linear between integer timesteps (infinite at a zero-SNR end).
    pub fn sigma_tilde(&self, t: f64) -> f64 {
        let (i, w) = self.segment(t);
        if w == 0.0 {
            return self.sigmas[i];
        }
        (1.0 - w) * self.sigmas[i] + w * self.sigmas[i + 1]
    }

    /// The segment `[i, i+1]` holding t and the weight of its right end; integer t gives w = 0.
    fn segment(&self, t: f64) -> (usize, f64) {
        let last = self.sigmas.len() - 1;
        let t = t.clamp(0.0, last as f64);
        let i = (t.floor() as usize).min(last);
        (i, t - i as f64)
    }

    /// Slope of σ̃ on the segment ending at t (the one a reverse-time step crosses first).
    fn sigma_tilde_slope(&self, t: f64) -> f64 {
        let last = self.sigmas.len() - 1;
        if last == 0 {
            return 0.0;
        }
        let right = (t.ceil() as usize).clamp(1, last);
        self.sigmas[right] - self.sigmas[right - 1]
    }

    /// `ᾱ(t)`: the table at integer t, `1/(1+σ̃²)` between.
    pub fn alpha_cumprod(&self, t: f64) -> f64 {
        let (i, w) = self.segment(t);
        if w == 0.0 {
            return self.alphas_cumprod[i];
        }
        let sigma = self.sigma_tilde(t);
        1.0 / (1.0 + sigma * sigma)
    }
}

impl ForwardProcess for DiscreteVp {
    fn name(&self) -> String {
        format!("discrete VP ({} steps)", self.alphas_cumprod.len())
    }
    fn num_train_timesteps(&self) -> Option<usize> {
        Some(self.alphas_cumprod.len())
    }
    fn t_max(&self) -> f64 {
        (self.alphas_cumprod.len() - 1) as f64
    }
    fn signal_scale(&self, t: f64) -> f64 {
        self.alpha_cumprod(t).sqrt()
    }
    fn noise_std(&self, t: f64) -> f64 {
        (1.0 - self.alpha_cumprod(t)).sqrt()
    }
    fn drift_coef(&self, t: f64) -> f64 {
        let sigma = self.sigma_tilde(t);
        -sigma * self.sigma_tilde_slope(t) / (1.0 + sigma * sigma)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        let sigma = self.sigma_tilde(t);
        2.0 * sigma * self.sigma_tilde_slope(t) / (1.0 + sigma * sigma)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discrete::{BetaSchedule, DiscreteSchedule};

    fn linear() -> DiscreteVp {
        let table = DiscreteSchedule::new(
            BetaSchedule::Linear {
                beta_start: 1e-4,
                beta_end: 0.02,
            },
            1000,
        )
        .unwrap();
        DiscreteVp::new(table.alphas_cumprod().to_vec()).unwrap()
    }

    #[test]
    fn integer_times_reproduce_the_table() {
        let p = linear();
        for i in [0usize, 1, 500, 999] {
            let a = p.alphas_cumprod()[i];
            assert!((p.signal_scale(i as f64) - a.sqrt()).abs() < 1e-15);
            assert!((p.noise_std(i as f64) - (1.0 - a).sqrt()).abs() < 1e-15);
        }
    }

    #[test]
    fn drift_and_diffusion_match_the_marginals() {
        // f = d log s/dt and g² = dσ²/dt − 2fσ² by central differences inside a segment.
        let p = linear();
        for t in [3.3, 412.5, 998.2] {
            let h = 1e-4;
            let dlog_s = (p.signal_scale(t + h).ln() - p.signal_scale(t - h).ln()) / (2.0 * h);
            let dvar = (p.noise_std(t + h).powi(2) - p.noise_std(t - h).powi(2)) / (2.0 * h);
            let f = p.drift_coef(t);
            assert!(
                (f - dlog_s).abs() < 1e-8 * dlog_s.abs().max(1e-3),
                "f at {t}"
            );
            let g2 = dvar - 2.0 * f * p.noise_std(t).powi(2);
            assert!(
                (p.diffusion_sq(t) - g2).abs() < 1e-7 * g2.abs(),
                "g² at {t}"
            );
        }
    }

    #[test]
    fn rejects_tables_that_do_not_decrease() {
        assert!(DiscreteVp::new(vec![0.9, 0.95]).is_err());
        assert!(DiscreteVp::new(vec![1.0, 0.5]).is_err());
        assert!(DiscreteVp::new(vec![0.9, 0.0]).is_ok());
    }
}
