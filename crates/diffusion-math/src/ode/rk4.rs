//! The classical fourth-order Runge–Kutta method with a fixed number of equal steps.

use crate::error::{MathError, MathResult};

/// Integrates `y' = rhs(t, y)` from `t0` to `t1` in `steps` equal RK4 steps (Kutta 1901;
/// Hairer, Nørsett & Wanner, Solving ODEs I, §II.1) and returns `y(t1)`.
///
/// `rhs(t, y, dy)` writes the derivative into `dy`. Errors when `steps` is 0, the bounds are not
/// finite or the solution stops being finite.
pub fn integrate_rk4<F>(
    mut rhs: F,
    t0: f64,
    t1: f64,
    y0: &[f64],
    steps: usize,
) -> MathResult<Vec<f64>>
where
    F: FnMut(f64, &[f64], &mut [f64]),
{
    if steps == 0 {
        return Err(MathError::InvalidParameter {
            name: "steps",
            value: 0.0,
            requirement: "RK4 needs at least one step".into(),
        });
    }
    if !(t0.is_finite() && t1.is_finite()) {
        return Err(MathError::NumericalFailure(format!(
            "RK4 bounds must be finite, got [{t0}, {t1}]"
        )));
    }
    let n = y0.len();
    let h = (t1 - t0) / steps as f64;
    let mut y = y0.to_vec();
    let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
    );
    for i in 0..steps {
        let t = t0 + h * i as f64;
        rhs(t, &y, &mut k1);
        for j in 0..n {
            tmp[j] = y[j] + 0.5 * h * k1[j];
        }
        rhs(t + 0.5 * h, &tmp, &mut k2);
        for j in 0..n {
            tmp[j] = y[j] + 0.5 * h * k2[j];
        }
        rhs(t + 0.5 * h, &tmp, &mut k3);
        for j in 0..n {
            tmp[j] = y[j] + h * k3[j];
        }
        rhs(t + h, &tmp, &mut k4);
        for j in 0..n {
            y[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
        }
        if y.iter().any(|v| !v.is_finite()) {
            return Err(MathError::NumericalFailure(format!(
                "RK4 solution became non-finite at t = {}",
                t + h
            )));
        }
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourth_order_convergence_on_exponential() {
        let err = |steps| {
            let y = integrate_rk4(|_, y, dy| dy[0] = -2.0 * y[0], 0.0, 1.0, &[1.0], steps).unwrap();
            (y[0] - (-2.0f64).exp()).abs()
        };
        let ratio = err(20) / err(40);
        assert!(
            (ratio - 16.0).abs() < 1.0,
            "error ratio {ratio} should be ≈ 2⁴"
        );
    }

    #[test]
    fn integrates_backwards() {
        let y = integrate_rk4(|_, y, dy| dy[0] = y[0], 1.0, 0.0, &[1f64.exp()], 200).unwrap();
        assert!((y[0] - 1.0).abs() < 1e-10);
    }

    #[test]
    fn rejects_zero_steps() {
        assert!(integrate_rk4(|_, _, _| {}, 0.0, 1.0, &[1.0], 0).is_err());
    }
}
