//! The adaptive Dormand–Prince 5(4) method (Dormand & Prince 1980; Hairer, Nørsett & Wanner,
//! Solving ODEs I, §II.5 and §II.4 for the step-size control), the solver behind
//! `scipy.integrate.RK45` and the adaptive probability-flow ODE sampler of Song et al. 2021.

use crate::error::{MathError, MathResult};

/// Tolerances and limits of an adaptive Dormand–Prince solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DormandPrince {
    /// Relative tolerance per component.
    pub rel_tol: f64,
    /// Absolute tolerance per component.
    pub abs_tol: f64,
    /// Largest number of attempted steps before giving up.
    pub max_steps: usize,
}

/// Work done by an adaptive solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OdeStats {
    /// Evaluations of the right-hand side (for a network, its NFE).
    pub evaluations: usize,
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps.
    pub rejected: usize,
}

/// The state at the end time and the work it took.
#[derive(Debug, Clone, PartialEq)]
pub struct OdeSolution {
    /// `y(t₁)`.
    pub y: Vec<f64>,
    /// Evaluation and step counts.
    pub stats: OdeStats,
}

// Butcher tableau of RK5(4)7M.
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// Fifth-order weights minus the embedded fourth-order weights.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

impl Default for DormandPrince {
    fn default() -> Self {
        Self {
            rel_tol: 1e-6,
            abs_tol: 1e-9,
            max_steps: 100_000,
        }
    }
}

impl DormandPrince {
    /// A solver with the given tolerances (both must be positive and finite).
    pub fn new(rel_tol: f64, abs_tol: f64) -> MathResult<Self> {
        crate::validate::positive("rel_tol", rel_tol)?;
        crate::validate::positive("abs_tol", abs_tol)?;
        Ok(Self {
            rel_tol,
            abs_tol,
            ..Self::default()
        })
    }

    /// Integrates `y' = rhs(t, y)` from `t0` to `t1` (either direction) and returns `y(t1)`.
    pub fn solve<F>(&self, mut rhs: F, t0: f64, t1: f64, y0: &[f64]) -> MathResult<OdeSolution>
    where
        F: FnMut(f64, &[f64], &mut [f64]),
    {
        if !(t0.is_finite() && t1.is_finite()) {
            return Err(MathError::NumericalFailure(format!(
                "Dormand–Prince bounds must be finite, got [{t0}, {t1}]"
            )));
        }
        let n = y0.len();
        let mut stats = OdeStats::default();
        let mut y = y0.to_vec();
        if t0 == t1 || n == 0 {
            return Ok(OdeSolution { y, stats });
        }
        let direction = (t1 - t0).signum();
        let span = (t1 - t0).abs();
        let mut k = vec![vec![0.0; n]; 7];
        let mut stage = vec![0.0; n];
        let mut y_new = vec![0.0; n];
        let mut t = t0;
        rhs(t, &y, &mut k[0]);
        stats.evaluations += 1;
        let mut h = self.initial_step(&y, &k[0], span);
        let mut attempts = 0usize;
        while (t1 - t) * direction > 0.0 {
            attempts += 1;
            if attempts > self.max_steps {
                return Err(MathError::NumericalFailure(format!(
                    "Dormand–Prince exceeded {} steps at t = {t}; loosen the tolerances",
                    self.max_steps
                )));
            }
            let last = h >= (t1 - t).abs();
            if last {
                h = (t1 - t).abs();
            }
            let hs = h * direction;
            for s in 1..7 {
                for j in 0..n {
                    let mut acc = y[j];
                    for (r, kr) in k.iter().enumerate().take(s) {
                        acc += hs * A[s][r] * kr[j];
                    }
                    stage[j] = acc;
                }
                let (head, tail) = k.split_at_mut(s);
                let _ = head;
                rhs(t + C[s] * hs, &stage, &mut tail[0]);
                stats.evaluations += 1;
                if s == 6 {
                    y_new.copy_from_slice(&stage);
                }
            }
            let mut err_sq = 0.0;
            for j in 0..n {
                let mut e = 0.0;
                for (r, kr) in k.iter().enumerate() {
                    e += E[r] * kr[j];
                }
                let scale = self.abs_tol + self.rel_tol * y[j].abs().max(y_new[j].abs());
                err_sq += (hs * e / scale).powi(2);
            }
            let err = (err_sq / n as f64).sqrt();
            if !err.is_finite() {
                if h <= f64::EPSILON * span {
                    return Err(MathError::NumericalFailure(format!(
                        "Dormand–Prince solution is not finite near t = {t}"
                    )));
                }
                h *= 0.2;
                stats.rejected += 1;
                continue;
            }
            if err <= 1.0 {
                t = if last { t1 } else { t + hs };
                y.copy_from_slice(&y_new);
                // First-same-as-last: the 7th stage is the derivative at the new point.
                let (first, rest) = k.split_at_mut(1);
                first[0].copy_from_slice(&rest[5]);
                stats.accepted += 1;
                let factor = if err == 0.0 {
                    5.0
                } else {
                    (0.9 * err.powf(-0.2)).clamp(0.2, 5.0)
                };
                h *= factor;
            } else {
                stats.rejected += 1;
                h *= (0.9 * err.powf(-0.2)).clamp(0.2, 1.0);
            }
            if h <= f64::EPSILON * span * 1e-3 {
                return Err(MathError::NumericalFailure(format!(
                    "Dormand–Prince step size underflow at t = {t}"
                )));
            }
        }
        Ok(OdeSolution { y, stats })
    }

    /// Starting step from the size of the state and its derivative (Hairer et al., §II.4).
    fn initial_step(&self, y: &[f64], dy: &[f64], span: f64) -> f64 {
        let n = y.len() as f64;
        let mut d0 = 0.0;
        let mut d1 = 0.0;
        for (yi, dyi) in y.iter().zip(dy) {
            let scale = self.abs_tol + self.rel_tol * yi.abs();
            d0 += (yi / scale).powi(2);
            d1 += (dyi / scale).powi(2);
        }
        let (d0, d1) = ((d0 / n).sqrt(), (d1 / n).sqrt());
        let h = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        h.min(span).max(span * 1e-12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meets_tolerance_on_harmonic_oscillator() {
        let solver = DormandPrince::new(1e-10, 1e-12).unwrap();
        let sol = solver
            .solve(
                |_, y, dy| {
                    dy[0] = y[1];
                    dy[1] = -y[0];
                },
                0.0,
                10.0,
                &[1.0, 0.0],
            )
            .unwrap();
        assert!((sol.y[0] - 10f64.cos()).abs() < 1e-8);
        assert!((sol.y[1] + 10f64.sin()).abs() < 1e-8);
        assert_eq!(
            sol.stats.evaluations,
            1 + 6 * (sol.stats.accepted + sol.stats.rejected)
        );
    }

    #[test]
    fn looser_tolerance_uses_fewer_evaluations() {
        let run = |tol| {
            DormandPrince::new(tol, tol)
                .unwrap()
                .solve(|t, _, dy| dy[0] = (5.0 * t).cos(), 0.0, 3.0, &[0.0])
                .unwrap()
                .stats
                .evaluations
        };
        assert!(run(1e-3) < run(1e-10));
    }

    #[test]
    fn integrates_backwards_in_time() {
        let sol = DormandPrince::new(1e-11, 1e-13)
            .unwrap()
            .solve(|_, y, dy| dy[0] = y[0], 1.0, 0.0, &[1f64.exp()])
            .unwrap();
        assert!((sol.y[0] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn rejects_bad_tolerances() {
        assert!(DormandPrince::new(0.0, 1e-9).is_err());
        assert!(DormandPrince::new(1e-6, f64::NAN).is_err());
    }
}
