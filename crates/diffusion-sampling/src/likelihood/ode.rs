//! Log-likelihood through the probability-flow ODE.
//!
//! Along `dx/dt = v(x, t)` (the probability-flow drift) the log-density changes by
//! `d log p_t(x_t)/dt = −∇·v(x_t, t)` (instantaneous change of variables, Chen et al. 2018,
//! Theorem 1), so `log p_{t₀}(x) = log p_T(x_T) + ∫_{t₀}^{T} ∇·v(x_t, t) dt`, with x_t the ODE
//! solution started at x (Song et al. 2021, eq. 39). The augmented state `(x, ∫∇·v)` is solved
//! with Dormand–Prince; `p_T` is taken as `N(0, (s_T² + σ_T²) I)`, the prior of unit-variance
//! data. The divergence comes from reverse-mode autodiff: exactly (one backward pass per
//! dimension) or with Hutchinson's estimator `E[εᵀ (∂v/∂x) ε]` with one Rademacher probe fixed
//! for the whole solve (Grathwohl et al. 2019), keyed by image index so images are independent
//! of their batch.

use std::cell::RefCell;

use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData};
use diffusion_kernels::philox::philox_block;
use diffusion_kernels::NoiseKey;
use diffusion_math::ode::DormandPrince;
use diffusion_math::sampler_coefficients::flow_drift;

use crate::denoiser::{denoise, Denoiser, Evaluation};
use crate::error::{SamplingError, SamplingResult};
use crate::grid::end_time;
use crate::run::to_host;

/// How the divergence of the drift is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Divergence {
    /// Exact: one backward pass per data dimension (use for low dimensions).
    Exact,
    /// Hutchinson's unbiased estimator with one Rademacher probe per image.
    Hutchinson {
        /// Seed of the probes.
        seed: u64,
    },
}

/// Settings of the likelihood solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OdeLikelihood {
    /// Relative tolerance (Song et al.: 1e-5).
    pub rel_tol: f64,
    /// Absolute tolerance (Song et al.: 1e-5).
    pub abs_tol: f64,
    /// Time the data are placed at (Song et al.: ε = 10⁻⁵ for VP); `None`: `t_min`, or
    /// `t_min + 10⁻⁵ (t_max − t_min)` when σ(t_min) = 0.
    pub t_start: Option<f64>,
    /// The divergence estimator.
    pub divergence: Divergence,
}

impl Default for OdeLikelihood {
    fn default() -> Self {
        Self {
            rel_tol: 1e-5,
            abs_tol: 1e-5,
            t_start: None,
            divergence: Divergence::Exact,
        }
    }
}

/// Per-image log-likelihoods and the work they took.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLikelihood {
    /// `log p_{t₀}(x)` in nats, per image.
    pub nats: Vec<f64>,
    /// Dimensions per image.
    pub dims: usize,
    /// Right-hand-side evaluations of the solve (each is one forward and one backward pass for
    /// Hutchinson, `dims` of each for the exact divergence).
    pub evaluations: usize,
}

impl LogLikelihood {
    /// Bits per dimension of dequantised 8-bit data (see [`super::bits_per_dim`]).
    pub fn bits_per_dim(&self, range: super::DataRange) -> Vec<f64> {
        self.nats
            .iter()
            .map(|&ll| super::bits_per_dim(ll, self.dims, range))
            .collect()
    }
}

/// The Rademacher probe of one image: ±1 from the Philox words of `(seed, image, element)`.
fn rademacher(seed: u64, first_sample: u64, rows: usize, dim: usize) -> Vec<f32> {
    let key = NoiseKey::new(seed, 0x7000_0000);
    (0..rows)
        .flat_map(|r| {
            (0..dim).map(move |e| {
                let word = philox_block(key, first_sample + r as u64, (e / 4) as u32)[e % 4];
                if word & 1 == 0 {
                    1.0
                } else {
                    -1.0
                }
            })
        })
        .collect()
}

impl OdeLikelihood {
    /// `log p(x)` per image of the batch `x` (data units), with optional class labels;
    /// `first_sample` is the global index of row 0 (for the Hutchinson probes).
    pub fn log_likelihood<B: AutodiffBackend, M: Denoiser<B, D> + ?Sized, const D: usize>(
        &self,
        model: &M,
        x: Tensor<B, D>,
        labels: Option<&[usize]>,
        first_sample: u64,
    ) -> SamplingResult<LogLikelihood> {
        let process = model.process();
        let t_max = process.t_max();
        let t_start = end_time(process, self.t_start, 1e-5)?;
        let shape = x.dims();
        let device = x.device();
        let rows = shape[0];
        let dim: usize = shape[1..].iter().product();
        let probe = match self.divergence {
            Divergence::Hutchinson { seed } => Some(rademacher(seed, first_sample, rows, dim)),
            Divergence::Exact => None,
        };
        let upload = |v: Vec<f32>| Tensor::<B, D>::from_data(TensorData::new(v, shape), &device);
        let one_hot = |j: usize| -> Vec<f32> {
            (0..rows * dim)
                .map(|i| if i % dim == j { 1.0 } else { 0.0 })
                .collect()
        };
        // dy = (drift, divergence) for the augmented state y = (x, ∫div).
        let evaluate = |t: f64, y: &[f64], dy: &mut [f64]| -> SamplingResult<()> {
            let point = process.point_unchecked(t);
            let (a, b) = flow_drift(&point);
            let at = Evaluation {
                t,
                point,
                input_scale: 1.0,
            };
            let state: Vec<f32> = y[..rows * dim].iter().map(|&v| v as f32).collect();
            let drift_of = |x: Tensor<B, D>| -> SamplingResult<Tensor<B, D>> {
                let d = denoise(model, x.clone(), &at, labels, None)?;
                Ok(x.mul_scalar(a as f32) + d.mul_scalar(b as f32))
            };
            let probes: Vec<Vec<f32>> = match &probe {
                Some(p) => vec![p.clone()],
                None => (0..dim).map(one_hot).collect(),
            };
            let mut divergence = vec![0.0f64; rows];
            for (j, v) in probes.into_iter().enumerate() {
                let x = upload(state.clone()).require_grad();
                let drift = drift_of(x.clone())?;
                if j == 0 {
                    let values = to_host(drift.clone().inner());
                    for (o, v) in dy[..rows * dim].iter_mut().zip(values) {
                        *o = v as f64;
                    }
                }
                let grads = (drift * upload(v.clone())).sum().backward();
                let grad = x.grad(&grads).ok_or_else(|| {
                    SamplingError::invalid("model", "the drift does not depend on x (no gradient)")
                })?;
                let vjp = to_host(grad);
                for r in 0..rows {
                    divergence[r] += (0..dim)
                        .map(|e| (vjp[r * dim + e] * v[r * dim + e]) as f64)
                        .sum::<f64>();
                }
            }
            dy[rows * dim..].copy_from_slice(&divergence);
            Ok(())
        };
        let failure: RefCell<Option<SamplingError>> = RefCell::new(None);
        let rhs = |t: f64, y: &[f64], dy: &mut [f64]| {
            if failure.borrow().is_some() {
                dy.fill(f64::NAN);
            } else if let Err(e) = evaluate(t, y, dy) {
                *failure.borrow_mut() = Some(e);
                dy.fill(f64::NAN);
            }
        };
        let mut y0: Vec<f64> = to_host(x.inner()).into_iter().map(f64::from).collect();
        y0.extend(std::iter::repeat_n(0.0, rows));
        let solver = DormandPrince::new(self.rel_tol, self.abs_tol)?;
        let solved = solver.solve(rhs, t_start, t_max, &y0);
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        let solution = solved?;
        let end = process.point_unchecked(t_max);
        let prior_var = end.signal_scale.powi(2) + end.noise_std.powi(2);
        let log_norm = -0.5 * dim as f64 * (2.0 * std::f64::consts::PI * prior_var).ln();
        let nats = (0..rows)
            .map(|r| {
                let x_t = &solution.y[r * dim..(r + 1) * dim];
                let prior = log_norm - 0.5 * x_t.iter().map(|v| v * v).sum::<f64>() / prior_var;
                prior + solution.y[rows * dim + r]
            })
            .collect();
        Ok(LogLikelihood {
            nats,
            dims: dim,
            evaluations: solution.stats.evaluations,
        })
    }
}
