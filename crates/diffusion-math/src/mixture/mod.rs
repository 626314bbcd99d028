//! The Gaussian-mixture oracle: a data distribution whose every diffused marginal is known in
//! closed form, so samplers can be tested against the exact score.
//!
//! If `p₀ = Σₖ wₖ N(μₖ, Σₖ)` and `x_t = s x₀ + σ ε`, then `p_t = Σₖ wₖ N(s μₖ, Cₖ)` with
//! `Cₖ = s² Σₖ + σ² I`. Its score is `Σₖ rₖ(x) (−Cₖ⁻¹ (x − s μₖ))` with responsibilities
//! `rₖ ∝ wₖ N(x; s μₖ, Cₖ)`, and the posterior mean is
//! `E[x₀ | x_t] = Σₖ rₖ (μₖ + s Σₖ Cₖ⁻¹ (x − s μₖ))` (Gaussian conditioning, Bishop 2006, eq. 2.116).

mod marginal;

pub use marginal::MixtureMarginal;

use crate::error::{MathError, MathResult};
use crate::linalg;
use crate::process::ForwardProcess;
use crate::rng::SplitMix64;
use crate::validate;

/// One component of a Gaussian mixture.
#[derive(Debug, Clone, PartialEq)]
pub struct MixtureComponent {
    /// Mixing weight (normalised so all weights sum to one).
    pub weight: f64,
    /// Mean vector μ.
    pub mean: Vec<f64>,
    /// Row-major covariance Σ.
    pub covariance: Vec<f64>,
    /// Lower Cholesky factor of Σ.
    cholesky: Vec<f64>,
}

/// A mixture of full-covariance Gaussians in `dim` dimensions: the exact data distribution `p₀`.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    dim: usize,
    components: Vec<MixtureComponent>,
}

impl GaussianMixture {
    /// Builds a mixture from weights (positive, normalised here), means and row-major
    /// covariances, each checked for length, finiteness and positive definiteness.
    pub fn new(weights: &[f64], means: &[Vec<f64>], covariances: &[Vec<f64>]) -> MathResult<Self> {
        validate::nonzero_count("number of components", weights.len())?;
        for (name, len) in [("means", means.len()), ("covariances", covariances.len())] {
            if len != weights.len() {
                return Err(MathError::LengthMismatch {
                    name,
                    expected: weights.len(),
                    found: len,
                });
            }
        }
        let dim = validate::nonzero_count("dimension", means[0].len())?;
        let total: f64 = weights.iter().sum();
        let mut components = Vec::with_capacity(weights.len());
        for (k, ((&w, mean), cov)) in weights.iter().zip(means).zip(covariances).enumerate() {
            validate::positive("weight", w)?;
            if mean.len() != dim {
                return Err(MathError::LengthMismatch {
                    name: "mean",
                    expected: dim,
                    found: mean.len(),
                });
            }
            if cov.len() != dim * dim {
                return Err(MathError::LengthMismatch {
                    name: "covariance",
                    expected: dim * dim,
                    found: cov.len(),
                });
            }
            for &v in mean.iter().chain(cov) {
                validate::finite("mixture parameter", v)?;
            }
            let cholesky =
                linalg::cholesky(cov, dim).map_err(|detail| MathError::NotPositiveDefinite {
                    component: k,
                    detail,
                })?;
            components.push(MixtureComponent {
                weight: w / total,
                mean: mean.clone(),
                covariance: cov.clone(),
                cholesky,
            });
        }
        Ok(Self { dim, components })
    }

    /// A mixture of isotropic Gaussians `N(μₖ, stdₖ² I)`.
    pub fn isotropic(weights: &[f64], means: &[Vec<f64>], stds: &[f64]) -> MathResult<Self> {
        if stds.len() != weights.len() {
            return Err(MathError::LengthMismatch {
                name: "stds",
                expected: weights.len(),
                found: stds.len(),
            });
        }
        let dim = means.first().map_or(0, Vec::len);
        let covariances: Vec<Vec<f64>> = stds
            .iter()
            .map(|&sd| {
                let mut c = vec![0.0; dim * dim];
                for i in 0..dim {
                    c[i * dim + i] = sd * sd;
                }
                c
            })
            .collect();
        Self::new(weights, means, &covariances)
    }

    /// Dimension of the data.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The components (weights normalised).
    pub fn components(&self) -> &[MixtureComponent] {
        &self.components
    }

    /// The exact marginal `p_t` of `process` at time `t` (checked against the domain).
    pub fn marginal<P: ForwardProcess + ?Sized>(
        &self,
        process: &P,
        t: f64,
    ) -> MathResult<MixtureMarginal> {
        let point = process.at(t)?;
        MixtureMarginal::new(self, point.signal_scale, point.noise_std)
    }

    /// The marginal for a given signal scale and noise level directly (e.g. discrete tables).
    pub fn marginal_at_scale(
        &self,
        signal_scale: f64,
        noise_std: f64,
    ) -> MathResult<MixtureMarginal> {
        validate::finite("signal_scale", signal_scale)?;
        validate::non_negative("noise_std", noise_std)?;
        MixtureMarginal::new(self, signal_scale, noise_std)
    }

    /// `n` exact samples from `p₀`, reproducible from `seed`.
    pub fn sample(&self, n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| self.sample_one(&mut rng)).collect()
    }

    /// One exact sample from `p₀` using the given random source.
    pub fn sample_one(&self, rng: &mut SplitMix64) -> Vec<f64> {
        let u = rng.uniform();
        let mut acc = 0.0;
        let mut chosen = &self.components[self.components.len() - 1];
        for c in &self.components {
            acc += c.weight;
            if u < acc {
                chosen = c;
                break;
            }
        }
        let z: Vec<f64> = (0..self.dim).map(|_| rng.standard_normal()).collect();
        let lz = lower_mat_vec(&chosen.cholesky, self.dim, &z);
        chosen.mean.iter().zip(lz).map(|(m, v)| m + v).collect()
    }
}

fn lower_mat_vec(l: &[f64], n: usize, x: &[f64]) -> Vec<f64> {
    (0..n)
        .map(|i| (0..=i).map(|j| l[i * n + j] * x[j]).sum())
        .collect()
}
