//! A forward process given only by its marginal coefficients s(t) and σ(t) as functions; the SDE
//! coefficients follow numerically from `f = d log s/dt` and `g² = dσ²/dt − 2 f σ²`.

use std::fmt;
use std::sync::Arc;

use crate::differentiate::derivative;
use crate::error::{MathError, MathResult};
use crate::process::ForwardProcess;
use crate::validate;

type ScalarFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// Any process `x_t = s(t) x₀ + σ(t) ε` with user-supplied, smooth `s > 0` and `σ ≥ 0`.
#[derive(Clone)]
pub struct CustomProcess {
    name: String,
    signal_scale: ScalarFn,
    noise_std: ScalarFn,
    t_min: f64,
    t_max: f64,
}

impl fmt::Debug for CustomProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomProcess")
            .field("name", &self.name)
            .field("t_min", &self.t_min)
            .field("t_max", &self.t_max)
            .finish()
    }
}

impl CustomProcess {
    /// Wraps `s(t)` and `σ(t)` on `[t_min, t_max]`, checking on a 257-point grid that `s` is
    /// finite and positive and `σ` finite and non-negative, and on a 65-point grid that the
    /// implied `g²` is not negative (the noise must not shrink relative to the signal).
    pub fn new<S, N>(
        name: impl Into<String>,
        signal_scale: S,
        noise_std: N,
        t_min: f64,
        t_max: f64,
    ) -> MathResult<Self>
    where
        S: Fn(f64) -> f64 + Send + Sync + 'static,
        N: Fn(f64) -> f64 + Send + Sync + 'static,
    {
        validate::finite("t_min", t_min)?;
        validate::finite("t_max", t_max)?;
        validate::ordered("t_min", t_min, "t_max", t_max)?;
        for i in 0..=256 {
            let t = t_min + (t_max - t_min) * i as f64 / 256.0;
            let s = signal_scale(t);
            if !(s.is_finite() && s > 0.0) {
                return Err(MathError::InvalidParameter {
                    name: "s(t)",
                    value: s,
                    requirement: format!(
                        "the signal scale must be finite and positive, but s({t}) is not"
                    ),
                });
            }
            let sigma = noise_std(t);
            if !(sigma.is_finite() && sigma >= 0.0) {
                return Err(MathError::InvalidParameter {
                    name: "σ(t)",
                    value: sigma,
                    requirement: format!(
                        "the noise level must be finite and non-negative, but σ({t}) is not"
                    ),
                });
            }
        }
        let process = Self {
            name: name.into(),
            signal_scale: Arc::new(signal_scale),
            noise_std: Arc::new(noise_std),
            t_min,
            t_max,
        };
        // A forward diffusion adds noise: g² = dσ²/dt − 2fσ² must not be negative.
        for i in 0..=64 {
            let t = t_min + (t_max - t_min) * i as f64 / 64.0;
            let g2 = process.raw_diffusion_sq(t);
            let sigma = process.noise_std(t);
            if g2 < -1e-8 * (1.0 + sigma * sigma) {
                return Err(MathError::InvalidParameter {
                    name: "σ(t)",
                    value: sigma,
                    requirement: format!(
                        "must grow at least as fast as the signal shrinks (g² = dσ²/dt − 2fσ² ≥ 0), but g²({t}) = {g2}"
                    ),
                });
            }
        }
        Ok(process)
    }

    /// `dσ²/dt − 2 f σ²` before clamping tiny negative round-off to zero.
    fn raw_diffusion_sq(&self, t: f64) -> f64 {
        let n = &self.noise_std;
        let sigma = n(t);
        let dvar = derivative(|u| n(u) * n(u), t, self.t_min, self.t_max);
        dvar - 2.0 * self.drift_coef(t) * sigma * sigma
    }
}

impl ForwardProcess for CustomProcess {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn t_min(&self) -> f64 {
        self.t_min
    }
    fn t_max(&self) -> f64 {
        self.t_max
    }
    fn signal_scale(&self, t: f64) -> f64 {
        (self.signal_scale)(t)
    }
    fn noise_std(&self, t: f64) -> f64 {
        (self.noise_std)(t)
    }
    fn drift_coef(&self, t: f64) -> f64 {
        let s = &self.signal_scale;
        derivative(|u| s(u).ln(), t, self.t_min, self.t_max)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        // The constructor rejected processes with g² < 0; what is left below zero is round-off.
        self.raw_diffusion_sq(t).max(0.0)
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        derivative(&*self.noise_std, t, self.t_min, self.t_max)
    }
    fn signal_scale_derivative(&self, t: f64) -> f64 {
        derivative(&*self.signal_scale, t, self.t_min, self.t_max)
    }
}
