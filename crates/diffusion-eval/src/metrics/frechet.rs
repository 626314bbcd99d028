//! The Fréchet distance between Gaussian fits of two feature sets (FID's formula on our MNIST
//! classifier's features instead of Inception's).
//!
//! For N(μ₁, Σ₁) and N(μ₂, Σ₂) the squared 2-Wasserstein (Fréchet) distance is
//! `d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}`
//! (Dowson & Landau 1982, "The Fréchet distance between multivariate normal distributions";
//! used on network features as FID by Heusel et al. 2017, "GANs trained by a two time-scale update
//! rule converge to a local Nash equilibrium", eq. 6). The matrix square roots come from the
//! symmetric eigendecomposition (`diffusion_math::linalg::symmetric_eigen`); because
//! `Σ₁^{1/2} Σ₂ Σ₁^{1/2}` is symmetric positive semi-definite, its trace-root is `Σᵢ √max(λᵢ, 0)`.
//! Like FID, the value is biased upward for finite samples: compare with the real-vs-real floor
//! at the same sample count.

use diffusion_math::linalg::{mat_mul, sqrt_psd, symmetric_eigen};

use super::check_vectors;
use crate::error::{EvalError, EvalResult};

/// The mean and covariance of a sample set.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianFit {
    /// Dimension d.
    pub dim: usize,
    /// Sample mean, length d.
    pub mean: Vec<f64>,
    /// Covariance, row-major d×d, with the unbiased 1/(n − 1) normalisation (as `numpy.cov`,
    /// which pytorch-fid uses).
    pub covariance: Vec<f64>,
}

impl GaussianFit {
    /// The fit of at least two samples of one dimension.
    pub fn from_samples(x: &[Vec<f64>]) -> EvalResult<Self> {
        let dim = check_vectors("Gaussian fit", x)?;
        if x.len() < 2 {
            return Err(EvalError::invalid(
                "a covariance needs at least 2 samples; draw more",
            ));
        }
        let n = x.len() as f64;
        let mut mean = vec![0.0; dim];
        for v in x {
            mean.iter_mut().zip(v).for_each(|(m, a)| *m += a / n);
        }
        let mut covariance = vec![0.0; dim * dim];
        let mut centred = vec![0.0; dim];
        for v in x {
            centred
                .iter_mut()
                .zip(v.iter().zip(&mean))
                .for_each(|(c, (a, m))| *c = a - m);
            for i in 0..dim {
                let ci = centred[i];
                for j in i..dim {
                    covariance[i * dim + j] += ci * centred[j];
                }
            }
        }
        for i in 0..dim {
            for j in i..dim {
                let c = covariance[i * dim + j] / (n - 1.0);
                covariance[i * dim + j] = c;
                covariance[j * dim + i] = c;
            }
        }
        Ok(Self {
            dim,
            mean,
            covariance,
        })
    }
}

/// `‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}` (Dowson & Landau 1982;
/// Heusel et al. 2017). Clamped at 0 against rounding below zero.
pub fn frechet_distance(a: &GaussianFit, b: &GaussianFit) -> EvalResult<f64> {
    if a.dim != b.dim {
        return Err(EvalError::invalid(format!(
            "Fréchet distance between fits of dimension {} and {}",
            a.dim, b.dim
        )));
    }
    let d = a.dim;
    let mean_term: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let trace = |m: &[f64]| (0..d).map(|i| m[i * d + i]).sum::<f64>();
    let root_a = sqrt_psd(&a.covariance, d).map_err(EvalError::LinearAlgebra)?;
    let mut middle = mat_mul(&mat_mul(&root_a, &b.covariance, d), &root_a, d);
    // Symmetrise away the rounding of the two products before the eigen solver's symmetry check.
    for i in 0..d {
        for j in 0..i {
            let s = 0.5 * (middle[i * d + j] + middle[j * d + i]);
            middle[i * d + j] = s;
            middle[j * d + i] = s;
        }
    }
    let cross: f64 = symmetric_eigen(&middle, d)
        .map_err(EvalError::LinearAlgebra)?
        .values
        .iter()
        .map(|&l| l.max(0.0).sqrt())
        .sum();
    Ok((mean_term + trace(&a.covariance) + trace(&b.covariance) - 2.0 * cross).max(0.0))
}

/// The Fréchet distance between the Gaussian fits of two sample sets.
pub fn frechet_distance_of_samples(x: &[Vec<f64>], y: &[Vec<f64>]) -> EvalResult<f64> {
    frechet_distance(
        &GaussianFit::from_samples(x)?,
        &GaussianFit::from_samples(y)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::test_clouds::gaussian_cloud as samples;
    use proptest::prelude::*;

    fn diagonal(mean: Vec<f64>, variances: &[f64]) -> GaussianFit {
        let d = mean.len();
        let mut covariance = vec![0.0; d * d];
        for (i, v) in variances.iter().enumerate() {
            covariance[i * d + i] = *v;
        }
        GaussianFit {
            dim: d,
            mean,
            covariance,
        }
    }

    #[test]
    fn a_shift_adds_its_squared_length() {
        let x = samples(200, 3, 1, 0.0, 1.0);
        let y: Vec<Vec<f64>> = x
            .iter()
            .map(|v| v.iter().map(|a| a + 0.5).collect())
            .collect();
        let fd = frechet_distance_of_samples(&x, &y).unwrap();
        assert!((fd - 3.0 * 0.25).abs() < 1e-9, "{fd}");
        // Far-apart sets are far apart; nearby draws are close.
        let z = samples(200, 3, 2, 0.0, 1.0);
        assert!(frechet_distance_of_samples(&x, &z).unwrap() < 0.2);
        assert!(frechet_distance_of_samples(&x, &samples(200, 3, 3, 2.0, 1.0)).unwrap() > 10.0);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(GaussianFit::from_samples(&[vec![1.0]]).is_err());
        assert!(GaussianFit::from_samples(&[vec![1.0], vec![1.0, 2.0]]).is_err());
        assert!(GaussianFit::from_samples(&[vec![1.0], vec![f64::NAN]]).is_err());
        let a = diagonal(vec![0.0], &[1.0]);
        let b = diagonal(vec![0.0, 0.0], &[1.0, 1.0]);
        assert!(frechet_distance(&a, &b).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn identical_sets_are_at_distance_zero_and_fd_is_symmetric(
            seed in 0u64..1000, dim in 1usize..12, n in 3usize..40, scale in 0.1f64..5.0,
        ) {
            let x = samples(n, dim, seed, 0.3, scale);
            let y = samples(n + 5, dim, seed + 1, -0.2, scale * 1.5);
            let xx = frechet_distance_of_samples(&x, &x).unwrap();
            prop_assert!(xx < 1e-8 * scale * scale * dim as f64, "FD(X, X) = {}", xx);
            let xy = frechet_distance_of_samples(&x, &y).unwrap();
            let yx = frechet_distance_of_samples(&y, &x).unwrap();
            prop_assert!((xy - yx).abs() < 1e-8 * (1.0 + xy), "{} vs {}", xy, yx);
        }

        #[test]
        fn diagonal_gaussians_match_the_closed_form(
            m1 in proptest::collection::vec(-3.0f64..3.0, 1..10),
            m2 in proptest::collection::vec(-3.0f64..3.0, 10),
            v1 in proptest::collection::vec(0.0f64..4.0, 10),
            v2 in proptest::collection::vec(0.0f64..4.0, 10),
        ) {
            // ‖Δμ‖² + Σᵢ (√aᵢ − √bᵢ)² for diagonal covariances diag(a), diag(b).
            let d = m1.len();
            let a = diagonal(m1.clone(), &v1[..d]);
            let b = diagonal(m2[..d].to_vec(), &v2[..d]);
            let want: f64 = (0..d)
                .map(|i| (m1[i] - m2[i]).powi(2) + (v1[i].sqrt() - v2[i].sqrt()).powi(2))
                .sum();
            let got = frechet_distance(&a, &b).unwrap();
            prop_assert!((got - want).abs() < 1e-9 * (1.0 + want), "{} vs {}", got, want);
        }
    }
}
