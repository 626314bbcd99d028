//! Variance-preserving process with the cosine schedule (Nichol & Dhariwal 2021, eq. 17):
//! `ᾱ(t) = cos²(φ(t)) / cos²(φ(0))`, `φ(t) = (t + s₀)/(1 + s₀) · π/2`, offset `s₀ = 0.008`.
//! Its rate `β(t) = −d log ᾱ/dt = π/(1 + s₀) · tan φ(t)` blows up at t = 1, so the domain ends
//! at `t_max < 1` (0.9946 by default, the end point DPM-Solver uses for this schedule).

use std::f64::consts::FRAC_PI_2;

use crate::error::MathResult;
use crate::process::ForwardProcess;
use crate::validate;

/// The continuous cosine VP process: `s = √ᾱ(t)`, `σ = √(1 − ᾱ(t))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpCosine {
    /// The offset `s₀` that keeps β(0) away from zero.
    pub offset: f64,
    /// End of the domain, below 1.
    pub t_max: f64,
}

impl VpCosine {
    /// Validates `s₀ > 0` and `0 < t_max < 1`.
    pub fn new(offset: f64, t_max: f64) -> MathResult<Self> {
        validate::positive("offset", offset)?;
        validate::open_interval("t_max", t_max, 0.0, 1.0)?;
        Ok(Self { offset, t_max })
    }

    /// Nichol & Dhariwal's offset 0.008 with DPM-Solver's end time 0.9946.
    pub fn nichol_default() -> Self {
        Self {
            offset: 0.008,
            t_max: 0.9946,
        }
    }

    fn phase(&self, t: f64) -> f64 {
        (t + self.offset) / (1.0 + self.offset) * FRAC_PI_2
    }

    /// The noise rate `β(t) = π/(1 + s₀) · tan φ(t)`.
    pub fn beta(&self, t: f64) -> f64 {
        2.0 * FRAC_PI_2 / (1.0 + self.offset) * self.phase(t).tan()
    }
}

impl ForwardProcess for VpCosine {
    fn name(&self) -> String {
        format!("VP cosine (s₀ = {})", self.offset)
    }
    fn t_max(&self) -> f64 {
        self.t_max
    }
    fn signal_scale(&self, t: f64) -> f64 {
        self.phase(t).cos() / self.phase(0.0).cos()
    }
    fn noise_std(&self, t: f64) -> f64 {
        let s = self.signal_scale(t);
        ((1.0 - s) * (1.0 + s)).max(0.0).sqrt()
    }
    fn drift_coef(&self, t: f64) -> f64 {
        -0.5 * self.beta(t)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        self.beta(t)
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        let s = self.signal_scale(t);
        self.beta(t) * s * s / (2.0 * self.noise_std(t))
    }
}
