//! The little dense linear algebra the Gaussian-mixture oracle and the sample-quality metrics
//! need: Cholesky factorisation, triangular solves and log-determinants of small symmetric
//! positive-definite matrices, and the symmetric eigendecomposition (cyclic Jacobi) behind
//! matrix square roots (row-major `Vec<f64>`).

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

/// The eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SymmetricEigen {
    /// Eigenvalues, ascending.
    pub values: Vec<f64>,
    /// Orthonormal eigenvectors as the columns of a row-major `n×n` matrix, in the order of
    /// `values`.
    pub vectors: Vec<f64>,
}

/// Eigendecomposition of the symmetric `n×n` row-major matrix `a` by the cyclic Jacobi method
/// with the threshold strategy (Golub & Van Loan, *Matrix Computations*, 4th ed., §8.5;
/// rotation angles as in Numerical Recipes, 3rd ed., §11.1): each rotation `J(p, q, θ)` with
/// `tan 2θ = 2a_pq / (a_qq − a_pp)` zeroes `a_pq`; sweeps repeat until the off-diagonal mass is
/// below `1e-15 ·` the Frobenius norm (quadratic convergence, typically 6–10 sweeps). Accurate to
/// near machine precision relative to ‖A‖ and slow only beyond a few hundred rows, which suits
/// feature covariances (≤ 256 features).
///
/// Errors when `a` has the wrong length, is not symmetric (relative 1e-9), holds non-finite
/// values, or fails to converge in 100 sweeps.
pub fn symmetric_eigen(a: &[f64], n: usize) -> Result<SymmetricEigen, String> {
    if a.len() != n * n {
        return Err(format!(
            "expected {n}×{n} = {} entries, got {}",
            n * n,
            a.len()
        ));
    }
    if let Some(i) = a.iter().position(|v| !v.is_finite()) {
        return Err(format!("entry ({},{}) is {}", i / n, i % n, a[i]));
    }
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for i in 0..n {
        for j in 0..i {
            let (x, y) = (a[i * n + j], a[j * n + i]);
            if (x - y).abs() > 1e-9 * scale.max(f64::MIN_POSITIVE) {
                return Err(format!(
                    "entry ({i},{j}) = {x} differs from ({j},{i}) = {y}: not symmetric"
                ));
            }
        }
    }
    // Work on the symmetrised copy so that rounding asymmetry in the input does not matter.
    let mut m: Vec<f64> = (0..n * n)
        .map(|k| 0.5 * (a[k] + a[(k % n) * n + k / n]))
        .collect();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let frobenius = m.iter().map(|x| x * x).sum::<f64>().sqrt();
    let tolerance = 1e-15 * frobenius;
    let mut converged = false;
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .map(|(i, j)| 2.0 * m[i * n + j] * m[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= tolerance {
            converged = true;
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (m[p * n + p], m[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A ← Jᵀ A J on rows/columns p and q.
                for k in 0..n {
                    let (akp, akq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * akp - s * akq;
                    m[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * apk - s * aqk;
                    m[q * n + k] = s * apk + c * aqk;
                }
                m[p * n + q] = 0.0;
                m[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    if !converged {
        return Err("Jacobi eigenvalue iteration did not converge in 100 sweeps".into());
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[i * n + i].total_cmp(&m[j * n + j]));
    let values = order.iter().map(|&i| m[i * n + i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (new, &old) in order.iter().enumerate() {
        for k in 0..n {
            vectors[k * n + new] = v[k * n + old];
        }
    }
    Ok(SymmetricEigen { values, vectors })
}

impl SymmetricEigen {
    /// `V diag(f(λ)) Vᵀ`: a function of the matrix, e.g. `f = √·` (clamped at 0) for the
    /// square root of a positive semi-definite matrix.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        let n = self.values.len();
        let fl: Vec<f64> = self.values.iter().map(|&l| f(l)).collect();
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let x: f64 = (0..n)
                    .map(|k| self.vectors[i * n + k] * fl[k] * self.vectors[j * n + k])
                    .sum();
                out[i * n + j] = x;
                out[j * n + i] = x;
            }
        }
        out
    }
}

/// The symmetric positive semi-definite square root `A^{1/2} = V diag(√max(λ, 0)) Vᵀ` of a
/// symmetric matrix (negative eigenvalues from rounding are clamped to 0).
pub fn sqrt_psd(a: &[f64], n: usize) -> Result<Vec<f64>, String> {
    Ok(symmetric_eigen(a, n)?.map(|l| l.max(0.0).sqrt()))
}

/// `C = A B` for row-major `n×n` matrices.
pub fn mat_mul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..n {
                c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    c
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

    fn reconstruct(e: &SymmetricEigen) -> Vec<f64> {
        e.map(|l| l)
    }

    #[test]
    fn jacobi_diagonalises_a_known_matrix() {
        // Eigenvalues of [[2, 1], [1, 2]] are 1 and 3.
        let e = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2).unwrap();
        assert!((e.values[0] - 1.0).abs() < 1e-14 && (e.values[1] - 3.0).abs() < 1e-14);
        let a = [4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 2.0];
        let back = reconstruct(&symmetric_eigen(&a, 3).unwrap());
        for (x, y) in back.iter().zip(&a) {
            assert!((x - y).abs() < 1e-13, "{x} vs {y}");
        }
        let r = sqrt_psd(&a, 3).unwrap();
        let sq = mat_mul(&r, &r, 3);
        for (x, y) in sq.iter().zip(&a) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(symmetric_eigen(&[1.0, 2.0, 0.0, 1.0], 2).is_err());
        assert!(symmetric_eigen(&[1.0, f64::NAN, f64::NAN, 1.0], 2).is_err());
        assert!(symmetric_eigen(&[1.0], 2).is_err());
    }

    proptest::proptest! {
        #[test]
        fn jacobi_reconstructs_random_symmetric_matrices(
            n in 1usize..9,
            entries in proptest::collection::vec(-10.0f64..10.0, 64),
        ) {
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..=i {
                    a[i * n + j] = entries[i * 8 + j];
                    a[j * n + i] = entries[i * 8 + j];
                }
            }
            let e = symmetric_eigen(&a, n).unwrap();
            let back = reconstruct(&e);
            for (x, y) in back.iter().zip(&a) {
                proptest::prop_assert!((x - y).abs() < 1e-11, "{} vs {}", x, y);
            }
            // Vᵀ V = I and the values are ascending.
            for i in 0..n {
                for j in 0..n {
                    let d: f64 = (0..n).map(|k| e.vectors[k * n + i] * e.vectors[k * n + j]).sum();
                    let want = if i == j { 1.0 } else { 0.0 };
                    proptest::prop_assert!((d - want).abs() < 1e-12);
                }
            }
            proptest::prop_assert!(e.values.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
