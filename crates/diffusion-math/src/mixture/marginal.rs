//! The diffused mixture at one time: exact density, score, posterior mean and responsibilities.

use super::GaussianMixture;
use crate::error::{MathError, MathResult};
use crate::linalg;

/// One component of `p_t`: `N(s μₖ, Cₖ = s² Σₖ + σ² I)` with its factorisation.
#[derive(Debug, Clone)]
struct DiffusedComponent {
    log_weight: f64,
    data_mean: Vec<f64>,
    data_covariance: Vec<f64>,
    mean: Vec<f64>,
    cholesky: Vec<f64>,
    log_det: f64,
}

/// `p_t` for a Gaussian mixture under `x_t = s x₀ + σ ε`.
#[derive(Debug, Clone)]
pub struct MixtureMarginal {
    dim: usize,
    signal_scale: f64,
    noise_std: f64,
    components: Vec<DiffusedComponent>,
}

impl MixtureMarginal {
    pub(super) fn new(
        mixture: &GaussianMixture,
        signal_scale: f64,
        noise_std: f64,
    ) -> MathResult<Self> {
        let dim = mixture.dim;
        let mut components = Vec::with_capacity(mixture.components.len());
        for (k, c) in mixture.components.iter().enumerate() {
            let mut cov: Vec<f64> = c
                .covariance
                .iter()
                .map(|v| v * signal_scale * signal_scale)
                .collect();
            for i in 0..dim {
                cov[i * dim + i] += noise_std * noise_std;
            }
            let cholesky =
                linalg::cholesky(&cov, dim).map_err(|detail| MathError::NotPositiveDefinite {
                    component: k,
                    detail,
                })?;
            components.push(DiffusedComponent {
                log_weight: c.weight.ln(),
                data_mean: c.mean.clone(),
                data_covariance: c.covariance.clone(),
                mean: c.mean.iter().map(|m| m * signal_scale).collect(),
                log_det: linalg::log_det_from_cholesky(&cholesky, dim),
                cholesky,
            });
        }
        Ok(Self {
            dim,
            signal_scale,
            noise_std,
            components,
        })
    }

    /// Dimension of the data.
    pub fn dim(&self) -> usize {
        self.dim
    }

    fn check(&self, x: &[f64]) -> MathResult<()> {
        if x.len() != self.dim {
            return Err(MathError::LengthMismatch {
                name: "x",
                expected: self.dim,
                found: x.len(),
            });
        }
        Ok(())
    }

    /// Per component: log of `wₖ N(x; mₖ, Cₖ)` and `Cₖ⁻¹ (x − mₖ)`.
    fn component_terms(&self, x: &[f64]) -> Vec<(f64, Vec<f64>)> {
        let n = self.dim;
        self.components
            .iter()
            .map(|c| {
                let diff: Vec<f64> = x.iter().zip(&c.mean).map(|(a, b)| a - b).collect();
                let y = linalg::solve_lower(&c.cholesky, n, &diff);
                let maha: f64 = y.iter().map(|v| v * v).sum();
                let solved = linalg::solve_lower_transposed(&c.cholesky, n, &y);
                let log_p = c.log_weight
                    - 0.5 * (maha + c.log_det + n as f64 * (2.0 * std::f64::consts::PI).ln());
                (log_p, solved)
            })
            .collect()
    }

    fn normalise(terms: &[(f64, Vec<f64>)]) -> (f64, Vec<f64>) {
        let max = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = terms.iter().map(|t| (t.0 - max).exp()).sum();
        let log_z = max + sum.ln();
        (log_z, terms.iter().map(|t| (t.0 - log_z).exp()).collect())
    }

    /// `log p_t(x)`.
    pub fn log_density(&self, x: &[f64]) -> MathResult<f64> {
        self.check(x)?;
        Ok(Self::normalise(&self.component_terms(x)).0)
    }

    /// Posterior component probabilities `rₖ(x)`.
    pub fn responsibilities(&self, x: &[f64]) -> MathResult<Vec<f64>> {
        self.check(x)?;
        Ok(Self::normalise(&self.component_terms(x)).1)
    }

    /// The exact score `∇ log p_t(x)`.
    pub fn score(&self, x: &[f64]) -> MathResult<Vec<f64>> {
        self.check(x)?;
        let terms = self.component_terms(x);
        let (_, r) = Self::normalise(&terms);
        let mut out = vec![0.0; self.dim];
        for (rk, (_, solved)) in r.iter().zip(&terms) {
            for (o, v) in out.iter_mut().zip(solved) {
                *o -= rk * v;
            }
        }
        Ok(out)
    }

    /// The exact posterior mean `E[x₀ | x_t = x]`, computed by Gaussian conditioning per
    /// component (independently of the score, so Tweedie's formula can be checked against it).
    pub fn posterior_mean(&self, x: &[f64]) -> MathResult<Vec<f64>> {
        self.check(x)?;
        let terms = self.component_terms(x);
        let (_, r) = Self::normalise(&terms);
        let mut out = vec![0.0; self.dim];
        for ((rk, (_, solved)), c) in r.iter().zip(&terms).zip(&self.components) {
            // μₖ + s Σₖ Cₖ⁻¹ (x − s μₖ)
            let correction = linalg::mat_vec(&c.data_covariance, self.dim, solved);
            for i in 0..self.dim {
                out[i] += rk * (c.data_mean[i] + self.signal_scale * correction[i]);
            }
        }
        Ok(out)
    }

    /// The signal scale `s` this marginal was built for.
    pub fn signal_scale(&self) -> f64 {
        self.signal_scale
    }

    /// The noise level `σ` this marginal was built for.
    pub fn noise_std(&self) -> f64 {
        self.noise_std
    }
}
