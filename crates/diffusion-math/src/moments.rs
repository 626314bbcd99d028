//! The Itô moment ODEs of a linear SDE, and their closed-form solutions.
//!
//! For `dx = (f(t) x + h(t)) dt + g(t) dw`, Itô's lemma applied to `x` and `x²` and then taking
//! expectations gives (Särkkä & Solin 2019, §5.5, eq. 5.51–5.53):
//! `m' = f m + h`, `v' = 2 f v + g²` for the variance, and `E[x²]' = 2 f E[x²] + 2 h m + g²`.
//! Integrating these numerically and comparing with `s(t)`, `σ(t)` is the check that a family's
//! (s, σ) and (f, g) really describe one process.

use crate::error::MathResult;
use crate::ode::{integrate_rk4, DormandPrince, OdeStats};
use crate::process::ForwardProcess;

/// First and second moments of the state of a scalar linear SDE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// `E[x]`.
    pub mean: f64,
    /// `Var[x]`.
    pub variance: f64,
    /// `E[x²]`, integrated as its own ODE (not derived from mean and variance).
    pub second_moment: f64,
}

impl Moments {
    /// Moments of a point mass at `x` spread by independent noise of variance `variance`.
    pub fn new(mean: f64, variance: f64) -> Self {
        Self {
            mean,
            variance,
            second_moment: variance + mean * mean,
        }
    }

    fn to_state(self) -> [f64; 3] {
        [self.mean, self.variance, self.second_moment]
    }

    fn from_state(y: &[f64]) -> Self {
        Self {
            mean: y[0],
            variance: y[1],
            second_moment: y[2],
        }
    }
}

/// The coefficients of `dx = (f(t) x + h(t)) dt + g(t) dw` as functions of time.
pub struct LinearSde<'a> {
    /// Linear drift `f(t)`.
    pub drift_coef: &'a dyn Fn(f64) -> f64,
    /// Affine drift offset `h(t)` (zero for every diffusion family here but OU with μ ≠ 0).
    pub drift_offset: &'a dyn Fn(f64) -> f64,
    /// Squared diffusion `g(t)²`.
    pub diffusion_sq: &'a dyn Fn(f64) -> f64,
}

impl LinearSde<'_> {
    /// Right-hand side of the moment ODEs at `t` for the state `(m, v, E[x²])`.
    pub fn moment_derivative(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        let f = (self.drift_coef)(t);
        let h = (self.drift_offset)(t);
        let g2 = (self.diffusion_sq)(t);
        dy[0] = f * y[0] + h;
        dy[1] = 2.0 * f * y[1] + g2;
        dy[2] = 2.0 * f * y[2] + 2.0 * h * y[0] + g2;
    }

    /// Moments at `t1` from moments at `t0` by `steps` fixed RK4 steps.
    pub fn moments_rk4(
        &self,
        initial: Moments,
        t0: f64,
        t1: f64,
        steps: usize,
    ) -> MathResult<Moments> {
        let y = integrate_rk4(
            |t, y, dy| self.moment_derivative(t, y, dy),
            t0,
            t1,
            &initial.to_state(),
            steps,
        )?;
        Ok(Moments::from_state(&y))
    }

    /// Moments at `t1` from moments at `t0` by adaptive Dormand–Prince, with its work counts.
    pub fn moments_adaptive(
        &self,
        initial: Moments,
        t0: f64,
        t1: f64,
        solver: &DormandPrince,
    ) -> MathResult<(Moments, OdeStats)> {
        let sol = solver.solve(
            |t, y, dy| self.moment_derivative(t, y, dy),
            t0,
            t1,
            &initial.to_state(),
        )?;
        Ok((Moments::from_state(&sol.y), sol.stats))
    }
}

/// Runs `body` with the [`LinearSde`] view of a forward process (zero drift offset).
pub fn with_linear_sde<P: ForwardProcess + ?Sized, R>(
    process: &P,
    body: impl FnOnce(&LinearSde<'_>) -> R,
) -> R {
    let f = |t| process.drift_coef(t);
    let h = |_| 0.0;
    let g2 = |t| process.diffusion_sq(t);
    body(&LinearSde {
        drift_coef: &f,
        drift_offset: &h,
        diffusion_sq: &g2,
    })
}

/// Closed-form moments at `t` of a process started at `t0` with the given moments:
/// `m_t = a m₀`, `v_t = a² v₀ + (σ(t)² − a² σ(t₀)²)`, `a = s(t)/s(t₀)`.
pub fn closed_form_moments<P: ForwardProcess + ?Sized>(
    process: &P,
    initial: Moments,
    t0: f64,
    t: f64,
) -> MathResult<Moments> {
    let kernel = process.transition(t0, t)?;
    let a = kernel.mean_scale;
    let mean = a * initial.mean;
    let variance = a * a * initial.variance + kernel.variance;
    Ok(Moments {
        mean,
        variance,
        second_moment: a * a * initial.second_moment + kernel.variance,
    })
}
