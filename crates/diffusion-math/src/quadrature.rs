//! Adaptive numerical integration of smooth scalar functions, used where a family has no closed
//! form (an Ornstein–Uhlenbeck process with arbitrary g(t), time changes of user processes).

use crate::error::{MathError, MathResult};

/// `∫ₐᵇ h(u) du` by adaptive Gauss–Kronrod (7-point Gauss, 15-point Kronrod) with bisection
/// until the Kronrod–Gauss difference of every panel is below `abs_tol + rel_tol·|panel|`.
///
/// Returns an error when the integrand is not finite or a panel cannot meet the tolerance
/// (a singular integrand).
pub fn integrate<F: Fn(f64) -> f64>(
    h: F,
    a: f64,
    b: f64,
    rel_tol: f64,
    abs_tol: f64,
) -> MathResult<f64> {
    if a == b {
        return Ok(0.0);
    }
    if !(a.is_finite() && b.is_finite()) {
        return Err(MathError::NumericalFailure(format!(
            "integration bounds must be finite, got [{a}, {b}]"
        )));
    }
    let (lo, hi, sign) = if a < b { (a, b, 1.0) } else { (b, a, -1.0) };
    let mut stack = vec![(lo, hi, 0u32)];
    let mut total = 0.0;
    let mut panels = 0usize;
    while let Some((l, r, depth)) = stack.pop() {
        panels += 1;
        let (kronrod, gauss) = gauss_kronrod_15(&h, l, r);
        if !kronrod.is_finite() {
            return Err(MathError::NumericalFailure(format!(
                "integrand is not finite on [{l}, {r}]"
            )));
        }
        let err = (kronrod - gauss).abs();
        if err <= abs_tol.max(rel_tol * kronrod.abs()) {
            total += kronrod;
            continue;
        }
        if depth >= 50 || r - l <= 1e-15 * hi.abs().max(1.0) {
            return Err(MathError::NumericalFailure(format!(
                "adaptive quadrature did not converge on [{l}, {r}] (error {err:e}); the integrand may be singular there"
            )));
        }
        if panels > 100_000 {
            return Err(MathError::NumericalFailure(
                "adaptive quadrature needed more than 100000 panels".into(),
            ));
        }
        let m = 0.5 * (l + r);
        stack.push((l, m, depth + 1));
        stack.push((m, r, depth + 1));
    }
    Ok(sign * total)
}

/// One Gauss–Kronrod G7/K15 panel: returns (Kronrod estimate, Gauss estimate).
fn gauss_kronrod_15<F: Fn(f64) -> f64>(h: &F, a: f64, b: f64) -> (f64, f64) {
    // Nodes and weights from Piessens et al., QUADPACK (1983), routine qk15.
    const XGK: [f64; 8] = [
        0.991_455_371_120_812_6,
        0.949_107_912_342_758_5,
        0.864_864_423_359_769_1,
        0.741_531_185_599_394_4,
        0.586_087_235_467_691_1,
        0.405_845_151_377_397_2,
        0.207_784_955_007_898_5,
        0.0,
    ];
    const WGK: [f64; 8] = [
        0.022_935_322_010_529_22,
        0.063_092_092_629_978_55,
        0.104_790_010_322_250_2,
        0.140_653_259_715_525_9,
        0.169_004_726_639_267_9,
        0.190_350_578_064_785_4,
        0.204_432_940_075_298_9,
        0.209_482_141_084_728,
    ];
    const WG: [f64; 4] = [
        0.129_484_966_168_869_7,
        0.279_705_391_489_276_7,
        0.381_830_050_505_118_9,
        0.417_959_183_673_469_4,
    ];
    let centre = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let fc = h(centre);
    let mut kronrod = WGK[7] * fc;
    let mut gauss = WG[3] * fc;
    for j in 0..7 {
        let dx = half * XGK[j];
        let pair = h(centre - dx) + h(centre + dx);
        kronrod += WGK[j] * pair;
        if j % 2 == 1 {
            gauss += WG[j / 2] * pair;
        }
    }
    (kronrod * half, gauss * half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_polynomials_and_exponentials() {
        let v = integrate(|x| x * x * x, 0.0, 2.0, 1e-13, 1e-15).unwrap();
        assert!((v - 4.0).abs() < 1e-12);
        let v = integrate(f64::exp, 0.0, 1.0, 1e-13, 1e-15).unwrap();
        assert!((v - (1f64.exp() - 1.0)).abs() < 1e-12);
        let v = integrate(f64::exp, 1.0, 0.0, 1e-13, 1e-15).unwrap();
        assert!((v + (1f64.exp() - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn handles_peaked_integrands() {
        let v = integrate(|x| 1.0 / (1e-4 + x * x), -1.0, 1.0, 1e-12, 1e-14).unwrap();
        let exact = 2.0 * (1.0f64 / 1e-2).atan() / 1e-2;
        assert!((v - exact).abs() / exact < 1e-10, "{v} vs {exact}");
    }

    #[test]
    fn reports_non_finite_integrand() {
        assert!(integrate(|x| 1.0 / x, 0.0, 1.0, 1e-10, 1e-12).is_err());
    }
}
