//! Variance-preserving SDE with a linear β(t) (Song et al. 2021, eq. 11; the continuous limit of
//! DDPM, Ho et al. 2020): `dx = −½β(t) x dt + √β(t) dw`, `β(t) = β_min + t(β_max − β_min)`.

use crate::error::MathResult;
use crate::process::ForwardProcess;
use crate::validate;

/// The linear noise rate `β(t) = β_min + (t/T)(β_max − β_min)` shared by VP and sub-VP, with its
/// integral `B(t) = ∫₀ᵗ β(u) du`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearBeta {
    /// `β(0)`.
    pub beta_min: f64,
    /// `β(T)`.
    pub beta_max: f64,
    /// End of the time domain `T`.
    pub t_max: f64,
}

impl LinearBeta {
    /// Song et al. 2021's β range for the VP and sub-VP SDEs: β_min = 0.1, β_max = 20, T = 1.
    pub const SONG: LinearBeta = LinearBeta {
        beta_min: 0.1,
        beta_max: 20.0,
        t_max: 1.0,
    };

    /// Validates `0 ≤ β_min < β_max` (finite) and `T > 0`.
    pub fn new(beta_min: f64, beta_max: f64, t_max: f64) -> MathResult<Self> {
        validate::non_negative("beta_min", beta_min)?;
        validate::positive("beta_max", beta_max)?;
        validate::ordered("beta_min", beta_min, "beta_max", beta_max)?;
        validate::positive("t_max", t_max)?;
        Ok(Self {
            beta_min,
            beta_max,
            t_max,
        })
    }

    /// `β(t)`.
    pub fn beta(&self, t: f64) -> f64 {
        self.beta_min + (t / self.t_max) * (self.beta_max - self.beta_min)
    }

    /// `B(t) = ∫₀ᵗ β = β_min t + (β_max − β_min) t² / (2T)`.
    pub fn integral(&self, t: f64) -> f64 {
        self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t * t / self.t_max
    }
}

/// The VP SDE with linear β: `s(t) = exp(−½B(t))`, `σ(t)² = 1 − exp(−B(t))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpLinear {
    /// The β(t) schedule.
    pub beta: LinearBeta,
}

impl VpLinear {
    /// A VP SDE with the given β range on `[0, t_max]`.
    pub fn new(beta_min: f64, beta_max: f64, t_max: f64) -> MathResult<Self> {
        Ok(Self {
            beta: LinearBeta::new(beta_min, beta_max, t_max)?,
        })
    }

    /// Song et al.'s defaults ([`LinearBeta::SONG`]).
    pub fn song_default() -> Self {
        Self {
            beta: LinearBeta::SONG,
        }
    }
}

impl ForwardProcess for VpLinear {
    fn name(&self) -> String {
        format!(
            "VP (linear β {}..{})",
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
        (-(-self.beta.integral(t)).exp_m1()).sqrt()
    }
    fn drift_coef(&self, t: f64) -> f64 {
        -0.5 * self.beta.beta(t)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        self.beta.beta(t)
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        // dσ/dt = β s² / (2σ), from σ² = 1 − s².
        let s = self.signal_scale(t);
        self.beta.beta(t) * s * s / (2.0 * self.noise_std(t))
    }
    fn log_snr(&self, t: f64) -> f64 {
        // λ = log(s²/σ²) = −log(e^B − 1), written with expm1 for small B.
        -self.beta.integral(t).exp_m1().ln()
    }
}
