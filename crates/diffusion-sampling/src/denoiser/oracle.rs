//! The exact Gaussian-mixture denoiser on tensors: a perfect "network" for testing samplers.
//!
//! For `p₀ = Σₖ wₖ N(μₖ, Σₖ)` and `x_t = s x₀ + σ ε`, the posterior mean is
//! `E[x₀|x_t] = Σₖ rₖ(x) (μₖ + s Σₖ Cₖ⁻¹ (x − s μₖ))` with `Cₖ = s²Σₖ + σ²I` and
//! responsibilities `rₖ ∝ wₖ N(x; s μₖ, Cₖ)` (Bishop 2006, eq. 2.116; the f64 version is
//! `diffusion_math::mixture`). Here the per-time matrices are computed in f64 and the batch is
//! processed with burn ops, so the oracle is differentiable (exact divergences for likelihoods).

use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use diffusion_math::linalg;
use diffusion_math::{ForwardProcess, GaussianMixture, Prediction};

use super::Denoiser;
use crate::error::{SamplingError, SamplingResult};

/// The exact x₀-predictor of a Gaussian mixture under a forward process.
#[derive(Debug, Clone)]
pub struct MixtureDenoiser<P> {
    /// The data distribution p₀.
    pub mixture: GaussianMixture,
    /// The forward process.
    pub process: P,
}

/// One component's tensors at one time.
struct ComponentAt {
    log_norm: f32,
    shifted_mean: Vec<f32>,
    precision: Vec<f32>,
    gain_t: Vec<f32>,
    mean: Vec<f32>,
}

impl<P: ForwardProcess> MixtureDenoiser<P> {
    /// The oracle of `mixture` under `process`.
    pub fn new(mixture: GaussianMixture, process: P) -> Self {
        Self { mixture, process }
    }

    /// `Cₖ⁻¹`, `(s Σₖ Cₖ⁻¹)ᵀ` and the normalising constant of each component at time t.
    fn components_at(&self, t: f64) -> SamplingResult<Vec<ComponentAt>> {
        let dim = self.mixture.dim();
        let (s, sigma) = (self.process.signal_scale(t), self.process.noise_std(t));
        self.mixture
            .components()
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let mut cov: Vec<f64> = c.covariance.iter().map(|v| v * s * s).collect();
                for i in 0..dim {
                    cov[i * dim + i] += sigma * sigma;
                }
                let chol = linalg::cholesky(&cov, dim).map_err(|e| {
                    SamplingError::invalid(
                        "mixture",
                        format!("component {k} is not positive definite at t = {t}: {e}"),
                    )
                })?;
                let mut precision = vec![0.0; dim * dim];
                for j in 0..dim {
                    let mut e = vec![0.0; dim];
                    e[j] = 1.0;
                    let col = linalg::solve_lower_transposed(
                        &chol,
                        dim,
                        &linalg::solve_lower(&chol, dim, &e),
                    );
                    for i in 0..dim {
                        precision[i * dim + j] = col[i];
                    }
                }
                // gain = s Σ P; stored transposed for x·gainᵀ.
                let mut gain_t = vec![0.0f32; dim * dim];
                for i in 0..dim {
                    for j in 0..dim {
                        let g: f64 = (0..dim)
                            .map(|m| c.covariance[i * dim + m] * precision[m * dim + j])
                            .sum();
                        gain_t[j * dim + i] = (s * g) as f32;
                    }
                }
                let log_det = linalg::log_det_from_cholesky(&chol, dim);
                Ok(ComponentAt {
                    log_norm: (c.weight.ln() - 0.5 * log_det) as f32,
                    shifted_mean: c.mean.iter().map(|m| (m * s) as f32).collect(),
                    precision: precision.iter().map(|&v| v as f32).collect(),
                    gain_t,
                    mean: c.mean.iter().map(|&m| m as f32).collect(),
                })
            })
            .collect()
    }
}

impl<B: Backend, P: ForwardProcess> Denoiser<B, 2> for MixtureDenoiser<P> {
    fn process(&self) -> &dyn ForwardProcess {
        &self.process
    }

    fn prediction(&self) -> Prediction {
        Prediction::Sample
    }

    fn predict(
        &self,
        x: Tensor<B, 2>,
        t: f64,
        _labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, 2>> {
        let [n, dim] = x.dims();
        if dim != self.mixture.dim() {
            return Err(SamplingError::invalid(
                "oracle input",
                format!(
                    "rows have dimension {dim} but the mixture has {}",
                    self.mixture.dim()
                ),
            ));
        }
        let device = x.device();
        let row =
            |v: &[f32]| Tensor::<B, 2>::from_data(TensorData::new(v.to_vec(), [1, dim]), &device);
        let square =
            |v: &[f32]| Tensor::<B, 2>::from_data(TensorData::new(v.to_vec(), [dim, dim]), &device);
        let mut logits = Vec::new();
        let mut means = Vec::new();
        for c in self.components_at(t)? {
            let diff = x.clone() - row(&c.shifted_mean);
            let quad = (diff.clone().matmul(square(&c.precision)) * diff.clone()).sum_dim(1);
            logits.push(quad.mul_scalar(-0.5).add_scalar(c.log_norm));
            means.push(diff.matmul(square(&c.gain_t)) + row(&c.mean));
        }
        let weights = softmax(Tensor::cat(logits, 1), 1);
        let mut out = Tensor::<B, 2>::zeros([n, dim], &device);
        for (k, mean) in means.into_iter().enumerate() {
            out = out + mean * weights.clone().narrow(1, k, 1);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use diffusion_math::VpLinear;

    #[test]
    fn matches_the_f64_posterior_mean() {
        let mixture = GaussianMixture::new(
            &[0.5, 0.3, 0.2],
            &[
                vec![1.0, 0.0, -0.5],
                vec![-1.0, 0.5, 0.0],
                vec![0.0, -1.0, 1.0],
            ],
            &[
                vec![0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.01],
                vec![0.01, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 0.0, 0.01],
                vec![0.2, 0.0, 0.05, 0.0, 0.1, 0.0, 0.05, 0.0, 0.3],
            ],
        )
        .unwrap();
        let process = VpLinear::song_default();
        let oracle = MixtureDenoiser::new(mixture.clone(), process);
        let points = [[0.3, -0.2, 0.9], [-1.1, 0.4, 0.1], [0.0, 0.0, 0.0]];
        for t in [0.01, 0.3, 0.9] {
            let marginal = mixture.marginal(&process, t).unwrap();
            let flat: Vec<f32> = points.iter().flatten().map(|&v| v as f32).collect();
            let x =
                Tensor::<Flex, 2>::from_data(TensorData::new(flat, [3, 3]), &Default::default());
            let got = oracle
                .predict(x, t, None)
                .unwrap()
                .into_data()
                .to_vec::<f32>()
                .unwrap();
            for (i, p) in points.iter().enumerate() {
                let want = marginal.posterior_mean(p).unwrap();
                for j in 0..3 {
                    let g = got[i * 3 + j] as f64;
                    assert!(
                        (g - want[j]).abs() < 1e-4,
                        "t={t} point {i} dim {j}: {g} vs {}",
                        want[j]
                    );
                }
            }
        }
    }
}
