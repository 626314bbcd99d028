//! The forward-process abstraction every family implements.
//!
//! A forward (noising) process is the linear Itô SDE
//! `dx = f(t)·x dt + g(t) dw` (Song et al. 2021, eq. 5) whose marginal given the data is
//! `x_t = s(t)·x₀ + σ(t)·ε`, `ε ~ N(0, I)`. The pair (s, σ) and the pair (f, g) describe the
//! same process: `f = d log s/dt` and `g² = dσ²/dt − 2 f σ²` (Kingma et al. 2021, appendix; Karras
//! et al. 2022, eq. 4 rearranged). Samplers and trainers talk only to this trait, so DDPM, VP,
//! sub-VP, VE, EDM, rectified flow and Ornstein–Uhlenbeck processes are interchangeable.

use crate::error::{MathError, MathResult};
use crate::validate;

/// A forward diffusion process on the time domain `[t_min, t_max]`.
///
/// The raw evaluations (`signal_scale`, `noise_std`, …) are unchecked so that hot loops pay
/// nothing; call [`ForwardProcess::at`] (or [`ForwardProcess::check_time`]) with user-supplied
/// times to get a [`MathError`] instead of a meaningless number outside the domain.
pub trait ForwardProcess {
    /// Short human-readable name, used in error messages and tables.
    fn name(&self) -> String;

    /// For a discrete model's table (time = timestep index), its number of training steps N;
    /// `None` for continuous-time processes.
    fn num_train_timesteps(&self) -> Option<usize> {
        None
    }

    /// Start of the time domain (usually 0).
    fn t_min(&self) -> f64 {
        0.0
    }

    /// End of the time domain, where the marginal is (close to) the prior.
    fn t_max(&self) -> f64;

    /// Signal scale `s(t)` in `x_t = s(t)·x₀ + σ(t)·ε`.
    fn signal_scale(&self, t: f64) -> f64;

    /// Noise standard deviation `σ(t)` in `x_t = s(t)·x₀ + σ(t)·ε`.
    fn noise_std(&self, t: f64) -> f64;

    /// Drift coefficient `f(t) = d log s(t)/dt` of `dx = f(t) x dt + g(t) dw`.
    fn drift_coef(&self, t: f64) -> f64;

    /// Squared diffusion coefficient `g(t)² = dσ²/dt − 2 f(t) σ(t)²`.
    fn diffusion_sq(&self, t: f64) -> f64;

    /// Time derivative of the signal scale, `ds/dt = f(t)·s(t)`.
    fn signal_scale_derivative(&self, t: f64) -> f64 {
        self.drift_coef(t) * self.signal_scale(t)
    }

    /// Time derivative of the noise standard deviation, `dσ/dt = (g² + 2 f σ²) / (2σ)`.
    ///
    /// Families override this where the quotient is 0/0 (σ(t_min) = 0).
    fn noise_std_derivative(&self, t: f64) -> f64 {
        let sigma = self.noise_std(t);
        (self.diffusion_sq(t) + 2.0 * self.drift_coef(t) * sigma * sigma) / (2.0 * sigma)
    }

    /// Diffusion coefficient `g(t)`.
    fn diffusion(&self, t: f64) -> f64 {
        self.diffusion_sq(t).sqrt()
    }

    /// Log signal-to-noise ratio `λ(t) = log(s²/σ²)`, decreasing in t.
    fn log_snr(&self, t: f64) -> f64 {
        2.0 * (self.signal_scale(t).ln() - self.noise_std(t).ln())
    }

    /// Returns `t` if it lies in `[t_min, t_max]`, an error naming the domain otherwise.
    fn check_time(&self, t: f64) -> MathResult<f64> {
        validate::finite("t", t)?;
        if t < self.t_min() || t > self.t_max() {
            return Err(MathError::TimeOutOfRange {
                t,
                t_min: self.t_min(),
                t_max: self.t_max(),
                process: self.name(),
            });
        }
        Ok(t)
    }

    /// Every coefficient of the process at one (checked) time.
    fn at(&self, t: f64) -> MathResult<ProcessPoint> {
        let t = self.check_time(t)?;
        Ok(self.point_unchecked(t))
    }

    /// Every coefficient at `t` without the domain check (for loops over known-good times).
    fn point_unchecked(&self, t: f64) -> ProcessPoint {
        ProcessPoint {
            t,
            signal_scale: self.signal_scale(t),
            noise_std: self.noise_std(t),
            signal_scale_derivative: self.signal_scale_derivative(t),
            noise_std_derivative: self.noise_std_derivative(t),
            drift_coef: self.drift_coef(t),
            diffusion_sq: self.diffusion_sq(t),
        }
    }

    /// The Gaussian transition kernel `q(x_t | x_s) = N(a·x_s, v)` for `s ≤ t`, with
    /// `a = s(t)/s(s)` and `v = σ(t)² − a² σ(s)²` (Kingma et al. 2021, eq. 21–22).
    fn transition(&self, s: f64, t: f64) -> MathResult<GaussianTransition> {
        self.check_time(s)?;
        self.check_time(t)?;
        if s > t {
            return Err(MathError::InvalidParameter {
                name: "s",
                value: s,
                requirement: format!("the transition q(x_t | x_s) needs s ≤ t, got t = {t}"),
            });
        }
        let mean_scale = self.signal_scale(t) / self.signal_scale(s);
        let sigma_t = self.noise_std(t);
        let sigma_s = self.noise_std(s);
        let variance = (sigma_t * sigma_t - mean_scale * mean_scale * sigma_s * sigma_s).max(0.0);
        Ok(GaussianTransition {
            mean_scale,
            mean_offset: 0.0,
            variance,
        })
    }

    /// Time at which the log-SNR equals `lambda`, found by bisection on the monotone λ(t).
    ///
    /// Used by solvers that step uniformly in log-SNR (DPM-Solver, Lu et al. 2022, §3.3).
    fn time_at_log_snr(&self, lambda: f64) -> MathResult<f64> {
        validate::finite("lambda", lambda)?;
        let (mut lo, mut hi) = (self.t_min(), self.t_max());
        let (l_lo, l_hi) = (self.log_snr(lo), self.log_snr(hi));
        if !(lambda <= l_lo && lambda >= l_hi) {
            return Err(MathError::InvalidParameter {
                name: "lambda",
                value: lambda,
                requirement: format!(
                    "must lie in the log-SNR range [{l_hi}, {l_lo}] of {}",
                    self.name()
                ),
            });
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.log_snr(mid) > lambda {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
                break;
            }
        }
        Ok(0.5 * (lo + hi))
    }
}

/// All coefficients of a forward process at one time `t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessPoint {
    /// The time.
    pub t: f64,
    /// `s(t)`.
    pub signal_scale: f64,
    /// `σ(t)`.
    pub noise_std: f64,
    /// `ds/dt`.
    pub signal_scale_derivative: f64,
    /// `dσ/dt`.
    pub noise_std_derivative: f64,
    /// `f(t)`.
    pub drift_coef: f64,
    /// `g(t)²`.
    pub diffusion_sq: f64,
}

impl ProcessPoint {
    /// The point of noise level `σ` in the EDM view `x̃ = x/s` of any process (Karras et al.
    /// 2022, eq. 4 with s = 1): `σ̃ = σ/s`, which is also its time, `f = 0`, `g² = 2σ̃`. Samplers
    /// written for σ (Euler, Heun, Euler ancestral) take these points.
    pub fn edm_view(sigma: f64) -> Self {
        Self {
            t: sigma,
            signal_scale: 1.0,
            noise_std: sigma,
            signal_scale_derivative: 0.0,
            noise_std_derivative: 1.0,
            drift_coef: 0.0,
            diffusion_sq: 2.0 * sigma,
        }
    }

    /// The EDM noise level `σ/s` of this point.
    pub fn sigma_tilde(&self) -> f64 {
        self.noise_std / self.signal_scale
    }

    /// Log-SNR `λ = log(s²/σ²)`.
    pub fn log_snr(&self) -> f64 {
        2.0 * (self.signal_scale.ln() - self.noise_std.ln())
    }

    /// Drift of the reverse-time SDE, `f x − g² ∇log p_t(x)` (Anderson 1982; Song et al. 2021,
    /// eq. 6), to be integrated backwards in time with noise `g dw̄`.
    pub fn reverse_sde_drift(&self, x: f64, score: f64) -> f64 {
        self.drift_coef * x - self.diffusion_sq * score
    }

    /// Drift of the probability-flow ODE, `f x − ½ g² ∇log p_t(x)` (Song et al. 2021, eq. 13):
    /// a deterministic flow with the same marginals as the SDE.
    pub fn probability_flow_drift(&self, x: f64, score: f64) -> f64 {
        self.drift_coef * x - 0.5 * self.diffusion_sq * score
    }
}

/// A Gaussian transition `q(x_t | x_s) = N(mean_scale·x_s + mean_offset, variance)`, per element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianTransition {
    /// Multiplier of the starting value in the mean.
    pub mean_scale: f64,
    /// Additive part of the mean (non-zero only for processes with an affine drift, such as an
    /// Ornstein–Uhlenbeck process with mean μ ≠ 0).
    pub mean_offset: f64,
    /// Variance of the transition.
    pub variance: f64,
}

impl GaussianTransition {
    /// Mean of `x_t` given `x_s = x`.
    pub fn mean(&self, x: f64) -> f64 {
        self.mean_scale * x + self.mean_offset
    }

    /// Standard deviation of `x_t` given `x_s`.
    pub fn std(&self) -> f64 {
        self.variance.sqrt()
    }

    /// Log density of `x_t = y` given `x_s = x`.
    pub fn log_density(&self, x: f64, y: f64) -> f64 {
        let d = y - self.mean(x);
        -0.5 * (d * d / self.variance + (2.0 * std::f64::consts::PI * self.variance).ln())
    }
}

/// A shared process is a process: lets code that picks the family at run time (a training
/// config, a command line) hand one `Arc<dyn ForwardProcess>` to APIs generic over the process.
/// Every method forwards, so the inner type's overrides (closed-form derivatives, discrete
/// timesteps) are kept.
impl ForwardProcess for std::sync::Arc<dyn ForwardProcess + Send + Sync> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn num_train_timesteps(&self) -> Option<usize> {
        (**self).num_train_timesteps()
    }
    fn t_min(&self) -> f64 {
        (**self).t_min()
    }
    fn t_max(&self) -> f64 {
        (**self).t_max()
    }
    fn signal_scale(&self, t: f64) -> f64 {
        (**self).signal_scale(t)
    }
    fn noise_std(&self, t: f64) -> f64 {
        (**self).noise_std(t)
    }
    fn drift_coef(&self, t: f64) -> f64 {
        (**self).drift_coef(t)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        (**self).diffusion_sq(t)
    }
    fn signal_scale_derivative(&self, t: f64) -> f64 {
        (**self).signal_scale_derivative(t)
    }
    fn noise_std_derivative(&self, t: f64) -> f64 {
        (**self).noise_std_derivative(t)
    }
    fn diffusion(&self, t: f64) -> f64 {
        (**self).diffusion(t)
    }
    fn log_snr(&self, t: f64) -> f64 {
        (**self).log_snr(t)
    }
    fn check_time(&self, t: f64) -> MathResult<f64> {
        (**self).check_time(t)
    }
    fn at(&self, t: f64) -> MathResult<ProcessPoint> {
        (**self).at(t)
    }
    fn point_unchecked(&self, t: f64) -> ProcessPoint {
        (**self).point_unchecked(t)
    }
    fn transition(&self, s: f64, t: f64) -> MathResult<GaussianTransition> {
        (**self).transition(s, t)
    }
    fn time_at_log_snr(&self, lambda: f64) -> MathResult<f64> {
        (**self).time_at_log_snr(lambda)
    }
}
