//! Variance-exploding SDE (Song et al. 2021, eq. 9; the continuous limit of SMLD):
//! `dx = √(d σ²/dt) dw`, `σ(t) = σ_min (σ_max/σ_min)^t`, so `s = 1`, `f = 0`,
//! `g² = 2 σ(t)² log(σ_max/σ_min)`.

use crate::error::MathResult;
use crate::process::ForwardProcess;
use crate::validate;

/// The VE SDE on `t ∈ [0, 1]` with a geometric σ from σ_min to σ_max.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ve {
    /// `σ(0)`.
    pub sigma_min: f64,
    /// `σ(1)`.
    pub sigma_max: f64,
}

impl Ve {
    /// Validates `0 < σ_min < σ_max`.
    pub fn new(sigma_min: f64, sigma_max: f64) -> MathResult<Self> {
        validate::positive("sigma_min", sigma_min)?;
        validate::positive("sigma_max", sigma_max)?;
        validate::ordered("sigma_min", sigma_min, "sigma_max", sigma_max)?;
        Ok(Self {
            sigma_min,
            sigma_max,
        })
    }

    /// Song et al.'s CIFAR-10 setting: σ_min = 0.01, σ_max = 50.
    pub fn song_default() -> Self {
        Self {
            sigma_min: 0.01,
            sigma_max: 50.0,
        }
    }

    fn log_ratio(&self) -> f64 {
        (self.sigma_max / self.sigma_min).ln()
    }
}

impl ForwardProcess for Ve {
    fn name(&self) -> String {
        format!("VE (σ {}..{})", self.sigma_min, self.sigma_max)
    }
    fn t_max(&self) -> f64 {
        1.0
    }
    fn signal_scale(&self, _t: f64) -> f64 {
        1.0
    }
    fn noise_std(&self, t: f64) -> f64 {
        self.sigma_min * (t * self.log_ratio()).exp()
    }
    fn drift_coef(&self, _t: f64) -> f64 {
        0.0
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        let sigma = self.noise_std(t);
        2.0 * sigma * sigma * self.log_ratio()
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        self.noise_std(t) * self.log_ratio()
    }
}
