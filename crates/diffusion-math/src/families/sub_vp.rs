//! Sub-VP SDE (Song et al. 2021, eq. 12): `dx = −½β(t) x dt + √(β(t)(1 − e^{−2B(t)})) dw`, whose
//! variance `σ(t)² = (1 − e^{−B(t)})²` stays below the VP SDE's.

use crate::error::MathResult;
use crate::families::LinearBeta;
use crate::process::ForwardProcess;

/// The sub-VP SDE with linear β: `s(t) = exp(−½B)`, `σ(t) = 1 − exp(−B)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubVp {
    /// The β(t) schedule.
    pub beta: LinearBeta,
}

impl SubVp {
    /// A sub-VP SDE with the given β range on `[0, t_max]`.
    pub fn new(beta_min: f64, beta_max: f64, t_max: f64) -> MathResult<Self> {
        Ok(Self {
            beta: LinearBeta::new(beta_min, beta_max, t_max)?,
        })
    }

    /// Song et al.'s defaults: β_min = 0.1, β_max = 20, T = 1.
    pub fn song_default() -> Self {
        Self {
            beta: LinearBeta {
                beta_min: 0.1,
                beta_max: 20.0,
                t_max: 1.0,
            },
        }
    }
}

impl ForwardProcess for SubVp {
    fn name(&self) -> String {
        format!(
            "sub-VP (linear β {}..{})",
            self.beta.beta_min, self.beta.beta_max
        )
    }
    fn t_max(&self) -> f64 {
        self.beta.t_max
    }
    fn signal_scale(&self, t: f64) -> f64 {
        (-0.5 * self.beta.integral(t)).exp()
    }
    fn noise_std(&self, t: f64) -> f64 {
        -(-self.beta.integral(t)).exp_m1()
    }
    fn drift_coef(&self, t: f64) -> f64 {
        -0.5 * self.beta.beta(t)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        // g² = β(1 − e^{−2B}) (Song et al. 2021, eq. 12).
        self.beta.beta(t) * -(-2.0 * self.beta.integral(t)).exp_m1()
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        // σ = 1 − e^{−B} ⇒ dσ/dt = β e^{−B}.
        self.beta.beta(t) * (-self.beta.integral(t)).exp()
    }
}
