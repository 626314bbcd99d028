//! EDM preconditioning (Karras et al. 2022, Table 1, "Ours"): the network F is wrapped as
//! `D(x; σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x; c_noise(σ))` so that its input and its
//! training target both have unit variance for data of standard deviation σ_data, with
//! `c_skip = σ_d²/(σ² + σ_d²)`, `c_out = σ·σ_d/√(σ² + σ_d²)`, `c_in = 1/√(σ² + σ_d²)`,
//! `c_noise = ¼ ln σ`, training noise `ln σ ~ N(P_mean, P_std²)` and loss weight
//! `λ(σ) = (σ² + σ_d²)/(σ·σ_d)²` (so `λ·c_out² = 1`).

use crate::error::MathResult;
use crate::validate;

/// The EDM preconditioning and noise distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdmPreconditioning {
    /// Standard deviation of the data, σ_d (0.5 for images in [−1, 1]).
    pub sigma_data: f64,
    /// Mean of ln σ during training (−1.2).
    pub p_mean: f64,
    /// Standard deviation of ln σ during training (1.2).
    pub p_std: f64,
}

impl EdmPreconditioning {
    /// Validates σ_d > 0 and P_std > 0.
    pub fn new(sigma_data: f64, p_mean: f64, p_std: f64) -> MathResult<Self> {
        validate::positive("sigma_data", sigma_data)?;
        validate::positive("p_std", p_std)?;
        validate::finite("p_mean", p_mean)?;
        Ok(Self {
            sigma_data,
            p_mean,
            p_std,
        })
    }

    /// Karras et al.'s image settings: σ_d = 0.5, P_mean = −1.2, P_std = 1.2.
    pub fn karras_default() -> Self {
        Self {
            sigma_data: 0.5,
            p_mean: -1.2,
            p_std: 1.2,
        }
    }

    /// `c_skip(σ) = σ_d²/(σ² + σ_d²)`.
    pub fn c_skip(&self, sigma: f64) -> f64 {
        let d2 = self.sigma_data * self.sigma_data;
        d2 / (sigma * sigma + d2)
    }

    /// `c_out(σ) = σ·σ_d/√(σ² + σ_d²)`.
    pub fn c_out(&self, sigma: f64) -> f64 {
        sigma * self.sigma_data / (sigma * sigma + self.sigma_data * self.sigma_data).sqrt()
    }

    /// `c_in(σ) = 1/√(σ² + σ_d²)`.
    pub fn c_in(&self, sigma: f64) -> f64 {
        1.0 / (sigma * sigma + self.sigma_data * self.sigma_data).sqrt()
    }

    /// `c_noise(σ) = ¼ ln σ`, the network's time input.
    pub fn c_noise(&self, sigma: f64) -> f64 {
        0.25 * sigma.ln()
    }

    /// σ for a standard normal draw `z`: `exp(P_mean + P_std·z)`.
    pub fn training_sigma(&self, z: f64) -> f64 {
        (self.p_mean + self.p_std * z).exp()
    }

    /// The regression target of F for `x = x₀ + σε`: `(x₀ − c_skip·x)/c_out`, as coefficients
    /// `(a, b)` of `a·x₀ + b·ε`.
    pub fn target_coefficients(&self, sigma: f64) -> (f64, f64) {
        let (skip, out) = (self.c_skip(sigma), self.c_out(sigma));
        ((1.0 - skip) / out, -skip * sigma / out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_and_input_have_unit_variance_and_reconstruct_x0() {
        let p = EdmPreconditioning::karras_default();
        let d2 = p.sigma_data * p.sigma_data;
        for sigma in [0.002, 0.1, 0.5, 1.0, 10.0, 80.0] {
            let (a, b) = p.target_coefficients(sigma);
            // Var[a x₀ + b ε] with Var x₀ = σ_d², Var ε = 1.
            let target_var = a * a * d2 + b * b;
            assert!((target_var - 1.0).abs() < 1e-12, "σ={sigma}: {target_var}");
            let input_var = p.c_in(sigma).powi(2) * (d2 + sigma * sigma);
            assert!((input_var - 1.0).abs() < 1e-12);
            // D = c_skip x + c_out F with the ideal F gives back x₀ for any (x₀, ε).
            let (x0, eps) = (0.3, -1.7);
            let x = x0 + sigma * eps;
            let d = p.c_skip(sigma) * x + p.c_out(sigma) * (a * x0 + b * eps);
            assert!((d - x0).abs() < 1e-9 * (1.0 + x.abs()), "σ={sigma}: {d}");
        }
        assert!(EdmPreconditioning::new(0.0, -1.2, 1.2).is_err());
    }
}
