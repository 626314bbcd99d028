//! The rectified-flow / flow-matching path (Liu et al. 2023; Lipman et al. 2023, optimal-transport
//! path with σ_min = 0): `x_t = (1 − t) x₀ + t ε`. As an SDE: `f = −1/(1 − t)`,
//! `g² = 2t/(1 − t)`, both singular at t = 1 where the marginal is pure noise.

use crate::process::ForwardProcess;

/// The straight-line interpolation between data (t = 0) and noise (t = 1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RectifiedFlow;

impl ForwardProcess for RectifiedFlow {
    fn name(&self) -> String {
        "rectified flow".into()
    }
    fn t_max(&self) -> f64 {
        1.0
    }
    fn signal_scale(&self, t: f64) -> f64 {
        1.0 - t
    }
    fn noise_std(&self, t: f64) -> f64 {
        t
    }
    fn drift_coef(&self, t: f64) -> f64 {
        -1.0 / (1.0 - t)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        2.0 * t / (1.0 - t)
    }
    fn signal_scale_derivative(&self, _t: f64) -> f64 {
        -1.0
    }
    fn noise_std_derivative(&self, _t: f64) -> f64 {
        1.0
    }
}
