//! Likelihoods of data under a diffusion model, in bits per dimension.
//!
//! - [`ode`]: the exact log-likelihood of the probability-flow ODE by the instantaneous change
//!   of variables (Chen et al. 2018; Song et al. 2021, §4.3 and appendix D.2), with the exact
//!   divergence (low dimensions) or Hutchinson's estimator with Rademacher probes (images).
//! - [`elbo`]: the discrete-time variational bound of DDPM-style models (Ho et al. 2020, eq. 5):
//!   prior KL + per-step Gaussian KLs + discretised-Gaussian decoder.
//!
//! Image likelihoods need the dequantisation convention: 8-bit pixels `k` become
//! `y = (k + u)/256` (u uniform, data in [0, 1]) or `2(k + u)/256 − 1` (data in [−1, 1]); then
//! `bits/dim = −log p(y)/(D ln 2) + log₂ 256` for [0, 1] and `+ log₂ 128` for [−1, 1] (the
//! Jacobian of the scaling), as Song et al. 2021 report CIFAR-10 bits/dim.

pub mod elbo;
pub mod ode;

use diffusion_math::rng::SplitMix64;

/// The range 8-bit data were scaled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataRange {
    /// `y = (k + u)/256`.
    ZeroToOne,
    /// `y = 2(k + u)/256 − 1` (diffusers' convention for images).
    MinusOneToOne,
}

impl DataRange {
    /// `log₂` of the Jacobian from pixel units to data units, per dimension.
    fn bits_offset(self) -> f64 {
        match self {
            Self::ZeroToOne => 8.0,
            Self::MinusOneToOne => 7.0,
        }
    }
}

/// Bits per dimension of dequantised 8-bit data from a continuous log-likelihood (nats) of
/// `dims`-dimensional data in `range`.
pub fn bits_per_dim(log_likelihood: f64, dims: usize, range: DataRange) -> f64 {
    -log_likelihood / (dims as f64 * std::f64::consts::LN_2) + range.bits_offset()
}

/// Uniform dequantisation of 8-bit values into `range` (Theis et al. 2016), noise from `seed`.
pub fn dequantize(pixels: &[u8], range: DataRange, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    pixels
        .iter()
        .map(|&k| {
            let unit = (k as f64 + rng.uniform()) / 256.0;
            match range {
                DataRange::ZeroToOne => unit as f32,
                DataRange::MinusOneToOne => (2.0 * unit - 1.0) as f32,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_density_on_the_cube_is_eight_bits() {
        // The uniform density on [0,1]^D has log p = 0: 8 bits/dim; on [−1,1]^D, log p = −D ln 2.
        assert!((bits_per_dim(0.0, 10, DataRange::ZeroToOne) - 8.0).abs() < 1e-12);
        let ll = -10.0 * std::f64::consts::LN_2;
        assert!((bits_per_dim(ll, 10, DataRange::MinusOneToOne) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn dequantised_values_stay_in_their_bins() {
        let pixels: Vec<u8> = (0..=255).collect();
        for (range, lo, width) in [
            (DataRange::ZeroToOne, 0.0, 1.0 / 256.0),
            (DataRange::MinusOneToOne, -1.0, 2.0 / 256.0),
        ] {
            for (k, y) in pixels.iter().zip(dequantize(&pixels, range, 1)) {
                let bin = ((y as f64 - lo) / width).floor() as i64;
                assert!(bin == *k as i64 || (y as f64 - lo) / width - *k as f64 <= 1e-5);
            }
        }
    }
}
