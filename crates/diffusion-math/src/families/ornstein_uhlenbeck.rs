//! The general time-inhomogeneous Ornstein–Uhlenbeck process
//! `dX = g(t)²/(2σ²) (μ − X) dt + g(t) dB` with any positive g(t), mean μ and stationary
//! variance σ². With `G(s, t) = ∫ₛᵗ g(u)² du` its transition is Gaussian with
//! `m_{s,t}(x) = μ + (x − μ) e^{−G/(2σ²)}` and `σ²_{s,t} = σ² (1 − e^{−G/σ²})`
//! (solve the linear SDE with the integrating factor `e^{G(0,t)/(2σ²)}`; e.g. Särkkä & Solin,
//! Applied Stochastic Differential Equations, 2019, §6.1). VP is the case μ = 0, σ² = 1, g² = β.

use std::fmt;
use std::sync::Arc;

use crate::error::{MathError, MathResult};
use crate::process::{ForwardProcess, GaussianTransition};
use crate::quadrature;
use crate::validate;

type ScalarFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// An Ornstein–Uhlenbeck process with time-varying diffusion `g(t)`.
///
/// As a [`ForwardProcess`] it describes the centred variable `X − μ` (whose drift is linear,
/// `f = −g²/(2σ²)`); [`OrnsteinUhlenbeck::transition`] and [`OrnsteinUhlenbeck::mean_at`] give
/// the uncentred kernel with the `μ` offset.
#[derive(Clone)]
pub struct OrnsteinUhlenbeck {
    g: ScalarFn,
    g_sq_integral: Option<ScalarFn>,
    /// Long-run mean μ.
    pub mean: f64,
    /// Stationary variance σ².
    pub stationary_variance: f64,
    /// End of the time domain.
    pub t_max: f64,
}

impl fmt::Debug for OrnsteinUhlenbeck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrnsteinUhlenbeck")
            .field("mean", &self.mean)
            .field("stationary_variance", &self.stationary_variance)
            .field("t_max", &self.t_max)
            .field("closed_form_integral", &self.g_sq_integral.is_some())
            .finish()
    }
}

impl OrnsteinUhlenbeck {
    /// An OU process with diffusion `g(t)`; `∫g²` is computed by adaptive quadrature.
    ///
    /// `g` is checked to be finite and positive on a grid of 257 points over `[0, t_max]`.
    pub fn new<G>(g: G, mean: f64, stationary_variance: f64, t_max: f64) -> MathResult<Self>
    where
        G: Fn(f64) -> f64 + Send + Sync + 'static,
    {
        validate::finite("mean", mean)?;
        validate::positive("stationary_variance", stationary_variance)?;
        validate::positive("t_max", t_max)?;
        for i in 0..=256 {
            let t = t_max * i as f64 / 256.0;
            let value = g(t);
            if !(value.is_finite() && value > 0.0) {
                return Err(MathError::InvalidParameter {
                    name: "g(t)",
                    value,
                    requirement: format!(
                        "the diffusion g(t) must be finite and positive on [0, {t_max}], but g({t}) is not"
                    ),
                });
            }
        }
        Ok(Self {
            g: Arc::new(g),
            g_sq_integral: None,
            mean,
            stationary_variance,
            t_max,
        })
    }

    /// Supplies the closed form `G(0, t) = ∫₀ᵗ g(u)² du`, replacing quadrature.
    pub fn with_closed_form_integral<I>(mut self, integral: I) -> Self
    where
        I: Fn(f64) -> f64 + Send + Sync + 'static,
    {
        self.g_sq_integral = Some(Arc::new(integral));
        self
    }

    /// A constant diffusion `g(t) = g` (the classical time-homogeneous OU process).
    pub fn constant(g: f64, mean: f64, stationary_variance: f64, t_max: f64) -> MathResult<Self> {
        validate::positive("g", g)?;
        Ok(Self::new(move |_| g, mean, stationary_variance, t_max)?
            .with_closed_form_integral(move |t| g * g * t))
    }

    /// `G(0, t) = ∫₀ᵗ g(u)² du`.
    pub fn g_sq_integral(&self, t: f64) -> f64 {
        match &self.g_sq_integral {
            Some(closed) => closed(t),
            None => {
                let g = &self.g;
                quadrature::integrate(|u| g(u) * g(u), 0.0, t, 1e-14, 1e-300).unwrap_or(f64::NAN)
            }
        }
    }

    /// `E[X_t | X_0 = x₀] = μ + (x₀ − μ) s(t)`.
    pub fn mean_at(&self, x0: f64, t: f64) -> f64 {
        self.mean + (x0 - self.mean) * self.signal_scale(t)
    }

    /// The uncentred transition `X_t | X_s = x ~ N(μ + (x − μ)a, σ²(1 − a²))`,
    /// `a = e^{−G(s,t)/(2σ²)}`.
    pub fn transition(&self, s: f64, t: f64) -> MathResult<GaussianTransition> {
        let centred = ForwardProcess::transition(self, s, t)?;
        Ok(GaussianTransition {
            mean_scale: centred.mean_scale,
            mean_offset: self.mean * (1.0 - centred.mean_scale),
            variance: centred.variance,
        })
    }

    /// The constant term `h(t) = g(t)² μ / (2σ²)` of the affine drift `f(t) x + h(t)`.
    pub fn drift_offset(&self, t: f64) -> f64 {
        self.diffusion_sq(t) * self.mean / (2.0 * self.stationary_variance)
    }
}

impl ForwardProcess for OrnsteinUhlenbeck {
    fn name(&self) -> String {
        format!(
            "Ornstein–Uhlenbeck (μ = {}, σ² = {})",
            self.mean, self.stationary_variance
        )
    }
    fn t_max(&self) -> f64 {
        self.t_max
    }
    fn signal_scale(&self, t: f64) -> f64 {
        (-self.g_sq_integral(t) / (2.0 * self.stationary_variance)).exp()
    }
    fn noise_std(&self, t: f64) -> f64 {
        (self.stationary_variance * -(-self.g_sq_integral(t) / self.stationary_variance).exp_m1())
            .sqrt()
    }
    fn drift_coef(&self, t: f64) -> f64 {
        -self.diffusion_sq(t) / (2.0 * self.stationary_variance)
    }
    fn diffusion_sq(&self, t: f64) -> f64 {
        let g = (self.g)(t);
        g * g
    }
}
