//! The little dense linear algebra the Gaussian-mixture oracle needs: Cholesky factorisation,
//! triangular solves and log-determinants of small symmetric positive-definite matrices
//! (row-major `Vec<f64>`).

/// Lower-triangular Cholesky factor `L` with `A = L Lᵀ` of the `n×n` row-major matrix `a`.
///
/// Errors (with a description) when `a` is not symmetric or not positive definite.
pub fn cholesky(a: &[f64], n: usize) -> Result<Vec<f64>, String> {
    if a.len() != n * n {
        return Err(format!(
            "expected {n}×{n} = {} entries, got {}",
            n * n,
            a.len()
        ));
    }
    for i in 0..n {
        for j in 0..i {
            let (x, y) = (a[i * n + j], a[j * n + i]);
            if (x - y).abs() > 1e-12 * (1.0 + x.abs().max(y.abs())) {
                return Err(format!(
                    "entry ({i},{j}) = {x} differs from ({j},{i}) = {y}"
                ));
            }
        }
    }
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = a[i * n + j];
            for k in 0..j {
                sum -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(sum > 0.0 && sum.is_finite()) {
                    return Err(format!("pivot {i} is {sum}, not positive"));
                }
                l[i * n + i] = sum.sqrt();
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    Ok(l)
}

/// Solves `L y = b` for lower-triangular `L` (forward substitution).
pub fn solve_lower(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i * n + k] * y[k];
        }
        y[i] = sum / l[i * n + i];
    }
    y
}

/// Solves `Lᵀ x = y` for lower-triangular `L` (back substitution).
pub fn solve_lower_transposed(l: &[f64], n: usize, y: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut sum = y[i];
        for k in i + 1..n {
            sum -= l[k * n + i] * x[k];
        }
        x[i] = sum / l[i * n + i];
    }
    x
}

/// `log det A = 2 Σ log L_ii` from the Cholesky factor.
pub fn log_det_from_cholesky(l: &[f64], n: usize) -> f64 {
    (0..n).map(|i| l[i * n + i].ln()).sum::<f64>() * 2.0
}

/// `y = M x` for a row-major `n×n` matrix.
pub fn mat_vec(m: &[f64], n: usize, x: &[f64]) -> Vec<f64> {
    (0..n)
        .map(|i| (0..n).map(|j| m[i * n + j] * x[j]).sum())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reconstructs_and_solves() {
        let a = [4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 2.0];
        let l = cholesky(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((v - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        let b = [1.0, -2.0, 0.5];
        let x = solve_lower_transposed(&l, 3, &solve_lower(&l, 3, &b));
        let back = mat_vec(&a, 3, &x);
        for i in 0..3 {
            assert!((back[i] - b[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_indefinite_and_asymmetric() {
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_err());
        assert!(cholesky(&[1.0, 0.5, 0.0, 1.0], 2).is_err());
    }
}
