//! The variational bound of a discrete DDPM-style model in bits per dimension (Ho et al. 2020,
//! eq. 5; Nichol & Dhariwal 2021, §3):
//! `L = KL(q(x_N|x₀) ‖ N(0, I)) + Σ_{i≥1} KL(q(x_{i−1}|x_i, x₀) ‖ p(x_{i−1}|x_i)) − log p(x₀|x_0')`
//! with table index i (x at table index i is `√ᾱ_i x₀ + √(1−ᾱ_i) ε`).
//!
//! Each term: `x_i` is drawn with the fused noising kernel (noise keyed by image index), the
//! model's x₀ estimate D gives the reverse mean `c₀ D + c₁ x_i`, and the Gaussian KL with
//! the posterior `N(c₀ x₀ + c₁ x_i, β̃_i)` is `½(ln(σ²/β̃) + β̃/σ² − 1) + c₀²‖x₀ − D‖²/(2σ²)` per
//! image, with σ² = β̃_i ("fixed small") or β_i ("fixed large"). The decoder is the discretised
//! Gaussian over 256 bins of [−1, 1] with standard deviation √β̃₁ (Ho et al.'s code). With a
//! stride the bound is estimated from fewer terms (see `term_schedule`).

use burn::tensor::Tensor;
use diffusion_kernels::FusedKernels;
use diffusion_math::rng::SplitMix64;

use crate::denoiser::{denoise, Denoiser, Evaluation};
use crate::error::{SamplingError, SamplingResult};
use crate::plan::Marginal;
use crate::run::{forward_noise, NoiseIdentity};
use crate::samplers::DdpmVariance;

/// Settings of the bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElboOptions {
    /// The reverse-process variance.
    pub variance: DdpmVariance,
    /// 1: all KL terms; k > 1: the first k, then one per block of k (an unbiased estimate).
    pub stride: usize,
    /// Seed of the forward noise.
    pub seed: u64,
}

impl Default for ElboOptions {
    fn default() -> Self {
        Self {
            variance: DdpmVariance::FixedLarge,
            stride: 1,
            seed: 0,
        }
    }
}

/// The bound's terms per image, in nats.
#[derive(Debug, Clone, PartialEq)]
pub struct Elbo {
    /// `KL(q(x_N|x₀) ‖ N(0, I))`.
    pub prior: Vec<f64>,
    /// The sum of the per-step KLs.
    pub diffusion: Vec<f64>,
    /// `−log p(x₀|x_0')`.
    pub decoder: Vec<f64>,
    /// Dimensions per image.
    pub dims: usize,
    /// Network evaluations per image.
    pub evaluations: usize,
}

impl Elbo {
    /// Total negative bound per image, in bits per dimension.
    pub fn bits_per_dim(&self) -> Vec<f64> {
        (0..self.prior.len())
            .map(|i| {
                (self.prior[i] + self.diffusion[i] + self.decoder[i])
                    / (self.dims as f64 * std::f64::consts::LN_2)
            })
            .collect()
    }
}

/// Which KL terms `i ∈ 1..n` are evaluated, with the number of terms each stands for. With
/// stride 1 all of them; otherwise every term of the first block `1..=stride` (where the terms
/// are largest and change fastest), then one term at a seeded random position in each further
/// block of `stride`, weighted by the block's size: an unbiased estimate of the sum.
pub fn term_schedule(n: usize, stride: usize, seed: u64) -> Vec<(usize, f64)> {
    let head = stride.min(n - 1);
    let mut terms: Vec<(usize, f64)> = (1..=head).map(|i| (i, 1.0)).collect();
    debug_assert!(stride >= 1);
    let mut rng = SplitMix64::new(seed ^ 0xe1b0);
    let mut start = head + 1;
    while start < n {
        let len = stride.min(n - start);
        let offset = ((rng.uniform() * len as f64) as usize).min(len - 1);
        terms.push((start + offset, len as f64));
        start += len;
    }
    terms
}

/// Per-image sums of a `[rows, …]` tensor, read once.
fn row_sums<B: FusedKernels, const D: usize>(t: Tensor<B, D>, rows: usize) -> Vec<f64> {
    let flat: Tensor<B, 2> = t.reshape([rows as i32, -1]);
    crate::run::to_host(flat.sum_dim(1))
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Standard normal CDF.
fn normal_cdf<B: FusedKernels, const D: usize>(z: Tensor<B, D>) -> Tensor<B, D> {
    z.mul_scalar(std::f32::consts::FRAC_1_SQRT_2)
        .erf()
        .add_scalar(1.0)
        .mul_scalar(0.5)
}

/// Ho et al.'s discretised Gaussian log-likelihood of `x` (on the 256-level grid of [−1, 1])
/// under `N(mean, std²)`, per element, with open-ended edge bins.
fn discretized_log_likelihood<B: FusedKernels, const D: usize>(
    x: Tensor<B, D>,
    mean: Tensor<B, D>,
    std: f64,
) -> Tensor<B, D> {
    let half_bin = 1.0 / 255.0;
    let centered = x.clone() - mean;
    let inv = (1.0 / std) as f32;
    let cdf_plus = normal_cdf(centered.clone().add_scalar(half_bin).mul_scalar(inv));
    let cdf_min = normal_cdf(centered.sub_scalar(half_bin).mul_scalar(inv));
    let floor = 1e-12f32;
    let log_cdf_plus = cdf_plus.clone().clamp_min(floor).log();
    let log_one_minus_cdf_min = cdf_min.clone().neg().add_scalar(1.0).clamp_min(floor).log();
    let log_delta = (cdf_plus - cdf_min).clamp_min(floor).log();
    let low = x.clone().lower_elem(-0.999);
    let high = x.greater_elem(0.999);
    log_delta
        .mask_where(high, log_one_minus_cdf_min)
        .mask_where(low, log_cdf_plus)
}

/// The bound for a batch `x0` of data in [−1, 1] (on the 8-bit grid) under a discrete model.
pub fn ddpm_elbo<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
    model: &M,
    x0: Tensor<B, D>,
    labels: Option<&[usize]>,
    first_sample: u64,
    options: &ElboOptions,
) -> SamplingResult<Elbo> {
    let process = model.process();
    let n = process.num_train_timesteps().ok_or_else(|| {
        SamplingError::invalid(
            "model",
            format!("the DDPM bound needs a discrete model, but {} is continuous; use the ODE likelihood", process.name()),
        )
    })?;
    if options.stride == 0 || n < 2 {
        return Err(SamplingError::invalid(
            "stride",
            "must be at least 1 (and the table at least 2 steps)",
        ));
    }
    let shape = x0.dims();
    let rows = shape[0];
    let dims: usize = shape[1..].iter().product();
    let abar = |i: usize| process.signal_scale(i as f64).powi(2);
    let noised = |i: usize| -> SamplingResult<(Tensor<B, D>, Evaluation)> {
        let point = process.point_unchecked(i as f64);
        let marginal = Marginal {
            signal: point.signal_scale,
            noise: point.noise_std,
        };
        let identity = NoiseIdentity {
            seed: options.seed,
            first_sample,
        };
        let x_t = forward_noise(x0.clone(), marginal, identity, i as u32)?;
        Ok((
            x_t,
            Evaluation {
                t: i as f64,
                point,
                input_scale: 1.0,
            },
        ))
    };
    let posterior_variance = |i: usize| {
        let beta = 1.0 - abar(i) / abar(i - 1);
        ((1.0 - abar(i - 1)) / (1.0 - abar(i)) * beta, beta)
    };
    let device = x0.device();
    let mut weighted = Tensor::<B, D>::zeros(shape, &device);
    let mut constant = 0.0;
    let mut evaluations = 0;
    for (i, weight) in term_schedule(n, options.stride, options.seed) {
        let (x_t, at) = noised(i)?;
        let d = denoise(model, x_t, &at, labels, None)?;
        evaluations += 1;
        let (tilde, beta) = posterior_variance(i);
        let var = match options.variance {
            DdpmVariance::FixedSmall => tilde,
            DdpmVariance::FixedLarge => beta,
        };
        let c0 = abar(i - 1).sqrt() * beta / (1.0 - abar(i));
        constant += weight * 0.5 * dims as f64 * ((var / tilde).ln() + tilde / var - 1.0);
        let scale = (weight * c0 * c0 / (2.0 * var)) as f32;
        weighted = weighted + (x0.clone() - d).powi_scalar(2).mul_scalar(scale);
    }
    let diffusion = row_sums(weighted, rows)
        .into_iter()
        .map(|v| v + constant)
        .collect();
    // Decoder from table index 0.
    let (x_first, at) = noised(0)?;
    let d = denoise(model, x_first, &at, labels, None)?;
    evaluations += 1;
    let decoder_std = posterior_variance(1).0.sqrt();
    let decoder = row_sums(discretized_log_likelihood(x0.clone(), d, decoder_std), rows)
        .into_iter()
        .map(|v| -v)
        .collect();
    // Prior: ½(σ² + s²x₀² − 1 − ln σ²) per element at the last step.
    let last = process.point_unchecked((n - 1) as f64);
    let (s2, v) = (last.signal_scale.powi(2), last.noise_std.powi(2));
    let prior = row_sums(x0.powi_scalar(2), rows)
        .into_iter()
        .map(|sq| 0.5 * (dims as f64 * (v - 1.0 - v.ln()) + s2 * sq))
        .collect();
    Ok(Elbo {
        prior,
        diffusion,
        decoder,
        dims,
        evaluations,
    })
}

#[cfg(test)]
mod tests {
    use super::term_schedule;

    #[test]
    fn the_schedule_covers_every_term_once() {
        for (n, stride) in [(1000, 1), (1000, 7), (1000, 250), (10, 20)] {
            let terms = term_schedule(n, stride, 4);
            let covered: f64 = terms.iter().map(|t| t.1).sum();
            assert_eq!(covered as usize, n - 1, "n {n} stride {stride}");
            assert!(terms.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(terms.iter().all(|&(i, _)| (1..n).contains(&i)));
        }
    }
}
