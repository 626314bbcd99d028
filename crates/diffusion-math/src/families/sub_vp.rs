//! Sub-VP SDE (Song et al. 2021, eq. 12): `dx = −½β(t) x dt + √(β(t)(1 − e^{−2B(t)})) dw`, whose
//! variance `σ(t)² = (1 − e^{−B(t)})²` stays below the VP SDE's.

use crate::error::MathResult;
use crate::families::VpLinear;
use crate::process::ForwardProcess;

/// The sub-VP SDE with linear β: `s(t) = exp(−½B)`, `σ(t) = 1 − exp(−B)`. Its drift, and so its
/// mean `s(t)`, are the VP SDE's; only the diffusion (and with it σ) is smaller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubVp {
    /// The VP SDE whose drift and β(t) it shares.
    pub vp: VpLinear,
}

impl SubVp {
    /// A sub-VP SDE with the given β range on `[0, t_max]`.
    pub fn new(beta_min: f64, beta_max: f64, t_max: f64) -> MathResult<Self> {
        VpLinear::new(beta_min, beta_max, t_max).map(|vp| Self { vp })
    }

    /// Song et al.'s defaults ([`super::LinearBeta::SONG`]).
    pub fn song_default() -> Self {
        Self {
            vp: VpLinear::song_default(),
        }
    }
}

impl ForwardProcess for SubVp {
    fn name(&self) -> String {
        let beta = self.vp.beta;
        format!("sub-VP (linear β {}..{})", beta.beta_min, beta.beta_max)
    }
    fn t_max(&self) -> f64 {
        self.vp.t_max()
    }
    fn signal_scale(&self, t: f64) -> f64 {
        self.vp.signal_scale(t)
    }
    fn noise_std(&self, t: f64) -> f64 {
        -(-self.vp.beta.integral(t)).exp_m1()
    }
    fn drift_coef(&self, t: f64) -> f64 {
        self.vp.drift_coef(t)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        // g² = β(1 − e^{−2B}) (Song et al. 2021, eq. 12).
        let beta = self.vp.beta;
        beta.beta(t) * -(-2.0 * beta.integral(t)).exp_m1()
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        // σ = 1 − e^{−B} ⇒ dσ/dt = β e^{−B}.
        let beta = self.vp.beta;
        beta.beta(t) * (-beta.integral(t)).exp()
    }
}
