//! The EDM process (Karras et al. 2022, §3 and Table 1): `s(t) = 1`, `σ(t) = t`, so time is the
//! noise level itself; `dx = √(2t) dw`.

use crate::error::MathResult;
use crate::process::ForwardProcess;
use crate::validate;

/// The EDM forward process on `t = σ ∈ [0, σ_max]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edm {
    /// Largest noise level (80 in Karras et al. 2022).
    pub sigma_max: f64,
}

impl Edm {
    /// Validates `σ_max > 0`.
    pub fn new(sigma_max: f64) -> MathResult<Self> {
        validate::positive("sigma_max", sigma_max)?;
        Ok(Self { sigma_max })
    }

    /// Karras et al.'s σ_max = 80.
    pub fn karras_default() -> Self {
        Self { sigma_max: 80.0 }
    }
}

impl ForwardProcess for Edm {
    fn name(&self) -> String {
        format!("EDM (σ ≤ {})", self.sigma_max)
    }
    fn t_max(&self) -> f64 {
        self.sigma_max
    }
    fn signal_scale(&self, _t: f64) -> f64 {
        1.0
    }
    fn noise_std(&self, t: f64) -> f64 {
        t
    }
    fn drift_coef(&self, _t: f64) -> f64 {
        0.0
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        2.0 * t
    }
    fn noise_std_derivative(&self, _t: f64) -> f64 {
        1.0
    }
}
